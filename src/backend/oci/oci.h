#pragma once
#include "backend/backend.h"

namespace ward::backend::oci {

std::vector<Artifact> emit(const ir::Policy& policy, const Options& options, Diagnostics& diags);

}  // namespace ward::backend::oci
