#pragma once
// sema's internal data model (not installed, not for other libraries).
//
// A Level is what one policy body contributes (its own sections plus the fragments it `use`s), or, after
// inheritance, what a policy resolves to. Single values are keyed ("limits.memory", "sysctl:net.x") and
// carry a canonical value for conflict checks plus a closure that writes them into an ir::Policy; list
// items accumulate.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "ir/dump.h"
#include "ir/policy.h"
#include "syntax/ast.h"

namespace ward::sema::detail {

struct Single {
  std::string what;    // for messages: "limit `memory`"
  std::string canon;   // normalized value: two settings conflict when these differ
  Span span;
  std::function<void(ir::Policy&)> apply;
};

struct Level {
  std::map<std::string, Single> singles;
  std::map<std::string, Span> presence;    // "selinux", "apparmor": sections present (merged by union)
  std::vector<ir::FileRule> fileRules;
  std::vector<ir::Device> devices;
  std::vector<ir::Endpoint> listen, connect;
  std::vector<ir::Capability> keep, drop;
  std::vector<ir::SyscallRule> rules;
  std::map<std::string, std::vector<std::size_t>> ruleIndex;  // name -> positions in `rules` (addRule only)
  std::vector<std::string> apparmorFlags;
  std::vector<ir::Located<std::string>> apparmorRaw;
  std::vector<ir::LxcRaw> lxcRaw;
  std::vector<ir::LxcHook> hooks;
};

// Syscall groups, global across every loaded module: name ("@web") -> expanded syscall names (sorted).
struct Groups {
  std::map<std::string, std::vector<std::string>> expanded;
  std::vector<std::string> names() const {
    std::vector<std::string> v;
    for (const auto& [k, _] : expanded) v.push_back(k);
    return v;
  }
};

// "did you mean": ward::closestMatch, then a second chance that counts a swap of two adjacent letters
// (`flies` -> `files`) or a difference in case (`eperm` -> `EPERM`) as one edit. Empty when nothing is close.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// Same-level insertions: report E0402 / E0403 against what the level already holds.
void setSingle(Level& level, const std::string& key, Single s, Diagnostics& diags);
void addRule(Level& level, ir::SyscallRule rule, Diagnostics& diags);
// Merges a fragment's level into a body's level (same level: E0402, E0403 apply).
void mergeSameLevel(Level& into, const Level& from, Diagnostics& diags);

// Canonical order of a rule's conditions, and a total order over rules.
void canonicalize(ir::SyscallRule& r);
bool ruleLess(const ir::SyscallRule& a, const ir::SyscallRule& b);
bool sameConditions(const ir::SyscallRule& a, const ir::SyscallRule& b);
using ir::actionText;   // ir/dump.h

// Interprets one section of a policy or fragment body into `level`.
void interpretSection(const ast::Section& section, const Groups& groups, Level& level, Diagnostics& diags);

}  // namespace ward::sema::detail
