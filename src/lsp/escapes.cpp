#include "lsp/escapes.h"

#include "diff/gate.h"

#include <map>
#include <mutex>
#include <set>

#include "backend/backend.h"
#include "lower/lower.h"
#include "verify/catalog.h"
#include "verify/report.h"
#include "verify/verify.h"

namespace ward::lsp {

struct VerifierCatalog::State {
  std::once_flag once;
  verify::Catalog catalog;
  std::string error;
  std::map<std::string, EscapeEntry, std::less<>> entries;
};

VerifierCatalog::VerifierCatalog(std::vector<std::string> searchPath)
    : searchPath_(std::move(searchPath)), state_(std::make_unique<State>()) {}
VerifierCatalog::~VerifierCatalog() = default;

const verify::Catalog& VerifierCatalog::catalog(std::string* error) const {
  std::call_once(state_->once, [this] {
    std::vector<std::string> errors;
    state_->catalog = verify::loadCatalog(searchPath_, errors);
    if (!errors.empty()) state_->error = errors.front();
    for (const auto& e : state_->catalog.entries) {
      EscapeEntry out;
      out.id = e.id;
      out.title = std::string(verify::levelName(e.severity)) + ": " + e.title;
      auto text = verify::explain(state_->catalog, e.id);
      out.markdown = "```text\n" + text.value_or(e.id + " " + e.title + "\n") + "```";
      state_->entries[e.id] = std::move(out);
    }
  });
  if (error) *error = state_->error;
  return state_->catalog;
}

const EscapeEntry* VerifierCatalog::find(std::string_view id) const {
  catalog();
  auto it = state_->entries.find(id);
  return it == state_->entries.end() ? nullptr : &it->second;
}

std::vector<const EscapeEntry*> VerifierCatalog::all() const {
  catalog();
  std::vector<const EscapeEntry*> out;
  for (const auto& [id, e] : state_->entries) out.push_back(&e);
  return out;
}

void verifyPolicies(driver::Session& session, std::vector<ir::Policy> policies, const VerifierCatalog& catalog,
                    Diagnostics& diags, const backend::Options& hostFiles, const EditorGate& gate) {
  // What `ward check` does after parsing and checking (driver::verifyPolicies), on the policies the checker
  // already resolved. Lowering and backend errors and W0005 come back in `diags` with the findings.
  std::string error;
  const verify::Catalog& cat = catalog.catalog(&error);
  if (!error.empty()) {
    diags.error(Code::E2004, {}, "escape catalog: " + error);
    return;
  }
  const std::size_t before = session.diags.size();
  driver::Verified v = driver::verifyPolicies(session, std::move(policies), cat, std::nullopt, {}, hostFiles);
  for (std::size_t i = before; i < session.diags.items().size(); ++i) diags.add(session.diags.items()[i]);
  if (!v.ok) return;
  verify::ReportOptions ro;
  ro.failOn = v.gate;
  diags.append(verify::toDiagnostics(v.findings, cat, ro));
  diff::gateInEditor(session, v.policies, gate.baseline, gate.load, diags);
}

}  // namespace ward::lsp
