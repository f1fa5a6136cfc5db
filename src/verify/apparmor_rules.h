#pragma once
// A small model of AppArmor rules, enough to answer "does this profile grant X": file rules (with
// AppArmor globbing), mount rules (fstype, source, mount point, options), network rules and capability
// rules. Deny rules win over allow rules; what no allow rule grants is denied (AppArmor's model). It reads
// ward's own profiles and the ones it did not write (LXC's stock profiles, lxc.apparmor.raw).
//
// Where the model cannot be exact it errs one way: an allow rule is read as broadly as AppArmor could
// apply it, a deny rule as narrowly, so the verifier never reports a block that is not there.
//
//   - `file,` (any qualifiers) is every file access: /{**,} rwalkmix (deny: rwalkmx). apparmor_parser 3.0.8
//     refuses `deny file,`; later versions accept it with this meaning.
//   - `mount,` is every mount; each condition left out matches anything (apparmor.d(5)). A mount need is
//     "mount a new filesystem of type T at M" with the source and flags of the attacker's choosing, so:
//     an allow rule grants it when its fstype and mount point match and it has no options condition or one
//     with an option other than the command flags (bind, rbind, move, remount and the propagation flags):
//     apparmor_parser 3.0.8 (Debian 12) then also emits a generic new-mount rule of any fstype, e.g. for
//     `mount options=(rw,bind) /src/,` (checked with apparmor_parser -D rule-exprs). A deny rule covers the
//     need only without options and source conditions (with them, other flags or sources get through).
//   - `network` takes a domain, a type or both, or a protocol (tcp, udp, icmp: inet and inet6 with stream,
//     dgram, raw), as apparmor_parser does.
//   - `audit` / `allow` / `deny` / `owner` qualifiers, also as `audit {` ... `}` qualifier blocks.
// Rules ward does not understand are kept as Kind::Other and ignored (the verifier says so).
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
  bool audit = false;
  std::string text;                 // the rule as written (without the trailing comma), qualifiers included
  Span span;                        // where it came from, when known
  // File
  std::string path;                 // glob, variables expanded
  std::string perms;                // rwaxlkmix... letters as written
  // Mount
  std::vector<std::string> fstypes; // globs; empty = any
  std::string mountSource;          // glob (or free text) before "->"; empty = any
  std::string mountTarget;          // glob after "->", empty = any
  std::vector<std::vector<std::string>> mountOptions;   // each options=/options in condition; empty = any
  bool mountHasOptions = false;     // mountOptions is not empty
  // Network
  std::string family, type;         // as written (family empty = any; type empty = any)
  std::vector<std::string> families;   // the families the rule names; empty = any
  // Capability
  std::vector<std::string> caps;    // empty = all
};

// Parses one rule ("deny /proc/sysrq-trigger rwklx," or without the comma); nullopt for a blank line,
// a comment or an include.
std::optional<Rule> parseRule(std::string_view text);

// The rules of the first profile block in a profile file (nested profiles and hats are skipped; the rules
// of qualifier blocks such as `audit {` are kept, with the qualifier). `flags` receives the profile's flags
// (complain, unconfined, ...).
std::vector<Rule> parseProfile(std::string_view text, std::vector<std::string>* flags = nullptr);

// The rules of a rule list without a profile header: an abstraction such as LXC's
// abstractions/lxc/container-base (includes are not followed; nested blocks are skipped).
std::vector<Rule> parseRules(std::string_view text);

// AppArmor globbing: *, **, ?, {a,b}, [...], [^...]; @{PROC} and @{sys} expanded. As apparmor_parser
// compiles it, a * or ** that is a whole path component ("/x/*", "/**/y") matches at least one character.
// Bounded: a pattern with more than 4096 brace alternatives, or a pattern and path too long to judge, give
// TooComplex from globMatchBounded (globMatch: false); fileAccess and mountAccess then assume the answer
// that credits AppArmor with less.
enum class GlobResult { No, Yes, TooComplex };
GlobResult globMatchBounded(std::string_view pattern, std::string_view path);
bool globMatch(std::string_view pattern, std::string_view path);

struct Decision {
  bool granted = false;
  const Rule* by = nullptr;         // the deny rule that refused, or the allow rule that granted
};

// Each letter of `access` must be granted ('w' is also granted by 'a').
Decision fileAccess(const std::vector<Rule>& rules, std::string_view path, std::string_view access);
// Mounting a new filesystem of `fstype` at `target` ("" = at a mount point of the caller's choosing).
Decision mountAccess(const std::vector<Rule>& rules, std::string_view fstype, std::string_view target);
Decision networkAccess(const std::vector<Rule>& rules, std::string_view family, std::string_view type);
Decision capabilityAccess(const std::vector<Rule>& rules, std::string_view cap);

}  // namespace ward::verify::aa
