#pragma once
// `ward diff OLD NEW` and `ward check --baseline BASE FILE...` (issue 13; docs/diff.md).
#include <string>
#include <vector>

#include "driver/driver.h"

namespace ward::cli {

struct DiffEnv {
  driver::LoadOptions load;
  bool color = false;
  bool jsonDiagnostics = false;   // --diagnostics-format=json
  bool lxcConfig = false;         // --lxc-config: sides that are not .ward files are LXC configs
};

// A side is a .ward file, REV:path (a .ward file as git has it at REV, read with `git show`; its imports
// resolve through the search path and relative to the working tree), an OCI config.json (*.json or
// oci:PATH) or an LXC container config (lxc:PATH, or any non-.ward file with --lxc-config), audited as
// `ward verify --lxc-config/--oci` does.
struct DiffArgs {
  std::string oldFile, newFile;
  std::string policy;             // --policy NAME: compare this policy of both files
  std::string format = "text";    // text | json | sarif
  bool confirmApparmor = false;   // --confirm-apparmor: AppArmor equality on the compiled profiles
};

// Exit 0 equal, 1 different, 2 invalid input.
int cmdDiff(const DiffEnv& env, const DiffArgs& args);

struct BaselineArgs {
  std::string baseline;
  std::vector<std::string> files;
  std::string policy;             // the baseline's policy to compare with (default: the same name)
};

// Exit 0 when no policy of the files is wider than the baseline, 1 when one is (a widening an `accept
// DIFF-WIDER` covers does not count), 2 on invalid input. An empty args.baseline holds each policy to its
// own `verify { baseline }` (none: exit 0).
int cmdCheckBaseline(const DiffEnv& env, const BaselineArgs& args);
// `ward check` of policies it already compiled: each policy that declares `verify { baseline }` against it,
// printed as cmdCheckBaseline does. Exit 0 when none declares one or none is wider.
int gateDeclaredBaselines(const DiffEnv& env, driver::Session& s, const std::vector<driver::CompiledPolicy>& policies);

}  // namespace ward::cli
