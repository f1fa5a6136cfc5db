#pragma once
// `ward lxc-hook`: LXC's pre-start and post-stop hook, and `ward lxc-install` / `ward lxc-uninstall`.
//
// pre-start (docs/lxc.md):
//   1. finds the policy (--policy FILE, else POLICYDIR/$LXC_NAME.ward with POLICYDIR /etc/ward);
//   2. compiles it through the content-addressed cache in STATE/cache (cache.h), the artifacts pointing at
//      STATE/containers/$LXC_NAME/ (STATE: --state-dir, default /var/lib/ward);
//   3. refuses on verifier findings at or above the policy's fail_on level (cached with the compile);
//   4. parses the container's effective config (LXC_CONFIG_FILE and its lxc.include chain) and refuses on
//      drift from the compiled P.lxc.conf (drift.h), or when the P.lxc.conf LXC already read is stale;
//   5. writes the artifacts atomically (0600, only those that changed) to STATE/containers/$LXC_NAME/;
//   6. loads the AppArmor profile through libapparmor when AppArmor is enabled (the kernel binary is
//      cached: apparmor_parser runs only on a cold cache);
//   7. records what the start took (an MCS pair allocated by this start) in start.json.
// A refused pre-start is reported beyond LXC's log (refusal.h): the system log, last-refusal.json and
// the starting tool's terminal. post-stop releases what start.json records.
//
// The hook trusts only LXC's variables (Env) and its own command line (from the container's config);
// no other environment variable (WARD_PATH included) is read. It runs no shell and looks nothing up in
// PATH. Every unexpected condition refuses the start (fail closed). Library code: nothing is printed;
// messages come back one problem per line for the CLI to write to stderr (LXC logs it).
#include <optional>
#include <string>
#include <vector>

#include "hook/refusal.h"

namespace ward::hook {

// LXC's variables, and nothing else from the environment.
struct Env {
  std::string name;         // LXC_NAME
  std::string configFile;   // LXC_CONFIG_FILE
  std::string rootfsPath;   // LXC_ROOTFS_PATH
  std::string hookType;     // LXC_HOOK_TYPE
};
// Reads exactly LXC_NAME, LXC_CONFIG_FILE, LXC_ROOTFS_PATH and LXC_HOOK_TYPE.
Env envFromProcess();

inline constexpr const char* kDefaultStateDir = "/var/lib/ward";
inline constexpr const char* kDefaultPolicyDir = "/etc/ward";
inline constexpr const char* kDefaultLxcPath = "/var/lib/lxc";

struct HookArgs {
  std::optional<std::string> policy;        // --policy FILE (absolute)
  std::optional<std::string> policyName;    // --name POLICY: which policy of the file (default: the only
                                            // one, else the one named like the container)
  std::string stateDir = kDefaultStateDir;  // --state-dir DIR
  std::string policyDir = kDefaultPolicyDir;   // where the default policy file is looked up
  std::vector<std::string> includeDirs;     // -I DIR (module search path, before the stdlib)
  std::string executableDir;                // the CLI: the directory of /proc/self/exe (a build tree's stdlib)
  std::vector<std::string> lxcArgs;         // what LXC appends: NAME lxc HOOKTYPE [...]; checked against Env
  Reporting reporting;                      // where a refused pre-start is reported (refusal.h)
};

inline constexpr int kHookOk = 0;
inline constexpr int kHookRefused = 1;     // drift, findings, broken policy, unusable state, corrupted cache
inline constexpr int kHookUsage = 2;       // bad arguments or LXC variables
inline constexpr int kHookInternal = 3;    // an unexpected error (the start is refused too)

// Runs the hook. `messages` gets one line per problem (each ending in '\n'); empty on a quiet success.
int run(const HookArgs& args, const Env& env, std::string& messages);

// STATE/containers/NAME: where a container's artifacts live.
std::string containerDir(const std::string& stateDir, const std::string& container);
// Container names the hook accepts: 1..255 of [A-Za-z0-9_.:@+-], not starting with '.'.
bool validContainerName(const std::string& name);

struct InstallArgs {
  std::string container;
  std::string policy;                       // the policy file (made absolute)
  std::optional<std::string> policyName;    // --name POLICY
  std::string lxcPath = kDefaultLxcPath;    // -P DIR: the config is LXCPATH/CONTAINER/config
  std::string stateDir = kDefaultStateDir;  // --state-dir DIR
  std::vector<std::string> includeDirs;     // -I DIR
  std::string executableDir;                // as for the hook
  std::string wardExe;                      // absolute path of ward for the hook lines (the CLI: /proc/self/exe)
};
// Compiles the policy for the container (through the cache, writing STATE/containers/NAME/), then adds the
// marked block to the config. 0 on success, 1 when refused (findings, drift after installing: reported),
// 2 on bad arguments.
int install(const InstallArgs& args, std::string& messages);

struct UninstallArgs {
  std::string container;
  std::string lxcPath = kDefaultLxcPath;
};
int uninstall(const UninstallArgs& args, std::string& messages);

}  // namespace ward::hook
