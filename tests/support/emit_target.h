#pragma once
// One target of one lowered policy, the way the driver produces it: the allocation step
// (backend/allocate.h) for that target, then emission. For tests of a backend that also exercise what the
// allocation gives it (a label, id maps). Errors of either step are in `diags`; the result is then empty.
#include <string>
#include <vector>

#include "backend/allocate.h"
#include "backend/backend.h"

namespace ward::testing {

inline std::vector<backend::Artifact> emitTarget(const std::string& target, const lower::Lowered& lowered,
                                                 const backend::Options& options, Diagnostics& diags) {
  auto allocations = backend::Allocator(options, {target}).allocate(lowered, diags);
  if (!allocations) return {};
  return backend::emit(target, lowered, *allocations, options, diags);
}

}  // namespace ward::testing
