#include "base/diagnostics.h"
#include "base/suggest.h"

#include <algorithm>

namespace ward {

const char* severityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& Diagnostics::push(Severity s, Code code, Span span, std::string message) {
  if (s == Severity::Error) {
    ++errors_;
    if (errors_ > kMaxErrors) {
      if (!truncated_) {
        truncated_ = true;
        items_.push_back({Severity::Error, std::string(codeId(Code::E0009)),
                          "too many errors; stopping after " + std::to_string(kMaxErrors), span, {}, {}});
      }
      dropped_ = Diagnostic{};
      return dropped_;
    }
  }
  items_.push_back({s, std::string(codeId(code)), std::move(message), span, {}, {}});
  return items_.back();
}

Diagnostic& Diagnostics::error(Code code, Span span, std::string message) {
  return push(Severity::Error, code, span, std::move(message));
}
Diagnostic& Diagnostics::warning(Code code, Span span, std::string message) {
  return push(Severity::Warning, code, span, std::move(message));
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) {
    if (d.severity == Severity::Error) ++errors_;
    items_.push_back(d);
  }
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    if (a.span.begin != b.span.begin) return a.span.begin < b.span.begin;
    return a.code < b.code;
  });
}

namespace {
// The one edit distance of ward (Levenshtein by rows). `typo`: also count a swap of two adjacent characters
// as one edit (optimal string alignment) and compare letters without case (base/suggest.h).
std::size_t distance(std::string_view a, std::string_view b, bool typo) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto same = [&](char x, char y) { return typo ? lower(x) == lower(y) : x == y; };
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (typo && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);   // before: row i - 1
    std::swap(prev, cur);      // prev: row i
  }
  return prev[b.size()];
}
}  // namespace

std::size_t editDistance(std::string_view a, std::string_view b) { return distance(a, b, false); }
std::size_t typoDistance(std::string_view a, std::string_view b) { return distance(a, b, true); }

std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t bestD = std::string_view::npos;
  // Allow roughly one edit per three characters, at least one and at most three.
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  for (const auto& c : candidates) {
    std::size_t d = editDistance(word, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= limit ? best : std::string{};
}

}  // namespace ward
