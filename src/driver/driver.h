#pragma once
// The driver runs the pipeline (parse -> sema -> lower -> backends) for the front ends: the command line,
// the LXC hook and the language server. It owns no global state: a Session is one compilation.
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/diagnostics.h"
#include "base/source.h"
#include "ir/policy.h"
#include "sema/sema.h"
#include "verify/catalog.h"
#include "verify/verify.h"

namespace ward::driver {

struct Session {
  SourceManager sources;
  Diagnostics diags;
};

struct LoadOptions {
  std::vector<std::string> includeDirs;     // -I, searched first
  std::optional<std::string> wardPath;      // WARD_PATH (the CLI passes the environment's value)
  std::string executableDir;                // to find the source tree's stdlib from a build tree
  const sema::FileReader* reader = nullptr; // unsaved buffers (language server); null = the filesystem
};

struct Loaded {
  std::vector<ir::Policy> policies;         // resolved, not yet lowered
  std::vector<std::string> dependencies;    // every file read
  bool ok = false;
};

// Reads, parses and checks one policy file. Errors are in session.diags.
Loaded load(Session& session, const std::string& path, const LoadOptions& options);

// Same, for text that is not (or not yet) on disk; `path` is used for display and relative imports.
Loaded loadText(Session& session, const std::string& path, std::string text, const LoadOptions& options);

struct CompileOptions {
  LoadOptions load;
  std::string outDir;                       // created if missing
  std::optional<std::string> policy;        // --policy NAME: only this one
  std::vector<std::string> targets;         // empty = all (backend::targetNames())
  backend::Options backend;                 // stateDir, artifactDir ("" = absolute outDir)
  std::optional<std::string> depfile;       // -M FILE
  bool allowNoPolicy = false;               // `ward check` of a module with only groups or fragments
  // Threads that emit policies (`ward compile -j N`); 0 = one per CPU. Lowering and allocation stay on the
  // calling thread, in order; outputs, manifest and diagnostics are the same for every N.
  unsigned jobs = 0;
};

struct Output {
  std::string path;                         // outDir/fileName
  std::string content;
};

struct CompiledPolicy {
  lower::Lowered policy;
  std::vector<backend::Artifact> artifacts; // what the backends emitted for it
};

struct CompileResult {
  std::vector<CompiledPolicy> policies;     // per policy, for the verifier
  std::vector<Output> outputs;              // everything that was (or would be) written, manifest last
  std::vector<std::string> dependencies;
  bool ok = false;
};

// Compiles every policy of `files` (or the one named) into artifacts. On any error nothing is written
// and earlier outputs are left as they were; on success every output is replaced atomically. Each output
// is staged to a temporary beside its target as soon as it is produced (driver/staging.h) and all are
// renamed at the end, so memory does not grow with the number of policies: result.outputs has the paths
// only (empty content) and result.policies is empty.
CompileResult compile(Session& session, const std::vector<std::string>& files, const CompileOptions& options);

// Builds every artifact in memory without writing (used by compile, the hook and tests).
CompileResult build(Session& session, const std::vector<std::string>& files, const CompileOptions& options);

// lower::lower() with its diagnostics mapped onto the session's files (toSessionSpans); nullopt when the
// session has errors afterwards.
std::optional<lower::Lowered> lowerPolicy(Session& session, ir::Policy policy);

// Policies keep spans whose file indexes Policy::sources; diagnostics and findings rendered from a Session
// need the session's file ids. Maps diagnostics appended since `from` (by lower/ and the backends for
// `policy`) onto session ids, by display name.
void toSessionSpans(Session& session, const ir::Policy& policy, std::size_t from);
// The same for verifier findings (their display names say which file).
void toSessionSpans(const Session& session, std::vector<verify::Finding>& findings);

struct Verified {
  std::vector<CompiledPolicy> policies;     // lowered, with in-memory artifacts
  std::vector<verify::Finding> findings;    // per policy and across policies; spans in session file ids
  verify::Level gate = verify::Level::Critical;   // for rendering: the command line's, else the strictest
  bool failed = false;                      // a finding reaches its own policy's gate (exit 1)
  bool ok = false;                          // false: diagnostics hold errors
};

// `ward check`, the language server and audits share this: lower, emit every target in memory (never
// allocating MCS categories or id ranges), run the verifier on each policy and across them, and warn
// about `accept` statements that name no catalog entry (W0005).
// `host`: judge for a particular host (see verify::HostFacts); {} = as written.
// `hostFiles`: where the registries and subuid/subgid files are (its stateDir, subuidFile, subgidFile;
// the rest is set here); {} = the host's own.
Verified verifyPolicies(Session& session, std::vector<ir::Policy> policies, const verify::Catalog& catalog,
                        std::optional<verify::Level> failOn, const verify::HostFacts& host = {},
                        const backend::Options& hostFiles = {});

// The host files ward reads and writes outside a policy, for the front ends to pass on (compile's
// CompileOptions::backend, verifyPolicies' hostFiles, the language server): the state directory (MCS and id
// range registries) and the subordinate id files `idmap auto` takes its ranges from. WARD_STATE_DIR,
// WARD_SUBUID and WARD_SUBGID replace the defaults (/var/lib/ward, /etc/subuid, /etc/subgid); docs/ward.1.
// The unit tests set them to fixtures (tests/support/main.cpp), so no test reads the host's.
backend::Options hostFilesFromEnvironment();

// The running host's facts: whether AppArmor and SELinux are enabled (backend/apparmor hostStatus,
// is_selinux_enabled) and the kernel and runtime versions (verify::readHostComponents: /proc/version, the
// dpkg status and Debian changelogs). `why` gets one line per LSM that is not enabled, in plain words.
// WARD_HOST_FACTS=FILE replaces all of it with a host-facts file (verify::parseHostFacts; tests, or judging
// another host). A file that cannot be read or parsed adds to `errors`; the facts are then the real LSMs
// without versions (as before versions were judged: never more permissive).
struct HostQuery {
  bool versions = true;      // read the component versions (false: leave HostFacts::components unset)
  bool environment = true;   // honour WARD_HOST_FACTS (the LXC hook ignores the environment)
};
verify::HostFacts thisHost(std::vector<std::string>* why = nullptr, std::vector<std::string>* errors = nullptr,
                           HostQuery query = {});
// Cheap to compute, changes whenever the kernel or an installed package does (/proc/version, the dpkg
// status file's size and mtime): the hook's cache key, so that it reads versions only on a cold start.
std::string hostVersionsStamp();
// One line naming the components of `h` ("kernel 6.18.44, runc 1.1.5+ds1-1+deb12u1, ..."), "" when unknown.
std::string describeComponents(const verify::HostFacts& h);

// Writes `content` to `path` atomically: a temporary file in the same directory, fsync, rename.
// Returns an error message, or "" on success.
std::string writeAtomically(const std::string& path, const std::string& content, unsigned mode = 0644);

// Make-style dependency rule: "target1 target2: dep1 dep2\n" with spaces escaped.
std::string depfileText(const std::vector<std::string>& targets, const std::vector<std::string>& deps);

}  // namespace ward::driver
