#pragma once
// The no-widening gate (issue 13) as `ward check` and the language server share it: which baseline a
// policy is held to, how a difference becomes a diagnostic, and which `accept DIFF-WIDER` covers it.
// docs/diff.md ("The gate") and docs/language.md (`verify { baseline; accept DIFF-WIDER }`).
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "diff/diff.h"
#include "driver/driver.h"

namespace ward::diff {

// One policy of a side of a comparison: lowered from a .ward file, or modelled from a foreign config
// (verify/audit.h), with the artifacts `ward compile` ships for it (the .bpf is the one read).
struct SidePolicy {
  ir::Policy policy;
  std::vector<backend::Artifact> artifacts;
};

// "LAYER: WHAT", how `accept DIFF-WIDER "..." "reason";` names one widening ("capabilities: keeps sys_admin").
std::string selectorOf(const Difference& d);
// The accept of `policy` that covers `d` (a widening): the same code (DIFF-WIDER covers both kinds of
// widening, DIFF-POSSIBLY-WIDER only its own) and a selector equal to selectorOf(d) or to its layer. An
// accept also covers the other widenings of `all` located at the same statement of the new side (accepting
// "capabilities: keeps sys_admin" accepts AppArmor's `capability sys_admin,` that the same line causes).
// nullptr when none does, or when `d` does not widen.
const ir::Accept* acceptFor(const ir::Policy& policy, const Difference& d, const std::vector<Difference>& all);

// A span of a policy (its own file ids, Policy::sources) as a span of the session; invalid when unknown.
Span toSession(const driver::Session& s, const ir::Policy& p, Span span);

// One difference of NEW (`newPolicy`) against OLD as a diagnostic of the session: located on NEW's line
// (else OLD's), OLD's line as a note. With `gate`, a widening is an error unless an accept covers it (then
// a note saying so, with the reason: `accepted`, from acceptFor); without, a warning. Narrower and changed
// ones are notes.
Diagnostic toDiagnostic(const driver::Session& s, const ir::Policy& oldPolicy, const ir::Policy& newPolicy,
                        const Difference& d, bool gate, const ir::Accept* accepted = nullptr);

// What a policy is held to: `configured` (the command line's --baseline, the editor's setting) when not
// empty, else its own `verify { baseline "FILE" [POLICY]; }` with a relative FILE resolved against the
// directory of the file that says it. nullopt: no baseline.
struct BaselineRef {
  std::string file;     // as loadSide takes it: a path, REV:path, lxc:PATH or oci:PATH
  std::string policy;   // "" = the policy of the same name, or the file's only policy
  Span span;            // the `baseline` statement (invalid for a configured one)
};
std::optional<BaselineRef> baselineOf(const ir::Policy& policy, const std::string& configured);

// A .ward side: every policy of `file` (or only `policy`), lowered, with the seccomp artifacts `ward
// compile` ships (never allocating MCS categories or id ranges). nullopt with diagnostics in the session.
std::optional<std::vector<SidePolicy>> loadWard(driver::Session& s, const std::string& file,
                                                            const std::string& policy,
                                                            const driver::LoadOptions& load);
// The .bpf artifact a compiled policy ships ("" when none).
std::string bpfOf(const SidePolicy& cp);
// The baseline's policy a policy named `name` is compared with: `policy` when given, else the one of the
// same name, else the only one. nullptr when none fits.
const SidePolicy* pickBaseline(const std::vector<SidePolicy>& base, const std::string& name,
                                           const std::string& policy);

// The language server's gate: each compiled policy with a baseline (baselineOf(p, configured)) whose file is
// a .ward file is compared with it; widenings and accepted widenings are appended to `out` as
// toDiagnostic(gate = true) gives them. A baseline that cannot be loaded is one error at the `baseline`
// statement (or at the policy when configured). Other kinds of baseline (REV:path, lxc:, oci:) are left to
// `ward check` and said so in a note.
void gateInEditor(driver::Session& s, const std::vector<driver::CompiledPolicy>& policies,
                  const std::string& configured, const driver::LoadOptions& load, Diagnostics& out);

}  // namespace ward::diff
