#pragma once
// The seccomp backend: P.bpf (seccomp_export_bpf), P.pfc (seccomp_export_pfc) and P.lxc.seccomp (LXC's
// seccomp policy v2 text) for each policy P. The filter is built by buildFilter() (filter.h); the OCI JSON
// form is ociSeccomp() (oci_json.h); bpf_interp.h runs the exported program. docs/seccomp.md has the details.
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/seccomp/filter.h"

namespace ward::backend::seccomp {

std::vector<Artifact> emit(const lower::Lowered& lowered, const Options& options, Diagnostics& diags);

// The LXC v2 policy text for a planned rule list (planRules()).
std::string lxcSeccomp(const ir::Policy& policy, const std::vector<PlannedRule>& plan);

}  // namespace ward::backend::seccomp
