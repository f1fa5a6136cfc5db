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
  for (auto& a : sc::emit(p, backend::Options{}, diags)) out[a.fileName] = a.content;
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
  // socket: a real syscall on x86_64 and x32 (on i386 libseccomp also covers socketcall(2)).
  for (const auto& abi : abis()) {
    const int socket = nrOn(abi, "socket");
    if (socket < 0) continue;
    SCOPED_TRACE(abi.name);
    EXPECT_EQ(verdict(prog, abi, socket, {2}), bpf::kRetAllow);
    EXPECT_EQ(verdict(prog, abi, socket, {17}), bpf::kRetErrno | 38);   // AF_PACKET
  }
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
      const int nr = seccomp_syscall_resolve_name_arch(abi.scmp, r.name.c_str());
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
      conditionalNrs.insert(seccomp_syscall_resolve_name_arch(abi.scmp, r.name.c_str()));
      // socket on i386: libseccomp filters both socket(2) (359) and socketcall(2) (102).
      if (abi.scmp == SCMP_ARCH_X86 && r.name == "socket") conditionalNrs.insert({359, 102});
    }
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
    EXPECT_TRUE(sc::emit(p, {}, diags).empty());
    ASSERT_TRUE(diags.hasErrors());
    EXPECT_EQ(diags.items()[0].code, "E1001");
    EXPECT_EQ(diags.items()[0].span.line, 4u);
  }
  {
    Diagnostics diags;
    auto p = policy("p", errnoAction(38), {rule("no_such_call", allow(), {}, 5)});
    EXPECT_TRUE(sc::emit(p, {}, diags).empty());
    ASSERT_TRUE(diags.hasErrors());
    EXPECT_EQ(diags.items()[0].code, "E1001");
  }
  {
    Diagnostics diags;   // a 64-bit value cannot be compared on the 32-bit ABIs
    auto p = policy("p", errnoAction(38), {rule("clone", allow(), {cond(0, Op::Eq, 0x100000000ull)}, 6)});
    EXPECT_TRUE(sc::emit(p, {}, diags).empty());
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

}  // namespace
}  // namespace ward::seccomp_test
