#include "backend/seccomp/filter_cache.h"

#include <deque>
#include <map>
#include <mutex>

#include <fmt/format.h>

namespace ward::backend::seccomp {

namespace {

// Filters already built in this process, by a canonical key of everything the build depends on (the
// planned rules, arches, default and foreign actions, options; never the spans, which only diagnostics
// use). A fleet of policies that extend one base shares one libseccomp build. Only successful builds are
// kept, at most kFilterCacheBytes of them (oldest out first).
constexpr std::size_t kFilterCacheBytes = std::size_t{32} << 20;

struct FilterCache {
  std::mutex mutex;
  std::map<std::string, Filter> entries;
  std::deque<std::string> order;
  std::size_t bytes = 0;
};

constexpr std::size_t kPlanCacheEntries = 64;

struct PlanCache {
  std::mutex mutex;
  std::map<std::string, std::vector<PlannedRule>> entries;
  std::deque<std::string> order;
};

PlanCache& planCache() {
  static PlanCache cache;
  return cache;
}

void appendSpan(std::string& key, const Span& s) {
  key += std::to_string(s.file);
  key += ':';
  key += std::to_string(s.line);
  key += ':';
  key += std::to_string(s.col);
}

void appendAction(std::string& key, const ir::Action& a) {
  key += std::to_string(static_cast<int>(a.kind));
  key += '/';
  key += std::to_string(a.errnoValue);
  key += '/';
  key += a.errnoName;
}

FilterCache& filterCache() {
  static FilterCache cache;
  return cache;
}

}  // namespace

std::string filterKey(const std::vector<PlannedRule>& plan, const std::vector<std::uint32_t>& arches, std::uint32_t def,
                      std::uint32_t foreign, const FilterOptions& options) {
  std::string key = fmt::format("o{} s{} d{:x} f{:x} a", options.optimize, options.simplify ? 1 : 0, def, foreign);
  for (auto a : arches) key += fmt::format("{:x},", a);
  for (const auto& r : plan) {
    key += fmt::format("\n{} {:x} {}{}", r.name, actionValue(r.action), r.complement ? 'c' : '-', r.byOrder ? 'o' : '-');
    for (const auto& c : r.conditions)
      key += fmt::format(" {}:{}:{:x}:{:x}", c.index, static_cast<int>(c.op), c.value, c.mask);
  }
  return key;
}

std::optional<Filter> cachedFilter(const std::string& key) {
  auto& c = filterCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.entries.find(key);
  if (it == c.entries.end()) return std::nullopt;
  return it->second;
}

void rememberFilter(const std::string& key, const Filter& f) {
  auto& c = filterCache();
  const std::size_t size = key.size() + f.bpf.size() + f.pfc.size();
  if (size > kFilterCacheBytes) return;
  std::lock_guard<std::mutex> lock(c.mutex);
  if (!c.entries.emplace(key, f).second) return;
  c.order.push_back(key);
  c.bytes += size;
  while (c.bytes > kFilterCacheBytes && !c.order.empty()) {
    auto old = c.entries.find(c.order.front());
    c.bytes -= old->first.size() + old->second.bpf.size() + old->second.pfc.size();
    c.entries.erase(old);
    c.order.pop_front();
  }
}

std::string planKey(const std::vector<ir::SyscallRule>& rules, const ir::Action& def) {
  std::string key;
  key.reserve(rules.size() * 48);
  appendAction(key, def);
  for (const auto& r : rules) {
    key += '\n';
    key += r.name;
    key += ' ';
    appendAction(key, r.action);
    key += ' ';
    appendSpan(key, r.span);
    for (const auto& c : r.conditions) {
      key += ' ';
      key += std::to_string(c.index);
      key += ':';
      key += std::to_string(static_cast<int>(c.op));
      key += ':';
      key += std::to_string(c.value);
      key += ':';
      key += std::to_string(c.mask);
      key += '@';
      appendSpan(key, c.span);
    }
  }
  return key;
}

std::optional<std::vector<PlannedRule>> cachedPlan(const std::string& key) {
  auto& c = planCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.entries.find(key);
  if (it == c.entries.end()) return std::nullopt;
  return it->second;
}

void rememberPlan(const std::string& key, const std::vector<PlannedRule>& plan) {
  auto& c = planCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (!c.entries.emplace(key, plan).second) return;
  c.order.push_back(key);
  while (c.order.size() > kPlanCacheEntries) {
    c.entries.erase(c.order.front());
    c.order.pop_front();
  }
}

void clearFilterCache() {
  {
    auto& p = planCache();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.entries.clear();
    p.order.clear();
  }
  auto& c = filterCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.entries.clear();
  c.order.clear();
  c.bytes = 0;
}

}  // namespace ward::backend::seccomp
