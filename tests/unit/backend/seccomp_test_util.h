#pragma once
// Helpers for the seccomp tests: hand-built policies, the interpreter over every syscall number, and
// running code under a filter in a forked child.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "ir/policy.h"
#include "lowered.h"

namespace ward::seccomp_test {

namespace bpf = ward::backend::seccomp::bpf;

inline Span line(std::uint32_t l) {
  Span s;
  s.file = 0;
  s.line = l;
  s.col = 1;
  return s;
}

inline ir::Action allow() { return {ir::Action::Kind::Allow, 0, ""}; }
inline ir::Action errnoAction(int e, std::string name = "") { return {ir::Action::Kind::Errno, e, std::move(name)}; }
inline ir::Action kill() { return {ir::Action::Kind::KillProcess, 0, ""}; }

inline ir::ArgCondition cond(unsigned index, ir::ArgCondition::Op op, std::uint64_t value, std::uint64_t mask = 0) {
  ir::ArgCondition c;
  c.index = index;
  c.op = op;
  c.value = value;
  c.mask = mask;
  return c;
}

inline ir::SyscallRule rule(std::string name, ir::Action a, std::vector<ir::ArgCondition> conds = {}, std::uint32_t at = 0) {
  ir::SyscallRule r;
  r.name = std::move(name);
  r.action = a;
  r.conditions = std::move(conds);
  r.span = at ? line(at) : Span{};
  return r;
}

// A lowered policy with the given rules (as mechanism.syscallRules), sources = {"examples/test.ward"}.
inline ir::Policy policy(std::string name, ir::Action def, std::vector<ir::SyscallRule> rules,
                         std::vector<std::string> arches = {"x86_64", "x86", "x32"}) {
  ir::Policy p;
  p.name = std::move(name);
  p.sources.push_back({"examples/test.ward", ""});
  p.span = line(1);
  p.syscalls.defaultAction = {def, line(2)};
  p.syscalls.arches = std::move(arches);
  p.syscalls.rules = rules;
  p.mechanism.syscallRules = std::move(rules);
  return p;
}

// The representative policy used by several tests and the benchmark's "ward representative" row.
inline ir::Policy webPolicy() {
  using Op = ir::ArgCondition::Op;
  std::vector<ir::SyscallRule> rules;
  std::uint32_t at = 10;
  for (const char* n : {"accept4", "bind", "brk", "close", "connect", "epoll_create1", "epoll_ctl", "epoll_wait",
                        "exit", "exit_group", "fcntl", "fstat", "futex", "getdents64", "getpid", "getppid",
                        "getrandom", "getsockname", "getsockopt", "gettid", "getuid", "ioctl", "listen", "lseek",
                        "madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat", "pread64",
                        "read", "readv", "recvfrom", "recvmsg", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
                        "sched_yield", "sendfile", "sendmsg", "sendto", "set_robust_list", "set_tid_address",
                        "setsockopt", "shutdown", "sigaltstack", "uname", "write", "writev", "execve", "prctl",
                        "capget", "capset", "setuid", "setgid", "setgroups", "wait4", "kill", "tgkill",
                        "clock_gettime", "clock_nanosleep", "gettimeofday", "prlimit64", "arch_prctl",
                        "rseq", "statx", "faccessat2", "pipe2", "dup3", "eventfd2", "timerfd_create",
                        "timerfd_settime", "umask", "chdir", "fchdir", "getcwd", "unlink", "rename", "mkdir"})
    rules.push_back(rule(n, allow(), {}, at++));
  rules.push_back(rule("personality", allow(), {cond(0, Op::Eq, 0)}, 200));
  rules.push_back(rule("personality", allow(), {cond(0, Op::Eq, 0xffffffff)}, 201));
  rules.push_back(rule("socket", allow(), {cond(0, Op::Eq, 1)}, 210));    // AF_UNIX
  rules.push_back(rule("socket", allow(), {cond(0, Op::Eq, 2)}, 211));    // AF_INET
  rules.push_back(rule("socket", allow(), {cond(0, Op::Eq, 10)}, 212));   // AF_INET6
  // i386 socketcall(2): its own rule (std/base writes one too); on x86 the socket() rules above apply to the
  // direct socket system call.
  rules.push_back(rule("socketcall", errnoAction(1, "EPERM"), {}, 213));
  rules.push_back(rule("clone", allow(), {}, 220));
  rules.push_back(rule("clone", errnoAction(1, "EPERM"), {cond(0, Op::MaskedEq, 0x10000000, 0x10000000)}, 221));
  rules.push_back(rule("mount", errnoAction(1, "EPERM"), {}, 230));
  rules.push_back(rule("umount2", errnoAction(1, "EPERM"), {}, 231));
  rules.push_back(rule("kexec_load", kill(), {}, 232));
  rules.push_back(rule("ptrace", errnoAction(1, "EPERM"), {}, 233));
  std::sort(rules.begin(), rules.end(), [](const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.name < b.name; });
  return policy("web", errnoAction(38, "ENOSYS"), rules);
}

inline std::vector<bpf::Insn> program(const std::string& bytes) {
  std::string error;
  auto p = bpf::parse(bytes, &error);
  EXPECT_TRUE(p.has_value()) << error;
  return p.value_or(std::vector<bpf::Insn>{});
}

inline bpf::Data data(std::uint32_t arch, std::int32_t nr, std::array<std::uint64_t, 6> args = {}) {
  bpf::Data d;
  d.arch = arch;
  d.nr = nr;
  d.args = args;
  return d;
}

// The three x86 ABIs as the kernel reports them.
struct Abi {
  const char* name;
  std::uint32_t audit;
  std::uint32_t nrBit;
  std::uint32_t scmp;
};
inline const std::vector<Abi>& abis() {
  static const std::vector<Abi> v = {{"x86_64", bpf::kAuditArchX86_64, 0, SCMP_ARCH_X86_64},
                                     {"i386", bpf::kAuditArchI386, 0, SCMP_ARCH_X86},
                                     {"x32", bpf::kAuditArchX86_64, bpf::kX32SyscallBit, SCMP_ARCH_X32}};
  return v;
}

// Argument vectors that exercise the conditions in Docker's profile and the test policies.
inline const std::vector<std::array<std::uint64_t, 6>>& sampleArgs() {
  static const std::vector<std::array<std::uint64_t, 6>> v = {
      {0, 0, 0, 0, 0, 0}, {8, 0, 0, 0, 0, 0}, {0x20000, 0, 0, 0, 0, 0}, {0x20008, 0, 0, 0, 0, 0},
      {0xffffffff, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {2, 1, 0, 0, 0, 0}, {10, 2, 0, 0, 0, 0},
      {16, 3, 0, 0, 0, 0}, {17, 3, 0, 0, 0, 0}, {0x10000000, 0, 0, 0, 0, 0}, {0x10000011, 0, 0, 0, 0, 0},
      {0x7e020000, 0, 0, 0, 0, 0}, {0x00000011, 0x10000000, 0, 0, 0, 0}, {0x400000, 0, 0, 0, 0, 0},
      {0x100000000ull, 0, 0, 0, 0, 0}, {3, 0x5401, 0, 0, 0, 0}, {~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull}};
  return v;
}

// ---- running under a filter in a forked child ---------------------------------------------------------
struct ChildOutcome {
  bool loaded = false;              // the filter was installed
  bool killedBySigsys = false;
  int signal = 0;
  std::vector<long> results;        // one per call that returned: the return value or -errno
  std::string error;
};

// Forks; the child sets no_new_privs, installs the filter (when bytes is non-empty) and runs each call,
// sending each result to the parent before running the next (so a kill shows how far it got).
// The filter must allow write and exit_group.
inline ChildOutcome runInChild(const std::string& bytes, const std::vector<std::function<long()>>& calls) {
  ChildOutcome out;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.error = "pipe";
    return out;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    out.error = "fork";
    return out;
  }
  if (pid == 0) {
    close(fds[0]);
    long marker = 0;
    if (!bytes.empty()) {
      sock_fprog prog{};
      prog.len = static_cast<unsigned short>(bytes.size() / 8);
      prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(bytes.data()));
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        marker = -errno;
        (void)!write(fds[1], &marker, sizeof marker);
        _exit(3);
      }
    }
    marker = 1;
    (void)!write(fds[1], &marker, sizeof marker);
    for (const auto& call : calls) {
      const long r = call();
      (void)!write(fds[1], &r, sizeof r);
    }
    _exit(0);
  }
  close(fds[1]);
  long v = 0;
  bool first = true;
  while (read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
    if (first) {
      first = false;
      out.loaded = v == 1;
      if (!out.loaded) out.error = std::string("seccomp load failed: ") + std::strerror(static_cast<int>(-v));
      continue;
    }
    out.results.push_back(v);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
    out.killedBySigsys = out.signal == SIGSYS;
  }
  return out;
}

inline long sys(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  const long r = syscall(nr, a, b, c, d, e, f);
  return r < 0 ? -errno : r;
}

// An i386 system call from this 64-bit process (int $0x80): the kernel sees AUDIT_ARCH_I386.
inline long int80(long nr, long a = 0, long b = 0, long c = 0) {
  long ret = 0;
  asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11");
  return ret;   // already -errno on failure
}

// Does this kernel run i386 system calls (CONFIG_IA32_EMULATION, ia32_emulation=1)?
inline bool ia32Available() {
  auto o = runInChild("", {[] { return int80(64 /* i386 getppid */); }});
  return o.signal == 0 && o.results.size() == 1 && o.results[0] == static_cast<long>(getpid());
}

// Skip (or, with CI=true, fail) when something the test needs is missing.
#define WARD_REQUIRE(cond, why)                                                   \
  do {                                                                            \
    if (!(cond)) {                                                                \
      const char* ci = std::getenv("CI");                                         \
      if (ci && std::string(ci) == "true") FAIL() << "required in CI: " << (why); \
      GTEST_SKIP() << (why);                                                      \
    }                                                                             \
  } while (0)

}  // namespace ward::seccomp_test
