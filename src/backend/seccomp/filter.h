#pragma once
// The seccomp filter itself, built through libseccomp from a lowered policy. seccomp::emit() wraps it into
// artifacts; the verifier, the import tests and the benchmark use it directly.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::backend::seccomp {

struct FilterOptions {
  // libseccomp's SCMP_FLTATR_CTL_OPTIMIZE: 1 = priority-ordered linear list, 2 = binary tree over the
  // syscall numbers. ward ships 2 (see docs/seccomp.md for the measurements behind that choice).
  int optimize = 2;
  // Runs bpf::simplify (bpf_opt.h) on libseccomp's program: the same decisions on shorter paths. The .pfc
  // text stays libseccomp's own description of the filter.
  bool simplify = true;
};

struct Filter {
  std::string bpf;   // what seccomp_export_bpf writes (see buildFilter for the placeholder default)
  std::string pfc;   // what seccomp_export_pfc writes (likewise)
};

// The rules a filter is built from: Policy::mechanism.syscallRules (lower/ fills it for ward's policies; a
// reader of a foreign profile or config with that profile's rules).
const std::vector<ir::SyscallRule>& effectiveRules(const ir::Policy& policy);

// Builds the filter: the policy's arches (x86_64, x86, x32) get the same rules, any other arch gets the
// foreign action, unmentioned syscalls get the default action. Rules for a name that does not exist on one
// arch are skipped for that arch only. For one syscall, conditional rules take precedence over an
// unconditional rule with another action (the unconditional action applies where no conditional rule
// matches). On error: E1001 diagnostics and nullopt.
//
// One libseccomp context per arch (identical attributes), combined with seccomp_merge(). On x86 the calls
// libseccomp multiplexes through socketcall(2)/ipc(2) (socket, bind, ..., semget, shmat, ...) are decided on
// their direct system call numbers (syscallNumberOn) with their conditions, and socketcall/ipc themselves
// get the policy's own rule for `socketcall`/`ipc` (or the default), never a copy of the socket() rules:
// libseccomp 2.5 adds every rule for such a call to both the direct number and socketcall(call == N)
// (dropping the condition on argument 0, keeping the others), and refuses it outright with argument
// conditions in exact mode, so ward first adds socketcall/ipc without conditions, which absorbs those
// copies. libseccomp refuses a rule whose action is the default one; when the filter needs one (socketcall
// left to the default, or a conditional rule that denies with the default action), the contexts are built
// with a placeholder default (an errno no rule uses) that is written back to the policy's default in the
// exported program and PFC text. Exported programs are checked with the interpreter: rules that rely on
// libseccomp's ordering (PlannedRule::byOrder) and, on x86, every multiplexed call and socketcall/ipc.
std::optional<Filter> buildFilter(const ir::Policy& policy, const FilterOptions& options, Diagnostics& diags);

// ---- helpers shared with the LXC and OCI forms ------------------------------------------------------
// libseccomp's SCMP_ARCH_* token for "x86_64", "x86" (also "i386"), "x32"; nullopt otherwise.
std::optional<std::uint32_t> archToken(std::string_view name);
// SCMP_ACT_* for an action.
std::uint32_t actionValue(const ir::Action& action);
// The number the filter decides `syscall` on for the arch: libseccomp's number (x32 numbers include
// __X32_SYSCALL_BIT), and on x86, for the calls libseccomp multiplexes through socketcall(2)/ipc(2), the
// direct system call (Linux 4.3+ for the socket calls, 5.1+ for SysV IPC). nullopt when the name does not
// exist on the arch, or is reachable there only through the multiplexer (accept, semop, semtimedop on x86).
std::optional<int> syscallNumberOn(std::string_view syscall, std::uint32_t archToken);
// "socketcall" or "ipc" when libseccomp multiplexes the call through it on x86, else empty.
std::string_view x86Multiplexer(std::string_view syscall);
// Does the filter decide the name on the arch (syscallNumberOn has a value)?
bool existsOnArch(std::string_view syscall, std::uint32_t archToken);

// A rule the filter actually contains, after grouping by syscall, dropping rules that only repeat the
// default action and turning "unconditional A + conditional B" into "conditional B + complement A".
struct PlannedRule {
  std::string name;
  ir::Action action;
  std::vector<ir::ArgCondition> conditions;
  Span span;                 // provenance (the source rule; for complements, the unconditional rule)
  bool complement = false;   // added as the complement of the syscall's conditional rules
  // The complement needed two comparisons of one argument (libseccomp takes one per argument per rule):
  // this rule is the unconditional action under an always-true comparison (argN >= 0) that libseccomp
  // orders after the syscall's conditional rules. buildFilter() checks that order with the interpreter.
  bool byOrder = false;
};
// The plan every form (BPF, LXC, OCI) emits, so the three agree. nullopt with E1001 on a rule libseccomp
// cannot express (conflicting unconditional actions, two comparisons of one argument in one rule).
// Memoised per process on the rules (spans included) and the default action (filter_cache.h); the
// backends ask for the plan of every policy several times and a fleet's policies share most of it.
std::optional<std::vector<PlannedRule>> planRules(const ir::Policy& policy, Diagnostics& diags);
// The same without the memo.
std::optional<std::vector<PlannedRule>> planRulesUncached(const ir::Policy& policy, Diagnostics& diags);

}  // namespace ward::backend::seccomp
