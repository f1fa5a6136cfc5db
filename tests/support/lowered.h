#pragma once
// Tests of one backend alone build the mechanism by hand (so that a change to lower/ does not move every
// backend expectation). lower::Lowered can only be made by lower::lower(); its test peer, defined here and
// nowhere in src/, is the one other way in. The parts every lowered policy has and that the fixtures leave
// out (runc's masked and read-only paths, the sysctls, the profile name) are filled the way lower() fills
// them, from lower/'s own functions.
#include <utility>

#include "ir/policy.h"
#include "lower/lower.h"

namespace ward::lower::testing {
struct LoweredPeer {
  static Lowered make(ir::Policy policy) { return Lowered(std::move(policy)); }
};
}  // namespace ward::lower::testing

namespace ward::testing {

inline lower::Lowered asLowered(ir::Policy p) {
  auto& m = p.mechanism;
  if (m.maskedPaths.empty()) m.maskedPaths = lower::runtimeMaskedPaths(p.files.proc.value, p.files.sys.value);
  if (m.readonlyPaths.empty()) m.readonlyPaths = lower::runtimeReadonlyPaths(p.files.proc.value, p.files.sys.value);
  if (m.sysctls.empty()) m.sysctls = lower::sysctls(p);
  if (p.apparmor.profileName.empty()) p.apparmor.profileName = lower::defaultProfileName(p.name);
  return lower::testing::LoweredPeer::make(std::move(p));
}

// The real thing, for tests that lower intent; fails the test (empty policy) when lowering fails.
inline lower::Lowered lowered(ir::Policy p, Diagnostics* diags = nullptr) {
  Diagnostics local;
  auto l = lower::lower(std::move(p), diags ? *diags : local);
  return l ? std::move(*l) : lower::testing::LoweredPeer::make(ir::Policy{});
}

}  // namespace ward::testing
