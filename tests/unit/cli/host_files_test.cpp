// WARD_SUBUID, WARD_SUBGID and WARD_STATE_DIR: `ward` reads the subordinate id files and the state
// directory they name instead of /etc/subuid, /etc/subgid and /var/lib/ward. The unit tests rely on them to
// stay hermetic (tests/support/main.cpp sets them to fixtures), so these tests prove the binary honours
// them: each run below would give another answer if ward read the host's files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hermetic.h"
#include "run_ward.h"

namespace fs = std::filesystem;
using ward::test::runWard;

namespace {

const char* kPolicy =
    "policy hosted {\n"
    "  identity { idmap auto; }\n"
    "}\n";

struct Dir {
  fs::path path;
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "ward-hostfiles.XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Sets the three variables for one scope, then puts back what the test main set.
struct Env {
  Env(const std::string& subuid, const std::string& subgid, const std::string& state) {
    ::setenv("WARD_SUBUID", subuid.c_str(), 1);
    ::setenv("WARD_SUBGID", subgid.c_str(), 1);
    ::setenv("WARD_STATE_DIR", state.c_str(), 1);
  }
  ~Env() {
    ::setenv("WARD_SUBUID", ward::test::fixtureSubuid().c_str(), 1);
    ::setenv("WARD_SUBGID", ward::test::fixtureSubgid().c_str(), 1);
    ::setenv("WARD_STATE_DIR", ward::test::scratchStateDir().c_str(), 1);
  }
};

std::string fixture(const std::string& name) { return std::string(WARD_SOURCE_DIR) + "/tests/fixtures/host/" + name; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(HostFiles, TheTestMainPointsWardAtFixtures) {
  ASSERT_NE(std::getenv("WARD_SUBUID"), nullptr);
  EXPECT_EQ(std::string(std::getenv("WARD_SUBUID")), ward::test::fixtureSubuid());
  EXPECT_EQ(std::string(std::getenv("WARD_SUBGID")), ward::test::fixtureSubgid());
  const std::string state = std::getenv("WARD_STATE_DIR");
  EXPECT_NE(state, "/var/lib/ward");
  EXPECT_TRUE(fs::is_directory(state)) << state;
}

TEST(HostFiles, CompileTakesTheRangeFromWardSubuid) {
  Dir d;
  std::ofstream(d.path / "hosted.ward") << kPolicy;
  Env env(fixture("subuid.root"), fixture("subgid.root"), (d.path / "state").string());
  auto r = runWard({"--color", "never", "compile", (d.path / "hosted.ward").string(), "-o", (d.path / "out").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // root owns 300000..431071 in the fixture: a pool of two ranges (the default pool starts at 1000000).
  const std::string conf = slurp(d.path / "out" / "hosted.lxc.conf");
  const bool first = conf.find("lxc.idmap = u 0 300000 65536") != std::string::npos;
  const bool second = conf.find("lxc.idmap = u 0 365536 65536") != std::string::npos;
  EXPECT_TRUE(first || second) << conf;
  // ... and WARD_STATE_DIR holds the registry that recorded it.
  EXPECT_TRUE(fs::exists(d.path / "state" / "idmap.registry"));
}

TEST(HostFiles, ASharedRangeIsExhaustedForCheckAndCompile) {
  Dir d;
  std::ofstream(d.path / "hosted.ward") << kPolicy;
  Env env(fixture("subuid.shared"), fixture("subgid.shared"), (d.path / "state").string());
  auto check = runWard({"--color", "never", "check", (d.path / "hosted.ward").string()});
  EXPECT_EQ(check.exitCode, 2) << check.err;
  EXPECT_NE(check.err.find("E1204"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find(fixture("subuid.shared")), std::string::npos) << check.err;   // says which file
  auto compile = runWard({"--color", "never", "compile", (d.path / "hosted.ward").string(), "-o", (d.path / "out").string()});
  EXPECT_EQ(compile.exitCode, 2) << compile.err;
  EXPECT_NE(compile.err.find("E1204"), std::string::npos) << compile.err;
  EXPECT_FALSE(fs::exists(d.path / "out" / "hosted.lxc.conf"));
}

TEST(HostFiles, MissingFilesMeanTheDefaultPool) {
  Dir d;
  std::ofstream(d.path / "hosted.ward") << kPolicy;
  Env env((d.path / "no-subuid").string(), (d.path / "no-subgid").string(), (d.path / "state").string());
  auto r = runWard({"--color", "never", "compile", (d.path / "hosted.ward").string(), "-o", (d.path / "out").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string conf = slurp(d.path / "out" / "hosted.lxc.conf");
  const auto at = conf.find("lxc.idmap = u 0 ");
  ASSERT_NE(at, std::string::npos) << conf;
  const unsigned long first = std::stoul(conf.substr(at + 16));
  EXPECT_GE(first, 1000000u) << conf;   // the default pool 1000000..66535999
  EXPECT_LT(first, 66535999u) << conf;
}

TEST(HostFiles, ExplicitStateDirWinsOverTheEnvironment) {
  Dir d;
  std::ofstream(d.path / "hosted.ward") << kPolicy;
  Env env(fixture("subuid"), fixture("subgid"), (d.path / "env-state").string());
  auto r = runWard({"--color", "never", "compile", (d.path / "hosted.ward").string(), "-o", (d.path / "out").string(),
                    "--state-dir", (d.path / "flag-state").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fs::exists(d.path / "flag-state" / "idmap.registry"));
  EXPECT_FALSE(fs::exists(d.path / "env-state"));
}
