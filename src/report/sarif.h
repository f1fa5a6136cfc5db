#pragma once
// Diagnostics as SARIF 2.1.0 (one run, one result per diagnostic, its span as the physical location and
// its notes as related locations). Only JSON values are built; the caller decides where they go.
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "base/source.h"

namespace ward::report {

// A SARIF region for a span ({"startLine",...}); null for an invalid span.
nlohmann::json sarifRegion(const Span& span);
// rules: the tool.driver.rules array (ids the results' codes refer to).
nlohmann::json toSarif(const SourceManager& sources, const Diagnostics& diags, const nlohmann::json& rules,
                       std::string_view toolVersion);

}  // namespace ward::report
