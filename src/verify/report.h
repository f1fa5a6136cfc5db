#pragma once
// Verifier output: findings as ward::Diagnostic objects (code = the entry id, so the text renderer with
// carets and the language server show them), plain text, JSON, SARIF 2.1.0, and `ward explain ID`.
// Only strings and JSON values are built; the caller decides where they go.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "base/source.h"
#include "verify/catalog.h"
#include "verify/verify.h"

namespace ward::verify {

struct ReportOptions {
  Level failOn = Level::Critical;   // Open findings at or above it are errors, the rest warnings
  bool includeBlocked = false;      // also report Blocked and n/a entries (text as notes, SARIF as "pass")
  // The run's verdict when the caller knows it (several policies, each against its own gate; failOn is
  // then the strictest, for labels). Unset: failsGate(findings, failOn).
  std::optional<bool> failed;
};

// Open -> error (fails the gate) or warning; BlockedByOneLayer -> warning; Accepted -> note; Blocked and
// n/a only with includeBlocked (note). Notes carry one line per layer with its span, then the fix hint.
// Span::file of the findings must be the SourceManager's FileId (as it is for policies of one session).
Diagnostics toDiagnostics(const std::vector<Finding>& findings, const Catalog& catalog, const ReportOptions& opts);

// Text: report::renderOne for each diagnostic, then a summary line per policy
// ("web: 58 blocked, 3 blocked by one layer, 0 open, 2 accepted, 7 n/a").
std::string renderText(const SourceManager& sources, const std::vector<Finding>& findings, const Catalog& catalog,
                       const ReportOptions& opts, bool color = false);

// {"findings":[{id,title,policy,severity,status,underlying,message,file,line,col,acceptReason,layers:[...]}],
//  "summary":{policy:{blocked,...}}, "failed": bool}
nlohmann::json toJson(const std::vector<Finding>& findings, const ReportOptions& opts);

// SARIF 2.1.0: one run, tool.driver.rules from the catalog (every entry), one result per reported finding
// with a physicalLocation region; accepted findings carry an inSource suppression with the reason.
nlohmann::json toSarif(const std::vector<Finding>& findings, const Catalog& catalog, const ReportOptions& opts,
                       std::string_view toolVersion);

// `ward explain ID`: the entry as text; nullopt when unknown (then suggestion() may offer a close id).
std::optional<std::string> explain(const Catalog& catalog, std::string_view id);
std::string suggestion(const Catalog& catalog, std::string_view id);

// The catalog as a table: "ID  SEVERITY  COMPONENT  YEAR  TITLE" (for `ward explain --list`), only the
// entries of `filter.component` and `filter.year` when set.
struct ListFilter {
  std::string component;
  std::optional<int> year;
};
std::string listCatalog(const Catalog& catalog, const ListFilter& filter = {});

// Markdown tables of the entries per component and per year (`ward explain --counts`; docs/escapes.md).
std::string countsTable(const Catalog& catalog);

}  // namespace ward::verify
