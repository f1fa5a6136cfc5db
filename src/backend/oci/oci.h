#pragma once
#include "backend/backend.h"

namespace ward::backend::oci {

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);

}  // namespace ward::backend::oci
