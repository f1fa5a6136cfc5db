#include "backend/apparmor/load.h"
#include "base/process.h"
#include "base/strings.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/apparmor.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace ward::backend::apparmor {
namespace {

// The parser's stderr without its harmless note about the cache on kernels without AppArmor.
std::string parserMessage(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("Cache read/write disabled") == std::string::npos) out += (out.empty() ? "" : "\n") + line;
  return std::string(trimRight(out));
}

}  // namespace

HostStatus hostStatus(const std::string& enabledParam) {
  HostStatus s;
  std::ifstream f(enabledParam);
  if (!f) {
    s.reason = fmt::format("AppArmor is not available in this kernel ({} does not exist)", enabledParam);
    return s;
  }
  std::string value;
  std::getline(f, value);
  value = std::string(trimRight(value));
  if (value != "Y" && value != "y" && value != "1") {
    s.reason = fmt::format("AppArmor is not enabled on this host ({} is '{}')", enabledParam, value);
    return s;
  }
  errno = 0;
  if (::aa_is_enabled() == 1) {
    s.enabled = true;
    return s;
  }
  const int e = errno;
  switch (e) {
    case ENOENT:
      s.reason = "AppArmor is enabled in the kernel but its interface is not reachable (securityfs is not "
                 "mounted: mount -t securityfs securityfs /sys/kernel/security)";
      break;
    case ECANCELED:
      s.reason = "AppArmor is available in the kernel but was disabled at boot";
      break;
    case ENOSYS:
      s.reason = "AppArmor is not available in this kernel (libapparmor: aa_is_enabled reports ENOSYS)";
      break;
    default:
      s.reason = fmt::format("AppArmor is not usable on this host (libapparmor: aa_is_enabled: {})",
                             e ? std::strerror(e) : "not enabled");
  }
  return s;
}

bool apparmorEnabled() { return hostStatus().enabled; }

std::optional<std::string> compileBinary(const std::string& profileText, std::string& error,
                                         const std::string& parser) {
  RunResult r = runProcess({parser, "-Q", "-K", "-S"}, profileText);
  if (!r.spawnError.empty()) {
    error = r.spawnError;
    return std::nullopt;
  }
  if (r.status != 0 || r.out.empty()) {
    error = fmt::format("{} rejected the profile (exit {}): {}", parser, r.status, parserMessage(r.err));
    return std::nullopt;
  }
  return std::move(r.out);
}

LoadResult loadProfileText(const std::string& profileText, const LoadOptions& options) {
  LoadResult res;
  HostStatus host = hostStatus(options.enabledParam);
  if (!host.enabled) {
    res.message = host.reason + "; the profile was not loaded";
    return res;
  }
  std::string error;
  auto binary = compileBinary(profileText, error, options.parser);
  if (!binary) {
    res.message = error;
    return res;
  }
  aa_kernel_interface* ki = nullptr;
  if (::aa_kernel_interface_new(&ki, nullptr, nullptr) != 0) {
    res.message = std::string("libapparmor: cannot open the kernel interface: ") + std::strerror(errno);
    return res;
  }
  int rc = ::aa_kernel_interface_replace_policy(ki, binary->data(), binary->size());
  int e = errno;
  ::aa_kernel_interface_unref(ki);
  if (rc != 0) {
    res.message = std::string("libapparmor: the kernel refused the profile: ") + std::strerror(e);
    return res;
  }
  res.loaded = true;
  res.message = "the profile was loaded";
  return res;
}

LoadResult loadProfileFile(const std::string& profilePath, const LoadOptions& options) {
  HostStatus host = hostStatus(options.enabledParam);
  if (!host.enabled) return {false, host.reason + "; the profile was written but not loaded"};
  std::ifstream f(profilePath, std::ios::binary);
  if (!f) return {false, fmt::format("cannot read {}: {}", profilePath, std::strerror(errno))};
  std::ostringstream ss;
  ss << f.rdbuf();
  return loadProfileText(ss.str(), options);
}

}  // namespace ward::backend::apparmor
