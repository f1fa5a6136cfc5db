#pragma once
// The allocation step: between lowering and emission, a policy takes the host resources its artifacts
// name, the MCS pair of `selinux { categories auto; }` (in its SELinux label) and the id range of
// `idmap auto` (in its id maps). This is the only step of a compile that reads or writes the registries in
// the state directory and reads /etc/subuid and /etc/subgid; emission (backend::emit) is a pure function of
// the lowered policy, its Allocations and the Options. docs/architecture.md, "Allocation".
#include <optional>
#include <string>
#include <vector>

#include "backend/allocations.h"
#include "backend/backend.h"
#include "backend/common/idmap_registry.h"

namespace ward::backend {

// Which resources the artifacts of these targets name: a label (selinux, lxc, lxd; oci and the engine
// targets unless Options::hostSelinux is false, where the field is left out) and id maps (lxc, oci).
struct Needs {
  bool selinuxLabel = false;
  bool idmaps = false;
};
Needs needs(const std::vector<std::string>& targets, const Options& options);

// One per compile or check. With Options::allocate, a container that has no pair or range yet is
// registered (inside the caller's registry_file::Batch when one is open, so a compile that fails
// registers nothing); without it the registries are only read, and a container that has none gets a
// placeholder that says so. The subordinate id files are read once, at the first `idmap auto`.
class Allocator {
 public:
  Allocator(Options options, const std::vector<std::string>& targets);
  // The policy's allocations under `containerName` (empty: Options::containerName, else the policy's
  // name). nullopt with an error in diags: E1201 (a label that is not valid), E1202 or E1204 (no pair or
  // range left), E1203 (a registry that cannot be used).
  std::optional<Allocations> allocate(const lower::Lowered& lowered, Diagnostics& diags,
                                      const std::string& containerName = {});

 private:
  Options options_;
  Needs needs_;
  std::optional<common::IdPool> pool_;
};

}  // namespace ward::backend
