#pragma once
// What the host that runs the container is: the LSMs its kernel enforces and the versions of the kernel
// and the container runtimes installed, with the CVEs their distribution packages say they fix. The
// verifier uses it to judge a catalog entry that names a component and affected versions (catalog.h):
// not installed or not vulnerable here -> n/a; vulnerable here -> judged by the policy's layers, and when
// it is open the finding names the upgrade that fixes it.
//
// Everything that parses is pure and takes text (unit tests never read the host); readHostComponents()
// is the one function that reads files.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "verify/catalog.h"

namespace ward::verify {

// Debian version comparison (deb-version(7)): epoch, upstream and revision, '~' before everything (even the
// end), letters before other characters, digits compared as numbers. <0, 0, >0 as strcmp.
int compareVersions(std::string_view a, std::string_view b);

// The upstream part of a Debian package version, without the repack tag that only says the source was
// repacked: "1:5.0.2-1+deb12u4" -> "5.0.2", "1.1.5+ds1-1+deb12u1" -> "1.1.5", "1.6.20~ds1-1" -> "1.6.20"
// (dpkg would sort that before 1.6.20), "1:3.1.0+really3.0.4-1" -> "3.0.4". A catalog version in upstream notation is made comparable: "1.0.0-rc95" -> "1.0.0~rc95",
// "1.4.0-rc.3" -> "1.4.0~rc.3" (a pre-release sorts before its release).
std::string upstreamVersion(std::string_view packageVersion);
std::string catalogVersion(std::string_view upstreamNotation);

// ">= 1.3.0-rc.1, < 1.3.3"; an entry's ranges joined with " or ".
std::string rangeText(const VersionRange& r);
std::string affectedText(const Entry& e);

// One installed component.
struct Installed {
  std::string component;            // catalog name: kernel, runc, lxc, docker, ...
  std::string package;              // what it came from: "runc", "docker.io", "uname"
  std::string version;              // as the package writes it: "1.1.5+ds1-1+deb12u1", "6.1.119-1"
  std::set<std::string> fixedCves;  // CVE ids the package's changelog names (Debian backports)
};
using Components = std::map<std::string, Installed>;   // by component

// What the host enforces and runs. nullopt = not known: judge for a host that applies every layer, and do
// not judge versions at all (an entry that only a version fixes is then n/a, as before --this-host).
// false = the kernel does not enforce that LSM: its layer is reported as not evaluated and never counts as
// a block (LXC starts the container without the profile or label).
struct HostFacts {
  std::optional<bool> apparmorEnabled;
  std::optional<bool> selinuxEnabled;
  std::optional<Components> components;   // set: a component not in it is not installed (kernel always is)
  // The runtimes that start this container (lxcEngines(), ociEngines()); empty = any. An entry of another
  // runtime is n/a: a runc bug does not reach a container LXC starts. Kernel and OCI-hook entries always apply.
  std::vector<std::string> engines;
};
const std::vector<std::string>& lxcEngines();   // lxc, lxd
const std::vector<std::string>& ociEngines();   // runc, crun, containerd, cri-o, docker, podman, buildah, buildkit

// ---- parsing (pure) ----------------------------------------------------------------------------------
// The running kernel's version from /proc/version: a distribution kernel names its package version
// ("... Debian 6.1.119-1 (2024-11-22)" -> "6.1.119-1"), else the release ("6.18.44-fc-v1272" -> "6.18.44").
std::string kernelVersion(std::string_view procVersion);
// Installed packages from /var/lib/dpkg/status (or `dpkg-query -W` output: "name\tversion" lines): name ->
// version, only packages whose Status is "install ok installed".
std::map<std::string, std::string> parseDpkgStatus(std::string_view text);
// Every CVE id a Debian changelog names, upper-case.
std::set<std::string> cvesNamed(std::string_view changelog);
// The Debian packages each component comes in, in preference order.
const std::vector<std::pair<std::string, std::vector<std::string>>>& componentPackages();
// The components from the parsed inputs; `changelog(package)` returns the package's changelog text ("" if
// none).
template <class ChangelogFn>
Components components(std::string_view procVersion, const std::map<std::string, std::string>& packages,
                      ChangelogFn changelog);
// A host-facts file (`WARD_HOST_FACTS`, for tests and for judging another host):
// {"apparmor": bool, "selinux": bool, "kernel": "6.1.119-1",
//  "packages": {"runc": {"version": "1.1.5+ds1-1+deb12u1", "fixes": ["CVE-2024-21626"]}}}
// Packages are Debian package names (docker.io, lxc, ...). Errors are messages; nullopt on any.
std::optional<HostFacts> parseHostFacts(std::string_view json, std::vector<std::string>& errors);

// ---- reading the host -----------------------------------------------------------------------------------
// /proc/version, /var/lib/dpkg/status and /usr/share/doc/PKG/changelog.Debian.gz under `root`.
Components readHostComponents(const std::string& root = "/");

// ---- judging ----------------------------------------------------------------------------------------
struct VersionVerdict {
  enum class State { NotJudged, NotInstalled, OtherRuntime, NotVulnerable, Vulnerable };
  State state = State::NotJudged;
  std::string why;       // "runc 1.1.5+ds1-1+deb12u1 fixed CVE-2024-21626 (Debian changelog)"
  std::string upgrade;   // Vulnerable: "upgrade runc to 1.1.12"
};
// NotJudged when the entry names no versioned component or the host's components are not known.
VersionVerdict judgeVersions(const Entry& entry, const HostFacts& host);

// ---- template definition ----------------------------------------------------------------------------
template <class ChangelogFn>
Components components(std::string_view procVersion, const std::map<std::string, std::string>& packages,
                      ChangelogFn changelog) {
  Components out;
  std::string kernel = kernelVersion(procVersion);
  if (!kernel.empty()) out["kernel"] = Installed{"kernel", "uname", kernel, {}};
  for (const auto& [component, names] : componentPackages()) {
    for (const auto& name : names) {
      auto it = packages.find(name);
      if (it == packages.end()) continue;
      out[component] = Installed{component, name, it->second, cvesNamed(changelog(name))};
      break;
    }
  }
  return out;
}

}  // namespace ward::verify
