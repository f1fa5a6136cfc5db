#pragma once
// The LXD backend (opt-in: `ward compile --target lxd`): P.lxd.yaml, an LXD profile (`lxc profile edit NAME
// < P.lxd.yaml`) that carries the whole policy. LXD's own keys where one exists (limits.*, limits.kernel.*,
// security.idmap.*, security.privileged, security.nesting), raw.lxc for the rest of the LXC configuration
// (common/lxc_lines.h), raw.seccomp for the seccomp policy (whole, and fail-closed: docs/lxd.md), raw.apparmor
// for ward's AppArmor rules. Every value names its policy line in a YAML comment. What LXD cannot take is a
// located warning (W0008), never silence.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend.h"

namespace ward::backend::lxd {

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags);
// The same profile as LXD's REST API takes it ({"description", "config", "devices"}), for `ward
// lxd-install`; nullopt on errors (in diags).
std::optional<nlohmann::json> profile(const lower::Lowered& lowered, const Allocations& allocations, const Options& options,
                                      Diagnostics& diags);

// The raw.lxc keys LXD 5.0 refuses (lxc.prlimit.*, lxc.net.*, lxc.log.file, lxc.logfile, lxc.syslog,
// lxc.ephemeral), and lxc.idmap, which LXD adds to its own map so that the start fails.
bool refusedRawKey(std::string_view key);

// A YAML double-quoted scalar.
std::string yamlQuote(std::string_view text);

}  // namespace ward::backend::lxd
