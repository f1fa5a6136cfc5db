#include "hook/integrations.h"

#include <sys/apparmor.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "backend/apparmor/load.h"
#include "backend/selinux/registry.h"
#include "verify/verify.h"

namespace ward::hook::integrations {

Verdict verify(const lower::Lowered& lowered, const std::vector<backend::Artifact>& artifacts,
               const std::vector<std::string>& searchPath, const verify::HostFacts& host) {
  Verdict v;
  std::vector<std::string> errors;
  verify::Catalog catalog = verify::loadCatalog(searchPath, errors);
  v.catalogFiles = catalog.files;
  if (!errors.empty()) {
    v.error = "the escape catalog cannot be loaded: " + errors.front();
    return v;
  }
  verify::Level threshold = verify::effectiveFailOn(lowered, std::nullopt);
  v.failOn = verify::levelName(threshold);
  for (const auto& f : verify::verify(lowered, artifacts, catalog, host)) {
    if (!verify::failsGate(f, threshold)) continue;
    std::string where = f.file.empty() || !f.span.valid()
                            ? ""
                            : " [" + f.file + ":" + std::to_string(f.span.line) + ":" + std::to_string(f.span.col) + "]";
    v.blocking.push_back(f.id + " (" + verify::levelName(f.severity) + "): " + f.message + where);
  }
  return v;
}

AppArmorHost apparmorHost() {
  auto s = backend::apparmor::hostStatus();
  return {s.enabled, s.reason};
}

std::optional<std::string> compileProfile(const std::string& profileText, std::string& error) {
  for (const char* parser : {"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"}) {
    if (::access(parser, X_OK) != 0) continue;
    return backend::apparmor::compileBinary(profileText, error, parser);
  }
  error = "apparmor_parser is not installed (looked for /usr/sbin/apparmor_parser and /sbin/apparmor_parser)";
  return std::nullopt;
}

std::string loadBinary(const std::string& binary) {
  aa_kernel_interface* ki = nullptr;
  if (aa_kernel_interface_new(&ki, nullptr, nullptr) != 0)
    return std::string("cannot open AppArmor's kernel interface: ") + std::strerror(errno);
  int r = aa_kernel_interface_replace_policy(ki, binary.data(), binary.size());
  int e = errno;
  aa_kernel_interface_unref(ki);
  if (r != 0) return std::string("the kernel did not accept the AppArmor profile: ") + std::strerror(e);
  return {};
}

std::optional<std::string> mcsLookup(const std::string& stateDir, const std::string& container, std::string& error) {
  auto r = backend::selinux::lookup(stateDir, container);
  if (!r.ok()) {
    error = r.error;
    return std::nullopt;
  }
  if (!r.pair) return std::nullopt;
  return r.pair->text();
}

std::optional<std::string> mcsAllocate(const std::string& stateDir, const std::string& container, std::string& error) {
  backend::selinux::RegistryOptions o;
  o.stateDir = stateDir;
  auto r = backend::selinux::allocate(o, container);
  if (!r.ok() || !r.pair) {
    error = r.error.empty() ? "no MCS pair allocated" : r.error;
    return std::nullopt;
  }
  return r.pair->text();
}

std::string mcsRelease(const std::string& stateDir, const std::string& container) {
  auto r = backend::selinux::releasePair(stateDir, container);
  if (r.status == backend::selinux::ReleaseStatus::Error) return r.error.empty() ? "MCS registry error" : r.error;
  return {};
}

}  // namespace ward::hook::integrations
