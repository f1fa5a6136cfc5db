#pragma once
// Audits of containers that Docker or Podman run (`ward verify --docker NAME`, `--podman NAME`; issue 12).
// What the engine really applies is the OCI config.json it handed to runc: that is audited as
// `ward verify --oci` does (auditOciText). The engine's own view, its `inspect` output, says which option
// caused a setting, so each finding that an option explains is moved to that option's line in the inspect
// output (HostConfig.Privileged for --privileged, a CapAdd entry, SecurityOpt seccomp=unconfined, a bind of
// the engine's socket, PidsLimit ...) with a note naming the option; a finding no option explains stays at
// the config.json setting with a note that it is the engine's default.
//
// Library code: the caller runs the engine and reads the files (the command line: cli/engines_command.cpp).
#include <string>
#include <vector>

#include "base/source.h"
#include "import/kube.h"
#include "verify/audit.h"

namespace ward::verify {

struct EngineContainer {
  std::string engine;        // "docker" | "podman"
  std::string name;          // as the user named it
  std::string inspectText;   // `docker inspect NAME` / `podman inspect NAME`: an array of one object
  std::string configPath;    // the OCI config.json the engine handed to runc (display name)
  std::string configText;
};

// The inspect object's Id and, for Podman, StaticDir (the directory of its config.json); "" when absent.
struct InspectFacts {
  std::string id, staticDir, error;
};
InspectFacts readInspect(const std::string& inspectText);

// auditOciText on the config.json, the inspect output added to `sources` as "<engine>:<name> (inspect)"
// (its id in *inspectFile).
Audited auditEngineContainer(SourceManager& sources, const EngineContainer& container, FileId* inspectFile,
                             const AuditOptions& options = {});

// Moves findings to the engine option that opened them (see above). `inspectFile`: the inspect output's id.
void locateAtEngineSettings(const SourceManager& sources, FileId inspectFile, const std::string& engine,
                            std::vector<Finding>& findings);

// `ward verify --kube FILE.yaml`: one container of a manifest (import::readPodManifest), its config.json audited
// as `--oci` does, with what the config cannot say: the pod's network namespace has the CNI's interface (not
// loopback only); a Localhost seccomp profile that was not given is not judged; a Localhost AppArmor profile
// that was given is modelled. Its sources are named "kube:POD/CONTAINER (config.json)" (`suffix` appended).
Audited auditPodContainer(SourceManager& sources, const import::PodContainer& container, const std::string& suffix,
                          const AuditOptions& options = {});

// Moves every finding to the manifest: an open or one-layer one to the first setting that explains it (with a
// note naming it), else, like the blocked and n/a ones, to the container's name with a note that it is the
// runtime's default.
void locateAtPodSettings(const SourceManager& sources, const import::PodContainer& container,
                         std::vector<Finding>& findings);

}  // namespace ward::verify
