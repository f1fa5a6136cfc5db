// The BPF interpreter: hand-written programs, the kernel's static checks, and a cross-check against the
// kernel itself (the same filter loaded in a forked child must decide as the interpreter says).
#include <gtest/gtest.h>

#include "backend/seccomp/seccomp.h"
#include "seccomp_test_util.h"

namespace ward::seccomp_test {
namespace {

using I = bpf::Insn;
using Op = ir::ArgCondition::Op;

TEST(BpfInterp, RunsAProgramAndTracksArgumentLoads) {
  // ld arch; jeq x86_64 ? next : kill; ld nr; jeq 39 ? allow : next; ld args[0].lo; jeq 5 ? errno 5 : errno 1
  std::vector<I> p = {{0x20, 0, 0, 4},           {0x15, 0, 6, bpf::kAuditArchX86_64},
                      {0x20, 0, 0, 0},           {0x15, 0, 1, 39},
                      {0x06, 0, 0, bpf::kRetAllow}, {0x20, 0, 0, 16},
                      {0x15, 0, 1, 5},           {0x06, 0, 0, bpf::kRetErrno | 5},
                      {0x06, 0, 0, bpf::kRetErrno | 1}};
  p.push_back({0x06, 0, 0, bpf::kRetKillProcess});
  p[1].jf = 7;   // a foreign arch jumps to the kill at 9
  std::string error;
  ASSERT_TRUE(bpf::check(p, &error)) << error;
  auto a = bpf::run(p, data(bpf::kAuditArchX86_64, 39), true);
  EXPECT_EQ(a.ret, bpf::kRetAllow);
  EXPECT_EQ(a.executed, 5u);
  EXPECT_FALSE(a.argsLoaded);
  EXPECT_EQ(a.path, (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  auto b = bpf::run(p, data(bpf::kAuditArchX86_64, 1, {5}));
  EXPECT_EQ(b.ret, bpf::kRetErrno | 5);
  EXPECT_TRUE(b.argsLoaded);
  EXPECT_EQ(bpf::run(p, data(bpf::kAuditArchX86_64, 1, {6})).ret, bpf::kRetErrno | 1);
  EXPECT_EQ(bpf::run(p, data(bpf::kAuditArchI386, 39)).ret, bpf::kRetKillProcess);
  EXPECT_EQ(bpf::describe(bpf::kRetErrno | 38), "ERRNO(38)");
  EXPECT_EQ(bpf::serialize(*bpf::parse(bpf::serialize(p))), bpf::serialize(p));
  EXPECT_NE(bpf::disassemble(p).find("ret ALLOW"), std::string::npos);
}

TEST(BpfInterp, AluScratchAndReturnA) {
  // A = nr; A += 3; M[0] = A; X = 10; A = X; A = M[0]; A &= 0xff; ret A
  std::vector<I> p = {{0x20, 0, 0, 0}, {0x04, 0, 0, 3}, {0x02, 0, 0, 0}, {0x01, 0, 0, 10},
                      {0x87, 0, 0, 0}, {0x60, 0, 0, 0}, {0x54, 0, 0, 0xff}, {0x16, 0, 0, 0}};
  ASSERT_TRUE(bpf::check(p));
  EXPECT_EQ(bpf::run(p, data(0, 4)).ret, 7u);
  // A / X with X == 0 returns 0, like the kernel.
  std::vector<I> q = {{0x20, 0, 0, 0}, {0x01, 0, 0, 0}, {0x3c, 0, 0, 0}, {0x16, 0, 0, 0}};
  ASSERT_TRUE(bpf::check(q));
  EXPECT_EQ(bpf::run(q, data(0, 4)).ret, 0u);
}

TEST(BpfInterp, RejectsWhatTheKernelRejects) {
  std::string error;
  EXPECT_FALSE(bpf::parse(std::string(7, '\0'), &error));
  EXPECT_FALSE(bpf::check({}, &error));
  EXPECT_FALSE(bpf::check({{0x20, 0, 0, 64}, {0x06, 0, 0, 0}}, &error));   // load past seccomp_data
  EXPECT_FALSE(bpf::check({{0x20, 0, 0, 2}, {0x06, 0, 0, 0}}, &error));    // misaligned
  EXPECT_FALSE(bpf::check({{0x15, 5, 0, 0}, {0x06, 0, 0, 0}}, &error));    // jump out of range
  EXPECT_FALSE(bpf::check({{0x20, 0, 0, 0}}, &error));                     // no return at the end
  EXPECT_FALSE(bpf::check({{0x28, 0, 0, 0}, {0x06, 0, 0, 0}}, &error));    // BPF_H loads are not allowed
  EXPECT_FALSE(bpf::check({{0x94, 0, 0, 3}, {0x06, 0, 0, 0}}, &error));    // BPF_MOD is not allowed
  EXPECT_FALSE(bpf::check(std::vector<I>(4097, I{0x06, 0, 0, 0}), &error));
}

// The kernel decides as the interpreter says. The policy gives each call a distinct outcome.
TEST(BpfInterp, AgreesWithTheKernel) {
  auto p = policy("cross", errnoAction(123, "ENOMEDIUM"),
                  {rule("getppid", allow(), {}, 3), rule("getuid", allow(), {}, 4), rule("close", errnoAction(9), {}, 5),
                   rule("dup", errnoAction(77), {}, 6), rule("personality", allow(), {cond(0, Op::Eq, 0xffffffff)}, 7),
                   rule("personality", errnoAction(13), {cond(0, Op::Eq, 0x400000)}, 8),
                   rule("sched_yield", errnoAction(42), {}, 9), rule("getpgid", allow(), {cond(0, Op::Le, 0)}, 10),
                   rule("getsid", errnoAction(61), {cond(0, Op::MaskedEq, 0x10, 0x30)}, 11),
                   rule("uname", {ir::Action::Kind::KillProcess, 0, ""}, {}, 12),
                   // a call libseccomp multiplexes through socketcall(2) on i386: decided on i386's number 359
                   rule("socket", allow(), {cond(0, Op::Eq, 1 /*AF_UNIX*/)}, 16), rule("socket", errnoAction(97), {}, 17),
                   // what runInChild itself needs: reporting results and exiting
                   rule("write", allow(), {}, 13), rule("exit_group", allow(), {}, 14), rule("exit", allow(), {}, 15)});
  Diagnostics diags;
  auto f = backend::seccomp::buildFilter(p, {}, diags);
  ASSERT_TRUE(f.has_value());
  auto prog = program(f->bpf);
  struct Try {
    int nr;
    std::array<std::uint64_t, 6> args;
  };
  const std::vector<Try> tries = {
      {SYS_getppid, {}},           {SYS_getuid, {}},           {SYS_close, {999}},       {SYS_dup, {999}},
      {SYS_personality, {0xffffffff}}, {SYS_personality, {0x400000}}, {SYS_personality, {8}}, {SYS_sched_yield, {}},
      {SYS_getpgid, {0}},          {SYS_getpgid, {1}},         {SYS_getsid, {0x10}},     {SYS_getsid, {0x30}},
      {SYS_getsid, {0x1f}},        {SYS_getgid, {}},           {SYS_uname, {0}},         {SYS_geteuid, {}},
      {SYS_socket, {1}},           {SYS_socket, {17}}};
  // Unfiltered results, for the calls the filter allows.
  std::vector<std::function<long()>> plain;
  for (const auto& t : tries) plain.push_back([t] { return sys(t.nr, static_cast<long>(t.args[0])); });
  auto unfiltered = runInChild("", plain);
  ASSERT_EQ(unfiltered.results.size(), tries.size());
  for (std::size_t i = 0; i < tries.size(); ++i) {
    const auto& t = tries[i];
    const auto v = bpf::run(prog, data(bpf::kAuditArchX86_64, t.nr, t.args));
    auto o = runInChild(f->bpf, {[t] { return sys(t.nr, static_cast<long>(t.args[0])); }});
    ASSERT_TRUE(o.loaded) << o.error << " signal " << o.signal;
    SCOPED_TRACE(::testing::Message() << "nr " << t.nr << " arg0 " << std::hex << t.args[0] << ": " << bpf::describe(v.ret));
    switch (v.ret & bpf::kRetActionFull) {
      case bpf::kRetAllow:
        ASSERT_EQ(o.results.size(), 1u);
        EXPECT_EQ(o.results[0], unfiltered.results[i]);
        break;
      case bpf::kRetErrno:
        ASSERT_EQ(o.results.size(), 1u);
        EXPECT_EQ(o.results[0], -static_cast<long>(v.ret & bpf::kRetData));
        break;
      case bpf::kRetKillProcess:
        EXPECT_TRUE(o.killedBySigsys);
        EXPECT_TRUE(o.results.empty());
        break;
      default: FAIL() << "unexpected verdict";
    }
  }
  // The same on the i386 ABI (int $0x80), where the numbers differ.
  WARD_REQUIRE(ia32Available(), "this kernel does not run i386 system calls (no IA32 emulation)");
  const std::vector<Try> tries32 = {{64 /*getppid*/, {}}, {6 /*close*/, {999}}, {41 /*dup*/, {999}},
                                    {136 /*personality*/, {0x400000}}, {158 /*sched_yield*/, {}},
                                    {47 /*getgid*/, {}}, {147 /*getsid*/, {0x10}}, {359 /*socket*/, {1}},
                                    {359 /*socket*/, {17}}, {102 /*socketcall*/, {1}}, {122 /*uname*/, {0}}};
  std::vector<std::function<long()>> plain32;
  for (const auto& t : tries32) plain32.push_back([t] { return int80(t.nr, static_cast<long>(t.args[0])); });
  auto unfiltered32 = runInChild("", plain32);
  ASSERT_EQ(unfiltered32.results.size(), tries32.size());
  for (std::size_t i = 0; i < tries32.size(); ++i) {
    const auto& t = tries32[i];
    const auto v = bpf::run(prog, data(bpf::kAuditArchI386, t.nr, t.args));
    auto o = runInChild(f->bpf, {[t] { return int80(t.nr, static_cast<long>(t.args[0])); }});
    ASSERT_TRUE(o.loaded);
    SCOPED_TRACE(::testing::Message() << "i386 nr " << t.nr << ": " << bpf::describe(v.ret));
    if ((v.ret & bpf::kRetActionFull) == bpf::kRetErrno) {
      ASSERT_EQ(o.results.size(), 1u);
      EXPECT_EQ(o.results[0], -static_cast<long>(v.ret & bpf::kRetData));
    } else if (v.ret == bpf::kRetKillProcess) {
      EXPECT_TRUE(o.killedBySigsys);
    } else {
      ASSERT_EQ(o.results.size(), 1u);
      EXPECT_EQ(o.results[0], unfiltered32.results[i]);
    }
  }
}

}  // namespace
}  // namespace ward::seccomp_test
