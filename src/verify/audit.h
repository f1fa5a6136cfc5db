#pragma once
// Auditing configurations ward did not write: `ward verify --lxc-config PATH` and `ward verify --oci
// config.json`. An audit turns the configuration into the two inputs verify() already consumes, a
// synthesized ir::Policy plus artifacts, so the same catalog and the same layer evaluators judge it:
//
//   seccomp       LXC: lxc.seccomp.profile (v1/v2, parsed by import/) compiled with libseccomp into P.bpf;
//                 OCI: linux.seccomp resolved and compiled the way runc 1.1 does (import::compileLikeRunc).
//                 No filter at all is an allow-everything P.bpf: the interpreter decides either way.
//   capabilities  lxc.cap.keep / lxc.cap.drop (lxcconf::capabilities); OCI process.capabilities.bounding.
//   AppArmor      LXC's own profiles (lxc.apparmor.profile unset -> lxc-container-default-cgns, "generated",
//                 lxc-container-default*) are modelled from the profile files under apparmorDir with their
//                 #include lines inlined (abstractions/lxc/container-base); any other profile, or none,
//                 is "not evaluated" and never counts as a block. So is every profile when the caller
//                 says AppArmor is not enabled on the host (LXC then ignores the key).
//   mounts        lxc.mount.auto (proc/sys/cgroup modes), lxc.mount.entry; OCI mounts, maskedPaths,
//                 readonlyPaths (exactly: ward's runtime defaults are never assumed for a foreign config).
//   userns        lxc.idmap / OCI uidMappings+gidMappings (none: privileged).
//   cgroup        devices (lxc.cgroup[2].devices.*, OCI linux.resources.devices), pids, memory, cpu.
//   runtime       lxc.no_new_privs / OCI noNewPrivileges, shared namespaces and propagation, sysctls.
//
// Every setting keeps a span pointing at the key's line in its file (file:line of the key); the files are
// added to the caller's SourceManager so the text renderer shows carets under the config lines.
//
// Library code: nothing here prints, exits or keeps state; all file access goes through
// AuditOptions::fs (lxcconf::FileSystem), so tests can supply their own files.
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/source.h"
#include "ir/policy.h"
#include "lxcconf/lxcconf.h"
#include "verify/catalog.h"
#include "verify/verify.h"

namespace ward::verify {

struct AuditOptions {
  const lxcconf::FileSystem* fs = nullptr;      // nullptr: the real filesystem
  std::string apparmorDir = "/etc/apparmor.d";  // where LXC's profiles and abstractions are
  // Host fact, decided by the caller: false = AppArmor is not enabled here, so no profile is applied and
  // the layer is not evaluated. nullopt = judge the configuration as written (profile applied).
  std::optional<bool> apparmorEnabled;
  int lastCap = 40;                             // /proc/sys/kernel/cap_last_cap (common::readKernelLastCap)
  // Host fact for OCI configs: true = cgroup v1 (no /sys/fs/cgroup/cgroup.controllers), where runc mounts the
  // hierarchies on a writable tmpfs at /sys/fs/cgroup that has no size (RES-DISK). nullopt = not known.
  std::optional<bool> cgroupV1;
  std::string policyName;                       // "" = derived from the file name
};

struct Audited {
  ir::Policy policy;                            // spans index `sources` (the same ids as the SourceManager)
  std::vector<backend::Artifact> artifacts;     // P.bpf always; P.apparmor when modelled; P.oci.json for OCI
  std::vector<std::string> notes;               // how each layer was modelled, one line each
  std::vector<std::string> errors;              // the configuration could not be read or understood
  bool ok() const { return errors.empty(); }
};

// An LXC container configuration (following lxc.include). The config and every file it reads (includes,
// the seccomp profile, the AppArmor profile and its abstractions) are added to `sources`.
Audited auditLxcConfig(SourceManager& sources, const std::string& path, const AuditOptions& options = {});

// An OCI runtime-spec config.json (runc spec / a bundle's config.json).
Audited auditOciConfig(SourceManager& sources, const std::string& path, const AuditOptions& options = {});
// The same for text already in memory (`displayName` is used for spans and messages).
Audited auditOciText(SourceManager& sources, const std::string& displayName, const std::string& text,
                     const AuditOptions& options = {});

// verify() on the audit (empty when !audited.ok()).
std::vector<Finding> verifyAudited(const Audited& audited, const Catalog& catalog, const HostFacts& host = {});

}  // namespace ward::verify
