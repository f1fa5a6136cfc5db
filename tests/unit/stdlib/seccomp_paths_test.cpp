// The seccomp filters of every example and stdlib policy, compiled as `ward compile` does:
//  - decide every syscall number of x86_64, x86 and x32 with argument vectors around the rules' constants
//    exactly as the policy says (an oracle evaluated on the lowered rules), and identically with and
//    without bpf::simplify;
//  - have no allowed path longer than libseccomp's own build of the same rules (measure.h; on x86 not
//    counting the socketcall/ipc family, which libseccomp alone cannot build the same way), and no
//    `and 0` (the hi32 half of a masked comparison with a 32-bit mask, which tests nothing).
// Issue 16.4: examples/privileged-wireguard.ward took 103 instructions to allow ioctl(fd, 0) on x86_64.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <linux/filter.h>
#include <seccomp.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "backend/seccomp/measure.h"
#include "driver/driver.h"
#include "lower/lower.h"

namespace {

namespace fs = std::filesystem;
namespace sc = ward::backend::seccomp;
namespace bpf = ward::backend::seccomp::bpf;
using ward::ir::ArgCondition;

std::string sourceDir() {
  const char* env = std::getenv("WARD_SOURCE_DIR");
  return env && *env ? env : WARD_SOURCE_DIR;
}

struct Shipped {
  std::string label;   // "examples/web-nginx.ward:web"
  ward::ir::Policy policy;
};

// Every policy of examples/*.ward and stdlib/std/*.ward, lowered.
const std::vector<Shipped>& shipped() {
  static const std::vector<Shipped> all = [] {
    std::vector<Shipped> out;
    std::vector<std::string> files;
    for (const char* dir : {"examples", "stdlib/std"})
      for (const auto& e : fs::directory_iterator(sourceDir() + "/" + dir))
        if (e.path().extension() == ".ward") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ward::driver::Session s;
      ward::driver::LoadOptions lo;
      lo.includeDirs = {sourceDir() + "/stdlib"};
      auto loaded = ward::driver::load(s, f, lo);
      for (auto& p : loaded.policies) {
        auto lowered = ward::lower::lower(std::move(p), s.diags);
        if (!lowered) break;
        out.push_back({fs::relative(f, sourceDir()).string() + ":" + lowered->name(), lowered->policy()});
      }
    }
    return out;
  }();
  return all;
}

std::vector<bpf::Insn> build(const ward::ir::Policy& p, bool simplify) {
  ward::Diagnostics diags;
  sc::FilterOptions o;
  o.simplify = simplify;
  auto f = sc::buildFilter(p, o, diags);
  EXPECT_TRUE(f.has_value()) << p.name;
  if (!f) return {};
  std::string error;
  auto prog = bpf::parse(f->bpf, &error);
  EXPECT_TRUE(prog.has_value()) << error;
  return prog.value_or(std::vector<bpf::Insn>{});
}

bool holds(const ArgCondition& c, std::uint64_t v) {
  switch (c.op) {
    case ArgCondition::Op::Eq: return v == c.value;
    case ArgCondition::Op::Ne: return v != c.value;
    case ArgCondition::Op::Lt: return v < c.value;
    case ArgCondition::Op::Le: return v <= c.value;
    case ArgCondition::Op::Gt: return v > c.value;
    case ArgCondition::Op::Ge: return v >= c.value;
    case ArgCondition::Op::MaskedEq: return (v & c.mask) == c.value;
  }
  return false;
}

// What the rules say for one call: the action of the matching conditional rules, else the unconditional
// rule's, else the default. nullopt when matching conditional rules disagree (libseccomp's choice) or
// the call is one ward routes through x86's socketcall/ipc handling (checked when the filter is built).
std::optional<std::uint32_t> oracle(const ward::ir::Policy& p, const sc::Probe& probe, const sc::AbiId& abi) {
  const std::uint32_t def = sc::actionValue(p.syscalls.defaultAction.value);
  if (probe.name.empty()) return def;
  if (abi.scmpArch == SCMP_ARCH_X86 &&
      (!sc::x86Multiplexer(probe.name).empty() || probe.name == "socketcall" || probe.name == "ipc"))
    return std::nullopt;
  std::optional<std::uint32_t> cond, uncond;
  for (const auto& r : sc::effectiveRules(p)) {
    if (r.name != probe.name) continue;
    if (r.conditions.empty()) {
      uncond = sc::actionValue(r.action);
      continue;
    }
    const bool match = std::all_of(r.conditions.begin(), r.conditions.end(),
                                   [&](const ArgCondition& c) { return holds(c, probe.args[c.index]); });
    if (!match) continue;
    if (cond && *cond != sc::actionValue(r.action)) return std::nullopt;
    cond = sc::actionValue(r.action);
  }
  return cond ? cond : uncond ? uncond : def;
}

std::string where(const sc::Probe& p, const sc::AbiId& abi) {
  return fmt::format("{} {} (nr {}) args {:#x} {:#x} {:#x}", abi.name, p.name, p.nr, p.args[0], p.args[1], p.args[2]);
}

TEST(SeccompPaths, ThereArePoliciesToCheck) { EXPECT_GE(shipped().size(), 8u); }

TEST(SeccompPaths, DecisionsAreThePolicysWithAndWithoutSimplify) {
  for (const auto& s : shipped()) {
    const auto simplified = build(s.policy, true), plain = build(s.policy, false);
    ASSERT_FALSE(simplified.empty()) << s.label;
    std::size_t checked = 0;
    for (const auto& abi : sc::x86Abis()) {
      int failures = 0;
      sc::forEachProbe(simplified, sc::effectiveRules(s.policy), abi, [&](const sc::Probe& probe) {
        if (failures > 5) return;
        bpf::Data d;
        d.arch = abi.audit;
        d.nr = probe.nr;
        d.args = probe.args;
        const auto before = bpf::run(plain, d);
        ++checked;
        if (before.ret != probe.result.ret) {
          ++failures;
          ADD_FAILURE() << s.label << ": " << where(probe, abi) << ": simplified " << bpf::describe(probe.result.ret)
                        << ", libseccomp's program " << bpf::describe(before.ret);
        }
        const auto want = oracle(s.policy, probe, abi);
        if (want && *want != probe.result.ret) {
          ++failures;
          ADD_FAILURE() << s.label << ": " << where(probe, abi) << ": filter " << bpf::describe(probe.result.ret)
                        << ", the policy " << bpf::describe(*want);
        }
      });
    }
    EXPECT_GT(checked, 1500u) << s.label;
  }
}

TEST(SeccompPaths, NoAllowedPathLongerThanLibseccompsOwn) {
  for (const auto& s : shipped()) {
    const auto ward = build(s.policy, true);
    std::string error;
    auto ref = sc::plainLibseccompBpf(s.policy, &error);
    ASSERT_TRUE(ref.has_value()) << s.label << ": " << error;
    auto refProg = bpf::parse(*ref, &error);
    ASSERT_TRUE(refProg.has_value()) << error;
    for (const auto& abi : sc::x86Abis()) {
      auto comparable = [&](const std::string& name) { return sc::comparableWithPlainBuild(name, abi); };
      const auto ours = sc::worstAllowedPath(ward, sc::effectiveRules(s.policy), abi, comparable);
      const auto theirs = sc::worstAllowedPath(*refProg, sc::effectiveRules(s.policy), abi, comparable);
      EXPECT_LE(ours.insns, theirs.insns) << s.label << " on " << abi.name << ": ward's worst allowed path is "
                                          << ours.name << " (" << ours.insns << " instructions), libseccomp's "
                                          << theirs.name << " (" << theirs.insns << ")";
    }
    for (std::size_t i = 0; i < ward.size(); ++i)
      EXPECT_FALSE(ward[i].code == (BPF_ALU | BPF_AND | BPF_K) && ward[i].k == 0)
          << s.label << ": instruction " << i << " masks with 0 (a test of nothing)";
  }
}

TEST(SeccompPaths, WireguardIoctlIsAllowedOnAShortPath) {
  const auto it = std::find_if(shipped().begin(), shipped().end(),
                               [](const Shipped& s) { return s.label.find("privileged-wireguard") != std::string::npos; });
  ASSERT_NE(it, shipped().end());
  const auto ward = build(it->policy, true);
  std::string error;
  auto ref = sc::plainLibseccompBpf(it->policy, &error);
  ASSERT_TRUE(ref.has_value()) << error;
  const auto refProg = bpf::parse(*ref, &error).value_or(std::vector<bpf::Insn>{});
  for (const auto& abi : sc::x86Abis()) {
    auto ioctl = [](const std::string& name) { return name == "ioctl"; };
    const auto ours = sc::worstAllowedPath(ward, sc::effectiveRules(it->policy), abi, ioctl);
    const auto theirs = sc::worstAllowedPath(refProg, sc::effectiveRules(it->policy), abi, ioctl);
    ASSERT_GT(ours.insns, 0u) << abi.name << ": ioctl is never allowed";
    EXPECT_LE(ours.insns, theirs.insns) << abi.name;
    EXPECT_LE(ours.insns, 25u) << abi.name;   // 103 on x86_64 and 101 on x86 before issue 16.4
  }
}

}  // namespace
