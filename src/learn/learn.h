#pragma once
// `ward learn` (issue 14, docs/learn.md): write a policy from a real run of the workload, as ward source
// that extends a base, with the evidence of every learned rule in a comment.
//
//   loadBase     the base policy (`std/base:unprivileged`): lowered, its compiled seccomp filter (enforced and
//                evaluated while learning) and the capabilities it does not keep (dropped from the bounding set)
//   render       observations -> the policy text, generalised by the documented rules, in `ward fmt` layout
//   readLearned  a learned file's rules and evidence back into observations (for --merge)
//
// Library code: no printing, no exits; errors are returned as text or diagnostics.
#include <optional>
#include <string>
#include <vector>

#include "backend/seccomp/bpf_interp.h"
#include "driver/driver.h"
#include "learn/observations.h"

namespace ward::learn {

struct BaseSpec {
  std::string module;                // std/base
  std::string policy;                // unprivileged
  std::string alias;                 // base: the name the module is visible under
  std::string text() const { return module + ":" + policy; }
};
// "MODULE:POLICY" (the module as `import` takes it); nullopt with *error when malformed.
std::optional<BaseSpec> parseBaseSpec(const std::string& spec, std::string* error);

struct Base {
  BaseSpec spec;
  ir::Policy policy;                                    // lowered
  std::vector<backend::seccomp::bpf::Insn> filter;     // what ward compiles for it, socket families open
  std::string lxcSeccomp;                               // the same filter as LXC's seccomp v2 text (--lxc)
  std::vector<int> dropCapabilities;                    // capability numbers it does not keep
};
// Loads, lowers and compiles the base. Errors are in session.diags (nullopt).
std::optional<Base> loadBase(const BaseSpec& spec, driver::Session& session, const driver::LoadOptions& options);

struct RenderOptions {
  std::string policyName = "learned";
  std::vector<std::string> header;   // comment lines above the policy (without //)
};
// The learned policy's text, formatted as `ward fmt` writes it.
std::string render(const Observations& obs, const Base& base, const RenderOptions& options);

// A file `ward learn` wrote (as text), read back: its base, policy name and observations with evidence.
// nullopt with *error ("FILE:LINE: ...") when a line is not one learn writes.
struct Learned {
  BaseSpec base;
  std::string policyName;
  Observations observations;
};
std::optional<Learned> readLearned(const std::string& displayName, const std::string& text, std::string* error);
// Adds b to a: union of the rules, evidence summed, peaks the larger.
void mergeInto(Observations& a, const Observations& b);

// How the evidence of a rule the container runtime needed (and the workload did not) starts.
inline constexpr const char* kRuntimeSeen = "the container runtime's, after its filter, before the payload's execve: ";

// The evidence comment of one rule: "seen 12 on x86_64, first /usr/bin/busybox, run 1a2b3c4d".
std::string evidenceText(const Evidence& e, bool withArches = false);
// A short run id: 8 hex digits of sha256(command, time, pid).
std::string newRunId(const std::vector<std::string>& argv);

}  // namespace ward::learn
