#include "report/sarif.h"

#include <algorithm>

namespace ward::report {

nlohmann::json sarifRegion(const Span& span) {
  if (!span.valid()) return nullptr;
  nlohmann::json region{{"startLine", std::max<std::uint32_t>(1, span.line)},
                        {"startColumn", std::max<std::uint32_t>(1, span.col)}};
  if (span.endLine >= span.line && span.endLine > 0) {
    region["endLine"] = span.endLine;
    if (span.endCol > 0) region["endColumn"] = span.endCol;
  }
  return region;
}

namespace {

nlohmann::json location(const SourceManager& sm, const Span& span, const std::string& message) {
  nlohmann::json loc{{"physicalLocation",
                      {{"artifactLocation", {{"uri", sm.displayName(span.file)}}}, {"region", sarifRegion(span)}}}};
  if (!message.empty()) loc["message"] = {{"text", message}};
  return loc;
}

}  // namespace

nlohmann::json toSarif(const SourceManager& sm, const Diagnostics& diags, const nlohmann::json& rules,
                       std::string_view toolVersion) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& d : diags.items()) {
    // SARIF's levels are named as ward's severities.
    nlohmann::json r{{"ruleId", d.code}, {"level", severityName(d.severity)}, {"message", {{"text", d.message}}}};
    if (d.span.valid() && d.span.file < sm.size())
      r["locations"] = nlohmann::json::array({location(sm, d.span, "")});
    nlohmann::json related = nlohmann::json::array();
    for (const auto& n : d.notes)
      if (n.span.valid() && n.span.file < sm.size()) related.push_back(location(sm, n.span, n.message));
    if (!related.empty()) r["relatedLocations"] = std::move(related);
    results.push_back(std::move(r));
  }
  nlohmann::json driver{{"name", "ward"},
                        {"version", std::string(toolVersion)},
                        {"informationUri", "https://github.com/ward-policy/ward"},
                        {"rules", rules}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", nlohmann::json::array({{{"tool", {{"driver", std::move(driver)}}},
                                           {"columnKind", "utf16CodeUnits"},
                                           {"results", std::move(results)}}})}};
}

}  // namespace ward::report
