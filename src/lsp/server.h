#pragma once
// `ward lsp`: a Language Server Protocol 3.17 server over a pair of file descriptors (stdin/stdout).
//
//   int rc = ward::lsp::serve(STDIN_FILENO, STDOUT_FILENO);
//
// Diagnostics are the same messages and codes as `ward check` (driver::loadText on the editor's buffer,
// with unsaved buffers of imported files served to the import resolver). The protocol stream is the only
// thing written to `outFd`; logs go to stderr. See docs/editors.md.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/driver.h"
#include "import/kube.h"

namespace ward::lsp {

// The verifier's escape catalog, as hover and completion need it. The verifier lands separately; until it
// is wired (ServerOptions::escapes), escape ids simply get no hover.
struct EscapeEntry {
  std::string id;          // ESC-KCORE
  std::string title;       // one line
  std::string markdown;    // the full entry for hover
};
class EscapeCatalog {
 public:
  virtual ~EscapeCatalog() = default;
  virtual const EscapeEntry* find(std::string_view id) const = 0;
  virtual std::vector<const EscapeEntry*> all() const = 0;
};

struct ServerOptions {
  // Module search path inputs, as for `ward check` (see sema::searchPath).
  std::vector<std::string> includeDirs;
  std::optional<std::string> wardPath;
  std::string executableDir;
  // The stock profiles hover compares a system call against; absent files are skipped.
  std::string dockerProfile = import::kDockerDefaultProfilePath;
  std::string lxcSeccomp = "/usr/share/lxc/config/common.seccomp";
  // Diagnostic codes link to `docsBaseUrl + "diagnostics.md#" + lower-case code` (e.g. ...#e0209).
  std::string docsBaseUrl = "https://ward.invalid/docs/";
  // Messages larger than this are skipped (answered with an error when they carry an id).
  std::size_t maxMessageBytes = std::size_t{64} << 20;
  // Optional hooks. `escapes` gives hover/completion for escape ids; `extraDiagnostics` runs after every
  // check of a document (the verifier adds its findings to session.diags here).
  std::shared_ptr<const EscapeCatalog> escapes;
  std::function<void(driver::Session&, const driver::Loaded&, const std::string& path)> extraDiagnostics;
  // Run the rest of `ward check` (lowering, backends in memory, the verifier) after each clean check, on a
  // thread of its own: a second publishDiagnostics for the same version adds its findings.
  bool verify = true;
  // The state directory and subuid/subgid files the verifier's `idmap auto` preview reads (only reads).
  backend::Options hostFiles;
  // The no-widening gate's baseline for every policy (initializationOptions.baseline, or the
  // workspace/didChangeConfiguration setting ward.baseline): a .ward file, as `ward check --baseline`.
  // Empty: each policy's own `verify { baseline }`, if any.
  std::string baseline;
  bool verbose = false;  // log every message to stderr
};

// Options from the environment: WARD_PATH, the executable's directory (to find the source tree's stdlib
// from a build tree), WARD_LSP_VERBOSE=1, the host files (driver::hostFilesFromEnvironment).
ServerOptions defaultOptions();

// Serves one client until `exit` or the end of the input. Returns 0 when `exit` followed `shutdown`,
// 1 otherwise (LSP's rule). Never throws.
int serve(int inFd, int outFd);
int serve(int inFd, int outFd, const ServerOptions& options);

}  // namespace ward::lsp
