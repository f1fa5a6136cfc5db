#pragma once
// Renderers for diagnostics: clang-style text with the source line and a caret, and JSON for tools.
// They only build strings; the caller decides where the bytes go.
#include <string>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "base/source.h"

namespace ward::report {

struct TextOptions {
  bool color = false;          // ANSI colours (the CLI turns them on for a terminal)
  std::size_t maxLine = 200;   // longer source lines are shown as a window around the caret
};

// file:line:col: error: message [E0123]
//   12 |   memroy 512MiB;
//      |   ^~~~~~
// file:line:col: note: first declared here
std::string renderText(const SourceManager& sources, const Diagnostics& diags, const TextOptions& opts = {});
std::string renderOne(const SourceManager& sources, const Diagnostic& d, const TextOptions& opts = {});

// [{"severity","code","message","file","line","col","endLine","endCol","notes":[...],"fixes":[...]}]
nlohmann::json toJson(const SourceManager& sources, const Diagnostics& diags);
nlohmann::json spanJson(const SourceManager& sources, const Span& span);

// "N errors, M warnings" summary line ("" when there is nothing).
std::string summary(const Diagnostics& diags);

}  // namespace ward::report
