#pragma once
// The container engine targets (opt-in: `ward compile --target docker,compose,kube`):
//   docker   P.docker.json (Docker-format seccomp profile, also Podman's) and P.docker.args (docker/podman
//            run options, one per line with the policy line that caused it)
//   compose  P.compose.yaml (a Compose service fragment)
//   kube     P.kube.yaml (a Pod with the container's securityContext and resources, and a
//            security-profiles-operator SeccompProfile)
// All read the lowered policy through engines::model() (model.h); what an engine cannot express is a W0008
// warning at the policy line. docs/engines.md describes the outputs and what each engine was seen to do.
#include "backend/backend.h"

namespace ward::backend::engines {

std::vector<Artifact> emitDocker(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);
std::vector<Artifact> emitCompose(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);
std::vector<Artifact> emitKube(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);

}  // namespace ward::backend::engines
