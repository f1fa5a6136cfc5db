#include "lsp/escapes.h"

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

void verifyPolicies(std::vector<ir::Policy> policies, const VerifierCatalog& catalog, Diagnostics& diags) {
  // What `ward check` does after parsing and checking (driver::build, then the verifier), on the policies
  // the checker already resolved: lowering and backend errors are reported, and stop the verifier.
  {
    std::set<std::string> seen;
    for (const auto& p : policies)
      if (!seen.insert(p.name).second) {
        diags.error("E0106", p.span, "two policies named '" + p.name + "' in one compile");
        return;
      }
  }
  backend::Options bo;
  bo.allocate = false;  // checking never takes MCS categories
  bo.artifactDir = "/etc/ward";
  std::vector<std::vector<backend::Artifact>> artifacts(policies.size());
  for (std::size_t i = 0; i < policies.size(); ++i) {
    lower::lower(policies[i], diags);
    if (diags.hasErrors()) return;
    for (const auto& target : backend::targetNames()) {
      auto a = backend::emit(target, policies[i], bo, diags);
      if (diags.hasErrors()) return;
      artifacts[i].insert(artifacts[i].end(), std::make_move_iterator(a.begin()), std::make_move_iterator(a.end()));
    }
  }
  std::string error;
  const verify::Catalog& cat = catalog.catalog(&error);
  if (!error.empty()) {
    diags.error("E2004", {}, "escape catalog: " + error);
    return;
  }
  std::vector<verify::Finding> findings;
  std::vector<verify::Compiled> all;
  verify::Level gate = verify::Level::Critical;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const ir::Policy& p = policies[i];
    auto f = verify::verify(p, artifacts[i], cat);
    gate = std::min(gate, verify::effectiveFailOn(p, std::nullopt));
    for (const auto& acc : verify::unknownAccepts(p, cat)) {
      auto& d = diags.warning("W0005", acc.span, "`accept " + acc.id + "` names no catalog entry; it silences nothing");
      std::string near = verify::suggestion(cat, acc.id);
      if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
    }
    findings.insert(findings.end(), f.begin(), f.end());
    all.push_back({&p, &artifacts[i]});
  }
  if (all.size() > 1) {
    auto across = verify::verifyAcross(all, cat);
    findings.insert(findings.end(), across.begin(), across.end());
  }
  verify::ReportOptions ro;
  ro.failOn = gate;
  diags.append(verify::toDiagnostics(findings, cat, ro));
}

}  // namespace ward::lsp
