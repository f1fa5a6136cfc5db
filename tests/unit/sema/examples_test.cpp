// The stdlib and the examples analyze without errors (they are the language's first users).
#include <filesystem>

#include "helpers.h"
#include "ir/dump.h"

using namespace ward;
using namespace ward::sema::testing;

namespace {
std::vector<std::string> wardFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ".ward") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(SemaExamples, StdlibAndExamplesCheckClean) {
  std::string src = WARD_SOURCE_DIR;
  auto files = wardFiles(src + "/stdlib");
  auto ex = wardFiles(src + "/examples");
  files.insert(files.end(), ex.begin(), ex.end());
  if (files.empty()) GTEST_SKIP() << "no stdlib or examples yet";
  for (const auto& f : files) {
    SemaRun r;
    sema::Options opts;
    opts.searchPath = {src + "/stdlib"};
    auto text = sema::FileReader().read(f);
    ASSERT_TRUE(text) << f;
    r.root = r.sm.add(f, f, *text);
    r.result = sema::analyze(r.sm, r.root, opts, r.diags);
    EXPECT_FALSE(r.diags.hasErrors()) << f << ":\n" << r.dump();
    for (const auto& p : r.result.policies) (void)ir::toJson(p).dump();
  }
}
