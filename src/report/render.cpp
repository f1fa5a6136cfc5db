#include "report/render.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/codes.h"

namespace ward::report {
namespace {

const char* colorOf(Severity s) {
  switch (s) {
    case Severity::Error: return "\x1b[1;31m";
    case Severity::Warning: return "\x1b[1;35m";
    case Severity::Note: return "\x1b[1;36m";
  }
  return "";
}

// Makes a source line printable: tabs become one space (so the caret lines up), other control bytes
// and bytes of invalid UTF-8 become '?', so a diagnostic never writes raw garbage to a terminal.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\t') out.push_back(' ');
    else if (c < 0x20 || c == 0x7f) out.push_back('?');
    else out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string location(const SourceManager& sm, const Span& span) {
  if (!span.valid() || span.file >= sm.size()) return "ward";
  return fmt::format("{}:{}:{}", sm.displayName(span.file), span.line, span.col);
}

void excerpt(std::string& out, const SourceManager& sm, const Span& span, const TextOptions& opts) {
  if (!span.valid() || span.file >= sm.size() || span.line == 0) return;
  std::string_view line = sm.lineText(span.file, span.line);
  std::size_t col = span.col ? span.col - 1 : 0;
  std::size_t len = 1;
  if (span.endLine == span.line && span.endCol > span.col) len = span.endCol - span.col;
  else if (span.endLine > span.line) len = line.size() > col ? line.size() - col : 1;
  // Window very long lines around the caret.
  std::size_t start = 0;
  std::string prefix, suffix;
  if (line.size() > opts.maxLine) {
    start = col > opts.maxLine / 2 ? col - opts.maxLine / 2 : 0;
    if (start > 0) prefix = "...";
    if (start + opts.maxLine < line.size()) suffix = "...";
    line = line.substr(start, opts.maxLine);
  }
  std::size_t caretCol = col - start + prefix.size();
  std::string text = prefix + printable(line) + suffix;
  len = std::max<std::size_t>(1, std::min(len, text.size() > caretCol ? text.size() - caretCol : 1));
  std::string gutter = std::to_string(span.line);
  out += fmt::format(" {} | {}\n", gutter, text);
  out += fmt::format(" {} | {}{}{}{}\n", std::string(gutter.size(), ' '), std::string(caretCol, ' '),
                     opts.color ? "\x1b[1;32m" : "", "^" + std::string(len - 1, '~'), opts.color ? "\x1b[0m" : "");
}

}  // namespace

std::string renderOne(const SourceManager& sm, const Diagnostic& d, const TextOptions& opts) {
  std::string out;
  const char* bold = opts.color ? "\x1b[1m" : "";
  const char* reset = opts.color ? "\x1b[0m" : "";
  out += fmt::format("{}{}:{} {}{}:{} {}{}{}", bold, location(sm, d.span), reset,
                     opts.color ? colorOf(d.severity) : "", severityName(d.severity), reset, bold, d.message,
                     reset);
  if (!d.code.empty()) out += fmt::format(" [{}]", d.code);
  out += '\n';
  excerpt(out, sm, d.span, opts);
  for (const auto& n : d.notes) {
    out += fmt::format("{}{}:{} {}note:{} {}\n", bold, location(sm, n.span), reset,
                       opts.color ? colorOf(Severity::Note) : "", reset, n.message);
    excerpt(out, sm, n.span, opts);
  }
  for (const auto& f : d.fixes) {
    if (f.span.valid())
      out += fmt::format("{}: fix: replace with '{}'\n", location(sm, f.span), printable(f.replacement));
  }
  return out;
}

std::string renderText(const SourceManager& sm, const Diagnostics& diags, const TextOptions& opts) {
  std::string out;
  for (const auto& d : diags.items()) out += renderOne(sm, d, opts);
  return out;
}

nlohmann::json spanJson(const SourceManager& sm, const Span& s) {
  if (!s.valid() || s.file >= sm.size()) return nullptr;
  return {{"file", sm.displayName(s.file)}, {"line", s.line},       {"col", s.col},
          {"endLine", s.endLine},           {"endCol", s.endCol}};
}

nlohmann::json toJson(const SourceManager& sm, const Diagnostics& diags) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : diags.items()) {
    nlohmann::json j;
    j["severity"] = severityName(d.severity);
    j["code"] = d.code;
    j["message"] = d.message;
    j["span"] = spanJson(sm, d.span);
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : d.notes) notes.push_back({{"message", n.message}, {"span", spanJson(sm, n.span)}});
    j["notes"] = notes;
    nlohmann::json fixes = nlohmann::json::array();
    for (const auto& f : d.fixes) fixes.push_back({{"replacement", f.replacement}, {"span", spanJson(sm, f.span)}});
    j["fixes"] = fixes;
    if (const auto* info = findCode(d.code)) j["summary"] = std::string(info->summary);
    arr.push_back(std::move(j));
  }
  return arr;
}

std::string summary(const Diagnostics& diags) {
  std::size_t e = 0, w = 0;
  for (const auto& d : diags.items()) {
    if (d.severity == Severity::Error) ++e;
    else if (d.severity == Severity::Warning) ++w;
  }
  e = std::max(e, diags.errorCount());
  if (!e && !w) return {};
  auto plural = [](std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  if (e && w) return plural(e, "error") + " and " + plural(w, "warning") + " generated.";
  return (e ? plural(e, "error") : plural(w, "warning")) + " generated.";
}

}  // namespace ward::report
