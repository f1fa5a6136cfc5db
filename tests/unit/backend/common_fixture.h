#pragma once
// Hand-built IR with a hand-built mechanism (made a lower::Lowered by ward::testing::asLowered) for the
// LXC, OCI and common backend tests (and the sample artifacts the
// integration tests use when `ward compile` is not available). Spans point at a fictitious
// examples/<name>.ward so provenance comments are predictable.
#include <string>

#include "backend/common/common.h"
#include "ir/policy.h"
#include "lowered.h"

namespace ward::testing {

inline Span lineSpan(std::uint32_t line) {
  Span s;
  s.file = 0;
  s.line = line;
  s.col = 3;
  s.endLine = line;
  s.endCol = 20;
  return s;
}

inline ir::Capability cap(const std::string& name, std::uint32_t line, std::string derived = {}) {
  ir::Capability c;
  c.name = name;
  c.number = backend::common::capabilityNumber(name);
  c.span = lineSpan(line);
  c.derivedFrom = std::move(derived);
  return c;
}

inline ir::Policy basePolicy(const std::string& name) {
  ir::Policy p;
  p.name = name;
  p.sources.push_back({"examples/" + name + ".ward", "0000"});
  p.span = lineSpan(1);
  p.syscalls.defaultAction.span = lineSpan(30);
  // lower/'s default device allow-list (src/lower): the nodes every container needs, rw, no mknod.
  for (auto [maj, min] : std::vector<std::pair<int, int>>{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}}) {
    ir::DeviceRule d;
    d.type = 'c';
    d.major = maj;
    d.minor = min;
    d.access = "rw";
    d.span = lineSpan(1);
    d.why = "default device";
    p.mechanism.deviceRules.push_back(d);
  }
  // a seccomp rule set small enough for any backend: allow everything busybox sh needs by default
  p.syscalls.defaultAction.value = {ir::Action::Kind::Allow, 0, ""};
  ir::SyscallRule deny;
  deny.name = "kexec_load";
  deny.action = {ir::Action::Kind::Errno, 1, "EPERM"};
  deny.span = lineSpan(31);
  p.syscalls.rules.push_back(deny);
  p.mechanism.syscallRules = p.syscalls.rules;
  return p;
}

// An unprivileged web server: auto idmap, a few capabilities (one derived), limits, mounts, devices.
inline ir::Policy webPolicy() {
  ir::Policy p = basePolicy("web");
  p.identity.idmapAuto = true;
  p.mechanism.capabilities = {cap("chown", 10), cap("setgid", 10), cap("setuid", 10),
                              cap("net_bind_service", 12, "listen tcp 80")};
  p.limits.memoryMax = ir::Located<std::uint64_t>{256ull << 20, lineSpan(20)};
  p.limits.memoryHigh = ir::Located<std::uint64_t>{200ull << 20, lineSpan(20)};
  p.limits.swapMax = ir::Located<std::uint64_t>{0, lineSpan(20)};
  p.limits.cpuQuotaMicros = ir::Located<std::uint64_t>{50000, lineSpan(21)};
  p.limits.cpuWeight = ir::Located<std::uint64_t>{100, lineSpan(21)};
  p.limits.pids = ir::Located<std::uint64_t>{64, lineSpan(22)};
  p.limits.rlimits.push_back({"nofile", 1024, 4096, lineSpan(23)});
  p.limits.rlimits.push_back({"core", 0, 0, lineSpan(23)});
  p.sysctls.push_back({"net.ipv4.ip_unprivileged_port_start", "80", lineSpan(25)});
  ir::Mount tmp;
  tmp.kind = ir::Mount::Kind::Tmpfs;
  tmp.target = "/tmp";
  tmp.readOnly = false;
  tmp.sizeBytes = 16ull << 20;
  tmp.mode = 01777;
  tmp.span = lineSpan(15);
  p.files.mounts.push_back(tmp);
  p.files.proc.span = lineSpan(16);
  ir::DeviceRule fuse;
  fuse.type = 'c';
  fuse.major = 10;
  fuse.minor = 229;
  fuse.access = "rw";
  fuse.span = lineSpan(18);
  fuse.why = "devices allow /dev/fuse rw";
  p.mechanism.deviceRules.push_back(fuse);
  p.apparmor.profileName = "ward-web";
  return p;
}

// No capabilities at all, an explicit id map, an empty network namespace, explicit SELinux categories.
inline ir::Policy lockedPolicy() {
  ir::Policy p = basePolicy("locked");
  p.identity.idmapAuto = false;
  p.identity.idmaps.push_back({'u', 0, 200000, 65536, lineSpan(5)});
  p.identity.idmaps.push_back({'g', 0, 200000, 65536, lineSpan(6)});
  p.identity.noNewPrivs = {true, lineSpan(7)};
  p.network.none = true;
  p.network.noneSpan = lineSpan(9);
  p.limits.pids = ir::Located<std::uint64_t>{32, lineSpan(22)};
  p.limits.memoryMax = ir::Located<std::uint64_t>{128ull << 20, lineSpan(20)};
  p.selinux.enabled = true;
  p.selinux.categories = {12, 345};
  p.selinux.span = lineSpan(27);
  return p;
}

// Privileged (no user namespace) with a short explicit capability list.
inline ir::Policy privilegedPolicy() {
  ir::Policy p = basePolicy("priv");
  p.identity.privileged = true;
  p.identity.privilegedReason = "loads a module";
  p.identity.privilegedSpan = lineSpan(4);
  p.mechanism.capabilities = {cap("net_admin", 11), cap("sys_module", 11)};
  p.limits.pids = ir::Located<std::uint64_t>{100, lineSpan(22)};
  p.files.sys = {ir::FsMode::Mixed, lineSpan(17)};
  return p;
}

// A dedicated bridge (LXC: veth on it; the integration test creates it in a private network namespace).
inline ir::Policy bridgedPolicy() {
  ir::Policy p = basePolicy("bridged");
  p.mechanism.capabilities = {cap("chown", 10)};
  p.network.bridge = ir::Located<std::string>{"br-ward0", lineSpan(8)};
  p.limits.pids = ir::Located<std::uint64_t>{48, lineSpan(22)};
  return p;
}

}  // namespace ward::testing
