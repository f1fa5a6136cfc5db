#pragma once
// Measuring filters: the reference build ward's filters are compared with (the policy's rules given straight
// to libseccomp), argument vectors around the constants of a syscall's rules, and the longest path that
// ends in ALLOW. Used by the seccomp benchmarks and the tests that hold ward to "no allowed path longer
// than libseccomp's own for the same rules".
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backend/seccomp/bpf_interp.h"
#include "ir/policy.h"

namespace ward::backend::seccomp {

// The policy's rules given to libseccomp the way a hand-written libseccomp program would: one context per
// arch with the policy's default and foreign actions, optimize 2, merged, exported with seccomp_export_bpf.
// Per syscall: each conditional rule whose action differs from the syscall's fallback (its unconditional
// rule, else the default) with its own comparisons; the unconditional rule as is, or, when the syscall also
// has conditional rules, as an always-true `argN >= 0` on the lowest argument they test (an unconditional
// rule would replace them in libseccomp). Rules libseccomp refuses (an action equal to the default, two
// comparisons of one argument, a name unknown on the arch) are left out. No placeholder default, no x86
// socketcall handling, no bpf::simplify. nullopt with *error when libseccomp fails as a whole.
std::optional<std::string> plainLibseccompBpf(const ir::Policy& policy, std::string* error);

using Args = std::array<std::uint64_t, 6>;

// Argument vectors around the comparisons of `rules` (those of one syscall): all zero, every rule's
// satisfying vector, and each compared value, its neighbours, value ^ mask and the value with bit 32 set,
// alone and within each satisfying vector. With `wide` false, vectors with a value above 32 bits are left out.
std::vector<Args> probeArgsFor(const std::vector<const ir::SyscallRule*>& rules, bool wide);

struct AbiId {
  const char* name;        // "x86_64", "x86", "x32"
  std::uint32_t scmpArch;  // SCMP_ARCH_*
  std::uint32_t audit;     // AUDIT_ARCH_* the kernel reports
  std::uint32_t nrBit;     // __X32_SYSCALL_BIT for x32, else 0
};
const std::vector<AbiId>& x86Abis();

// One input the filter decided, and what happened.
struct Probe {
  std::string name;        // the syscall's name on the arch ("" when libseccomp names none)
  int nr = 0;              // as the kernel reports it (x32 numbers include the x32 bit)
  Args args{};
  bpf::Result result;
};

// Runs the program on every syscall number libseccomp names on the ABI (0..1023, plus the direct i386
// numbers of the socket and SysV IPC calls), with probeArgsFor(the policy's rules for that name) as
// arguments, and calls `each` for every run. `rules` is effectiveRules(policy).
void forEachProbe(const std::vector<bpf::Insn>& program, const std::vector<ir::SyscallRule>& rules, const AbiId& abi,
                  const std::function<void(const Probe&)>& each);

struct WorstAllowed {
  std::size_t insns = 0;   // instructions on the longest path that returns ALLOW (0: nothing allowed)
  std::string name;        // the syscall that takes it
  Args args{};
};
// Over the calls `counts` accepts (all when empty).
WorstAllowed worstAllowedPath(const std::vector<bpf::Insn>& program, const std::vector<ir::SyscallRule>& rules,
                              const AbiId& abi, const std::function<bool(const std::string&)>& counts = {});
// What a plain libseccomp build cannot be compared with: on x86, the calls libseccomp multiplexes through
// socketcall/ipc and those two (ward decides them on their direct numbers; libseccomp copies their rules
// onto socketcall(call == N) and refuses some of them, see docs/seccomp.md). True for every other call.
bool comparableWithPlainBuild(const std::string& name, const AbiId& abi);

}  // namespace ward::backend::seccomp
