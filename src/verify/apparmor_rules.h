#pragma once
// A small model of the AppArmor rules ward generates, enough to answer "does this profile grant X":
// file rules (with AppArmor globbing), mount rules (fstype and mount point), network rules and capability
// rules. Deny rules win over allow rules; what no allow rule grants is denied (AppArmor's model).
// Rules ward does not understand are kept as `unparsed` and ignored (the verifier says so).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/source.h"

namespace ward::verify::aa {

struct Rule {
  enum class Kind { File, Mount, Network, Capability, Other };
  Kind kind = Kind::Other;
  bool deny = false;
  bool owner = false;
  std::string text;                 // the rule as written (without the trailing comma)
  Span span;                        // where it came from, when known
  // File
  std::string path;                 // glob, variables expanded
  std::string perms;                // rwaxlkmix... letters as written
  // Mount
  std::vector<std::string> fstypes; // empty = any
  std::string mountTarget;          // glob after "->", empty = any
  bool mountHasOptions = false;     // options=... narrows the rule
  // Network
  std::string family, type;         // empty = any
  // Capability
  std::vector<std::string> caps;    // empty = all
};

// Parses one rule ("deny /proc/sysrq-trigger rwklx," or without the comma); nullopt for a blank line,
// a comment or an include.
std::optional<Rule> parseRule(std::string_view text);

// The rules of the first profile block in a profile file (nested profiles and hats are skipped).
// `flags` receives the profile's flags (complain, unconfined, ...).
std::vector<Rule> parseProfile(std::string_view text, std::vector<std::string>* flags = nullptr);

// AppArmor globbing: *, **, ?, {a,b}, [...], [^...]; @{PROC} and @{sys} expanded.
bool globMatch(std::string_view pattern, std::string_view path);

struct Decision {
  bool granted = false;
  const Rule* by = nullptr;         // the deny rule that refused, or the allow rule that granted
};

// Each letter of `access` must be granted ('w' is also granted by 'a').
Decision fileAccess(const std::vector<Rule>& rules, std::string_view path, std::string_view access);
Decision mountAccess(const std::vector<Rule>& rules, std::string_view fstype, std::string_view target);
Decision networkAccess(const std::vector<Rule>& rules, std::string_view family, std::string_view type);
Decision capabilityAccess(const std::vector<Rule>& rules, std::string_view cap);

}  // namespace ward::verify::aa
