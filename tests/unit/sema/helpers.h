#pragma once
// Test helpers: write .ward text into a temporary directory, analyze it, and look for diagnostics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "base/diagnostics.h"
#include "base/source.h"
#include "sema/sema.h"

namespace ward::sema::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("ward-sema-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& rel, const std::string& text) const {
    auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

struct SemaRun {
  SourceManager sm;
  Diagnostics diags;
  Result result;
  FileId root = kNoFile;

  const Diagnostic* find(const std::string& code) const {
    for (const auto& d : diags.items())
      if (d.code == code) return &d;
    return nullptr;
  }
  std::size_t count(const std::string& code) const {
    std::size_t n = 0;
    for (const auto& d : diags.items()) n += d.code == code;
    return n;
  }
  std::string dump() const {
    std::ostringstream s;
    for (const auto& d : diags.items())
      s << (d.span.valid() ? sm.displayName(d.span.file) : std::string("?")) << ":" << d.span.line << ":"
        << d.span.col << ": " << severityName(d.severity) << ": " << d.message << " [" << d.code << "]\n";
    return s.str();
  }
  const ir::Policy& policy(std::size_t i = 0) const { return result.policies.at(i); }
  bool errorFree() const { return !diags.hasErrors(); }
};

// Analyze `text` as the root file "test.ward" (display name) stored in `dir` (or a fresh temp dir).
inline void analyzeText(SemaRun& run, const std::string& text, Options opts = {}, const TempDir* dir = nullptr,
                        const std::string& name = "test.ward") {
  std::string path = dir ? dir->write(name, text) : name;
  run.root = run.sm.add(name, path, text);
  run.result = analyze(run.sm, run.root, opts, run.diags);
}

// 1-based line and column of the `nth` occurrence of `token` in `text` (0, 0 when absent).
inline std::pair<std::uint32_t, std::uint32_t> where(const std::string& text, const std::string& token, int nth = 0) {
  std::size_t pos = text.find(token);
  while (pos != std::string::npos && nth-- > 0) pos = text.find(token, pos + 1);
  if (pos == std::string::npos) return {0, 0};
  std::uint32_t line = 1, col = 1;
  for (std::size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return {line, col};
}

}  // namespace ward::sema::testing

// EXPECT a diagnostic with this code at line:col.
#define EXPECT_DIAG(run, code_, line_, col_)                                                          \
  do {                                                                                                \
    bool found_ = false;                                                                              \
    for (const auto& d_ : (run).diags.items())                                                        \
      if (d_.code == (code_) && d_.span.line == (line_) && d_.span.col == (col_)) found_ = true;      \
    EXPECT_TRUE(found_) << "expected " << (code_) << " at " << (line_) << ":" << (col_) << "; got:\n" \
                        << (run).dump();                                                              \
  } while (0)

// EXPECT a diagnostic with this code at the position of `token` (its nth occurrence) in `text`.
#define EXPECT_DIAG_AT(run, code_, text_, token_, ...)                                               \
  do {                                                                                               \
    auto lc_ = ::ward::sema::testing::where((text_), (token_) __VA_OPT__(, ) __VA_ARGS__);           \
    ASSERT_NE(lc_.first, 0u) << "token not in text: " << (token_);                                   \
    EXPECT_DIAG(run, code_, lc_.first, lc_.second);                                                  \
  } while (0)
