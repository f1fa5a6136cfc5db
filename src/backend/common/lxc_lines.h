#pragma once
// The LXC configuration a policy needs, as a list of keys in order, each with its provenance and the
// section it belongs to: the LXC backend writes them all to P.lxc.conf; the LXD backend (backend/lxd/) routes
// each one to an LXD key of its own or to raw.lxc, and says which ones LXD cannot take.
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/diagnostics.h"
#include "ir/policy.h"
#include "lower/lower.h"

namespace ward::backend::common {

struct LxcLine {
  enum class Kind { Section, Note, Key };
  Kind kind = Kind::Key;
  std::string key, value;   // Key
  std::string text;         // Section: the title; Note: the comment text; Key: the provenance ("file:line why")
  Span span;                // Key: where it comes from (the policy's span for defaults)
  std::string why;          // Key: the short reason alone
  std::string section;      // the title of the section the line is in
};

struct LxcLineOptions {
  bool idmaps = true;       // false: no lxc.idmap lines (LXD maps ids itself)
};

// Every LXC key of the policy in P.lxc.conf's order. Errors (E1301) go to diags.
std::vector<LxcLine> lxcLines(const lower::Lowered& lowered, const Allocations& allocations, const Options& options,
                              const LxcLineOptions& lineOptions, Diagnostics& diags);

// DIR/FILE (FILE alone when DIR is empty).
std::string joinPath(const std::string& dir, const std::string& file);

}  // namespace ward::backend::common
