#pragma once
// The AppArmor backend: P.apparmor, a complete profile built from the lowered policy's
// mechanism.apparmorRules, each rule preceded by a comment naming the policy line it came from.
// docs/apparmor.md describes the profile. Loading into a kernel is in load.h.
#include "backend/backend.h"

namespace ward::backend::apparmor {

std::vector<Artifact> emit(const ir::Policy& policy, const Options& options, Diagnostics& diags);

// The profile's name: apparmor { profile "..." } or "ward-<policy>".
std::string profileName(const ir::Policy& policy);

}  // namespace ward::backend::apparmor
