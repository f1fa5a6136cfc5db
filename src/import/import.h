#pragma once
// `ward import`: other tools' seccomp profiles -> an equivalent .ward file, for migration.
//
//   ward import docker-seccomp FILE.json   Docker / OCI profile JSON (Docker's profiles/seccomp format, with
//                                          conditional includes/excludes, or a plain OCI linux.seccomp object)
//   ward import lxc-seccomp FILE           LXC seccomp policy, version 1 or 2
//
// Both return the text of a .ward file (using only constructs of docs/language.md) plus the same policy as
// an ir::Policy built directly (what sema should produce from that text; the import tests compare the two).
// Library code: no printing, no exits, no global state; errors are E2xxx-free data in `diags` (the CLI
// reports I/O errors itself).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "base/source.h"
#include "ir/policy.h"

namespace ward::import {

// The 14 capabilities Docker grants by default (moby oci/caps/defaults.go), with the CAP_ prefix.
const std::vector<std::string>& dockerDefaultCapabilities();

struct DockerOptions {
  // The container's bounding set, as Docker resolves includes.caps / excludes.caps ("CAP_SYS_ADMIN" or
  // "sys_admin" both work). Default: Docker's 14.
  std::vector<std::string> capabilities = dockerDefaultCapabilities();
  // Docker's Go arch name the profile is resolved for; ward's filters are for x86_64 hosts.
  std::string goArch = "amd64";
  // Kernel version for minKernel, as "major.minor"; empty = assume every minKernel is met (a recent
  // kernel; keeps the output independent of the machine the import runs on).
  std::string kernel;
  std::string policyName = "imported";
  std::string sourceName = "profile.json";   // named in the header comment
};

struct LxcOptions {
  std::string policyName = "imported";
  std::string sourceName = "profile.seccomp";
};

struct Imported {
  std::string ward;              // the .ward file text
  ir::Policy policy;             // the same policy, built directly (spans invalid), lowered as `ward compile` lowers it
  std::vector<std::string> dropped;   // syscall names left out (unknown to libseccomp on x86), for the CLI
};

std::optional<Imported> importDockerSeccomp(const std::string& json, const DockerOptions& options, Diagnostics& diags);
std::optional<Imported> importLxcSeccomp(const std::string& text, const LxcOptions& options, Diagnostics& diags);

// A `docker run` / `podman run` command line (with or without the leading `docker run`) as a policy extending
// std/base's unprivileged container (import/docker_run.cpp). Imported::policy is left empty: the text is
// meant to be checked and compiled. E0304 on an option it does not know or a malformed value.
std::optional<Imported> importDockerRun(const std::vector<std::string>& args, const std::string& policyName,
                                        Diagnostics& diags);

// The model under both: docker run options, each with where it came from, as that policy. `origin`, when
// set, is the statement's comment ("cap_add (compose.yaml:7)") and `at` where its errors point; "--privileged"
// and the other flags have no value.
struct RunOption {
  std::string option, value, origin;
  Span at;
};
struct RunSource {
  std::string tool = "docker run", command = "docker-run";   // named in errors
  std::string header;                                        // comment lines above the policy
  std::string image, policyName = "app";
};
std::optional<Imported> importRunOptions(const std::vector<RunOption>& options, const RunSource& source,
                                         Diagnostics& diags);

// `ward import compose FILE SERVICE`: a Compose file's service as the docker run options it means, imported
// as above (import/compose.cpp). `file` is in `sources` (errors, bad YAML included, point into it).
std::optional<Imported> importCompose(const SourceManager& sources, FileId file, const std::string& service,
                                      const std::string& policyName, Diagnostics& diags);

// Convenience wrappers: just the .ward text ("" on error).
std::string importDockerSeccomp(const std::string& json, const std::vector<std::string>& capabilities, Diagnostics& diags);
std::string importLxcSeccomp(const std::string& text, Diagnostics& diags);

// ---- Docker profiles as runc sees them (used by the import test and the benchmark) --------------------
struct DockerArg {
  unsigned index = 0;
  std::uint64_t value = 0, valueTwo = 0;
  std::string op;                // SCMP_CMP_*
};
struct DockerRule {              // one entry of the resolved profile (as in an OCI config.json)
  std::vector<std::string> names;
  std::string action;            // SCMP_ACT_*
  std::optional<unsigned> errnoRet;
  std::vector<DockerArg> args;
  std::string comment;
  std::size_t entry = 0;         // its position in the profile's "syscalls" array, from 1
};
struct DockerProfile {
  std::string defaultAction;
  std::optional<unsigned> defaultErrnoRet;
  std::vector<std::string> architectures;   // SCMP_ARCH_*
  std::vector<DockerRule> syscalls;
};

// Docker's setupSeccomp(): archMap, includes/excludes by caps, arch and minKernel resolved.
std::optional<DockerProfile> resolveDockerProfile(const std::string& json, const DockerOptions& options, Diagnostics& diags);

// The filter runc 1.1 loads for a resolved profile: libseccomp with its default (linear) layout, rules added
// the way libcontainer/seccomp does (rules equal to the default action skipped, unknown names ignored,
// several conditions on one argument split into separate rules), exported with seccomp_export_bpf; with
// `enosysStub`, preceded by runc's patchbpf -ENOSYS stub (syscalls newer than the profile's newest get
// ENOSYS). Returns the BPF bytes, nullopt with *error on failure.
std::optional<std::string> compileLikeRunc(const DockerProfile& profile, bool enosysStub, std::string* error);

}  // namespace ward::import
