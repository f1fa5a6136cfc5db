// The seccomp backend's artifacts: what the exported filter does (through the interpreter), the
// constant-action property for the kernel's seccomp cache, determinism, the LXC and OCI forms, errors.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "backend/seccomp/oci_json.h"
#include "backend/seccomp/seccomp.h"
#include "seccomp_test_util.h"

namespace ward::seccomp_test {
namespace {

using Op = ir::ArgCondition::Op;
namespace sc = ward::backend::seccomp;

std::map<std::string, std::string> emitAll(const ir::Policy& p, Diagnostics& diags) {
  std::map<std::string, std::string> out;
  for (auto& a : sc::emit(ward::testing::asLowered(p), backend::Options{}, diags)) out[a.fileName] = a.content;
  return out;
}

std::string bpfOf(const ir::Policy& p, int optimize = 2) {
  Diagnostics diags;
  auto f = sc::buildFilter(p, sc::FilterOptions{optimize}, diags);
  EXPECT_TRUE(f.has_value()) << (diags.items().empty() ? "" : diags.items()[0].message);
  return f ? f->bpf : std::string();
}

std::uint32_t verdict(const std::vector<bpf::Insn>& prog, const Abi& abi, int nr, std::array<std::uint64_t, 6> args = {}) {
  auto r = bpf::run(prog, data(abi.audit, static_cast<std::int32_t>(static_cast<std::uint32_t>(nr) | abi.nrBit), args));
  EXPECT_TRUE(r.ok) << r.error;
  return r.ret;
}

int nrOn(const Abi& abi, const char* name) {
  const int n = seccomp_syscall_resolve_name_arch(abi.scmp, name);
  return n < 0 ? n : static_cast<int>(static_cast<std::uint32_t>(n) & ~bpf::kX32SyscallBit);
}

// The number the filter decides a name on (x86: the direct number of a call libseccomp multiplexes), with
// the x32 bit; -1 when there is none.
int filterNr(const Abi& abi, const std::string& name) {
  const auto n = sc::syscallNumberOn(name, abi.scmp);
  return n ? *n : -1;
}

// i386 numbers from the kernel's arch/x86/entry/syscalls/syscall_32.tbl (socket calls: Linux 4.3, SysV IPC:
// Linux 5.1), written out here independently of the backend's table; -1: only behind socketcall/ipc.
const std::vector<std::pair<std::string, int>>& i386Multiplexed() {
  static const std::vector<std::pair<std::string, int>> v = {
      {"socket", 359},      {"socketpair", 360}, {"bind", 361},        {"connect", 362},    {"listen", 363},
      {"accept4", 364},     {"getsockopt", 365}, {"setsockopt", 366},  {"getsockname", 367}, {"getpeername", 368},
      {"sendto", 369},      {"sendmsg", 370},    {"recvfrom", 371},    {"recvmsg", 372},    {"shutdown", 373},
      {"recvmmsg", 337},    {"sendmmsg", 345},   {"semget", 393},      {"semctl", 394},     {"shmget", 395},
      {"shmctl", 396},      {"shmat", 397},      {"shmdt", 398},       {"msgget", 399},     {"msgsnd", 400},
      {"msgrcv", 401},      {"msgctl", 402},     {"accept", -1},       {"semop", -1},       {"semtimedop", -1}};
  return v;
}

TEST(SeccompEmit, ArtifactsAreNamedAndDeterministic) {
  Diagnostics d1, d2;
  auto a = emitAll(webPolicy(), d1);
  auto b = emitAll(webPolicy(), d2);
  ASSERT_FALSE(d1.hasErrors());
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(a.count("web.bpf") && a.count("web.pfc") && a.count("web.lxc.seccomp"));
  EXPECT_EQ(a, b);   // byte-identical on recompile
  EXPECT_EQ(a["web.bpf"].size() % 8, 0u);
  EXPECT_NE(a["web.pfc"].find("# pseudo filter code start"), std::string::npos);
  // The .bpf is exactly libseccomp's export of the filter buildFilter builds.
  EXPECT_EQ(a["web.bpf"], bpfOf(webPolicy()));
}

TEST(SeccompEmit, ActionsOnEveryArch) {
  auto prog = program(bpfOf(webPolicy()));
  for (const auto& abi : abis()) {
    SCOPED_TRACE(abi.name);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "read")), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "mount")), bpf::kRetErrno | 1);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "kexec_load")), bpf::kRetKillProcess);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "reboot")), bpf::kRetErrno | 38);   // unmentioned: ENOSYS
    const int personality = nrOn(abi, "personality");
    EXPECT_EQ(verdict(prog, abi, personality, {0}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, personality, {0xffffffff}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, personality, {0x0400000}), bpf::kRetErrno | 38);
    const int clone = nrOn(abi, "clone");
    EXPECT_EQ(verdict(prog, abi, clone, {0x11}), bpf::kRetAllow);   // SIGCHLD
    EXPECT_EQ(verdict(prog, abi, clone, {0x10000011}), bpf::kRetErrno | 1);   // CLONE_NEWUSER: the conditional rule wins
  }
  // socket: a real syscall on x86_64 and x32, and on i386 its direct number (359); socketcall(2) on i386 gets
  // its own rule (EPERM), whatever the call and arguments.
  for (const auto& abi : abis()) {
    SCOPED_TRACE(abi.name);
    const int socket = nrOn(abi, "socket") >= 0 ? nrOn(abi, "socket") : filterNr(abi, "socket");
    ASSERT_GE(socket, 0);
    EXPECT_EQ(verdict(prog, abi, socket, {2}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, socket, {1}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, socket, {17}), bpf::kRetErrno | 38);   // AF_PACKET
  }
  EXPECT_EQ(filterNr(abis()[1], "socket"), 359);
  for (std::uint64_t call : {1, 2, 3, 5, 18, 20})
    for (std::uint64_t a1 : {0ull, 2ull, 0xffff0000ull})
      EXPECT_EQ(verdict(prog, abis()[1], 102, {call, a1}), bpf::kRetErrno | 1) << call;
  EXPECT_EQ(verdict(prog, abis()[1], 361 /*bind*/), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog, abis()[1], 359 + 1 /*socketpair: no rule*/), bpf::kRetErrno | 38);
  EXPECT_EQ(verdict(prog, abis()[1], 117 /*ipc: no rule*/, {23}), bpf::kRetErrno | 38);
  // Any other architecture gets the foreign action (kill), never an unfiltered path.
  for (std::uint32_t arch : {0xC00000B7u /* aarch64 */, 0x40000028u /* arm */, 0u, 0xffffffffu}) {
    auto r = bpf::run(prog, data(arch, 0));
    EXPECT_EQ(r.ret, bpf::kRetKillProcess) << std::hex << arch;
  }
}

TEST(SeccompEmit, ArchesNotListedAreForeign) {
  auto p = policy("p", errnoAction(38), {rule("read", allow(), {}, 3), rule("waitpid", allow(), {}, 4)}, {"x86_64"});
  auto prog = program(bpfOf(p));
  EXPECT_EQ(verdict(prog, abis()[0], 0), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog, abis()[1], 3), bpf::kRetKillProcess);              // i386 read: foreign
  EXPECT_EQ(verdict(prog, abis()[2], 0), bpf::kRetKillProcess);              // x32 read: foreign too
  // An x86-only name (waitpid) is skipped on x86_64 and applies on i386 when i386 is filtered.
  auto q = policy("q", errnoAction(38), {rule("waitpid", allow(), {}, 4)}, {"x86_64", "x86"});
  auto prog2 = program(bpfOf(q));
  EXPECT_EQ(verdict(prog2, abis()[1], 7), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog2, abis()[0], 7), bpf::kRetErrno | 38);   // 7 is poll on x86_64
}

TEST(SeccompEmit, ForeignActionIsConfigurable) {
  auto p = webPolicy();
  p.syscalls.foreignAction.value = {ir::Action::Kind::Trap, 0, ""};
  auto prog = program(bpfOf(p));
  EXPECT_EQ(bpf::run(prog, data(0xC00000B7u, 0)).ret, bpf::kRetTrap);
  p.syscalls.foreignAction.value = allow();
  Diagnostics diags;
  EXPECT_FALSE(sc::buildFilter(p, {}, diags).has_value());
  EXPECT_TRUE(diags.hasErrors());
}

// The requirement for the kernel's seccomp action cache: an allowed syscall without argument conditions
// must be decided without loading any argument, on x86_64 and i386.
void expectConstantAllows(const ir::Policy& p, int optimize) {
  auto prog = program(bpfOf(p, optimize));
  std::set<std::string> conditional;
  for (const auto& r : sc::effectiveRules(p))
    if (!r.conditions.empty()) conditional.insert(r.name);
  std::size_t checked = 0;
  for (const auto& r : sc::effectiveRules(p)) {
    if (r.action.kind != ir::Action::Kind::Allow || !r.conditions.empty() || conditional.count(r.name)) continue;
    for (const auto& abi : {abis()[0], abis()[1]}) {
      const int nr = filterNr(abi, r.name);   // on i386, the direct number of bind, connect, ...
      if (nr < 0) continue;
      for (const auto& args : sampleArgs()) {
        auto res = bpf::run(prog, data(abi.audit, nr, args), true);
        ASSERT_TRUE(res.ok);
        EXPECT_EQ(res.ret, bpf::kRetAllow) << r.name << " on " << abi.name;
        EXPECT_FALSE(res.argsLoaded) << r.name << " on " << abi.name << " loads an argument (optimize " << optimize << ")";
        EXPECT_FALSE(res.ipLoaded);
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

TEST(SeccompEmit, UnconditionalAllowsAreConstantActions) {
  expectConstantAllows(webPolicy(), 2);
  expectConstantAllows(webPolicy(), 1);
}

// Every syscall number on x86_64 and i386: whatever a path returns, it loads an argument only when the
// syscall has a conditional rule.
TEST(SeccompEmit, ArgumentLoadsOnlyForConditionalSyscalls) {
  auto p = webPolicy();
  auto prog = program(bpfOf(p));
  for (const auto& abi : {abis()[0], abis()[1]}) {
    std::set<int> conditionalNrs;
    for (const auto& r : sc::effectiveRules(p)) {
      if (r.conditions.empty()) continue;
      // socket on i386: its direct number (359) only; socketcall(2) (102) has its own unconditional rule.
      conditionalNrs.insert(filterNr(abi, r.name));
    }
    EXPECT_EQ(conditionalNrs.count(102), 0u);
    for (int nr = 0; nr < 1024; ++nr) {
      auto res = bpf::run(prog, data(abi.audit, nr, {1, 2, 3, 4, 5, 6}));
      if (!conditionalNrs.count(nr)) {
        EXPECT_FALSE(res.argsLoaded) << abi.name << " nr " << nr;
      }
    }
  }
}

TEST(SeccompEmit, OptimizerShortensPaths) {
  // Measured, not assumed: the binary tree must not make the worst case longer for the representative policy.
  auto linear = program(bpfOf(webPolicy(), 1));
  auto tree = program(bpfOf(webPolicy(), 2));
  std::size_t worstLinear = 0, worstTree = 0, sumLinear = 0, sumTree = 0;
  for (int nr = 0; nr < 512; ++nr) {
    auto a = bpf::run(linear, data(bpf::kAuditArchX86_64, nr));
    auto b = bpf::run(tree, data(bpf::kAuditArchX86_64, nr));
    EXPECT_EQ(a.ret, b.ret) << nr;   // same decisions
    worstLinear = std::max(worstLinear, a.executed);
    worstTree = std::max(worstTree, b.executed);
    sumLinear += a.executed;
    sumTree += b.executed;
  }
  EXPECT_LT(worstTree, worstLinear);
  EXPECT_LT(sumTree, sumLinear);
}

TEST(SeccompEmit, ConflictsAndUnknownNamesAreErrorsWithNoArtifacts) {
  {
    Diagnostics diags;
    auto p = policy("p", errnoAction(38), {rule("read", allow(), {}, 3), rule("read", errnoAction(1), {}, 4)});
    EXPECT_TRUE(sc::emit(ward::testing::asLowered(p), {}, diags).empty());
    ASSERT_TRUE(diags.hasErrors());
    EXPECT_EQ(diags.items()[0].code, "E1001");
    EXPECT_EQ(diags.items()[0].span.line, 4u);
  }
  {
    Diagnostics diags;
    auto p = policy("p", errnoAction(38), {rule("no_such_call", allow(), {}, 5)});
    EXPECT_TRUE(sc::emit(ward::testing::asLowered(p), {}, diags).empty());
    ASSERT_TRUE(diags.hasErrors());
    EXPECT_EQ(diags.items()[0].code, "E1001");
  }
  {
    Diagnostics diags;   // a 64-bit value cannot be compared on the 32-bit ABIs
    auto p = policy("p", errnoAction(38), {rule("clone", allow(), {cond(0, Op::Eq, 0x100000000ull)}, 6)});
    EXPECT_TRUE(sc::emit(ward::testing::asLowered(p), {}, diags).empty());
    EXPECT_TRUE(diags.hasErrors());
  }
}

// "allow ioctl; deny ioctl(request == TIOCSTI); deny ioctl(request == TIOCLINUX)": the complement of the
// conditional rules needs two comparisons of one argument, so the unconditional allow goes in under an
// always-true comparison that libseccomp orders last (checked by buildFilter with the interpreter).
TEST(SeccompEmit, ConditionalRulesWinOverTheUnconditionalOne) {
  auto p = policy("p", errnoAction(38), {rule("ioctl", allow(), {}, 3), rule("ioctl", errnoAction(1), {cond(1, Op::Eq, 0x5412)}, 4),
                                         rule("ioctl", errnoAction(1), {cond(1, Op::Eq, 0x541C)}, 5),
                                         rule("personality", errnoAction(1), {}, 7),
                                         rule("personality", allow(), {cond(0, Op::Eq, 0)}, 8),
                                         rule("personality", allow(), {cond(0, Op::Eq, 8)}, 9)});
  auto prog = program(bpfOf(p));
  for (const auto& abi : abis()) {
    SCOPED_TRACE(abi.name);
    const int ioctl = nrOn(abi, "ioctl"), pers = nrOn(abi, "personality");
    EXPECT_EQ(verdict(prog, abi, ioctl, {1, 0x5412}), bpf::kRetErrno | 1);
    EXPECT_EQ(verdict(prog, abi, ioctl, {1, 0x541C}), bpf::kRetErrno | 1);
    EXPECT_EQ(verdict(prog, abi, ioctl, {1, 0x5413}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, ioctl, {~0ull, 0}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, pers, {0}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, pers, {8}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, pers, {9}), bpf::kRetErrno | 1);
  }
}

TEST(SeccompEmit, RulesRepeatingTheDefaultAreHarmless) {
  auto p = policy("p", errnoAction(1), {rule("read", allow(), {}, 3), rule("mount", errnoAction(1), {}, 4),
                                        rule("personality", errnoAction(1), {cond(0, Op::Eq, 0)}, 5)});
  auto prog = program(bpfOf(p));
  EXPECT_EQ(verdict(prog, abis()[0], 0), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog, abis()[0], 165), bpf::kRetErrno | 1);
}

TEST(SeccompEmit, LxcFormat) {
  Diagnostics diags;
  auto a = emitAll(webPolicy(), diags);
  const std::string& t = a["web.lxc.seccomp"];
  EXPECT_EQ(t.rfind("2\nallowlist errno 38\n", 0), 0u) << t.substr(0, 80);
  EXPECT_NE(t.find("\n[x86_64]\n"), std::string::npos);
  EXPECT_NE(t.find("\n[x86]\n"), std::string::npos);
  EXPECT_NE(t.find("\n[x32]\n"), std::string::npos);
  EXPECT_NE(t.find("# examples/test.ward:200\npersonality allow [0,0,SCMP_CMP_EQ]\n"), std::string::npos);
  EXPECT_NE(t.find("clone errno 1 [0,268435456,SCMP_CMP_MASKED_EQ,268435456]\n"), std::string::npos);
  EXPECT_NE(t.find("kexec_load kill\n"), std::string::npos);
  // Every rule line is preceded by its provenance comment; nothing after a rule's last ']' (LXC's parser).
  std::vector<std::string> lines;
  for (std::size_t s = 0, e; (e = t.find('\n', s)) != std::string::npos; s = e + 1) lines.push_back(t.substr(s, e - s));
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const auto& l = lines[i];
    ASSERT_FALSE(l.empty());
    if (l[0] == '#' || l[0] == '[') continue;
    EXPECT_EQ(lines[i - 1].rfind("# examples/test.ward:", 0), 0u) << l;
    EXPECT_NE(l.back(), ' ');
  }
  // arch_prctl exists on x86_64 and x32 only in the sections where it resolves; waitpid-style x86-only
  // names appear only under [x86].
  auto p = policy("p", errnoAction(38), {rule("waitpid", allow(), {}, 3)});
  auto b = emitAll(p, diags);
  const std::string& u = b["p.lxc.seccomp"];
  const auto x86 = u.find("[x86]\n"), x32 = u.find("[x32]\n"), w = u.find("\nwaitpid allow\n");
  ASSERT_NE(w, std::string::npos);
  EXPECT_TRUE(x86 < w && w < x32);
  EXPECT_EQ(u.find("\nwaitpid allow\n", w + 1), std::string::npos);
}

TEST(SeccompEmit, OciJson) {
  auto j = sc::ociSeccomp(webPolicy());
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["defaultErrnoRet"], 38);
  EXPECT_EQ(j["architectures"], nlohmann::json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
  bool sawMasked = false, sawKill = false;
  for (const auto& s : j["syscalls"]) {
    EXPECT_TRUE(s.contains("comment"));
    EXPECT_EQ(s["comment"].get<std::string>().rfind("examples/test.ward:", 0), 0u);
    if (s["names"][0] == "clone" && s["action"] == "SCMP_ACT_ERRNO") {
      EXPECT_EQ(s["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
      EXPECT_EQ(s["args"][0]["value"], 0x10000000);     // runc: (arg & value) == valueTwo
      EXPECT_EQ(s["args"][0]["valueTwo"], 0x10000000);
      EXPECT_EQ(s["errnoRet"], 1);
      sawMasked = true;
    }
    if (s["names"][0] == "kexec_load") sawKill = s["action"] == "SCMP_ACT_KILL_PROCESS";
  }
  EXPECT_TRUE(sawMasked);
  EXPECT_TRUE(sawKill);
}

// ---- x86: the calls libseccomp multiplexes through socketcall(2)/ipc(2) ----------------------------------

// "allow socket(domain == AF_UNIX); allow socket(domain == AF_INET); deny socket errno EAFNOSUPPORT" with
// x86 filtered: libseccomp 2.5 would also put each rule on socketcall(SYS_SOCKET) without its condition, and
// the allow/EAFNOSUPPORT copies collide there (EEXIST). ward decides socket() on i386's direct number and
// leaves socketcall to its own rule (here none: the default).
ir::Policy socketFamilies(bool withSocketcall) {
  std::vector<ir::SyscallRule> rules = {
      rule("exit", allow(), {}, 3), rule("exit_group", allow(), {}, 4), rule("getppid", allow(), {}, 5),
      rule("write", allow(), {}, 6), rule("socket", allow(), {cond(0, Op::Eq, 1)}, 10),
      rule("socket", allow(), {cond(0, Op::Eq, 2)}, 11), rule("socket", errnoAction(97, "EAFNOSUPPORT"), {}, 12)};
  if (withSocketcall) rules.push_back(rule("socketcall", allow(), {}, 13));
  return policy("sockets", errnoAction(38, "ENOSYS"), rules);
}

TEST(SeccompEmit, SocketFamiliesCompileWithX86) {
  for (bool withSocketcall : {false, true}) {
    SCOPED_TRACE(withSocketcall ? "socketcall allowed" : "socketcall left to the default");
    Diagnostics diags;
    auto a = emitAll(socketFamilies(withSocketcall), diags);
    ASSERT_FALSE(diags.hasErrors()) << diags.items()[0].message;
    ASSERT_EQ(a.size(), 3u);
    Diagnostics again;
    EXPECT_EQ(a, emitAll(socketFamilies(withSocketcall), again));   // deterministic
    auto prog = program(a["sockets.bpf"]);
    for (const auto& abi : abis()) {
      SCOPED_TRACE(abi.name);
      const int socket = filterNr(abi, "socket");
      ASSERT_GE(socket, 0);
      EXPECT_EQ(verdict(prog, abi, socket & ~static_cast<int>(bpf::kX32SyscallBit), {1, 1}), bpf::kRetAllow);
      EXPECT_EQ(verdict(prog, abi, socket & ~static_cast<int>(bpf::kX32SyscallBit), {2, 2}), bpf::kRetAllow);
      for (std::uint64_t af : {0ull, 3ull, 10ull, 16ull, 17ull, 0xffffffffull})
        EXPECT_EQ(verdict(prog, abi, socket & ~static_cast<int>(bpf::kX32SyscallBit), {af, 3}), bpf::kRetErrno | 97) << af;
    }
    // socketcall(2) gets what the policy says for socketcall, for every call and argument pointer.
    const std::uint32_t sc = withSocketcall ? bpf::kRetAllow : bpf::kRetErrno | 38;
    for (std::uint64_t call = 0; call <= 21; ++call)
      for (std::uint64_t ptr : {0ull, 1ull, 2ull, 17ull, 0xffffd000ull})
        EXPECT_EQ(verdict(prog, abis()[1], 102, {call, ptr}), sc) << call;
    EXPECT_FALSE(bpf::run(prog, data(bpf::kAuditArchI386, 102, {1, 2})).argsLoaded);
    // The placeholder default (socketcall left to the default) is nowhere in the output.
    for (const auto& insn : prog)
      if (insn.code == 0x06) {
        EXPECT_LT(insn.k & bpf::kRetData, 4000u) << bpf::describe(insn.k);
      }
    const std::string& pfc = a["sockets.pfc"];
    EXPECT_EQ(pfc.find("ERRNO(40"), std::string::npos);
    EXPECT_NE(pfc.find("if ($syscall == 359)"), std::string::npos) << pfc;
    const auto at = pfc.find("if ($syscall == 102)\n");
    ASSERT_NE(at, std::string::npos) << pfc;
    const auto next = pfc.substr(at + 21, pfc.find('\n', at + 21) - (at + 21));
    EXPECT_EQ(next.substr(next.find_first_not_of(' ')), std::string("action ") + (withSocketcall ? "ALLOW;" : "ERRNO(38);"));
    // The LXC text says what LXC does with the socket() rules on x86.
    EXPECT_NE(a["sockets.lxc.seccomp"].find("# x86: LXC adds no rule there"), std::string::npos);
  }
}

// The same collision through lower/'s partition of socket(): families, SOCK_RAW EPERM, EAFNOSUPPORT for the
// rest (by masked blocks and `domain >= AF_MAX`), with SysV IPC rules next to it, and with std/base's
// unconditional allow of socketcall and ipc.
TEST(SeccompEmit, LoweredSocketPartitionAndIpcOnX86) {
  std::vector<ir::SyscallRule> rules = {
      rule("socket", allow(), {cond(0, Op::Eq, 1)}, 10),
      rule("socket", allow(), {cond(0, Op::Eq, 2), cond(1, Op::MaskedEq, 1, 0xf)}, 11),
      rule("socket", allow(), {cond(0, Op::Eq, 2), cond(1, Op::MaskedEq, 2, 0xf)}, 12),
      rule("socket", errnoAction(1, "EPERM"), {cond(0, Op::Eq, 2), cond(1, Op::MaskedEq, 3, 0xf)}, 13),
      rule("socket", errnoAction(97, "EAFNOSUPPORT"), {cond(0, Op::MaskedEq, 16, 0xfffffff0)}, 14),
      rule("socket", errnoAction(97, "EAFNOSUPPORT"), {cond(0, Op::Ge, 46)}, 15),
      rule("semget", allow(), {}, 20),
      rule("shmget", errnoAction(1, "EPERM"), {cond(0, Op::Eq, 0)}, 21),
      rule("shmget", allow(), {}, 22),
      rule("semop", allow(), {}, 23),   // only behind ipc(2) on i386: nothing to add there
      rule("accept", allow(), {}, 24),  // only behind socketcall(2) on i386
      rule("socketcall", allow(), {}, 30),
      rule("ipc", allow(), {}, 31)};
  auto p = policy("lowered", errnoAction(38, "ENOSYS"), rules);
  auto prog = program(bpfOf(p));
  const Abi& i386 = abis()[1];
  EXPECT_EQ(verdict(prog, i386, 359, {1, 1}), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog, i386, 359, {2, 0x80801}), bpf::kRetAllow);   // SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC
  EXPECT_EQ(verdict(prog, i386, 359, {2, 3}), bpf::kRetErrno | 1);     // SOCK_RAW
  EXPECT_EQ(verdict(prog, i386, 359, {17, 3}), bpf::kRetErrno | 97);   // AF_PACKET
  EXPECT_EQ(verdict(prog, i386, 359, {50, 1}), bpf::kRetErrno | 97);
  EXPECT_EQ(verdict(prog, i386, 359, {5, 1}), bpf::kRetErrno | 38);    // no rule: default
  EXPECT_EQ(verdict(prog, i386, 393, {0}), bpf::kRetAllow);            // semget
  EXPECT_EQ(verdict(prog, i386, 395, {0}), bpf::kRetErrno | 1);        // shmget(IPC_PRIVATE)
  EXPECT_EQ(verdict(prog, i386, 395, {7}), bpf::kRetAllow);
  for (std::uint64_t call : {1, 2, 3, 21, 23, 0x10017})
    EXPECT_EQ(verdict(prog, i386, 117, {call, 0}), bpf::kRetAllow) << call;   // ipc: its own rule
  for (std::uint64_t call : {1, 5, 18})
    EXPECT_EQ(verdict(prog, i386, 102, {call, 0}), bpf::kRetAllow) << call;   // socketcall: its own rule
  const Abi& x64 = abis()[0];
  EXPECT_EQ(verdict(prog, x64, SYS_socket, {2, 3}), bpf::kRetErrno | 1);
  EXPECT_EQ(verdict(prog, x64, SYS_shmget, {0}), bpf::kRetErrno | 1);
  EXPECT_EQ(verdict(prog, x64, SYS_semop), bpf::kRetAllow);
  EXPECT_EQ(verdict(prog, x64, SYS_accept), bpf::kRetAllow);
  // OCI: socketcall and ipc come first, so that runc's single libseccomp context absorbs its own copies.
  auto j = sc::ociSeccomp(p);
  ASSERT_FALSE(j["syscalls"].empty());
  EXPECT_EQ(j["syscalls"][0]["names"][0], "socketcall");
}

// syscallNumberOn agrees with the kernel's table and with libseccomp's own rewriting: an unconditional allow
// of each multiplexed call in an x86-only filter allows exactly its direct number.
TEST(SeccompEmit, X86DirectNumbersMatchTheKernelAndLibseccomp) {
  for (const auto& [name, nr] : i386Multiplexed()) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(sc::x86Multiplexer(name).empty());
    EXPECT_EQ(filterNr(abis()[1], name), nr);
    EXPECT_EQ(sc::existsOnArch(name, SCMP_ARCH_X86), nr >= 0);
    auto p = policy("one", errnoAction(38), {rule(name, allow(), {}, 3)}, {"x86"});
    auto prog = program(bpfOf(p));
    std::vector<int> allowed;
    for (int n = 0; n < 1024; ++n)
      if (bpf::run(prog, data(bpf::kAuditArchI386, n, {1, 0})).ret == bpf::kRetAllow) allowed.push_back(n);
    EXPECT_EQ(allowed, nr >= 0 ? std::vector<int>{nr} : std::vector<int>{});
  }
  EXPECT_EQ(sc::x86Multiplexer("socketcall"), "");
  EXPECT_EQ(sc::x86Multiplexer("read"), "");
  EXPECT_EQ(filterNr(abis()[0], "socket"), SYS_socket);
}

// libseccomp refuses rules whose action is the default; the placeholder default makes them possible:
// "allow clone; deny clone(CLONE_NEWUSER) errno ENOSYS" under `default errno ENOSYS`.
TEST(SeccompEmit, ConditionalRuleWithTheDefaultAction) {
  auto p = policy("p", errnoAction(38), {rule("clone", allow(), {}, 3),
                                         rule("clone", errnoAction(38), {cond(0, Op::MaskedEq, 0x10000000, 0x10000000)}, 4)});
  auto prog = program(bpfOf(p));
  for (const auto& abi : abis()) {
    SCOPED_TRACE(abi.name);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "clone"), {0x11}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "clone"), {0x10000011}), bpf::kRetErrno | 38);
    EXPECT_EQ(verdict(prog, abi, nrOn(abi, "reboot")), bpf::kRetErrno | 38);
  }
}

// Conditional rules for socketcall itself cannot sit next to rules for the calls it multiplexes (libseccomp
// copies those onto socketcall(call == N)); without such rules they are fine.
TEST(SeccompEmit, ConditionalSocketcallNextToSocketRulesIsAnError) {
  {
    Diagnostics diags;
    auto p = policy("p", errnoAction(38), {rule("socket", allow(), {cond(0, Op::Eq, 1)}, 3),
                                           rule("socketcall", allow(), {cond(0, Op::Eq, 1)}, 4)});
    EXPECT_FALSE(sc::buildFilter(p, {}, diags).has_value());
    ASSERT_TRUE(diags.hasErrors());
    EXPECT_EQ(diags.items()[0].code, "E1001");
    EXPECT_EQ(diags.items()[0].span.line, 4u);
  }
  {
    auto p = policy("p", errnoAction(38), {rule("read", allow(), {}, 3), rule("socketcall", allow(), {cond(0, Op::Eq, 1)}, 4)});
    auto prog = program(bpfOf(p));
    EXPECT_EQ(verdict(prog, abis()[1], 102, {1}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abis()[1], 102, {2}), bpf::kRetErrno | 38);
  }
  {
    // x86 not filtered: nothing to collide.
    auto p = policy("p", errnoAction(38), {rule("socket", allow(), {cond(0, Op::Eq, 1)}, 3),
                                           rule("socket", errnoAction(97), {}, 4)}, {"x86_64", "x32"});
    auto prog = program(bpfOf(p));
    EXPECT_EQ(verdict(prog, abis()[0], SYS_socket, {17}), bpf::kRetErrno | 97);
    EXPECT_EQ(verdict(prog, abis()[1], 359, {1}), bpf::kRetKillProcess);   // i386 is foreign here
  }
}

}  // namespace
}  // namespace ward::seccomp_test
