#pragma once
// A Kubernetes manifest as the OCI configs a CRI runtime hands to runc (`ward verify --kube FILE.yaml`,
// issue 12; docs/engines.md "Kubernetes manifests" has the mapping and the defaults it assumes).
//
// Every document of the file (`---`) of kind Pod, or a workload with a pod template (Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), gives one config per container and init
// container: containerd 1.6's CRI defaults (Docker's 14 capabilities, its masked and read-only paths, device
// allow-list, /dev and /dev/shm sizes), then what the pod and container say (privileged, capabilities add/drop
// with ALL, seccompProfile at pod and container level, allowPrivilegeEscalation, procMount, hostPID/IPC/Network,
// hostUsers, hostPath volumes, resources.limits, appArmorProfile and the annotations, seLinuxOptions, sysctls).
//
// Each container also gets the manifest settings that can open catalog entries, in the order they explain a
// finding (the most specific first), each at its line:column in the manifest; the verifier's side
// (verify/engine_audit.h, auditPod) moves findings there. Library code: no printing, no file access (the
// caller gives the runtime's default seccomp profile and the node's profiles); errors are diagnostics
// located in the manifest (E0304).
#include <map>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/source.h"

namespace ward::import {

// Docker's default seccomp profile as Debian installs it (golang-github-docker-docker-dev); containerd's
// RuntimeDefault is the same profile. `ward verify --kube` and the language server's hover read it.
inline constexpr const char* kDockerDefaultProfilePath =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";

struct PodSetting {
  Span at;                        // the manifest setting (or the container, for a default)
  std::string setting;            // as the user reads it: "hostPID: true", "no seccompProfile (Unconfined)"
  std::vector<std::string> ids;   // it explains findings with one of these catalog ids ...
  std::string layer;              // ... or with a verdict that does not block, of this layer ("seccomp", ...)
  std::string rule;               //     (and whose rule names this text; without a layer: of any layer)
  bool layerNotEvaluated = false; //     (only a verdict that could not be judged)
  std::string capability;         // ... or whose capabilities rule names this one ("sys_admin")
  bool all = false;               // ... or every finding (privileged: true)
};

struct PodContainer {
  std::string pod, name;            // metadata.name (for a template: the workload's) and the container's name
  Span at;                          // the container's `name:` value
  std::string config;               // the OCI config.json runc would get
  std::vector<PodSetting> settings; // in the order they explain findings
  std::vector<std::string> notes;   // how the manifest was read, one line each
  bool seccompJudged = true;        // false: a Localhost profile the caller did not give (not evaluated)
  std::string apparmorProfile;      // the text of the Localhost AppArmor profile, when the caller gave it
};

struct PodOptions {
  // The runtime's default seccomp profile (RuntimeDefault) in Docker's format: containerd's is Docker's
  // profiles/seccomp/default.json. "" = not known: RuntimeDefault is then not judged.
  std::string runtimeDefaultProfile;
  // The node's profiles, by path relative to the kubelet's seccomp root (seccomp, Docker's format) and
  // AppArmor profile files (matched by the `profile NAME` they declare). Empty: Localhost is not judged.
  std::map<std::string, std::string> profiles;
};

std::vector<PodContainer> readPodManifest(const SourceManager& sources, FileId file, const PodOptions& options,
                                          Diagnostics& diags);

}  // namespace ward::import
