#pragma once
// Hand-built IR for the lower/ and backend tests: a policy whose spans point at lines of one pretend
// source file, so provenance (file:line) can be asserted without the parser.
#include <cstdint>
#include <string>

#include "ir/policy.h"

namespace ward::lowertest {

inline Span lineSpan(std::uint32_t line) {
  Span s;
  s.file = 0;
  s.begin = line * 100;
  s.end = line * 100 + 10;
  s.line = line;
  s.col = 3;
  s.endLine = line;
  s.endCol = 13;
  return s;
}

inline ir::Policy basePolicy(const std::string& name = "web") {
  ir::Policy p;
  p.name = name;
  p.span = lineSpan(1);
  p.sources.push_back({"examples/" + name + ".ward", std::string(64, '0')});
  return p;
}

inline ir::SyscallRule allow(const std::string& name, std::uint32_t line, const std::string& group = "") {
  ir::SyscallRule r;
  r.name = name;
  r.action = {ir::Action::Kind::Allow, 0, ""};
  r.span = lineSpan(line);
  r.viaGroup = group;
  return r;
}

inline ir::SyscallRule denyRule(const std::string& name, std::uint32_t line) {
  ir::SyscallRule r;
  r.name = name;
  r.action = {ir::Action::Kind::Errno, 1, "EPERM"};
  r.span = lineSpan(line);
  return r;
}

inline ir::Endpoint endpoint(ir::Endpoint::Proto proto, std::uint16_t first, std::uint16_t last,
                             std::uint32_t line) {
  ir::Endpoint e;
  e.proto = proto;
  e.ports.push_back({first, last, lineSpan(line)});
  e.span = lineSpan(line);
  return e;
}

inline ir::FileRule fileRule(const std::string& path, unsigned access, std::uint32_t line, bool deny = false,
                             bool owner = false) {
  ir::FileRule r;
  r.path = path;
  r.access = access;
  r.deny = deny;
  r.owner = owner;
  r.span = lineSpan(line);
  return r;
}

inline ir::Device device(char type, std::int64_t major, std::int64_t minor, const std::string& path, bool r,
                         bool w, bool m, std::uint32_t line) {
  ir::Device d;
  d.type = type;
  d.major = major;
  d.minor = minor;
  d.path = path;
  d.read = r;
  d.write = w;
  d.mknod = m;
  d.span = lineSpan(line);
  return d;
}

inline ir::Capability cap(const std::string& name, int number, std::uint32_t line) {
  return {name, number, lineSpan(line), ""};
}

// A policy that uses every statement the lowering reads.
inline ir::Policy fullPolicy(const std::string& name = "full") {
  ir::Policy p = basePolicy(name);
  p.files.rules = {fileRule("/etc/nginx/**", ir::kRead, 3),
                   fileRule("/var/log/nginx/**", ir::kWrite, 4),
                   fileRule("/var/log/audit.log", ir::kAppend, 5),
                   fileRule("/usr/sbin/nginx", ir::kExec, 6),
                   fileRule("/var/lib/app/**", ir::kLink | ir::kLock, 7),
                   fileRule("/home/*/**", ir::kWrite, 8, false, true),
                   fileRule("/etc/shadow", 0, 9, true),
                   fileRule("/etc/**", ir::kWrite, 10, true),
                   fileRule("/srv/with space/**", ir::kRead, 11)};
  ir::Mount bind;
  bind.kind = ir::Mount::Kind::Bind;
  bind.source = "/srv/www";
  bind.target = "/var/www";
  bind.readOnly = true;
  bind.span = lineSpan(13);
  ir::Mount rw = bind;
  rw.source = "/srv/cache";
  rw.target = "/var/cache/app";
  rw.readOnly = false;
  rw.span = lineSpan(14);
  ir::Mount tmp;
  tmp.kind = ir::Mount::Kind::Tmpfs;
  tmp.target = "/tmp";
  tmp.readOnly = false;
  tmp.sizeBytes = 64u << 20;
  tmp.span = lineSpan(15);
  p.files.mounts = {bind, rw, tmp};
  p.devices = {device('c', 10, 229, "/dev/fuse", true, true, false, 17),
               device('b', 7, -1, "", true, true, true, 18)};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 20), endpoint(ir::Endpoint::Proto::Udp, 5353, 5353, 21)};
  p.network.connect = {endpoint(ir::Endpoint::Proto::Tcp, 5432, 5432, 22)};
  p.network.unix = ir::Located<bool>{true, lineSpan(23)};
  p.network.netlink = lineSpan(24);
  p.capabilities.keep = {cap("chown", 0, 26), cap("setuid", 7, 26)};
  p.syscalls.rules = {allow("read", 28, "@system-service"), allow("socket", 28, "@system-service"),
                      allow("write", 28, "@system-service")};
  p.sysctls = {{"net.ipv4.ping_group_range", "0 2147483647", lineSpan(30)}};
  p.selinux.enabled = true;
  p.selinux.span = lineSpan(32);
  p.apparmor.span = lineSpan(34);
  p.apparmor.rawRules = {{"deny /opt/secret/** rw,", lineSpan(35)}};
  return p;
}

}  // namespace ward::lowertest
