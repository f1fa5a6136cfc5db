#pragma once
// Diagnostics are data: severity, a stable code, a message, a primary span, related notes and fix-its.
// Library code only ever appends to a Diagnostics; rendering (text, JSON, SARIF, LSP) happens at the edge.
#include <string>
#include <vector>

#include "base/codes.h"
#include "base/source.h"

namespace ward {

enum class Severity { Error, Warning, Note };
const char* severityName(Severity s);

struct Note {
  Span span;            // may be invalid for a note with no location
  std::string message;
};

struct FixIt {
  Span span;            // the text to replace
  std::string replacement;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;     // codeId(Code) for ward's own ("E0201", docs/diagnostics.md); a catalog id for findings
  std::string message;
  Span span;
  std::vector<Note> notes;
  std::vector<FixIt> fixes;
};

class Diagnostics {
 public:
  Diagnostic& error(Code code, Span span, std::string message);
  Diagnostic& warning(Code code, Span span, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);
  bool hasErrors() const { return errors_ > 0; }
  std::size_t errorCount() const { return errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Stable order for output: by file, then position, then code (the order of discovery is kept for ties).
  void sort();
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  // Rewrites the file ids of every span (primary, notes, fix-its) of the diagnostics from index `from` on.
  template <class Map>
  void remapFiles(std::size_t from, Map&& map) {
    for (std::size_t i = from; i < items_.size(); ++i) {
      auto& d = items_[i];
      if (d.span.valid()) d.span.file = map(d.span.file);
      for (auto& n : d.notes)
        if (n.span.valid()) n.span.file = map(n.span.file);
      for (auto& f : d.fixes)
        if (f.span.valid()) f.span.file = map(f.span.file);
    }
  }
  // Once this many errors are recorded, further errors are counted but dropped (a 10 MB line of garbage
  // must not produce a million diagnostics). The one "too many errors" note is added at most once.
  static constexpr std::size_t kMaxErrors = 100;

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
  bool truncated_ = false;
  Diagnostic dropped_;  // target for diagnostics past kMaxErrors; never read
  Diagnostic& push(Severity s, Code code, Span span, std::string message);
};

// "did you mean" support: the closest candidate by edit distance, if close enough to be a likely typo.
std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates);
std::size_t editDistance(std::string_view a, std::string_view b);

}  // namespace ward
