#pragma once
// `ward lxc-install CONTAINER POLICY` and `ward lxc-uninstall CONTAINER`: the marked block in an LXC
// container's config.
//
//   # ward: begin (managed by ward lxc-install; `ward lxc-uninstall NAME` removes this block)
//   lxc.include = /var/lib/ward/containers/NAME/P.lxc.conf
//   lxc.hook.pre-start = /usr/bin/ward lxc-hook --policy /etc/ward/NAME.ward
//   lxc.hook.post-stop = /usr/bin/ward lxc-hook --policy /etc/ward/NAME.ward
//   # ward: end
//
// The block goes at the end of the config so that the snippet's keys override the container's own.
// Installing twice gives the same bytes (the old block is replaced in place of nothing: it is removed and
// the new one appended); uninstalling removes exactly the block (and nothing when there is none).
// The config is replaced atomically (mode and owner kept) after a copy of the previous bytes is written to
// config.ward-backup.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::hook {

inline constexpr std::string_view kBlockBegin = "# ward: begin";
inline constexpr std::string_view kBlockEnd = "# ward: end";

struct BlockSpec {
  std::string snippetPath;                 // the installed P.lxc.conf
  std::vector<std::string> hookCommand;    // argv of the hook: {"/usr/bin/ward", "lxc-hook", "--policy", P, ...}
};

// The block's text (ends with a newline). Arguments with characters LXC's hook line cannot carry (blanks,
// quotes, backslashes, newlines) are an error (returned in `error`).
std::optional<std::string> blockText(const BlockSpec& spec, std::string& error);

// `config` with any ward block removed; nullopt (and `error`) when the markers are unbalanced.
std::optional<std::string> withoutBlock(std::string_view config, std::string& error);
// `config` with its ward block (if any) removed and `block` appended.
std::optional<std::string> withBlock(std::string_view config, std::string_view block, std::string& error);

struct EditResult {
  bool ok = false;
  bool changed = false;
  std::string error;
  std::string backupPath;   // set when a backup was written
};

// Rewrites the config file at `configPath` (never following a symlink) with the block, or without it.
EditResult installBlock(const std::string& configPath, std::string_view block);
EditResult uninstallBlock(const std::string& configPath);

}  // namespace ward::hook
