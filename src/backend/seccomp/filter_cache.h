#pragma once
// The process-wide memo behind buildFilter(): filters already built, by a canonical key of everything the
// build depends on (the planned rules, arches, default and foreign actions, options; never the spans,
// which only diagnostics use). A fleet of policies that extend one base shares one libseccomp build.
// Only successful builds are kept, at most 32 MiB of them (oldest out first). Thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/seccomp/filter.h"

namespace ward::backend::seccomp {

std::string filterKey(const std::vector<PlannedRule>& plan, const std::vector<std::uint32_t>& arches, std::uint32_t def,
                      std::uint32_t foreign, const FilterOptions& options);
std::optional<Filter> cachedFilter(const std::string& key);
void rememberFilter(const std::string& key, const Filter& filter);
// The same for planRules(): a key of the effective rules (spans and errno names included: the plan keeps
// them for the LXC comments) and the default action; at most 64 plans.
std::string planKey(const std::vector<ir::SyscallRule>& rules, const ir::Action& def);
std::optional<std::vector<PlannedRule>> cachedPlan(const std::string& key);
void rememberPlan(const std::string& key, const std::vector<PlannedRule>& plan);
// Empties the memos (benchmarks that time one build from scratch).
void clearFilterCache();

}  // namespace ward::backend::seccomp
