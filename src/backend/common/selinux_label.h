#pragma once
// The SELinux process label both runtime formats carry (lxc.selinux.context, process.selinuxLabel).
// Explicit categories come from the IR; `categories auto` asks the SELinux backend, which owns the MCS
// registry (stable per container, so asking again in one compile returns the same pair).
#include <optional>
#include <string>

#include "backend/backend.h"

namespace ward::backend::common {

struct LabelResult {
  std::optional<std::string> label;   // nullopt: the policy has no selinux section
  std::string error;                  // non-empty: the label could not be determined
};

LabelResult selinuxLabel(const ir::Policy& policy, const Options& options);

}  // namespace ward::backend::common
