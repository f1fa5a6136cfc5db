#include "backend/common/common.h"

#include "base/capabilities.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace ward::backend::common {

std::string provenance(const ir::Policy& policy, const Span& span, std::string_view why) {
  std::string where = policy.where(span);
  if (where.empty()) return std::string(why);
  if (why.empty()) return where;
  return where + " " + std::string(why);
}

Span orPolicy(const ir::Policy& policy, const Span& span) { return span.valid() ? span : policy.span; }

// ---- capabilities ---------------------------------------------------------------------------------
const std::vector<std::string_view>& capabilityNames() { return ward::capabilityNames(); }
int capabilityNumber(std::string_view name) { return ward::capabilityNumber(name); }
std::string capabilityName(int number) { return ward::capabilityName(number); }

std::string ociCapabilityName(int number) {
  std::string n = capabilityName(number);
  if (n.empty()) return n;
  for (char& c : n) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return "CAP_" + n;
}

int readKernelLastCap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int v = -1;
  if (in >> v && v >= 0 && v < 64) return v;
  return kKnownLastCap;
}

CapabilitySets capabilitySets(const ir::Policy& policy, int lastCap) {
  CapabilitySets sets;
  if (lastCap < 0 || lastCap > 63) lastCap = kKnownLastCap;
  sets.all = policy.mechanism.allCapabilities;   // lower/ expanded "keep all" into the list
  std::map<int, ir::Capability> kept;
  for (const auto& c : policy.mechanism.capabilities) {
    int n = c.number >= 0 ? c.number : capabilityNumber(c.name);
    if (n < 0) continue;  // sema rejects unknown names; never emit one we cannot name
    ir::Capability copy = c;
    copy.number = n;
    copy.name = capabilityName(n);
    kept.emplace(n, std::move(copy));   // the first provenance wins
  }
  for (auto& [n, c] : kept) {
    sets.keep.push_back(c);
    if (n <= lastCap) sets.keepMask |= std::uint64_t{1} << n;
  }
  for (int i = 0; i <= lastCap; ++i)
    if (!kept.count(i)) sets.drop.push_back(i);
  return sets;
}

// ---- cgroups --------------------------------------------------------------------------------------
std::uint64_t cpuWeightToShares(std::uint64_t weight) {
  weight = std::clamp<std::uint64_t>(weight, 1, 10000);
  return std::clamp<std::uint64_t>((weight * 1024 + 50) / 100, 2, 262144);
}

std::uint64_t cpuSharesToWeight(std::uint64_t shares) {
  shares = std::min<std::uint64_t>(shares, 262144);
  return std::clamp<std::uint64_t>((shares * 100 + 512) / 1024, 1, 10000);
}

std::uint64_t ioWeightToBlkioWeight(std::uint64_t weight) {
  weight = std::clamp<std::uint64_t>(weight, 1, 10000);
  // runc: io.weight = 1 + (blkio - 10) * 9999 / 990
  return 10 + ((weight - 1) * 990 + 9998) / 9999;
}

std::optional<std::pair<std::int64_t, std::int64_t>> parseDevice(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto num = [](std::string_view t) -> std::optional<std::int64_t> {
    std::int64_t v = 0;
    if (t.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || p != t.data() + t.size() || v < 0) return std::nullopt;
    return v;
  };
  auto a = num(s.substr(0, colon)), b = num(s.substr(colon + 1));
  if (!a || !b) return std::nullopt;
  return std::pair{*a, *b};
}

std::string quantity(std::uint64_t bytes) {
  if (bytes == ir::kUnlimited) return "unlimited";
  static const char* units[] = {"TiB", "GiB", "MiB", "KiB"};
  static const int shifts[] = {40, 30, 20, 10};
  for (int i = 0; i < 4; ++i) {
    std::uint64_t unit = std::uint64_t{1} << shifts[i];
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, units[i]);
  }
  return fmt::format("{}B", bytes);
}

namespace {

std::string num(std::uint64_t v) { return v == ir::kUnlimited ? "max" : std::to_string(v); }
std::string numV1(std::uint64_t v) { return v == ir::kUnlimited ? "-1" : std::to_string(v); }

std::string normalizedAccess(std::string_view access) {
  std::string out;
  for (char c : {'r', 'w', 'm'})
    if (access.find(c) != std::string_view::npos) out += c;
  return out;
}

}  // namespace

std::vector<ir::DeviceRule> deviceAllowList(const ir::Policy& policy) {
  // lower/ decides the allow-list (its safe defaults plus the policy's devices); a reader of a foreign
  // config gives that config's. Here they are only normalised ("rwm" order) and made unique.
  std::vector<ir::DeviceRule> out;
  auto same = [](const ir::DeviceRule& a, const ir::DeviceRule& b) {
    return a.type == b.type && a.major == b.major && a.minor == b.minor &&
           normalizedAccess(a.access) == normalizedAccess(b.access);
  };
  for (const auto& r : policy.mechanism.deviceRules) {
    ir::DeviceRule copy = r;
    copy.access = normalizedAccess(r.access);
    if (copy.access.empty()) continue;
    if (std::none_of(out.begin(), out.end(), [&](const ir::DeviceRule& o) { return same(o, copy); }))
      out.push_back(std::move(copy));
  }
  return out;
}

std::string deviceRuleText(const ir::DeviceRule& r) {
  auto part = [](std::int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  return fmt::format("{} {}:{} {}", r.type, part(r.major), part(r.minor), normalizedAccess(r.access));
}

CgroupSettings cgroupSettings(const ir::Policy& policy) {
  CgroupSettings cg;
  const auto& l = policy.limits;
  auto both = [&](std::string k1, std::string v1, std::string k2, std::string v2, const Span& span,
                  const std::string& why) {
    if (!k1.empty()) cg.v1.push_back({std::move(k1), std::move(v1), span, why});
    if (!k2.empty()) cg.v2.push_back({std::move(k2), std::move(v2), span, why});
  };
  if (l.memoryMax) {
    const auto& m = *l.memoryMax;
    both("memory.limit_in_bytes", numV1(m.value), "memory.max", num(m.value), m.span,
         "limits memory " + quantity(m.value));
  }
  if (l.memoryHigh) {
    const auto& m = *l.memoryHigh;
    // v1 has no throttling threshold; the soft limit is what reclaim pushes the group back to.
    both("memory.soft_limit_in_bytes", numV1(m.value), "memory.high", num(m.value), m.span,
         "limits memory.high " + quantity(m.value));
  }
  if (l.swapMax) {
    const auto& s = *l.swapMax;
    std::string why = "limits swap " + quantity(s.value);
    // v1 limits memory+swap together; without a memory limit the swap limit cannot be expressed.
    if (l.memoryMax) {
      std::uint64_t mem = l.memoryMax->value, total = ir::kUnlimited;
      if (mem != ir::kUnlimited && s.value != ir::kUnlimited && mem <= ir::kUnlimited - s.value)
        total = mem + s.value;
      cg.v1.push_back({"memory.memsw.limit_in_bytes", numV1(total), s.span, why + " (memory+swap)"});
    }
    cg.v2.push_back({"memory.swap.max", num(s.value), s.span, why});
  }
  if (l.cpuQuotaMicros) {
    const auto& q = *l.cpuQuotaMicros;
    std::string why = fmt::format("limits cpu {}", static_cast<double>(q.value) / 100000.0);
    cg.v1.push_back({"cpu.cfs_period_us", "100000", q.span, why});
    cg.v1.push_back({"cpu.cfs_quota_us", std::to_string(q.value), q.span, why});
    cg.v2.push_back({"cpu.max", fmt::format("{} 100000", q.value), q.span, why});
  }
  if (l.cpuWeight) {
    const auto& w = *l.cpuWeight;
    both("cpu.shares", std::to_string(cpuWeightToShares(w.value)), "cpu.weight", std::to_string(w.value),
         w.span, fmt::format("limits cpu.weight {}", w.value));
  }
  if (l.cpuset) {
    const auto& c = *l.cpuset;
    both("cpuset.cpus", c.value, "cpuset.cpus", c.value, c.span, "limits cpuset \"" + c.value + "\"");
  }
  if (l.pids) {
    const auto& p = *l.pids;
    both("pids.max", num(p.value), "pids.max", num(p.value), p.span, fmt::format("limits pids {}", p.value));
  }
  if (l.ioWeight) {
    // v2 only. v1's blkio.weight belongs to CFQ, which Linux 5.0 removed with the legacy block layer;
    // blk-mq kernels have blkio.bfq.weight only when built with BFQ (and it acts only on disks BFQ
    // schedules), and a runtime that cannot write a cgroup file refuses to start. The LXC backend says
    // so (W0006); OCI's blockIO.weight leaves the choice of file to the runtime.
    const auto& w = *l.ioWeight;
    cg.v2.push_back({"io.weight", fmt::format("default {}", w.value), w.span,
                     fmt::format("limits io.weight {}", w.value)});
  }
  // v1: one line per device and direction; v2: one io.max line per device with rbps and wbps.
  std::vector<std::string> devices;
  std::map<std::string, std::pair<std::string, Span>> v2io;
  for (const auto& b : l.ioBps) {
    std::string why = fmt::format("limits io.{}_bps \"{}\" {}", b.write ? "write" : "read", b.device,
                                  quantity(b.bytesPerSecond));
    cg.v1.push_back({b.write ? "blkio.throttle.write_bps_device" : "blkio.throttle.read_bps_device",
                     fmt::format("{} {}", b.device, b.bytesPerSecond), b.span, why});
    auto& entry = v2io[b.device];
    if (entry.first.empty()) {
      devices.push_back(b.device);
      entry.second = b.span;
    }
    entry.first += fmt::format(" {}={}", b.write ? "wbps" : "rbps", num(b.bytesPerSecond));
  }
  for (const auto& d : devices) {
    const auto& [text, span] = v2io[d];
    cg.v2.push_back({"io.max", d + text, span, "limits io bps \"" + d + "\""});
  }
  for (const auto& h : l.hugetlb) {
    std::string why = fmt::format("limits hugetlb {} {}", h.pageSize, quantity(h.bytes));
    both("hugetlb." + h.pageSize + ".limit_in_bytes", numV1(h.bytes), "hugetlb." + h.pageSize + ".max",
         num(h.bytes), h.span, why);
  }
  // Devices: deny everything, then the allow-list.
  Span ps = policy.span;
  both("devices.deny", "a", "devices.deny", "a", ps, "devices: deny all but the allow-list");
  for (const auto& r : deviceAllowList(policy)) {
    std::string text = deviceRuleText(r);
    std::string why = r.why.empty() ? "devices allow" : r.why;
    both("devices.allow", text, "devices.allow", text, orPolicy(policy, r.span), why);
  }
  return cg;
}

// ---- rlimits --------------------------------------------------------------------------------------
std::string rlimitResource(std::string_view name) {
  static const std::set<std::string_view> known = {
      "as",      "core",  "cpu",  "data",   "fsize",  "locks",  "memlock",    "msgqueue",
      "nice",    "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};
  if (!known.count(name)) return {};
  std::string out = "RLIMIT_";
  for (char c : name) out += static_cast<char>(c - 'a' + 'A');
  return out;
}

std::vector<RlimitSetting> rlimits(const ir::Policy& policy, std::vector<std::string>* unknown) {
  std::map<std::string, RlimitSetting> byName;   // sorted by name, the last one wins (overrides)
  for (const auto& r : policy.limits.rlimits) {
    std::string res = rlimitResource(r.name);
    if (res.empty()) {
      if (unknown) unknown->push_back(r.name);
      continue;
    }
    byName[r.name] = {r.name, res, r.soft, r.hard, r.span};
  }
  std::vector<RlimitSetting> out;
  for (auto& [n, r] : byName) out.push_back(std::move(r));
  return out;
}

// ---- id maps --------------------------------------------------------------------------------------
std::optional<std::pair<std::uint32_t, std::uint32_t>> rootSubidRange(std::string_view text) {
  std::optional<std::pair<std::uint32_t, std::uint32_t>> first;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view who = line.substr(0, c1);
    if (who != "root" && who != "0") continue;
    std::uint32_t start = 0, count = 0;
    auto s = line.substr(c1 + 1, c2 - c1 - 1), n = line.substr(c2 + 1);
    while (!n.empty() && (n.back() == '\r' || n.back() == ' ')) n.remove_suffix(1);
    auto r1 = std::from_chars(s.data(), s.data() + s.size(), start);
    auto r2 = std::from_chars(n.data(), n.data() + n.size(), count);
    if (r1.ec != std::errc{} || r2.ec != std::errc{} || count == 0 || start == 0) continue;
    if (count >= kAutoIdCount) return std::pair{start, kAutoIdCount};
    if (!first) first = std::pair{start, count};
  }
  return first;
}

std::string readFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool usesUserNamespace(const ir::Policy& policy) { return !policy.identity.privileged; }

bool usesAutoIdmap(const ir::Policy& policy) {
  const auto& id = policy.identity;
  return !id.privileged && (id.idmapAuto || id.idmaps.empty());
}

namespace {

// Explicit maps as written, sorted uid first; nothing when privileged. Sets `automatic` for `idmap auto`.
std::vector<IdRange> explicitIdmaps(const ir::Policy& policy, bool& automatic) {
  std::vector<IdRange> out;
  const auto& id = policy.identity;
  automatic = false;
  if (id.privileged) return out;
  if (id.idmapAuto || id.idmaps.empty()) {
    automatic = true;
    return out;
  }
  for (const auto& m : id.idmaps)
    out.push_back({m.kind, m.inside, m.outside, m.count, m.span,
                   fmt::format("idmap {} {} {} {}", m.kind == 'u' ? "uid" : "gid", m.inside, m.outside, m.count)});
  std::stable_sort(out.begin(), out.end(), [](const IdRange& a, const IdRange& b) {
    return a.kind != b.kind ? a.kind == 'u' : a.inside < b.inside;
  });
  return out;
}

std::vector<IdRange> autoIdmaps(const ir::Policy& policy, const IdSlot& slot, const std::string& why) {
  return {{'u', 0, slot.uid, kIdRangeSize, policy.span, why}, {'g', 0, slot.gid, kIdRangeSize, policy.span, why}};
}

}  // namespace

std::vector<IdRange> idmaps(const ir::Policy& policy, const Options& options, const IdPool& pool,
                            Diagnostics& diags) {
  bool automatic = false;
  auto out = explicitIdmaps(policy, automatic);
  if (!automatic) return out;
  const std::string name = options.containerName.empty() ? policy.name : options.containerName;
  IdRegistryOptions ro;
  ro.stateDir = options.stateDir;
  ro.pool = pool;
  IdResult r = options.allocate ? allocateIdRange(ro, name) : previewIdRange(ro, name);
  if (!r.ok() || !r.range) {
    diags.error(r.ok() ? Code::E1203 : r.code, policy.span,
                r.ok() ? "idmap auto: the id range registry gave no range to '" + name + "'" : r.error);
    return {};
  }
  std::string why;
  if (r.placeholder && !r.note.empty())
    why = fmt::format("idmap auto (placeholder for container \"{}\": check-only run, the id range registry "
                      "cannot be read)", name);
  else if (r.placeholder)
    why = fmt::format("idmap auto (placeholder: check-only run, no range registered for container \"{}\")", name);
  else if (!pool.contains(*r.range))
    why = fmt::format("idmap auto (registered for container \"{}\"; outside the current pool of {})", name,
                      pool.description);
  else
    why = fmt::format("idmap auto (registered for container \"{}\")", name);
  return autoIdmaps(policy, *r.range, why);
}

std::vector<IdRange> idmaps(const ir::Policy& policy, std::string_view subuidText, std::string_view subgidText) {
  bool automatic = false;
  auto out = explicitIdmaps(policy, automatic);
  if (!automatic) return out;
  IdPool pool = idPool(subuidText, subgidText);
  auto slot = startSlot(pool, policy.name);
  if (!slot) slot = startSlot(idPool("", ""), policy.name);   // no usable range: model the default pool
  if (!slot) return out;
  return autoIdmaps(policy, *slot, fmt::format("idmap auto (model: the range a fresh registry gives \"{}\")",
                                               policy.name));
}


// ---- paths and mounts -----------------------------------------------------------------------------
std::string octal(std::uint32_t mode) { return fmt::format("{:o}", mode); }

std::vector<std::string> mountFlags(const ir::Mount& m) {
  std::vector<std::string> f;
  f.push_back(m.readOnly ? "ro" : "rw");
  if (m.nosuid) f.push_back("nosuid");
  if (m.nodev) f.push_back("nodev");
  if (m.noexec) f.push_back("noexec");
  if (m.kind == ir::Mount::Kind::Tmpfs) {
    if (m.sizeBytes) f.push_back(fmt::format("size={}", *m.sizeBytes));
    if (m.mode) f.push_back("mode=" + octal(*m.mode));
  }
  return f;
}

bool isSingleLine(std::string_view text) {
  return text.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos;
}

std::string yamlString(std::string_view text) { return nlohmann::json(std::string(text)).dump(); }

}  // namespace ward::backend::common
