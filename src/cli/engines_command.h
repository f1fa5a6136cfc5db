#pragma once
// The container engine commands (issue 12; docs/engines.md): `ward check --target docker,compose,kube`
// (what those engines cannot express, located, without writing anything) and the audits of running
// containers, `ward verify --docker NAME...` / `--podman NAME...`.
#include <string>
#include <vector>

#include "driver/driver.h"
#include "verify/engine_audit.h"

namespace ward::cli {

struct TargetCheckArgs {
  std::vector<std::string> files;
  std::string targets;            // comma-separated
  driver::LoadOptions load;
  backend::Options hostFiles;     // state directory and subordinate id files (read, never written)
  bool color = false;
  bool jsonDiagnostics = false;
};

// Builds the targets in memory (no MCS category or id range is taken) and prints their diagnostics: the
// W0008 warnings say what each engine cannot express. Exit 0, or 2 when the policies do not compile.
int cmdCheckTargets(const TargetCheckArgs& args);

// One container of an engine audit: the audit, and the id of its inspect output in the session's sources.
struct EngineAudit {
  verify::Audited audited;
  FileId inspectFile = kNoFile;
};

// Runs `ENGINE inspect NAME` and reads the config.json the engine handed to runc, for each name; the audit of
// each (verify::auditEngineContainer). The engine command is $WARD_DOCKER / $WARD_PODMAN split on spaces
// (default /usr/bin/docker, /usr/bin/podman: an inspect needs the engine's own options, e.g. Podman's
// --root, and `docker` in PATH may be another client); Docker's bundles are under $WARD_CONTAINERD_STATE
// (default /run/containerd). Errors (the engine refuses, no config.json) go to `errors`.
std::vector<EngineAudit> auditEngine(SourceManager& sources, const std::string& engine, const std::vector<std::string>& names,
                                     const verify::AuditOptions& options, std::vector<std::string>& errors);

// `ward verify --docker NAME... --podman NAME...`: each container audited, verified and its findings located
// at the engine options that opened them.
struct EngineFindings {
  std::vector<verify::Finding> findings;
  std::vector<std::string> notes, errors;
};
EngineFindings verifyEngines(SourceManager& sources, const std::vector<std::string>& docker,
                             const std::vector<std::string>& podman, const verify::Catalog& catalog,
                             const verify::HostFacts& host);

// `ward verify --kube FILE.yaml [--profiles-dir DIR]`: each container of the manifest (import/kube.h) audited,
// verified and its findings located at the manifest settings that opened them. RuntimeDefault is Docker's
// default profile (import::kDockerDefaultProfilePath); DIR is the node's kubelet seccomp root (Localhost
// paths are relative to it) and may hold AppArmor profiles. Errors are diagnostics in `session`: the manifest's
// own at FILE:LINE:COL (E0304), files that cannot be read E2005.
struct KubeFindings {
  std::vector<verify::Finding> findings;
  std::vector<std::string> notes;
};
KubeFindings verifyKube(driver::Session& session, const std::string& file, const std::string& profilesDir,
                        const verify::Catalog& catalog, const verify::HostFacts& host);

// `ward import docker-run -- ARGS...`: writes the policy to `out` ("" = standard output). Exit 0, 2 on an
// option it does not know, 3 when the output cannot be written.
int cmdImportDockerRun(const std::vector<std::string>& args, const std::string& policyName, const std::string& out,
                       bool jsonDiagnostics);

}  // namespace ward::cli
