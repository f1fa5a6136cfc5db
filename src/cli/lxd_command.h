#pragma once
// `ward lxd-install INSTANCE POLICY`, `ward lxd-uninstall INSTANCE` and `ward lxd-hook` (the start check
// lxd-install puts in the instance's raw.lxc): argument handling; the work is in src/lxd/install.h.
#include <string>

#include "backend/backend.h"
#include "driver/driver.h"

namespace ward::cli {

struct LxdEnv {
  driver::LoadOptions load;
  backend::Options hostFiles;   // WARD_STATE_DIR, WARD_SUBUID, WARD_SUBGID
  bool color = false;
};

struct LxdArgs {
  std::string instance;         // lxd-install, lxd-uninstall
  std::string policyFile;       // lxd-install POLICY, lxd-hook --policy
  std::string policy;           // --name: which policy of the file (default: the only one)
  std::string stateDir;         // --state-dir ("" = hostFiles.stateDir)
};

int cmdLxdInstall(const LxdEnv& env, const LxdArgs& args);
int cmdLxdUninstall(const LxdEnv& env, const LxdArgs& args);
// The pre-start check under LXD: reads LXC_CONFIG_FILE; exit 0 = start, 1 = refused, 2/3 = refused too.
int cmdLxdHook(const LxdEnv& env, const LxdArgs& args);

}  // namespace ward::cli
