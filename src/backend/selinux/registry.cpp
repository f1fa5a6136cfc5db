#include "backend/selinux/registry.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "backend/common/registry_file.h"
#include "base/sha256.h"

namespace ward::backend::selinux {
namespace {

namespace rf = common::registry_file;

constexpr std::string_view kHeader =
    "# ward MCS registry v1 (NAME<TAB>cLO,cHI, sorted by name; change it with `ward release NAME`)";
constexpr std::uint32_t kMaxCategory = 1023;

using Entries = std::map<std::string, McsPair>;

// ---- the file format -------------------------------------------------------------------------------
bool parseCategory(std::string_view s, std::uint32_t& out) {
  if (s.size() < 2 || s[0] != 'c') return false;
  s.remove_prefix(1);
  if (s.size() > 1 && s[0] == '0') return false;   // one spelling per number
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= kMaxCategory;
}

std::optional<Entries> parse(const std::string& text, std::string& error) {
  auto lines = rf::entryLines(text, kHeader, "the ward MCS registry v1 header", error);
  if (!lines) return std::nullopt;
  Entries entries;
  std::unordered_set<std::uint32_t> pairs;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    std::string_view line = (*lines)[i];
    const std::size_t tab = line.find('\t');
    const std::size_t comma = line.find(',', tab == std::string_view::npos ? 0 : tab);
    McsPair p;
    if (tab == std::string_view::npos || comma == std::string_view::npos ||
        !validContainerName(line.substr(0, tab)) || !parseCategory(line.substr(tab + 1, comma - tab - 1), p.lo) ||
        !parseCategory(line.substr(comma + 1), p.hi) || p.lo >= p.hi) {
      error = fmt::format("line {}: not NAME<TAB>cLO,cHI with LO < HI <= {}", i + 2, kMaxCategory);
      return std::nullopt;
    }
    std::string name(line.substr(0, tab));
    if (!entries.empty() && entries.rbegin()->first >= name) {
      error = fmt::format("line {}: '{}' is duplicated or out of order", i + 2, name);
      return std::nullopt;
    }
    if (!pairs.insert(p.lo * 1024 + p.hi).second) {
      error = fmt::format("line {}: pair {} is given to two containers", i + 2, p.text());
      return std::nullopt;
    }
    entries.emplace(std::move(name), p);
  }
  return entries;
}

std::string serialize(const Entries& entries) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& [name, p] : entries) out += name + "\t" + p.text() + "\n";
  return rf::seal(std::move(out));
}

// ---- files ---------------------------------------------------------------------------------------------
// Reads the registry. Missing file: empty entries. Unreadable or corrupt: nullopt and `error`.
std::optional<Entries> load(const std::string& stateDir, std::string& error) {
  const std::string path = registryPath(stateDir);
  std::string text;
  switch (rf::readAll(path, "the MCS registry", text, error)) {
    case rf::ReadStatus::Missing: return Entries{};
    case rf::ReadStatus::Error: return std::nullopt;
    case rf::ReadStatus::Ok: break;
  }
  std::string why;
  auto entries = parse(text, why);
  if (!entries)
    error = fmt::format("the MCS registry {} is corrupt: {}. ward does not reset it: repair or move it aside by "
                        "hand (every container listed there keeps its categories only while it is listed)",
                        path, why);
  return entries;
}

bool store(const std::string& stateDir, const Entries& entries, std::string& error) {
  return rf::writeAtomic(stateDir, "mcs.registry", serialize(entries), error);
}

// Holds the exclusive registry lock for its lifetime.
struct Lock {
  rf::Lock lock;
  bool acquire(const std::string& stateDir, std::string& error) {
    return lock.acquire(lockPath(stateDir), "the MCS registry lock", error);
  }
};

McsResult failure(Code code, std::string error) {
  McsResult r;
  r.code = std::move(code);
  r.error = std::move(error);
  return r;
}

}  // namespace

std::string McsPair::text() const { return fmt::format("c{},c{}", lo, hi); }

std::string registryPath(const std::string& stateDir) { return stateDir + "/mcs.registry"; }
std::string lockPath(const std::string& stateDir) { return stateDir + "/mcs.lock"; }

bool validContainerName(std::string_view name) { return rf::validName(name); }

McsResult allocate(const RegistryOptions& options, const std::string& name) {
  if (!validContainerName(name))
    return failure(Code::E1203, fmt::format("'{}' cannot be registered for MCS categories (use 1-255 letters, digits "
                                        "and _ . - : @ +)",
                                        name));
  const std::uint32_t first = options.firstCategory, last = options.lastCategory;
  if (last > kMaxCategory || first >= last)
    return failure(Code::E1202, fmt::format("the MCS category range c{}..c{} holds no pair (categories go up to c{})",
                                        first, last, kMaxCategory));
  std::string error;
  if (!rf::ensureDir(options.stateDir, error)) return failure(Code::E1203, error);
  Lock lock;
  if (!lock.acquire(options.stateDir, error)) return failure(Code::E1203, error);
  auto entries = load(options.stateDir, error);
  if (!entries) return failure(Code::E1203, error);
  McsResult r;
  if (auto it = entries->find(name); it != entries->end()) {
    r.pair = it->second;
    return r;
  }
  std::unordered_set<std::uint32_t> used;
  for (const auto& [n, p] : *entries) used.insert(p.lo * 1024 + p.hi);
  const std::uint64_t n = last - first + 1;
  const std::uint64_t total = n * (n - 1) / 2;
  // Start where the name's hash points, then walk the pairs in order, wrapping around.
  std::uint64_t start = 0;
  {
    const std::string h = sha256Hex(name);
    std::from_chars(h.data(), h.data() + 16, start, 16);
    start %= total;
  }
  McsPair p{first, first + 1};
  for (std::uint64_t idx = start;;) {   // index -> pair, row by row: (first, first+1..last), ...
    const std::uint64_t row = last - p.lo;
    if (idx < row) {
      p.hi = p.lo + 1 + static_cast<std::uint32_t>(idx);
      break;
    }
    idx -= row;
    ++p.lo;
  }
  for (std::uint64_t k = 0; k < total; ++k) {
    if (!used.count(p.lo * 1024 + p.hi)) {
      entries->emplace(name, p);
      if (!store(options.stateDir, *entries, error)) return failure(Code::E1203, error);
      r.pair = p;
      return r;
    }
    if (++p.hi > last) {
      if (++p.lo >= last) p.lo = first;
      p.hi = p.lo + 1;
    }
  }
  return failure(Code::E1202, fmt::format("all {} MCS category pairs in c{}..c{} are allocated ({} containers in {}); "
                                      "free the pairs of containers that are gone with `ward release NAME`",
                                      total, first, last, entries->size(), registryPath(options.stateDir)));
}

McsResult lookup(const std::string& stateDir, const std::string& name) {
  std::string error;
  auto entries = load(stateDir, error);
  if (!entries) return failure(Code::E1203, error);
  McsResult r;
  if (auto it = entries->find(name); it != entries->end()) r.pair = it->second;
  return r;
}

ReleaseResult releasePair(const std::string& stateDir, const std::string& name) {
  ReleaseResult r;
  struct stat st {};
  if (::stat(stateDir.c_str(), &st) != 0 && errno == ENOENT) {
    r.status = ReleaseStatus::NotAllocated;
    return r;
  }
  std::string error;
  Lock lock;
  auto entries = lock.acquire(stateDir, error) ? load(stateDir, error) : std::nullopt;
  if (!entries) {
    r.code = Code::E1203;
    r.error = error;
    return r;
  }
  auto it = entries->find(name);
  if (it == entries->end()) {
    r.status = ReleaseStatus::NotAllocated;
    return r;
  }
  r.pair = it->second;
  entries->erase(it);
  if (!store(stateDir, *entries, error)) {
    r.code = Code::E1203;
    r.error = error;
    r.pair.reset();
    return r;
  }
  r.status = ReleaseStatus::Released;
  return r;
}

std::string release(const std::string& stateDir, const std::string& name) {
  ReleaseResult r = releasePair(stateDir, name);
  switch (r.status) {
    case ReleaseStatus::Released: return {};
    case ReleaseStatus::NotAllocated:
      return fmt::format("no MCS categories are allocated to '{}' in {}", name, registryPath(stateDir));
    case ReleaseStatus::Error: break;
  }
  return std::string(codeId(r.code)) + ": " + r.error;
}

}  // namespace ward::backend::selinux
