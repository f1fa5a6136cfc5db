// The SELinux backend: labels (explicit and `categories auto`), libselinux validation, host detection.
#include "emit_target.h"
#include "backend/selinux/selinux.h"

#include <gtest/gtest.h>
#include <selinux/selinux.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../lower/policy_builder.h"
#include "lowered.h"

namespace ward {
namespace {

namespace se = backend::selinux;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-se-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

ir::Policy selinuxPolicy(const std::string& name) {
  ir::Policy p = lowertest::basePolicy(name);
  p.selinux.enabled = true;
  p.selinux.span = lowertest::lineSpan(5);
  return p;
}

std::vector<backend::Artifact> emit(const ir::Policy& p, const backend::Options& o, Diagnostics& d) {
  return ward::testing::emitTarget("selinux", ward::testing::asLowered(p), o, d);
}

TEST(SelinuxLabel, ExplicitCategories) {
  ir::Policy p = selinuxPolicy("web");
  p.selinux.categories = {12, 345};
  Diagnostics d;
  auto arts = emit(p, {}, d);
  ASSERT_FALSE(d.hasErrors());
  ASSERT_EQ(arts.size(), 1u);
  EXPECT_EQ(arts[0].fileName, "web.selinux");
  EXPECT_EQ(arts[0].content, "system_u:system_r:container_t:s0:c12,c345\n");
  p.selinux.categories.clear();
  p.selinux.type = "svirt_lxc_net_t";
  arts = emit(p, {}, d);
  ASSERT_EQ(arts.size(), 1u);
  EXPECT_EQ(arts[0].content, "system_u:system_r:svirt_lxc_net_t:s0\n");
}

TEST(SelinuxLabel, NoSectionNoArtifact) {
  Diagnostics d;
  EXPECT_TRUE(emit(lowertest::basePolicy(), {}, d).empty());
  EXPECT_FALSE(d.hasErrors());
}

TEST(SelinuxLabel, InvalidPartsAreE1201) {
  for (auto mutate : std::vector<void (*)(ir::Policy&)>{
           [](ir::Policy& p) { p.selinux.type = "container t"; },
           [](ir::Policy& p) { p.selinux.user = "a:b"; },
           [](ir::Policy& p) { p.selinux.level = "high"; },
           [](ir::Policy& p) { p.selinux.categories = {1, 1024}; }}) {
    ir::Policy p = selinuxPolicy("web");
    mutate(p);
    Diagnostics d;
    EXPECT_TRUE(emit(p, {}, d).empty());
    ASSERT_TRUE(d.hasErrors());
    EXPECT_EQ(d.items()[0].code, "E1201");
    EXPECT_EQ(d.items()[0].span.line, 5u);
  }
}

TEST(SelinuxLabel, LibselinuxContextApi) {
  EXPECT_EQ(se::checkLabel("system_u:system_r:container_t:s0:c1,c2"), "");
  EXPECT_NE(se::checkLabel("nocolons"), "");
  EXPECT_NE(se::checkLabel(""), "");
}

TEST(SelinuxHost, DetectionMatchesTheKernel) {
  const auto h = se::hostStatus();
  // Independently: an enabled SELinux has selinuxfs with an enforce file.
  const bool fsSays = fs::exists("/sys/fs/selinux/enforce");
  EXPECT_EQ(h.enabled, fsSays);
  EXPECT_EQ(h.enabled, ::is_selinux_enabled() > 0);
  if (!h.enabled) {
    EXPECT_NE(h.reason.find("SELinux is not enabled on this host"), std::string::npos);
  }
}

TEST(SelinuxAuto, StableUniqueAndNamedByContainer) {
  TempDir dir;
  backend::Options o;
  o.stateDir = (dir.path / "state").string();
  Diagnostics d;
  ir::Policy web = selinuxPolicy("web");
  web.selinux.categoriesAuto = true;
  auto a1 = emit(web, o, d);
  auto a2 = emit(web, o, d);
  ASSERT_FALSE(d.hasErrors()) << d.items()[0].message;
  ASSERT_EQ(a1.size(), 1u);
  EXPECT_EQ(a1[0].content, a2[0].content);
  EXPECT_EQ(a1[0].content.rfind("system_u:system_r:container_t:s0:c", 0), 0u) << a1[0].content;
  EXPECT_EQ(se::checkLabel(a1[0].content.substr(0, a1[0].content.size() - 1)), "");

  ir::Policy db = web;
  db.name = "db";
  auto b = emit(db, o, d);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a1[0].content, b[0].content);
  o.containerName = "web-2";   // a second container from the same policy
  auto c = emit(web, o, d);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].content, a1[0].content);
  EXPECT_NE(c[0].content, b[0].content);

  // Private state: directory 0700, files 0600.
  struct stat st {};
  ASSERT_EQ(::stat(o.stateDir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(se::registryPath(o.stateDir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(se::lockPath(o.stateDir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(SelinuxAuto, CheckOnlyNeverTouchesTheRegistry) {
  TempDir dir;
  backend::Options o;
  o.stateDir = (dir.path / "state").string();
  o.allocate = false;
  ir::Policy web = selinuxPolicy("web");
  web.selinux.categoriesAuto = true;
  Diagnostics d;
  auto label = se::label(web, o, d);
  ASSERT_TRUE(label);
  EXPECT_TRUE(label->placeholder);
  EXPECT_EQ(label->text, "system_u:system_r:container_t:s0:auto");
  EXPECT_FALSE(fs::exists(o.stateDir));
  // Once allocated, a check-only run reports the real pair.
  o.allocate = true;
  auto real = se::label(web, o, d);
  ASSERT_TRUE(real);
  const auto before = fs::last_write_time(se::registryPath(o.stateDir));
  o.allocate = false;
  auto again = se::label(web, o, d);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->placeholder);
  EXPECT_EQ(again->text, real->text);
  EXPECT_EQ(fs::last_write_time(se::registryPath(o.stateDir)), before);
  EXPECT_FALSE(d.hasErrors());
}

TEST(SelinuxAuto, ExhaustionAndCorruptionReachTheDiagnostics) {
  TempDir dir;
  backend::Options o;
  o.stateDir = dir.path.string();
  se::RegistryOptions tiny;
  tiny.stateDir = o.stateDir;
  tiny.firstCategory = 10;
  tiny.lastCategory = 11;   // one pair
  ir::Policy a = selinuxPolicy("a");
  a.selinux.categoriesAuto = true;
  ir::Policy b = a;
  b.name = "b";
  Diagnostics d;
  auto la = se::label(a, o, d, &tiny);
  ASSERT_TRUE(la);
  EXPECT_EQ(la->text, "system_u:system_r:container_t:s0:c10,c11");
  EXPECT_FALSE(se::label(b, o, d, &tiny));
  ASSERT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items().back().code, "E1202");
  EXPECT_EQ(d.items().back().span.line, 5u);

  // A damaged registry: E1203 from emit, and no artifact.
  {
    std::ofstream f(se::registryPath(o.stateDir), std::ios::app);
    f << "x\tc1,c2\n";
  }
  Diagnostics d2;
  EXPECT_TRUE(emit(a, o, d2).empty());
  ASSERT_TRUE(d2.hasErrors());
  EXPECT_EQ(d2.items()[0].code, "E1203");
}

}  // namespace
}  // namespace ward
