#include "learn/record.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"
#include "base/strings.h"
#include "ir/policy.h"

namespace ward::learn::detail {
namespace {

namespace bpf = backend::seccomp::bpf;

// Calls whose path arguments are read at entry: the dirfd argument (-1: none, relative to the cwd), the
// path argument and the access the call needs when it succeeds (0: decided at exit from the open flags).
struct PathCall {
  const char* name;
  int dirfd;
  int path;
  unsigned access;
};
constexpr unsigned kW = ir::kWrite;
constexpr PathCall kPathCalls[] = {
    {"open", -1, 0, 0},        {"openat", 0, 1, 0},        {"openat2", 0, 1, 0},     {"creat", -1, 0, 0},
    {"execve", -1, 0, 0},      {"execveat", 0, 1, 0},      {"mkdir", -1, 0, kW},     {"mkdirat", 0, 1, kW},
    {"rmdir", -1, 0, kW},      {"unlink", -1, 0, kW},      {"unlinkat", 0, 1, kW},   {"rename", -1, 0, kW},
    {"rename", -1, 1, kW},     {"renameat", 0, 1, kW},     {"renameat", 2, 3, kW},   {"renameat2", 0, 1, kW},
    {"renameat2", 2, 3, kW},   {"link", -1, 1, ir::kLink}, {"linkat", 2, 3, ir::kLink}, {"symlink", -1, 1, kW},
    {"symlinkat", 1, 2, kW},   {"chmod", -1, 0, kW},       {"fchmodat", 0, 1, kW},   {"chown", -1, 0, kW},
    {"lchown", -1, 0, kW},     {"chown32", -1, 0, kW},     {"lchown32", -1, 0, kW},  {"fchownat", 0, 1, kW},
    {"truncate", -1, 0, kW},   {"truncate64", -1, 0, kW},  {"mknod", -1, 0, kW},     {"mknodat", 0, 1, kW},
};

// The argument values a learned policy's rules take: the argument, and the bits the kernel reads.
struct ArgSpec {
  const char* name;
  unsigned index;
  std::uint64_t mask;   // 0: all 64 bits
};
constexpr ArgSpec kArgSpecs[] = {
    {"clone", 0, 0}, {"ioctl", 1, 0xffffffffu}, {"personality", 0, 0xffffffffu}, {"prctl", 0, 0xffffffffu},
    {"unshare", 0, 0},
};

std::string readLink(const std::string& path) {
  char buf[PATH_MAX + 1];
  const ssize_t n = ::readlink(path.c_str(), buf, PATH_MAX);
  return n <= 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

// "/a/./b//c/../d" -> "/a/b/d" (lexical: the last component may no longer exist at exit).
std::string normalise(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// The parent directory resolved through symlinks (/var/run -> /run) in the task's root, the last component kept.
std::string canonicalParent(pid_t pid, const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || path == "/") return path;
  const std::string parent = slash == 0 ? "/" : path.substr(0, slash);
  const std::string p = resolveInRoot(pid, parent);
  if (p.empty()) return path;
  return (p == "/" ? "" : p) + path.substr(slash);
}

// The same file as the tracer reaches it: through /proc/PID/root (the container's rootfs, or / itself).
std::string inRoot(pid_t pid, const std::string& path) { return fmt::format("/proc/{}/root{}", pid, path); }

// /proc/self and /proc/thread-self name the tracee, not the tracer that resolves them.
std::string tracee(pid_t pid, std::string path) {
  for (const char* self : {"/proc/self", "/proc/thread-self"})
    if (path == self || startsWith(path, std::string(self) + "/")) return fmt::format("/proc/{}", pid) + path.substr(std::strlen(self));
  return path;
}

std::string resolveAt(pid_t pid, const Call& call, int dirfdIndex, std::uint64_t address) {
  const std::string p = readString(pid, address);
  if (p.empty()) return {};
  if (p[0] == '/') return tracee(pid, normalise(p));
  std::string base;
  const auto dirfd = static_cast<int>(dirfdIndex < 0 ? AT_FDCWD : static_cast<int>(call.args[dirfdIndex]));
  base = readLink(fmt::format("/proc/{}/{}", pid, dirfd == AT_FDCWD ? "cwd" : fmt::format("fd/{}", dirfd)));
  if (base.empty() || base[0] != '/') return {};
  return normalise(base + "/" + p);
}

std::uint64_t openFlags(pid_t pid, const Call& call) {
  if (call.name == "open") return call.args[1];
  if (call.name == "openat") return call.args[2];
  if (call.name == "creat") return O_CREAT | O_WRONLY | O_TRUNC;
  std::uint64_t flags = 0;   // openat2: struct open_how starts with the flags
  return readMemory(pid, call.args[2], &flags, sizeof flags) ? flags : 0;
}

// The socket's inode from /proc/PID/fd/N ("socket:[123]"), 0 when it is not a socket.
std::uint64_t socketInode(pid_t pid, std::uint64_t fd) {
  const std::string l = readLink(fmt::format("/proc/{}/fd/{}", pid, static_cast<int>(fd)));
  if (!startsWith(l, "socket:[")) return 0;
  return std::strtoull(l.c_str() + 8, nullptr, 10);
}

// The local port of the socket with this inode in /proc/PID/net/<table> (tcp, tcp6, udp, udp6); 0 if absent.
unsigned localPort(pid_t pid, const char* table, std::uint64_t inode) {
  std::ifstream in(fmt::format("/proc/{}/net/{}", pid, table));
  std::string line;
  std::getline(in, line);   // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string field[10];
    for (auto& f : field) ls >> f;
    if (std::strtoull(field[9].c_str(), nullptr, 10) != inode) continue;
    const auto colon = field[1].rfind(':');
    return colon == std::string::npos ? 0 : static_cast<unsigned>(std::strtoul(field[1].c_str() + colon + 1, nullptr, 16));
  }
  return 0;
}

// "tcp" or "udp" and the local port of a socket, or {"", 0}.
std::pair<std::string, unsigned> socketPort(pid_t pid, std::uint64_t fd) {
  const std::uint64_t inode = socketInode(pid, fd);
  if (!inode) return {"", 0};
  for (const char* t : {"tcp", "tcp6", "udp", "udp6"})
    if (unsigned port = localPort(pid, t, inode)) return {std::string(t, 3), port};
  return {"", 0};
}

std::string familyName(std::uint64_t af) {
  switch (af) {
    case AF_UNIX: return "unix";
    case AF_INET: return "inet";
    case AF_INET6: return "inet6";
    case AF_NETLINK: return "netlink";
    case AF_PACKET: return "packet";
  }
  return fmt::format("family {}", af);
}

}  // namespace

std::string archName(std::uint32_t auditArch, std::int32_t nr) {
  if (auditArch == bpf::kAuditArchI386) return "x86";
  if (auditArch == bpf::kAuditArchX86_64)
    return (static_cast<std::uint32_t>(nr) & bpf::kX32SyscallBit) ? "x32" : "x86_64";
  return {};
}

std::string syscallName(const std::string& arch, std::int32_t nr) {
  const std::uint32_t token = arch == "x86" ? SCMP_ARCH_X86 : arch == "x32" ? SCMP_ARCH_X32 : SCMP_ARCH_X86_64;
  char* name = seccomp_syscall_resolve_num_arch(token, nr);
  if (name == nullptr) return {};
  std::string out = name;
  std::free(name);
  return out;
}

std::string readString(pid_t pid, std::uint64_t address) {
  if (address == 0) return {};
  std::string out;
  char chunk[256];
  while (out.size() < PATH_MAX) {
    if (!readMemory(pid, address + out.size(), chunk, sizeof chunk)) {
      // The string may end just before an unmapped page: read up to the page boundary.
      const std::size_t toPage = 4096 - ((address + out.size()) % 4096);
      if (toPage >= sizeof chunk || !readMemory(pid, address + out.size(), chunk, toPage)) return out;
      const auto* end = static_cast<const char*>(std::memchr(chunk, 0, toPage));
      return end ? out + std::string(chunk, static_cast<std::size_t>(end - chunk)) : out;
    }
    const auto* end = static_cast<const char*>(std::memchr(chunk, 0, sizeof chunk));
    if (end) return out + std::string(chunk, static_cast<std::size_t>(end - chunk));
    out.append(chunk, sizeof chunk);
  }
  return out;
}

bool readMemory(pid_t pid, std::uint64_t address, void* out, std::size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  return ::process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

std::uint64_t residentBytes(pid_t pid, bool peak) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  const char* key = peak ? "VmHWM:" : "VmRSS:";
  while (std::getline(in, line))
    if (startsWith(line, key)) return std::strtoull(line.c_str() + std::strlen(key), nullptr, 10) * 1024;
  return 0;
}

void Recorder::entry(pid_t pid, Call& call, const std::string& program) {
  // Counted at entry: exit and exit_group never return, a successful execve returns in another program.
  obs_.syscalls[call.name].add(1, program, run_, call.arch);
  for (const auto& spec : kArgSpecs) {
    if (call.name != spec.name) continue;
    const std::uint64_t v = spec.mask ? call.args[spec.index] & spec.mask : call.args[spec.index];
    obs_.args[call.name][v].add(1, program, run_);
  }
  for (const auto& pc : kPathCalls) {
    if (call.name != pc.name) continue;
    call.paths.push_back(resolveAt(pid, call, pc.dirfd, call.args[pc.path]));
  }
  if (!call.paths.empty() && (call.name == "open" || call.name == "openat" || call.name == "openat2" ||
                              call.name == "creat")) {
    struct stat st{};
    call.existed = call.paths[0].empty() || ::lstat(inRoot(pid, call.paths[0]).c_str(), &st) == 0;
  }
}

void Recorder::file(const std::string& path, unsigned access, bool created, const std::string& program) {
  if (path.empty() || path[0] != '/' || access == 0) return;
  auto& use = obs_.files[path];
  use.access |= access;
  use.created = use.created || created;
  use.evidence.add(1, program, run_);
}

void Recorder::openResult(pid_t pid, const Call& call, std::int64_t fd, const std::string& program) {
  const std::uint64_t flags = openFlags(pid, call);
  if (flags & O_PATH) return;
  const std::string link = fmt::format("/proc/{}/fd/{}", pid, fd);
  std::string path = readLink(link);
  if (path.empty() || path[0] != '/') return;   // pipe:, socket:, anon_inode:
  if (endsWith(path, " (deleted)")) path.resize(path.size() - 10);
  struct stat st{};
  if (::stat(link.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && path != "/") path += "/";
  const unsigned mode = flags & O_ACCMODE;
  unsigned access = 0;
  if (mode == O_RDONLY) access = ir::kRead;
  else if (mode == O_WRONLY && (flags & O_APPEND) && !(flags & O_TRUNC) && !(flags & O_CREAT)) access = ir::kAppend;
  else access = ir::kWrite;
  const bool created = (flags & O_CREAT) && !call.existed;
  file(path, access, created, program);
}

void Recorder::network(pid_t pid, const Call& call, std::int64_t rval, bool failed, const std::string& program) {
  const std::string& n = call.name;
  if (n == "socket" && !failed) {
    const std::string family = familyName(call.args[0]);
    obs_.families[family].add(1, program, run_);
    obs_.sockets[fmt::format("{} type {} protocol {}", family, call.args[1] & 0xf, call.args[2])].add(1, program, run_);
  } else if (n == "socketpair" && !failed) {
    obs_.families[familyName(call.args[0])].add(1, program, run_);
  } else if ((n == "listen" || n == "bind") && !failed) {
    const auto [proto, port] = socketPort(pid, call.args[0]);
    if (port != 0 && (n == "listen" ? proto == "tcp" : proto == "udp"))
      obs_.endpoints[fmt::format("listen {} {}", proto, port)].add(1, program, run_);
  } else if (n == "connect" && (!failed || rval == -EINPROGRESS)) {
    std::uint16_t sa[2] = {0, 0};   // sa_family, then the port in network order (inet and inet6 alike)
    if (!readMemory(pid, call.args[1], sa, sizeof sa) || (sa[0] != AF_INET && sa[0] != AF_INET6)) return;
    const unsigned port = static_cast<unsigned>((sa[1] & 0xff) << 8 | (sa[1] >> 8));
    const auto proto = socketPort(pid, call.args[0]).first;
    if (port != 0 && !proto.empty()) obs_.endpoints[fmt::format("connect {} {}", proto, port)].add(1, program, run_);
  }
}

void Recorder::exit(pid_t pid, const Call& call, std::int64_t rval, bool failed, const std::string& program) {
  network(pid, call, rval, failed, program);
  if (failed) return;
  const bool opens = call.name == "open" || call.name == "openat" || call.name == "openat2" || call.name == "creat";
  if (opens) {
    openResult(pid, call, rval, program);
    return;
  }
  if (call.name == "execve" || call.name == "execveat") return;   // exec() records it
  // A directory's name ends in `/` in AppArmor's rules (mkdir, rmdir, unlinkat with AT_REMOVEDIR).
  const bool directory = call.name == "mkdir" || call.name == "mkdirat" || call.name == "rmdir" ||
                         (call.name == "unlinkat" && (call.args[2] & AT_REMOVEDIR));
  std::size_t i = 0;
  for (const auto& pc : kPathCalls) {
    if (call.name != pc.name) continue;
    if (i < call.paths.size() && !call.paths[i].empty())
      file(canonicalParent(pid, call.paths[i]) + (directory ? "/" : ""), pc.access, false, program);
    ++i;
  }
}

void Recorder::exec(pid_t pid, const std::string& program, const std::string& invoked) {
  file(program, ir::kExec, false, program);
  if (invoked.empty()) return;
  if (const std::string real = resolveInRoot(pid, invoked); !real.empty() && real != program)
    file(real, ir::kExec, false, program);
}

void Recorder::runtimeCall(const Call& call, const std::string& program) {
  obs_.runtime[call.name].add(1, program, run_, call.arch);
  for (const auto& spec : kArgSpecs)
    if (call.name == spec.name)
      obs_.runtimeArgs[call.name][spec.mask ? call.args[spec.index] & spec.mask : call.args[spec.index]].add(1, program, run_);
}

// The kernel resolves the path from the task's root (O_PATH follows /proc/PID/root into a container's mount
// namespace); /proc/self/fd/N then names the file from the root of that namespace, as the task sees it.
std::string resolveInRoot(pid_t pid, const std::string& path) {
  const int fd = ::open(inRoot(pid, path).c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return {};
  std::string real = readLink(fmt::format("/proc/self/fd/{}", fd));
  ::close(fd);
  return real.empty() || real[0] != '/' ? std::string() : real;
}

}  // namespace ward::learn::detail
