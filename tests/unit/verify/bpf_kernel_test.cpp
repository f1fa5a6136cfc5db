// The in-tree BPF interpreter (backend/seccomp/bpf_interp) against the kernel: each filter is loaded in
// forked children (no_new_privs + SECCOMP_SET_MODE_FILTER) and a set of harmless system calls is made there.
// The kernel's result class must be the interpreter's verdict:
//   ALLOW / LOG         -> the call reaches the kernel: the same result as in an unfiltered child
//   ERRNO(N)            -> -1 with errno N
//   KILL_* / TRAP       -> the child dies of SIGSYS
// Filters: hand-built policies through the real lower/ and seccomp backend, LXC's stock common.seccomp
// (import + libseccomp, as the audit compiles it), Docker's default profile compiled as runc does, and every
// *.bpf in $WARD_BPF_DIR (e.g. `ward compile examples/*.ward -o DIR`).
//
// Harmless only: getpid, personality queries and flags (in a child that exits at once), socket + close,
// and calls with arguments the kernel rejects after its permission check (bad fds, bad magic, bad flags).
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "emit_target.h"
#include "backend/backend.h"
#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "import/import.h"
#include "lower/lower.h"
#include "hermetic.h"

namespace ward::verify {
namespace {

namespace bpf = backend::seccomp::bpf;

struct Call {
  std::string what;
  enum class Abi { X86_64, I386, X32 } abi = Abi::X86_64;
  long nr = 0;                          // the number on that ABI (x32: without the x32 bit)
  std::array<std::uint64_t, 6> args{};
  bool closeResult = false;             // the call returns an fd: close it
};

std::vector<Call> calls() {
  using A = Call::Abi;
  std::vector<Call> v = {
      {"getpid", A::X86_64, SYS_getpid, {}},
      {"personality(query)", A::X86_64, SYS_personality, {0xffffffffu}},
      {"personality(READ_IMPLIES_EXEC)", A::X86_64, SYS_personality, {0x0400000}},
      {"personality(PER_LINUX32)", A::X86_64, SYS_personality, {0x0008}},
      {"personality(high bits | READ_IMPLIES_EXEC)", A::X86_64, SYS_personality, {0xffffffff00400000ull}},
      {"socket(AF_INET, SOCK_STREAM)", A::X86_64, SYS_socket, {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_UNIX, SOCK_DGRAM)", A::X86_64, SYS_socket, {AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_INET6, SOCK_DGRAM)", A::X86_64, SYS_socket, {AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_NETLINK, SOCK_RAW)", A::X86_64, SYS_socket, {AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_PACKET, SOCK_RAW)", A::X86_64, SYS_socket, {AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_ALG)", A::X86_64, SYS_socket, {38, SOCK_SEQPACKET | SOCK_CLOEXEC, 0}, true},
      {"socket(AF_VSOCK)", A::X86_64, SYS_socket, {40, SOCK_STREAM | SOCK_CLOEXEC, 0}, true},
      {"ioctl(-1, TIOCSTI)", A::X86_64, SYS_ioctl, {static_cast<std::uint64_t>(-1), 0x5412, 0}},
      {"ioctl(-1, TCGETS)", A::X86_64, SYS_ioctl, {static_cast<std::uint64_t>(-1), 0x5401, 0}},
      {"ioctl(-1, TIOCSTI | high bits)", A::X86_64, SYS_ioctl, {static_cast<std::uint64_t>(-1), 0xffffffff00005412ull, 0}},
      {"mount(nonexistent)", A::X86_64, SYS_mount, {0, 0, 0, 0, 0}},
      {"umount2(nonexistent, MNT_FORCE)", A::X86_64, SYS_umount2, {0, MNT_FORCE}},
      {"umount2(nonexistent, 0)", A::X86_64, SYS_umount2, {0, 0}},
      {"kexec_load(17 segments)", A::X86_64, SYS_kexec_load, {0, 17, 0, 0xffff0000u}},
      {"open_by_handle_at(-1)", A::X86_64, SYS_open_by_handle_at, {static_cast<std::uint64_t>(-1), 0, 0}},
      {"init_module(NULL)", A::X86_64, SYS_init_module, {0, 0, 0}},
      {"finit_module(-1)", A::X86_64, SYS_finit_module, {static_cast<std::uint64_t>(-1), 0, 0}},
      {"delete_module(NULL)", A::X86_64, SYS_delete_module, {0, 0}},
      {"bpf(999)", A::X86_64, SYS_bpf, {999, 0, 0}},
      {"keyctl(GET_KEYRING_ID, session, 0)", A::X86_64, SYS_keyctl, {0, static_cast<std::uint64_t>(-3), 0}},
      {"perf_event_open(NULL)", A::X86_64, SYS_perf_event_open, {0, 0, static_cast<std::uint64_t>(-1), static_cast<std::uint64_t>(-1), 0}},
      {"userfaultfd(bad flags)", A::X86_64, SYS_userfaultfd, {3}},
      {"io_uring_setup(0, NULL)", A::X86_64, SYS_io_uring_setup, {0, 0}},
      {"fsopen(NULL, bad flags)", A::X86_64, SYS_fsopen, {0, 0xffff}},
      {"swapoff(NULL)", A::X86_64, SYS_swapoff, {0}},
      {"reboot(bad magic)", A::X86_64, SYS_reboot, {0xfee1dead, 0, 0, 0}},
      {"settimeofday(NULL, NULL)", A::X86_64, SYS_settimeofday, {0, 0}},
      {"ptrace(-1)", A::X86_64, SYS_ptrace, {static_cast<std::uint64_t>(-1), 0, 0, 0}},
      {"unshare(0)", A::X86_64, SYS_unshare, {0}},
      {"unshare(CLONE_NEWUSER)", A::X86_64, SYS_unshare, {CLONE_NEWUSER}},
      {"unshare(CLONE_NEWUSER | high bits)", A::X86_64, SYS_unshare, {0xffffffff00000000ull | CLONE_NEWUSER}},
      {"setns(-1, 0)", A::X86_64, SYS_setns, {static_cast<std::uint64_t>(-1), 0}},
      {"i386 getpid", A::I386, 20, {}},
      {"i386 personality(query)", A::I386, 136, {0xffffffffu}},
      {"i386 unshare(CLONE_NEWUSER)", A::I386, 310, {CLONE_NEWUSER}},
      {"i386 kexec_load(17 segments)", A::I386, 283, {0, 17, 0, 0xffff0000u}},
      {"x32 getpid", A::X32, 39, {}},
      {"x32 unshare(CLONE_NEWUSER)", A::X32, 272, {CLONE_NEWUSER}},
  };
  return v;
}

bpf::Data dataFor(const Call& c) {
  bpf::Data d;
  d.arch = c.abi == Call::Abi::I386 ? bpf::kAuditArchI386 : bpf::kAuditArchX86_64;
  d.nr = static_cast<std::int32_t>(c.abi == Call::Abi::X32 ? (c.nr | bpf::kX32SyscallBit) : c.nr);
  d.args = c.args;
  if (c.abi == Call::Abi::I386)
    for (auto& a : d.args) a &= 0xffffffffu;   // 32-bit registers
  return d;
}

// What happened in the child: killed by a signal, or the call's return value and errno.
struct Outcome {
  bool signaled = false;
  int signal = 0;
  long rc = 0;
  int err = 0;
  bool reported = false;
  std::string str() const {
    if (signaled) return fmt::format("killed by signal {}", signal);
    if (!reported) return "no report";
    return rc < 0 ? fmt::format("-1 errno {}", err) : fmt::format("returned {}", rc);
  }
};

long invoke(const Call& c) {
  long r = 0;
  switch (c.abi) {
    case Call::Abi::X86_64:
      r = syscall(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]);
      return r;
    case Call::Abi::X32:
      r = syscall(c.nr | 0x40000000L, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]);
      return r;
    case Call::Abi::I386: {
#if defined(__x86_64__)
      long a0 = static_cast<long>(c.args[0] & 0xffffffffu), a1 = static_cast<long>(c.args[1] & 0xffffffffu);
      long a2 = static_cast<long>(c.args[2] & 0xffffffffu), a3 = static_cast<long>(c.args[3] & 0xffffffffu);
      __asm__ volatile("int $0x80" : "=a"(r) : "a"(c.nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
                       : "memory", "r8", "r9", "r10", "r11");
      if (r < 0 && r > -4096) {
        errno = static_cast<int>(-r);
        return -1;
      }
#endif
      return r;
    }
  }
  return -1;
}

// Runs the call in a child, under `program` when given.
Outcome runChild(const Call& c, const std::vector<bpf::Insn>* program) {
  int p[2];
  Outcome o;
  if (pipe(p) != 0) return o;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    std::vector<sock_filter> f;
    if (program) {
      for (const auto& i : *program) f.push_back(sock_filter{i.code, i.jt, i.jf, i.k});
      sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(90);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(91);
    }
    long rc = invoke(c);
    int e = errno;
    if (c.closeResult && rc >= 0) close(static_cast<int>(rc));
    long msg[2] = {rc, e};
    if (write(p[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) _exit(92);
    _exit(0);
  }
  close(p[1]);
  long msg[2] = {0, 0};
  o.reported = read(p[0], msg, sizeof msg) == static_cast<ssize_t>(sizeof msg);
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st)) {
    o.signaled = true;
    o.signal = WTERMSIG(st);
    o.reported = false;
  } else if (WIFEXITED(st) && WEXITSTATUS(st) >= 90) {
    o.reported = false;
    o.signal = -WEXITSTATUS(st);
  }
  o.rc = msg[0];
  o.err = static_cast<int>(msg[1]);
  return o;
}

struct NamedFilter {
  std::string name;
  std::vector<bpf::Insn> program;
};

// The interpreter must allow what the child needs to report: write and exit_group on x86_64.
bool reportable(const std::vector<bpf::Insn>& prog) {
  for (long nr : {long{SYS_write}, long{SYS_exit_group}, long{SYS_close}}) {
    bpf::Data d;
    d.arch = bpf::kAuditArchX86_64;
    d.nr = static_cast<std::int32_t>(nr);
    d.args = {1, 0, 8, 0, 0, 0};
    auto r = bpf::run(prog, d);
    std::uint32_t act = r.ret & bpf::kRetActionFull;
    if (!r.ok || (act != bpf::kRetAllow && act != bpf::kRetLog)) return false;
  }
  return true;
}

// Compares every call on one filter; counts the calls compared.
void crossCheck(const NamedFilter& f, const std::vector<Outcome>& unconfined, int* comparedOut = nullptr) {
  auto cs = calls();
  int compared = 0;
  if (comparedOut) *comparedOut = 0;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const Call& c = cs[i];
    auto verdict = bpf::run(f.program, dataFor(c));
    ASSERT_TRUE(verdict.ok) << f.name << " " << c.what << ": " << verdict.error;
    Outcome k = runChild(c, &f.program);
    std::uint32_t action = verdict.ret & bpf::kRetActionFull;
    std::string ctx = fmt::format("{}: {} -> interpreter {}, kernel {} (unfiltered: {})", f.name, c.what,
                                  bpf::describe(verdict.ret), k.str(), unconfined[i].str());
    ASSERT_NE(k.signal, -90) << ctx << " (prctl failed)";
    ASSERT_NE(k.signal, -91) << ctx << " (the kernel refused the filter)";
    if (action == bpf::kRetKillProcess || action == bpf::kRetKillThread || action == bpf::kRetTrap) {
      EXPECT_TRUE(k.signaled && k.signal == SIGSYS) << ctx;
    } else if (action == bpf::kRetErrno) {
      EXPECT_TRUE(k.reported && k.rc == -1 && k.err == static_cast<int>(verdict.ret & bpf::kRetData)) << ctx;
    } else if (action == bpf::kRetAllow || action == bpf::kRetLog) {
      const Outcome& u = unconfined[i];
      bool same = k.reported == u.reported && k.signaled == u.signaled &&
                  (u.rc < 0 ? k.rc == -1 && k.err == u.err : k.rc >= 0);
      // getpid's value differs per child: only the class must match.
      EXPECT_TRUE(same) << ctx;
    } else {
      ADD_FAILURE() << ctx << ": an action this test does not model";
    }
    ++compared;
    if (comparedOut) *comparedOut = compared;
  }
}

std::vector<Outcome> unconfinedOutcomes() {
  std::vector<Outcome> out;
  for (const auto& c : calls()) out.push_back(runChild(c, nullptr));
  return out;
}

bool seccompAvailable() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Seccomp:", 0) == 0) return true;
  return false;
}

// ---- filters ---------------------------------------------------------------------------------------------
ir::SyscallRule rule(const std::string& name, ir::Action::Kind kind, int errnoValue = 1,
                     std::vector<ir::ArgCondition> conds = {}) {
  ir::SyscallRule r;
  r.name = name;
  r.action.kind = kind;
  r.action.errnoValue = kind == ir::Action::Kind::Errno ? errnoValue : 0;
  r.action.errnoName = kind == ir::Action::Kind::Errno ? std::to_string(errnoValue) : "";
  r.conditions = std::move(conds);
  return r;
}

ir::ArgCondition cond(unsigned index, ir::ArgCondition::Op op, std::uint64_t value, std::uint64_t mask = 0) {
  ir::ArgCondition c;
  c.index = index;
  c.op = op;
  c.value = value;
  c.mask = mask;
  return c;
}

std::optional<NamedFilter> throughBackend(ir::Policy p) {
  Diagnostics diags;
  auto lowered = lower::lower(p, diags);
  if (!lowered) return std::nullopt;
  backend::Options opts;
  opts.allocate = false;
  opts.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(opts);
  auto arts = ward::testing::emitTarget("seccomp", *lowered, opts, diags);
  for (const auto& a : arts)
    if (a.fileName == p.name + ".bpf") {
      auto prog = bpf::parse(a.content);
      if (prog) return NamedFilter{p.name + ".bpf (lower + seccomp backend)", *prog};
    }
  return std::nullopt;
}

// Allow-list with ENOSYS default (std/base style), argument conditions on personality, unshare, ioctl and
// socket, foreign architectures killed.
ir::Policy allowList() {
  using K = ir::Action::Kind;
  using Op = ir::ArgCondition::Op;
  ir::Policy p;
  p.name = "allowlist";
  p.sources = {{"allowlist.ward", ""}};
  p.syscalls.defaultAction = {{K::Errno, 38, "ENOSYS"}, {}};
  for (const char* n : {"read", "write", "close", "exit_group", "exit", "getpid", "mmap", "brk", "rt_sigreturn",
                        "umount2", "setns", "ptrace"})
    p.syscalls.rules.push_back(rule(n, K::Allow));
  p.syscalls.rules.push_back(rule("personality", K::Allow, 0, {cond(0, Op::Eq, 0xffffffffu)}));
  p.syscalls.rules.push_back(rule("personality", K::Allow, 0, {cond(0, Op::Eq, 0x0008)}));
  p.syscalls.rules.push_back(rule("unshare", K::Allow, 0, {cond(0, Op::MaskedEq, 0, CLONE_NEWUSER)}));
  p.syscalls.rules.push_back(rule("ioctl", K::Allow, 0, {cond(1, Op::Ne, 0x5412)}));
  p.syscalls.rules.push_back(rule("socket", K::Allow, 0, {cond(0, Op::Eq, AF_UNIX)}));
  p.syscalls.rules.push_back(rule("socket", K::Allow, 0, {cond(0, Op::Eq, AF_INET)}));
  p.syscalls.rules.push_back(rule("socket", K::Allow, 0, {cond(0, Op::Eq, AF_INET6)}));
  p.syscalls.rules.push_back(rule("kexec_load", K::KillProcess));
  p.syscalls.rules.push_back(rule("mount", K::Errno, 1));
  std::sort(p.syscalls.rules.begin(), p.syscalls.rules.end(),
            [](const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.name < b.name; });
  return p;
}

// Deny-list with ALLOW default: errno rules with values, a trap, kill_thread.
ir::Policy denyList() {
  using K = ir::Action::Kind;
  using Op = ir::ArgCondition::Op;
  ir::Policy p;
  p.name = "denylist";
  p.sources = {{"denylist.ward", ""}};
  p.syscalls.defaultAction = {{K::Allow, 0, ""}, {}};
  p.syscalls.rules.push_back(rule("bpf", K::Errno, 1));
  p.syscalls.rules.push_back(rule("keyctl", K::Errno, 13));
  p.syscalls.rules.push_back(rule("perf_event_open", K::Errno, 1));
  p.syscalls.rules.push_back(rule("userfaultfd", K::Trap));
  p.syscalls.rules.push_back(rule("io_uring_setup", K::KillThread));
  p.syscalls.rules.push_back(rule("unshare", K::Errno, 1, {cond(0, Op::MaskedEq, CLONE_NEWUSER, CLONE_NEWUSER)}));
  p.syscalls.rules.push_back(rule("personality", K::Errno, 22, {cond(0, Op::Gt, 0x0008)}));
  p.syscalls.rules.push_back(rule("socket", K::Errno, 97, {cond(0, Op::Ge, 16)}));
  p.syscalls.rules.push_back(rule("umount2", K::Errno, 13, {cond(1, Op::MaskedEq, MNT_FORCE, MNT_FORCE)}));
  std::sort(p.syscalls.rules.begin(), p.syscalls.rules.end(),
            [](const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.name < b.name; });
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class BpfKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!seccompAvailable()) GTEST_SKIP() << "the kernel has no seccomp";
  }
  static const std::vector<Outcome>& unconfined() {
    static const std::vector<Outcome> u = unconfinedOutcomes();
    return u;
  }
};

TEST_F(BpfKernel, HandBuiltPoliciesThroughTheBackend) {
  for (auto p : {allowList(), denyList()}) {
    auto f = throughBackend(p);
    ASSERT_TRUE(f) << p.name;
    ASSERT_TRUE(reportable(f->program)) << f->name;
    int compared = 0;
    crossCheck(*f, unconfined(), &compared);
    EXPECT_EQ(compared, static_cast<int>(calls().size()));
  }
}

TEST_F(BpfKernel, LxcStockSeccompAsTheAuditCompilesIt) {
  const std::string path = "/usr/share/lxc/config/common.seccomp";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed";
  Diagnostics diags;
  auto imp = import::importLxcSeccomp(slurp(path), import::LxcOptions{}, diags);
  ASSERT_TRUE(imp);
  auto filter = backend::seccomp::buildFilter(imp->policy, backend::seccomp::FilterOptions{}, diags);
  ASSERT_TRUE(filter);
  auto prog = bpf::parse(filter->bpf);
  ASSERT_TRUE(prog);
  NamedFilter f{"common.seccomp", *prog};
  ASSERT_TRUE(reportable(f.program));
  crossCheck(f, unconfined());
  // A fact of LXC's stock filter both sides must agree on: kexec_load gets EPERM.
  auto kexec = bpf::run(f.program, dataFor({"kexec", Call::Abi::X86_64, SYS_kexec_load, {}}));
  EXPECT_EQ(bpf::describe(kexec.ret), "ERRNO(1)");
}

TEST_F(BpfKernel, DockerDefaultAsRuncCompilesIt) {
  const std::string path = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed";
  Diagnostics diags;
  import::DockerOptions opts;
  auto prof = import::resolveDockerProfile(slurp(path), opts, diags);
  ASSERT_TRUE(prof);
  for (bool stub : {false, true}) {
    std::string err;
    auto bytes = import::compileLikeRunc(*prof, stub, &err);
    ASSERT_TRUE(bytes) << err;
    auto prog = bpf::parse(*bytes);
    ASSERT_TRUE(prog);
    NamedFilter f{stub ? "docker default (runc, ENOSYS stub)" : "docker default (runc)", *prog};
    ASSERT_TRUE(reportable(f.program));
    crossCheck(f, unconfined());
  }
}

// Run by hand (DISABLED_): WARD_BPF_DIR=DIR test_verify --gtest_also_run_disabled_tests --gtest_filter=*FromEnvironment
TEST_F(BpfKernel, DISABLED_CompiledArtifactsFromEnvironment) {
  const char* dir = std::getenv("WARD_BPF_DIR");
  if (!dir || !std::filesystem::is_directory(dir)) GTEST_SKIP() << "WARD_BPF_DIR not set";
  int filters = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".bpf") continue;
    auto prog = bpf::parse(slurp(e.path().string()));
    ASSERT_TRUE(prog) << e.path();
    NamedFilter f{e.path().filename().string(), *prog};
    if (!reportable(f.program)) continue;
    crossCheck(f, unconfined());
    ++filters;
  }
  EXPECT_GT(filters, 0);
}

}  // namespace
}  // namespace ward::verify
