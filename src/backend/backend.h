#pragma once
// Backends turn a lowered policy (lower::Lowered, which only lower::lower makes) into artifacts. Each backend lives in its own folder
// (src/backend/<target>/) and reads only the IR. Backends never write files: the driver writes every
// artifact of a compile atomically, after all backends succeeded.
#include <optional>
#include <string>
#include <vector>

#include "backend/allocations.h"
#include "base/diagnostics.h"
#include "ward/config.h"
#include "ir/policy.h"
#include "lower/lower.h"

namespace ward::backend {

struct Artifact {
  std::string fileName;   // e.g. "nginx.apparmor" (no directory)
  std::string content;    // exact bytes
};

struct Options {
  std::string stateDir = "/var/lib/ward";   // SELinux MCS registry, id range registry
  // The host's subordinate id files: `idmap auto` takes its ranges from root's entries there (see
  // common/idmap_registry.h). `ward` reads WARD_SUBUID / WARD_SUBGID for these (docs/ward.1); tests point
  // them at fixtures so no test depends on the host's files.
  std::string subuidFile = "/etc/subuid";
  std::string subgidFile = "/etc/subgid";
  std::string containerName;                // for `categories auto` (defaults to the policy name)
  bool allocate = true;                     // false: do not touch the registry (check-only)
  // Where the artifacts live when the container starts (lxc.seccomp.profile and lxc.apparmor.profile
  // paths in P.lxc.conf point here). The driver sets it to the absolute output directory unless
  // `ward compile --install-dir DIR` says otherwise.
  std::string artifactDir = "/etc/ward";
  // LXC's rootfs mount point: P.lxc.conf sets lxc.rootfs.mount to it and names read-only paths of the
  // container's own /proc through it (an lxc.mount.entry source is a path in the container's mount
  // namespace before pivot_root). Defaults to LXC's compiled-in place (CMake: WARD_LXC_ROOTFS_MOUNT).
  std::string lxcRootfsMount = WARD_LXC_ROOTFS_MOUNT;
  // The LSMs of the host the artifacts are for (`ward compile --this-host` fills them from the running
  // kernel; tests set them). nullopt = any host: P.oci.json keeps process.apparmorProfile and selinuxLabel
  // and says in annotations["org.ward.assumes"] that the host enables those LSMs. false = not enabled there:
  // the field is left out (runc 1.1 refuses a config that has it), annotations["org.ward.host"] says why.
  std::optional<bool> hostApparmor, hostSelinux;
};

// The targets a compile writes by default, in the order the driver runs them: seccomp, apparmor, selinux,
// lxc, oci.
std::vector<std::string> targetNames();
// Every target, default ones first, then the opt-in container engine targets (docker, compose, kube:
// backend/engines/engines.h), which only `--target` asks for.
std::vector<std::string> allTargetNames();

// Runs one target: a pure function of the lowered policy, the host resources the allocation step gave it
// (backend/allocate.h) and the options; it reads and writes no host state. On error, diagnostics get an
// E1xxx error and the returned list must be ignored.
std::vector<Artifact> emit(const std::string& target, const lower::Lowered& policy, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);

}  // namespace ward::backend
