// lower(): intent -> mechanism. This file holds the driver and the small derivations (capabilities,
// devices cgroup, masked and read-only paths); syscalls.cpp and apparmor.cpp hold the larger ones.
#include "lower/lower.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <map>

#include <fmt/format.h>

#include "ir/dump.h"
#include "lower/internal.h"

namespace ward::lower {
namespace detail {

int capabilityNumber(std::string_view name) { return ward::capabilityNumber(name); }

namespace {
std::string portText(const ir::PortRange& r) {
  return r.first == r.last ? std::to_string(r.first) : fmt::format("{}-{}", r.first, r.last);
}
}  // namespace

std::string endpointText(const ir::Endpoint& e, const ir::PortRange* port) {
  std::string s = ir::protoName(e.proto);
  if (!e.host.empty()) s += " \"" + e.host + "\"";
  if (port) {
    s += " " + portText(*port);
  } else {
    for (std::size_t i = 0; i < e.ports.size(); ++i) s += (i ? ", " : " ") + portText(e.ports[i]);
  }
  return s;
}

std::string deviceText(const ir::Device& d) {
  auto part = [](std::int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  std::string s = fmt::format("allow {} {}:{}", d.type == 'b' ? "block" : "char", part(d.major), part(d.minor));
  if (!d.path.empty()) s += " \"" + d.path + "\"";
  std::string access;
  if (d.read) access += 'r';
  if (d.write) access += 'w';
  if (d.mknod) access += 'm';
  if (!access.empty()) s += " " + access;
  return s;
}

unsigned unprivilegedPortStart(const ir::Policy& policy) {
  for (const auto& s : policy.sysctls) {
    if (s.key != "net.ipv4.ip_unprivileged_port_start") continue;
    unsigned v = 0;
    const char* b = s.value.data();
    const char* e = b + s.value.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc() && p == e) return v;
  }
  return 1024;
}

// ---- capabilities ------------------------------------------------------------------------------------
void lowerCapabilities(ir::Policy& policy) {
  std::map<int, ir::Capability> kept;   // by number: sorted and unique
  auto put = [&](ir::Capability c) {
    int n = c.number >= 0 ? c.number : capabilityNumber(c.name);
    if (n < 0 || n >= capabilityCount()) return;   // sema rejects unknown names
    c.number = n;
    c.name = ward::capabilityName(n);
    kept.emplace(n, std::move(c));                 // the first provenance (written before derived) wins
  };
  const auto& caps = policy.capabilities;
  // "keep all" (sema allows it only with identity privileged) is every capability this compiler knows.
  if (caps.keepAll) {
    for (int n = 0; n < capabilityCount(); ++n)
      put({ward::capabilityName(n), n, caps.keepAllSpan, "keep all"});
  }
  for (const auto& c : caps.keep) put(c);

  auto derive = [&](int n, const Span& span, std::string why) {
    put({ward::capabilityName(n), n, span, std::move(why)});
  };
  // Binding a port below ip_unprivileged_port_start needs net_bind_service (listen only: connect binds an
  // ephemeral port).
  const unsigned threshold = unprivilegedPortStart(policy);
  bool bindDone = false;
  for (const auto& e : policy.network.listen) {
    for (const auto& r : e.ports) {
      if (r.first < threshold) {
        derive(capabilityNumber("net_bind_service"), e.span, "network listen " + endpointText(e, &r));
        bindDone = true;
        break;
      }
    }
    if (bindDone) break;
  }
  if (policy.network.raw) derive(capabilityNumber("net_raw"), *policy.network.raw, "network raw");
  if (policy.network.packet) derive(capabilityNumber("net_raw"), *policy.network.packet, "network packet");
  for (const auto& d : policy.devices) {
    if (!d.mknod) continue;
    derive(capabilityNumber("mknod"), d.span, "devices " + deviceText(d));
    break;
  }
  // `drop` removes, whatever added the capability (a written keep of a parent or a derivation).
  for (const auto& d : caps.drop) {
    int n = d.number >= 0 ? d.number : capabilityNumber(d.name);
    kept.erase(n);
  }
  policy.mechanism.capabilities.clear();
  for (auto& [n, c] : kept) policy.mechanism.capabilities.push_back(std::move(c));
  policy.mechanism.allCapabilities = caps.keepAll && policy.identity.privileged &&
                                     static_cast<int>(kept.size()) == capabilityCount();
}

// ---- devices cgroup ------------------------------------------------------------------------------------
void lowerDevices(ir::Policy& policy) {
  struct Default {
    std::int64_t major, minor;
    const char* name;
  };
  // The nodes every container gets, read and write, never mknod (CAP-MKNOD-DEV). /dev/fuse, tun and the
  // rest come only from a `devices` statement.
  static constexpr Default kDefaults[] = {
      {1, 3, "/dev/null"},   {1, 5, "/dev/zero"}, {1, 7, "/dev/full"},    {1, 8, "/dev/random"},
      {1, 9, "/dev/urandom"}, {5, 0, "/dev/tty"},  {5, 1, "/dev/console"}, {5, 2, "/dev/ptmx"},
      {136, -1, "/dev/pts/*"}};
  auto& out = policy.mechanism.deviceRules;
  out.clear();
  for (const auto& d : kDefaults)
    out.push_back({'c', d.major, d.minor, "rw", policy.span, fmt::format("ward default device {}", d.name)});
  auto covers = [](const std::string& have, const std::string& want) {
    return std::all_of(want.begin(), want.end(), [&](char c) { return have.find(c) != std::string::npos; });
  };
  for (const auto& d : policy.devices) {
    std::string access;
    if (d.read) access += 'r';
    if (d.write) access += 'w';
    if (d.mknod) access += 'm';
    if (access.empty()) continue;
    ir::DeviceRule r{d.type == 'b' ? 'b' : 'c', d.major, d.minor, access, d.span, "devices " + deviceText(d)};
    bool redundant = std::any_of(out.begin(), out.end(), [&](const ir::DeviceRule& o) {
      return o.type == r.type && o.major == r.major && o.minor == r.minor && covers(o.access, r.access);
    });
    if (!redundant) out.push_back(std::move(r));
  }
}

// ---- sysctls ------------------------------------------------------------------------------------------
void lowerSysctls(ir::Policy& policy) { policy.mechanism.sysctls = lower::sysctls(policy); }

}  // namespace detail

std::vector<ir::Setting> sysctls(const ir::Policy& policy) {
  std::map<std::string, ir::Setting> byKey;
  if (!policy.network.none) {
    // accept_ra follows ipv6_router_advertisements (off unless the policy says on): a container must not
    // take its routes from whoever sends router advertisements on its link.
    const auto& ra = policy.network.ipv6RouterAdvertisements;
    std::string why = std::string(ra.span.valid() ? "" : "default ") + "ipv6_router_advertisements " +
                      (ra.value ? "on" : "off");
    const Span span = ra.span.valid() ? ra.span : policy.span;
    for (const char* k : {"net.ipv6.conf.all.accept_ra", "net.ipv6.conf.default.accept_ra"})
      byKey[k] = {k, ra.value ? "1" : "0", span, why};
  }
  for (const auto& s : policy.sysctls) byKey[s.key] = {s.key, s.value, s.span, "sysctl " + s.key};   // own values win
  std::vector<ir::Setting> out;
  for (auto& [k, s] : byKey) out.push_back(std::move(s));
  return out;
}

std::optional<Lowered> lower(ir::Policy policy, Diagnostics& diags) {
  Diagnostics local;
  try {
    policy.mechanism = ir::Mechanism{};
    if (policy.apparmor.profileName.empty()) policy.apparmor.profileName = defaultProfileName(policy.name);
    detail::lowerCapabilities(policy);
    detail::lowerSyscalls(policy, local);
    detail::lowerDevices(policy);
    detail::lowerMasks(policy);
    detail::lowerSysctls(policy);
    detail::lowerAppArmor(policy);   // last: it reads the final capability set
  } catch (const std::exception& e) {
    local.error(Code::E2003, policy.span, fmt::format("internal error while lowering policy '{}': {}", policy.name,
                                                      e.what()));
  } catch (...) {
    local.error(Code::E2003, policy.span, fmt::format("internal error while lowering policy '{}'", policy.name));
  }
  const bool failed = local.hasErrors();
  diags.append(local);
  if (failed) return std::nullopt;
  return Lowered(std::move(policy));
}

}  // namespace ward::lower
