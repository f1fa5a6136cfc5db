// Loading through libapparmor: host detection (checked against the kernel's own files), plain messages
// when AppArmor is off, and the compile step (apparmor_parser -S) that feeds the kernel interface.
#include "backend/apparmor/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../lower/policy_builder.h"
#include "backend/apparmor/apparmor.h"
#include "lower/lower.h"

namespace ward {
namespace {

namespace aa = backend::apparmor;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-aa-load-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string profileText() {
  ir::Policy p = lowertest::fullPolicy();
  Diagnostics d;
  auto l = lower::lower(std::move(p), d);
  if (!l) return {};
  auto arts = aa::emit(*l, backend::Options{}, d);
  return arts.empty() ? std::string() : arts[0].content;
}

// What the kernel says, read independently of the code under test.
bool kernelSaysEnabled() {
  std::ifstream f(aa::kEnabledParam);
  std::string v;
  if (!(f >> v) || v != "Y") return false;
  return fs::exists("/sys/kernel/security/apparmor/profiles");
}

TEST(AppArmorHost, DetectionMatchesTheKernel) {
  const auto status = aa::hostStatus();
  EXPECT_EQ(status.enabled, kernelSaysEnabled());
  EXPECT_EQ(aa::apparmorEnabled(), status.enabled);
  if (!status.enabled) {
    EXPECT_FALSE(status.reason.empty());
    EXPECT_NE(status.reason.find("AppArmor"), std::string::npos);
    if (!fs::exists(aa::kEnabledParam)) {   // this CI host: the kernel has no AppArmor at all
      EXPECT_EQ(status.reason, std::string("AppArmor is not available in this kernel (") + aa::kEnabledParam +
                                   " does not exist)");
    }
  } else {
    EXPECT_TRUE(status.reason.empty());
  }
}

TEST(AppArmorHost, ModuleParameterN) {
  TempDir dir;
  const auto param = dir.path / "enabled";
  std::ofstream(param) << "N\n";
  const auto s = aa::hostStatus(param.string());
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.reason, "AppArmor is not enabled on this host (" + param.string() + " is 'N')");
  aa::LoadOptions o;
  o.enabledParam = param.string();
  auto r = aa::loadProfileText(profileText(), o);
  EXPECT_FALSE(r.loaded);
  EXPECT_EQ(r.message, s.reason + "; the profile was not loaded");
  const auto file = dir.path / "web.apparmor";
  std::ofstream(file) << profileText();
  r = aa::loadProfileFile(file.string(), o);
  EXPECT_FALSE(r.loaded);
  EXPECT_EQ(r.message, s.reason + "; the profile was written but not loaded");
}

TEST(AppArmorHost, ModuleParameterYButNoKernelInterface) {
  if (kernelSaysEnabled()) GTEST_SKIP() << "AppArmor is enabled here; the case needs a host without it";
  TempDir dir;
  const auto param = dir.path / "enabled";
  std::ofstream(param) << "Y\n";
  const auto s = aa::hostStatus(param.string());
  EXPECT_FALSE(s.enabled);   // libapparmor is asked too, and it knows better
  EXPECT_NE(s.reason.find("AppArmor"), std::string::npos);
  EXPECT_EQ(s.reason.find("is 'N'"), std::string::npos);
}

TEST(AppArmorHost, LoadOnThisHostSaysWhyNot) {
  if (kernelSaysEnabled()) GTEST_SKIP() << "AppArmor is enabled here; loading would change the host";
  auto r = aa::loadProfileText(profileText());
  EXPECT_FALSE(r.loaded);
  EXPECT_EQ(r.message, aa::hostStatus().reason + "; the profile was not loaded");
}

TEST(AppArmorLoad, CompilesTheBinaryPolicyTheKernelInterfaceTakes) {
  if (std::system("command -v apparmor_parser >/dev/null 2>&1") != 0) GTEST_SKIP() << "no apparmor_parser";
  std::string error;
  auto bin = aa::compileBinary(profileText(), error);
  ASSERT_TRUE(bin) << error;
  EXPECT_GT(bin->size(), 100u);
  // The binary names the profile.
  EXPECT_NE(bin->find("ward-full"), std::string::npos);

  auto bad = aa::compileBinary("profile broken {\n  /a wa,\n}\n", error);
  EXPECT_FALSE(bad);
  EXPECT_NE(error.find("mutually exclusive"), std::string::npos) << error;
  EXPECT_EQ(error.find("Cache read/write"), std::string::npos);

  EXPECT_FALSE(aa::compileBinary("profile x {}\n", error, "/nonexistent/apparmor_parser"));
  EXPECT_NE(error.find("/nonexistent/apparmor_parser"), std::string::npos);
}

}  // namespace
}  // namespace ward
