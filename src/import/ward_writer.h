#pragma once
// Builds the .ward text of an imported seccomp profile and, in step, the ir::Policy that text means.
// Internal to src/import.
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
  void setDefault(const ir::Action& action);
  void setArches(std::vector<std::string> arches);
  // One source entry: every name gets the action under each alternative (an empty alternative means
  // no conditions). Names the language does not know (no number on x86_64, x86 or x32 in libseccomp) are
  // left out (listed in the header);
  // entries whose action is the default are left out with a comment.
  void addEntry(const std::vector<std::string>& names, const ir::Action& action,
                const std::vector<std::vector<ir::ArgCondition>>& alternatives, const std::string& comment);
  std::optional<Imported> finish(Diagnostics& diags);

  static std::string actionVerb(const ir::Action& a);     // allow, deny, kill, kill_thread, trap, log
  static std::string conditionText(const ir::ArgCondition& c);

 private:
  std::string policyName_, sourceName_;
  std::vector<std::string> header_;
  std::vector<std::string> body_;
  ir::Action default_;
  std::vector<std::string> arches_{"x86_64", "x86", "x32"};
  std::vector<std::string> dropped_;
  std::set<std::string> droppedSet_;
  std::map<std::pair<std::string, std::string>, ir::SyscallRule> rules_;   // (name, conditions text)
  std::vector<std::string> conflicts_;
};

}  // namespace ward::import
