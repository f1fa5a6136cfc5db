#pragma once
// `ward learn` (issue 14; docs/learn.md).
//   ward learn [--base MODULE:POLICY] [-o FILE] [--name NAME] -- CMD ARGS...   learn a policy from a run
//   ward learn --replay POLICY.ward [--policy NAME] -- CMD ARGS...             run under a policy's filter and
//                                                                             count what it refuses
//   ward learn --enforce POLICY.ward [--policy NAME] -- CMD ARGS...            run under its filter, untraced
//   ward learn --merge A.ward B.ward ... [-o FILE]                            the union of learned policies
//   ward learn --lxc NAME [-P LXCPATH] [--for DURATION] [--base ...] [-o FILE]  learn from an LXC container's run
#include <string>
#include <vector>

#include "driver/driver.h"

namespace ward::cli {

struct LearnEnv {
  driver::LoadOptions load;
  std::vector<std::string> searchPath;   // for the escape catalog (the result is checked before it is written)
  bool color = false;
};

struct LearnArgs {
  std::string base = "std/base:unprivileged";
  std::string out;                        // "" = standard output
  std::string name = "learned";
  std::string replay;                     // --replay POLICY.ward
  std::string enforce;                    // --enforce POLICY.ward: run under its filter, untraced
  std::string policy;                     // --policy NAME (with --replay, --enforce)
  std::vector<std::string> merge;         // --merge files
  std::string lxc;                        // --lxc NAME: learn from a run of this LXC container
  std::string lxcPath;                    // -P, --lxcpath DIR (default /var/lib/lxc)
  std::string forDuration;                // --for DURATION: stop the container after it (30, 30s, 5m, 1h)
  std::vector<std::string> command;
};

// Exit: 0 ok; 1 the command failed (learn: the policy is still written) or the replay saw refusals;
// 2 invalid input; 3 the learned policy did not check (nothing written) or an I/O error.
int cmdLearn(const LearnEnv& env, const LearnArgs& args);

}  // namespace ward::cli
