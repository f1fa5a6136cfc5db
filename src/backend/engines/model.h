#pragma once
// What a container engine (Docker 20.10, Podman 4.3, Compose, Kubernetes) is told about a policy, computed
// once from the lowered ir::Policy through backend/common, so that P.docker.args, P.compose.yaml and
// P.kube.yaml cannot drift apart. Every item keeps the span and a short reason it came from. What an engine
// has no way to say is a Gap, located, and each backend turns its gaps into W0008 warnings (`ward compile`
// and `ward check --target docker|compose|kube` print them): never silence. docs/engines.md has the tables.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::backend::engines {

struct Item {            // one setting with its provenance: "std/base.ward:117 keep chown"
  std::string value;
  Span span;
  std::string why;
};

struct Ulimit {
  std::string name;      // nofile
  std::int64_t soft = 0, hard = 0;   // -1 unlimited
  Span span;
};

struct Tmpfs {
  std::string target;
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> mode;
  bool readOnly = false, noexec = false;
  Span span;
};

struct Bind {
  std::string source, target;
  bool readOnly = true;
  Span span;
};

struct Device {          // --device PATH (the node) and --device-cgroup-rule "c M:m rwm"
  std::string path;      // empty: a cgroup rule only
  std::string rule;      // "c 10:200 rw"
  Span span;
  std::string why;
};

// Which engine a gap is about: the run options (docker/podman run and Compose), Kubernetes, or both.
enum class Engine { Run = 1, Kube = 2, All = 3 };

struct Gap {
  Engine engine = Engine::All;
  Span span;
  std::string what;      // "limits memory.high: docker run has no soft memory limit"
};

struct Model {
  std::string name;                      // the policy name (container and service name)
  std::string seccompFile;               // P.docker.json
  std::string seccompPath;               // Options::artifactDir + "/" + seccompFile
  std::vector<Item> capabilities;        // CAP_-less upper-case names kept: NET_BIND_SERVICE
  Item noNewPrivs;                       // value "true" or "false"
  // no_new_privs on with SYS_ADMIN kept: the Kubernetes API refuses allowPrivilegeEscalation: false with
  // CAP_SYS_ADMIN, so the Pod says true (a W0008 gap at the no_new_privs statement says so).
  bool kubeEscalationRefused = false;
  Item seccomp;                          // the syscalls section (value: the profile path)
  std::optional<Item> apparmor;          // profile name, where the host enforces AppArmor (Options::hostApparmor)
  std::optional<Item> apparmorAnyHost;   // the same, for any host (the text mentions it, never applies it)
  std::optional<Item> selinuxType, selinuxLevel, selinuxUser, selinuxRole;
  bool selinuxApplies = false;           // the host enforces SELinux (Options::hostSelinux == true)
  std::optional<Item> pids, memory, memorySwap, cpus, cpuShares, cpuset, blkioWeight;
  std::vector<Ulimit> ulimits;
  std::vector<Item> sysctls;             // value "key=value"
  std::optional<Item> readOnlyRoot;      // `root ro`: --read-only, read_only, readOnlyRootFilesystem
  std::vector<Tmpfs> tmpfs;
  std::vector<Bind> binds;
  std::vector<Device> devices;
  bool userns = false;                   // the policy wants a user namespace (idmap)
  Span usernsSpan;
  std::vector<Gap> gaps;
};

// Builds the model. E1501 errors (an unknown rlimit, a bad label) go to diags.
Model model(const ir::Policy& policy, const Allocations& allocations, const Options& options, Diagnostics& diags);

// The gaps of `engine` as W0008 warnings, each at its span.
void reportGaps(const ir::Policy& policy, const Model& m, Engine engine, const std::string& target, Diagnostics& diags);

// The model with `engine`'s gaps reported, as every engine target starts: nullopt when building it
// failed (its errors are in diags, and the target must write nothing).
std::optional<Model> checkedModel(const ir::Policy& policy, const Allocations& allocations, const Options& options,
                                  Engine engine,
                                  const std::string& target, Diagnostics& diags);

// "file:line why" for a comment.
std::string comment(const ir::Policy& policy, const Item& item);
std::string comment(const ir::Policy& policy, const Span& span, const std::string& why);

// The Docker-format seccomp profile (P.docker.json), as JSON text; also the SeccompProfile spec.
// Docker 20.10 drops defaultErrnoRet: every system call libseccomp knows is decided by an entry of its own,
// and the default action is SCMP_ACT_TRACE, which the kernel answers with ENOSYS when no tracer asked for
// seccomp events. `commentFields` false leaves out the per-entry "comment" (the SeccompProfile CRD has none).
std::string dockerSeccompJson(const ir::Policy& policy, bool commentFields, int indent);

}  // namespace ward::backend::engines
