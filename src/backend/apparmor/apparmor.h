#pragma once
// The AppArmor backend: P.apparmor, a complete profile built from the lowered policy's
// mechanism.apparmorRules, each rule preceded by a comment naming the policy line it came from.
// docs/apparmor.md describes the profile. Loading into a kernel is in load.h.
#include <optional>
#include <string>

#include "backend/backend.h"

namespace ward::backend::apparmor {

std::vector<Artifact> emit(const lower::Lowered& lowered, const Options& options, Diagnostics& diags);

// The profile emit() writes, from a policy's mechanism (apparmorRules, flags) under its
// apparmor.profileName. `ward diff --confirm-apparmor` compiles it for either side of a diff: a lowered
// policy or a configuration modelled by verify/audit. E1101 and nullopt on a rule or name it cannot write.
std::optional<std::string> profileText(const ir::Policy& policy, Diagnostics& diags);

// The profile's name: apparmor { profile "..." } or "ward-<policy>".
}  // namespace ward::backend::apparmor
