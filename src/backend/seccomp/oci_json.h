#pragma once
// The OCI runtime-spec form of a policy's seccomp filter (config.json linux.seccomp; also Docker's
// --security-opt seccomp=FILE format). The OCI backend embeds it.
//
// Provenance: each syscalls[] entry carries "comment": "examples/nginx.ward:12". runc (1.1) decodes
// config.json with encoding/json, which ignores unknown fields, and Docker's own profile format has a
// "comment" field per entry, so both accept it.
#include <nlohmann/json.hpp>

#include "ir/policy.h"

namespace ward::backend::seccomp {

// Never throws; a policy the seccomp backend would reject still gets a best-effort object (callers run
// seccomp::emit first and stop on its errors).
nlohmann::json ociSeccomp(const ir::Policy& policy);

}  // namespace ward::backend::seccomp
