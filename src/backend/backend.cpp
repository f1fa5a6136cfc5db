#include "backend/backend.h"

#include "backend/apparmor/apparmor.h"
#include "backend/engines/engines.h"
#include "backend/lxc/lxc.h"
#include "backend/lxd/lxd.h"
#include "backend/oci/oci.h"
#include "backend/seccomp/seccomp.h"
#include "backend/selinux/selinux.h"

namespace ward::backend {

std::vector<std::string> targetNames() { return {"seccomp", "apparmor", "selinux", "lxc", "oci"}; }

std::vector<std::string> allTargetNames() {
  auto all = targetNames();
  for (const char* t : {"docker", "compose", "kube"}) all.push_back(t);
  all.push_back("lxd");
  return all;
}

std::vector<Artifact> emit(const std::string& target, const lower::Lowered& policy, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  if (target == "seccomp") return seccomp::emit(policy, options, diags);
  if (target == "apparmor") return apparmor::emit(policy, options, diags);
  if (target == "selinux") return selinux::emit(policy, allocations);
  if (target == "lxc") return lxc::emit(policy, allocations, options, diags);
  if (target == "oci") return oci::emit(policy, allocations, options, diags);
  if (target == "docker") return engines::emitDocker(policy, allocations, options, diags);
  if (target == "compose") return engines::emitCompose(policy, allocations, options, diags);
  if (target == "kube") return engines::emitKube(policy, allocations, options, diags);
  if (target == "lxd") return lxd::emit(policy, allocations, options, diags);
  diags.error(Code::E1000, {}, "unknown target '" + target + "'");
  return {};
}

}  // namespace ward::backend
