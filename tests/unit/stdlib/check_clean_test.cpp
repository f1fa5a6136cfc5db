// Every example (examples/**/*.ward) and every stdlib module (stdlib/**/*.ward) checks clean: no errors
// from the parser or the checker. Warnings are allowed (and printed), since several examples relax
// something on purpose and say so. A failure lists each diagnostic as file:line:col: code message.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/diagnostics.h"
#include "base/source.h"
#include "sema/sema.h"

namespace fs = std::filesystem;

namespace {

std::string sourceDir() {
  const char* env = std::getenv("WARD_SOURCE_DIR");
  return env && *env ? env : WARD_SOURCE_DIR;
}

std::vector<std::string> wardFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".ward") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Checked {
  bool errors = false;
  std::string report;
};

Checked check(const std::string& path) {
  ward::SourceManager sources;
  const std::string display = fs::relative(path, sourceDir()).string();
  const auto id = sources.add(display, path, readFile(path));
  ward::sema::Options options;
  options.searchPath = {sourceDir() + "/stdlib"};
  ward::Diagnostics diags;
  (void)ward::sema::analyze(sources, id, options, diags);
  Checked c;
  c.errors = diags.hasErrors();
  for (const auto& d : diags.items()) {
    const std::string file = d.span.valid() ? sources.displayName(d.span.file) : display;
    c.report += file + ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.col) + ": " +
                (d.severity == ward::Severity::Error ? "error" : "warning") + ": " + d.message + " [" +
                d.code + "]\n";
  }
  return c;
}

class CheckClean : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckClean, HasNoErrors) {
  const Checked c = check(GetParam());
  EXPECT_FALSE(c.errors) << c.report;
  if (!c.errors && !c.report.empty()) std::cout << c.report;
}

std::vector<std::string> allFiles() {
  auto files = wardFiles(sourceDir() + "/examples");
  auto lib = wardFiles(sourceDir() + "/stdlib");
  files.insert(files.end(), lib.begin(), lib.end());
  return files;
}

std::string testName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = fs::relative(info.param, sourceDir()).string();
  for (auto& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(ExamplesAndStdlib, CheckClean, ::testing::ValuesIn(allFiles()), testName);

TEST(CheckCleanInventory, ThereAreAtLeastFiveExamples) {
  EXPECT_GE(wardFiles(sourceDir() + "/examples").size(), 5u);
}

}  // namespace
