#include "helpers.h"
#include "ward/config.h"
#include "ward/source_dir.h"

using namespace ward;
using namespace ward::sema::testing;

TEST(SemaSearchPath, OrderIncludeThenEnvThenInstalled) {
  auto p = sema::searchPath({"/a", "/b"}, "/c::/d", "");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], "/a");
  EXPECT_EQ(p[1], "/b");
  EXPECT_EQ(p[2], "/c");
  EXPECT_EQ(p[3], "/d");
  EXPECT_EQ(p[4], WARD_INSTALL_STDLIB);
}

TEST(SemaSearchPath, SourceStdlibOnlyFromABuildTree) {
  TempDir build;
  build.write("CMakeCache.txt", "# cache\n");
  std::filesystem::create_directories(build.path() / "src" / "cli");
  auto inBuild = sema::searchPath({}, nullptr, (build.path() / "src" / "cli").string());
  ASSERT_EQ(inBuild.size(), 2u);
  EXPECT_EQ(inBuild[0], WARD_INSTALL_STDLIB);
  EXPECT_EQ(inBuild[1], WARD_SOURCE_STDLIB);
  TempDir installed;
  auto notBuild = sema::searchPath({}, nullptr, installed.path().string());
  ASSERT_EQ(notBuild.size(), 1u);
  EXPECT_EQ(notBuild[0], WARD_INSTALL_STDLIB);
}

TEST(SemaSearchPath, InstalledStdlibBesideTheBinaryComesFirst) {
  TempDir prefix;
  std::filesystem::create_directories(prefix.path() / "bin");
  std::filesystem::create_directories(prefix.path() / "share" / "ward" / "stdlib");
  auto p = sema::searchPath({"/inc"}, nullptr, (prefix.path() / "bin").string());
  ASSERT_GE(p.size(), 3u);
  EXPECT_EQ(p[0], "/inc");
  EXPECT_EQ(p[1], std::filesystem::weakly_canonical(prefix.path() / "share" / "ward" / "stdlib").string());
  EXPECT_EQ(p[2], WARD_INSTALL_STDLIB);
}
