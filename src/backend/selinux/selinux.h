#pragma once
// The SELinux backend: P.selinux, the process label user:role:type:level[:categories], one line.
// `categories auto` takes the container's pair from the MCS registry (registry.h) at Options::stateDir, under
// Options::containerName (default: the policy name). With Options::allocate false the registry is only
// read: a container that has no pair yet gets the placeholder "...:s0:auto", which is not a valid
// context on purpose (check-only runs write nothing; a placeholder that leaked would fail closed).
// Labels are checked with libselinux's context API, and by the loaded policy when SELinux is enabled.
#include <string>

#include "backend/backend.h"
#include "backend/selinux/registry.h"

namespace ward::backend::selinux {

// P.selinux: the label the allocation step made (nothing when the policy has no selinux section).
std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations);

struct HostStatus {
  bool enabled = false;
  std::string reason;   // when not enabled: what that means for label checks, in plain words
};
HostStatus hostStatus();   // is_selinux_enabled()

using Label = SelinuxLabel;   // the label, or the placeholder (categories auto, check-only, no pair yet)

// The label of a policy (nothing when it has no selinux section; errors go to diags as E1201-E1203).
// `registry` defaults to Options::stateDir and the full c0..c1023 range. Takes (or, check-only, looks
// up) the MCS pair of `categories auto`: the allocation step's (backend/allocate.h).
std::optional<Label> label(const ir::Policy& policy, const Options& options, Diagnostics& diags,
                           const RegistryOptions* registry = nullptr);

// Checks a label with libselinux: context_new() must parse it and context_str() give it back unchanged;
// with SELinux enabled, security_check_context() must accept it. Empty string when fine.
std::string checkLabel(const std::string& label);

}  // namespace ward::backend::selinux
