#pragma once
#include "backend/backend.h"

namespace ward::backend::lxc {

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);

}  // namespace ward::backend::lxc
