#pragma once
#include "driver/driver.h"
// The verifier in the editor. Its escape catalog (stdlib/catalog/*.json and a site's catalog/ directories
// on the module search path) serves hover on `ESC-KCORE` (the text of `ward explain ESC-KCORE`) and
// completion after `accept`; and verifyPolicies() turns checked policies into the verifier's findings, as
// diagnostics (verify::toDiagnostics: code = the entry id), exactly as `ward verify` reports them.
#include <memory>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "ir/policy.h"
#include "lsp/server.h"

namespace ward::verify {
struct Catalog;
}

namespace ward::lsp {

class VerifierCatalog : public EscapeCatalog {
 public:
  explicit VerifierCatalog(std::vector<std::string> searchPath);
  ~VerifierCatalog() override;
  const EscapeEntry* find(std::string_view id) const override;
  std::vector<const EscapeEntry*> all() const override;
  // The catalog (loaded on first use); `error` is set when it could not be loaded.
  const verify::Catalog& catalog(std::string* error = nullptr) const;

 private:
  struct State;
  std::vector<std::string> searchPath_;
  std::unique_ptr<State> state_;
};

// The rest of `ward check` after parsing and checking: lowers each policy, builds its artifacts in memory
// (no registry allocation, nothing written) and runs the verifier (also across the policies, and W0005 for
// `accept`s naming no entry), with the same gate and the same diagnostics as `ward check`. Lowering and
// backend errors are reported instead of findings. Appends to `diags` (spans in the policies' sources).
// `hostFiles`: the state directory and subuid/subgid files the `idmap auto` preview reads.
// `gate`: the no-widening gate (issue 13): each policy against `gate.baseline` (the editor's setting) or
// its own `verify { baseline }`, widenings as diagnostics (diff::gateInEditor; baselines load with `load`).
struct EditorGate {
  std::string baseline;
  driver::LoadOptions load;
};
void verifyPolicies(driver::Session& session, std::vector<ir::Policy> policies, const VerifierCatalog& catalog,
                    Diagnostics& diags, const backend::Options& hostFiles, const EditorGate& gate = {});

}  // namespace ward::lsp
