// bpf::simplify (backend/seccomp/bpf_opt.h): shorter paths, the same decisions. The shipped policies are
// covered by tests/unit/stdlib/seccomp_paths_test.cpp; here, programs built straight with libseccomp.
#include <linux/filter.h>
#include <seccomp.h>

#include <gtest/gtest.h>

#include <tuple>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/bpf_opt.h"
#include "backend/seccomp/libseccomp_util.h"

namespace {

namespace bpf = ward::backend::seccomp::bpf;
namespace sc = ward::backend::seccomp;

constexpr std::uint64_t kTiocsti = 0x5412;

// ioctl: deny request & 0xffffffff == TIOCSTI and TIOCLINUX, allow the rest through `request >= 0`, which
// libseccomp tests after the masked comparisons (as ward's ordered fallback does); read allowed.
std::vector<bpf::Insn> ioctlProgram(std::uint32_t arch) {
  sc::CtxPtr ctx(seccomp_init(SCMP_ACT_ERRNO(38)));
  if (arch != SCMP_ARCH_X86_64) {
    seccomp_arch_add(ctx.get(), arch);
    seccomp_arch_remove(ctx.get(), SCMP_ARCH_X86_64);
  }
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(read), 0);
  seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(1), SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, kTiocsti));
  seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(1), SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, 0x541c));
  seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_GE, 0));
  seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_LE, 0x20008));
  std::string error;
  auto bytes = sc::exportFilter(ctx.get(), false, &error);
  EXPECT_TRUE(bytes.has_value()) << error;
  auto prog = bpf::parse(bytes.value_or(""), &error);
  EXPECT_TRUE(prog.has_value()) << error;
  return prog.value_or(std::vector<bpf::Insn>{});
}

std::size_t pathLength(const std::vector<bpf::Insn>& p, std::uint32_t audit, int nr, std::array<std::uint64_t, 6> args) {
  bpf::Data d;
  d.arch = audit;
  d.nr = nr;
  d.args = args;
  return bpf::run(p, d).executed;
}

TEST(BpfSimplify, SameDecisionsOnEveryNumberAndArgumentAroundTheConstants) {
  using Abi = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;
  for (auto [arch, audit, bit] : {Abi{SCMP_ARCH_X86_64, bpf::kAuditArchX86_64, 0u}, Abi{SCMP_ARCH_X86, bpf::kAuditArchI386, 0u},
                                  Abi{SCMP_ARCH_X32, bpf::kAuditArchX86_64, bpf::kX32SyscallBit}}) {
    const auto before = ioctlProgram(arch);
    const auto after = bpf::simplify(before);
    ASSERT_TRUE(bpf::check(after));
    EXPECT_LT(after.size(), before.size());
    std::vector<std::uint64_t> values = {0, 1, kTiocsti, kTiocsti - 1, kTiocsti + 1, 0x541c, 0x20008, 0x20009,
                                         0xffffffff, 0x100000000ull | kTiocsti, 0xffffffff00000000ull, ~0ull};
    for (std::uint32_t nr = 0; nr < 600; ++nr)
      for (auto v : values)
        for (unsigned i : {0u, 1u}) {
          std::array<std::uint64_t, 6> args{};
          args[i] = v;
          bpf::Data d;
          d.arch = audit;
          d.nr = static_cast<std::int32_t>(nr | bit);
          d.args = args;
          ASSERT_EQ(bpf::run(before, d).ret, bpf::run(after, d).ret) << "nr " << nr << " arg" << i << " " << v;
          ASSERT_LE(bpf::run(after, d).executed, bpf::run(before, d).executed);
        }
    for (const auto& in : after)
      EXPECT_FALSE(in.code == (BPF_ALU | BPF_AND | BPF_K) && in.k == 0) << bpf::disassemble(after);
  }
}

TEST(BpfSimplify, TheOrderedFallbackCostsNoTestOnX86_64) {
  const auto before = ioctlProgram(SCMP_ARCH_X86_64);
  const auto after = bpf::simplify(before);
  // ioctl(fd, 0): the two masked denies are two low-half tests (one load); the fallback costs nothing.
  const auto b = pathLength(before, bpf::kAuditArchX86_64, 16, {0, 0}), a = pathLength(after, bpf::kAuditArchX86_64, 16, {0, 0});
  EXPECT_LE(a + 6, b) << bpf::disassemble(after);
}

TEST(BpfSimplify, ProgramsOutsideLibseccompsSubsetAreLeftAlone) {
  std::vector<bpf::Insn> p = {{BPF_LD | BPF_IMM, 0, 0, 5}, {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 5},
                              {BPF_RET | BPF_K, 0, 0, bpf::kRetAllow}, {BPF_RET | BPF_K, 0, 0, 0}};
  const auto out = bpf::simplify(p);
  ASSERT_EQ(out.size(), p.size());
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_EQ(out[i].code, p[i].code);
}

TEST(BpfSimplify, DecidedTestsAndDeadLoadsGo) {
  // ld nr; and 0; jeq 0 -> (always) ret ALLOW, else ret KILL: one return is left.
  std::vector<bpf::Insn> p = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0}, {BPF_ALU | BPF_AND | BPF_K, 0, 0, 0},
                              {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0}, {BPF_RET | BPF_K, 0, 0, bpf::kRetAllow},
                              {BPF_RET | BPF_K, 0, 0, 0}};
  const auto out = bpf::simplify(p);
  ASSERT_EQ(out.size(), 1u) << bpf::disassemble(out);
  EXPECT_EQ(out[0].k, bpf::kRetAllow);
}

}  // namespace
