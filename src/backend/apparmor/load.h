#pragma once
// Loading a generated profile into the kernel through libapparmor's kernel interface.
//
// The profile text is compiled to the kernel's binary format by `apparmor_parser -Q -K -S` (skip the
// kernel, skip the cache, binary on stdout), then handed to aa_kernel_interface_replace_policy(), which
// loads or replaces it. On a host where AppArmor is not enabled (as on ward's CI machines, whose kernel
// has no AppArmor at all) the functions say so plainly and do nothing else.
//
// Nothing here prints or keeps state; the results carry the messages for the caller to show.
#include <optional>
#include <string>

namespace ward::backend::apparmor {

inline constexpr const char* kEnabledParam = "/sys/module/apparmor/parameters/enabled";

struct HostStatus {
  bool enabled = false;
  std::string reason;   // why not, in plain words, naming what was checked (empty when enabled)
};

// Reads `enabledParam` (the module parameter: 'Y' or 'N'; missing when the kernel has no AppArmor) and
// asks libapparmor (aa_is_enabled, which also needs securityfs mounted). Both must agree.
HostStatus hostStatus(const std::string& enabledParam = kEnabledParam);
bool apparmorEnabled();

struct LoadOptions {
  std::string parser = "apparmor_parser";      // looked up in PATH unless it contains '/'
  std::string enabledParam = kEnabledParam;
};

struct LoadResult {
  bool loaded = false;
  std::string message;   // what happened, e.g. why nothing was loaded
};

// Compiles a profile with `apparmor_parser -Q -K -S`: the binary policy, or nullopt and `error` (the
// parser's own message).
std::optional<std::string> compileBinary(const std::string& profileText, std::string& error,
                                         const std::string& parser = "apparmor_parser");

// Loads (or replaces) the profile in the running kernel. profilePath is a written P.apparmor file.
LoadResult loadProfileFile(const std::string& profilePath, const LoadOptions& options = {});
LoadResult loadProfileText(const std::string& profileText, const LoadOptions& options = {});

}  // namespace ward::backend::apparmor
