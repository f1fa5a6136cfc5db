#include "backend/allocate.h"

#include <algorithm>

#include "backend/common/common.h"
#include "backend/selinux/selinux.h"

namespace ward::backend {

Needs needs(const std::vector<std::string>& targets, const Options& options) {
  auto has = [&](std::string_view t) { return std::find(targets.begin(), targets.end(), t) != targets.end(); };
  Needs n;
  n.idmaps = has("lxc") || has("oci");
  n.selinuxLabel = has("selinux") || has("lxc") || has("lxd") ||
                   (options.hostSelinux != false &&
                    (has("oci") || has("docker") || has("compose") || has("kube")));
  return n;
}

Allocator::Allocator(Options options, const std::vector<std::string>& targets)
    : options_(std::move(options)), needs_(needs(targets, options_)) {}

std::optional<Allocations> Allocator::allocate(const lower::Lowered& lowered, Diagnostics& diags,
                                               const std::string& containerName) {
  const ir::Policy& policy = lowered.policy();
  Options o = options_;
  if (!containerName.empty()) o.containerName = containerName;
  if (o.containerName.empty()) o.containerName = policy.name;
  Allocations out;
  if (needs_.selinuxLabel && policy.selinux.enabled) {
    Diagnostics local;
    out.selinux = selinux::label(policy, o, local);
    const bool failed = local.hasErrors() || !out.selinux;
    diags.append(local);
    if (failed) return std::nullopt;
  }
  if (needs_.idmaps && common::usesUserNamespace(policy)) {
    if (!pool_ && common::usesAutoIdmap(policy)) pool_ = common::idPoolFromFiles(o.subuidFile, o.subgidFile);
    Diagnostics local;
    out.idmaps = common::idmaps(policy, o, pool_ ? *pool_ : common::IdPool{}, local);
    const bool failed = local.hasErrors();
    diags.append(local);
    if (failed) return std::nullopt;
  }
  return out;
}

}  // namespace ward::backend
