#pragma once
#include "base/capabilities.h"
// Internal pieces of lower(): each fills one part of Policy::mechanism. Not part of the public API.
#include <string>
#include <string_view>

#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::lower::detail {

// Capability names and numbers: base/capabilities.h.
inline int capabilityCount() { return static_cast<int>(ward::capabilityNames().size()); }
int capabilityNumber(std::string_view name);   // -1 when unknown; accepts a cap_ prefix

// Socket address families and types ward reasons about (Linux values; fixed so that output does not
// depend on the build host's headers).
inline constexpr int kAfUnix = 1, kAfInet = 2, kAfInet6 = 10, kAfNetlink = 16, kAfPacket = 17;
// One past the highest address family Linux 6.x knows (AF_MCTP = 45). Families at or above it get the
// same "not supported" answer as undeclared ones.
inline constexpr int kAfMax = 46;
inline constexpr int kSockRaw = 3;
inline constexpr int kEafnosupport = 97, kEperm = 1;

std::string endpointText(const ir::Endpoint& e, const ir::PortRange* port);   // "listen tcp 80" sans verb
std::string deviceText(const ir::Device& d);   // "allow char 10:229 \"/dev/fuse\" rwm"

// The threshold below which binding a port needs net_bind_service (1024 unless the policy sets the
// namespaced sysctl net.ipv4.ip_unprivileged_port_start).
unsigned unprivilegedPortStart(const ir::Policy& policy);

void lowerCapabilities(ir::Policy& policy);
void lowerSyscalls(ir::Policy& policy, Diagnostics& diags);
void lowerAppArmor(ir::Policy& policy);
void lowerDevices(ir::Policy& policy);
void lowerMasks(ir::Policy& policy);
void lowerSysctls(ir::Policy& policy);

// An AppArmor path for a rule: globs kept, quoted when it holds characters the profile grammar would
// otherwise read as syntax (spaces, '#', a comma outside braces, quotes).
std::string apparmorPath(std::string_view path);
// A literal path (a mount target) as an AppArmor glob that matches exactly that path: glob characters
// are escaped.
std::string apparmorLiteral(std::string_view path);

}  // namespace ward::lower::detail
