#pragma once
// Builds the .ward text of an imported seccomp profile and, in step, the ir::Policy that text means.
// `ward learn` (src/learn) writes its policies with it too: a policy that extends a base, with sections
// before `syscalls` and an evidence comment after each rule.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/diagnostics.h"
#include "import/import.h"
#include "ir/policy.h"

namespace ward::import {

class WardWriter {
 public:
  WardWriter(std::string policyName, std::string sourceName);
  void header(std::string line);   // a comment line above the policy
  // The policy extends `parent` (e.g. "base.unprivileged") of the imported `module` ("std/base"). Then a
  // rule whose action is the default is still written: it replaces what the parent says for the call.
  void extends(std::string module, std::string parent);
  // `network { families any; }` (on unless a `network` section is added): an import's socket() rules decide alone.
  void setFamiliesAny(bool on) { familiesAny_ = on; }
  // A section written before `syscalls`, one statement per line (indented by the writer).
  void section(std::string name, std::vector<std::string> lines);
  // A line of the syscalls section as given (a comment, or a statement the caller built).
  void syscallLine(std::string line) { body_.push_back("    " + std::move(line)); }
  void setDefault(const ir::Action& action, bool write = true);
  void setArches(std::vector<std::string> arches);
  // One source entry: every name gets the action under each alternative (an empty alternative means
  // no conditions). Names the language does not know (no number on x86_64, x86 or x32 in libseccomp) are
  // left out (listed in the header);
  // entries whose action is the default are left out with a comment.
  void addEntry(const std::vector<std::string>& names, const ir::Action& action,
                const std::vector<std::vector<ir::ArgCondition>>& alternatives, const std::string& comment,
                bool trailingComment = false);
  std::optional<Imported> finish(Diagnostics& diags);
  // The .ward text alone (what finish() returns in Imported::ward).
  std::string text() const;

  static std::string actionVerb(const ir::Action& a);     // allow, deny, kill, kill_thread, trap, log
  static std::string conditionText(const ir::ArgCondition& c);

 private:
  std::string policyName_, sourceName_;
  std::vector<std::string> header_;
  std::vector<std::string> body_;
  std::string module_, parent_;
  bool familiesAny_ = true;
  std::vector<std::pair<std::string, std::vector<std::string>>> sections_;
  ir::Action default_;
  bool writeDefault_ = true;
  std::vector<std::string> arches_{"x86_64", "x86", "x32"};
  std::vector<std::string> dropped_;
  std::set<std::string> droppedSet_;
  std::map<std::pair<std::string, std::string>, ir::SyscallRule> rules_;   // (name, conditions text)
  std::vector<std::string> conflicts_;
};

}  // namespace ward::import
