#pragma once
// Every range of ward's id range registry (idmap_registry.h), for audits that compare them with the maps
// other managers give their containers (`ward verify --lxd`). Reads only.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/common/idmap_registry.h"

namespace ward::backend::common {

// (name, range) sorted by name; an absent registry is empty; nullopt with `error` when it cannot be read
// or is corrupt.
std::optional<std::vector<std::pair<std::string, IdSlot>>> listIdRanges(const std::string& stateDir,
                                                                        std::string& error);

}  // namespace ward::backend::common
