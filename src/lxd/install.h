#pragma once
// `ward lxd-install INSTANCE POLICY`, `ward lxd-uninstall INSTANCE` and the start check `ward lxd-hook`,
// through LXD's REST API (client.h). docs/lxd.md, "lxd-install".
//
// install: the policy's profile (backend/lxd/lxd.h) is created or replaced as `ward-POLICY` and put last in
// the instance's profiles; the instance's raw.lxc becomes its own lines as they were before ward (kept, so
// nothing of the instance's is lost: an instance's raw.lxc replaces a profile's whole), then ward's raw.lxc,
// then ward's pre-start hook. What install changed is recorded in the instance's `user.ward.install` key
// (the profile's name, the raw.lxc from before, the policy); a second install starts from that record, so
// installing again changes nothing. uninstall puts raw.lxc back exactly as recorded (absent if it was),
// removes the profile from the instance's list and the record, and deletes the profile once no instance
// uses it. Every change to the instance is one PATCH with If-Match (LXD's ETag): a concurrent change makes
// it fail (HTTP 412) and nothing is changed.
//
// hook (lxc.hook.pre-start, run by liblxc on the host as root before every start): ward's raw.lxc lines,
// compiled again from the policy, must be in LXC_CONFIG_FILE (the config LXD generated) as one block, with
// nothing after them but the hook itself, and the seccomp policy LXD wrote must be the policy's; otherwise
// the start is refused (exit 1), as is any error (fail closed).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lxd/client.h"

namespace ward::lxd {

inline constexpr const char* kInstallKey = "user.ward.install";

struct InstallRequest {
  std::string instance;
  std::string profileName;      // ward-POLICY
  nlohmann::json profile;       // backend::lxd::profile()
  std::string hookLine;         // the lxc.hook.pre-start value (ward lxd-hook ...)
  std::string policyFile;       // recorded
};

struct Changed {
  std::vector<std::string> changes;   // what was done, one line each ("" when nothing changed)
  std::string error;
  bool ok() const { return error.empty(); }
};

Changed install(const Client& client, const InstallRequest& request);
Changed uninstall(const Client& client, const std::string& instance);

// The instance's raw.lxc under ward: its own lines, ward's, the hook (pure).
std::string mergedRawLxc(const std::string& own, const std::string& ward, const std::string& hookLine);

// The start check (pure): problems, one a line; empty = the start may go on. `config` is LXC_CONFIG_FILE's
// text, `seccomp` the text of the file its last lxc.seccomp.profile names ("" when there is none).
std::vector<std::string> checkStart(const std::string& configPath, const std::string& config,
                                    const std::string& wardRawLxc, const std::string& hookLine,
                                    const std::string& seccomp, const std::string& expectedSeccomp);

}  // namespace ward::lxd
