// The LXD backend (backend/lxd/lxd.h): P.lxd.yaml routes each setting to LXD's own key where one exists,
// the rest to raw.lxc, the seccomp policy to raw.seccomp, and says (W0008) what LXD cannot take.
#include <gtest/gtest.h>

#include <sstream>

#include "emit_target.h"
#include "backend/lxd/lxd.h"
#include "common_fixture.h"
#include "hermetic.h"
#include "lowered.h"

namespace ward::backend::lxd {
namespace {

std::string emitText(const ir::Policy& p, Diagnostics& d) {
  Options o;
  o.artifactDir = "/etc/ward";
  o.allocate = false;
  o.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(o);
  auto a = ward::testing::emitTarget("lxd", ward::testing::asLowered(p), o, d);
  if (a.size() != 1) {
    for (const auto& i : d.items()) ADD_FAILURE() << i.code << " " << i.message;
    return {};
  }
  EXPECT_EQ(a[0].fileName, p.name + ".lxd.yaml");
  return a[0].content;
}

bool has(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

// The line before `line` (its provenance comment).
std::string before(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string prev;
  for (std::string l; std::getline(in, l); prev = l)
    if (l == line) return prev;
  return "<no line '" + line + "'>";
}

TEST(LxdProfile, LxdKeysWhereTheyExistWithProvenance) {
  Diagnostics d;
  const std::string y = emitText(testing::webPolicy(), d);
  EXPECT_TRUE(has(y, "  limits.memory: \"268435456\"")) << y;
  EXPECT_EQ(before(y, "  limits.memory: \"268435456\""), "  # examples/web.ward:20 limits memory 256MiB");
  EXPECT_TRUE(has(y, "  limits.processes: \"64\""));
  EXPECT_TRUE(has(y, "  limits.cpu.allowance: \"50ms/100ms\""));
  EXPECT_TRUE(has(y, "  limits.kernel.nofile: \"1024:4096\""));
  EXPECT_EQ(before(y, "  limits.kernel.nofile: \"1024:4096\""), "  # examples/web.ward:23 limits nofile");
  EXPECT_TRUE(has(y, "  security.idmap.isolated: \"true\""));
  EXPECT_TRUE(has(y, "  security.idmap.size: \"65536\""));
  EXPECT_TRUE(has(y, "  security.privileged: \"false\""));
  EXPECT_TRUE(has(y, "  security.nesting: \"false\""));
  // Not twice: what LXD's keys set is not in raw.lxc, nor what LXD refuses there.
  for (const char* gone : {"lxc.cgroup.memory.limit_in_bytes", "lxc.cgroup.pids.max", "lxc.prlimit.", "lxc.idmap",
                           "lxc.seccomp.profile", "lxc.apparmor.profile", "lxc.net"})
    EXPECT_EQ(y.find(std::string("    ") + gone), std::string::npos) << gone;
  // raw.lxc: the rest, each line after its provenance comment.
  EXPECT_TRUE(has(y, "  raw.lxc: |"));
  EXPECT_TRUE(has(y, "    lxc.cap.keep = net_bind_service"));
  EXPECT_EQ(before(y, "    lxc.cap.keep = net_bind_service"),
            "    # examples/web.ward:12 keep net_bind_service (listen tcp 80)");
  EXPECT_TRUE(has(y, "    lxc.no_new_privs = 1"));
  EXPECT_TRUE(has(y, "    lxc.cgroup.memory.soft_limit_in_bytes = 209715200"));
  EXPECT_TRUE(has(y, "    lxc.cgroup.devices.allow = c 10:229 rw"));
  // raw.seccomp: LXC's v2 text, whole.
  EXPECT_TRUE(has(y, "  raw.seccomp: |"));
  EXPECT_TRUE(has(y, "    2"));
  EXPECT_NE(y.find("    kexec_load errno 1"), std::string::npos) << y;
  EXPECT_TRUE(has(y, "devices: {}"));
}

TEST(LxdProfile, WhatLxdCannotTakeIsALocatedWarning) {
  ir::Policy p = testing::webPolicy();
  p.lxc.raw.push_back({"lxc.ephemeral", "1", testing::lineSpan(40)});
  p.lxc.raw.push_back({"lxc.prlimit.nproc", "10", testing::lineSpan(41)});
  p.lxc.raw.push_back({"lxc.environment", "A=1", testing::lineSpan(42)});
  Diagnostics d;
  const std::string y = emitText(p, d);
  int w = 0;
  for (const auto& i : d.items())
    if (i.code == "W0008" && i.span.line == 40) ++w;
  EXPECT_EQ(w, 1);
  EXPECT_EQ(y.find("lxc.ephemeral ="), std::string::npos);
  EXPECT_TRUE(has(y, "  limits.kernel.nproc: \"10\""));   // a raw prlimit becomes LXD's key
  EXPECT_TRUE(has(y, "    lxc.environment = A=1"));
}

TEST(LxdProfile, IdentityAndNetwork) {
  Diagnostics d;
  const std::string locked = emitText(testing::lockedPolicy(), d);
  EXPECT_TRUE(has(locked, "  security.idmap.base: \"200000\"")) << locked;
  EXPECT_TRUE(has(locked, "  security.idmap.size: \"65536\""));
  EXPECT_TRUE(has(locked, "  eth0:"));
  EXPECT_TRUE(has(locked, "    type: none"));
  const std::string priv = emitText(testing::privilegedPolicy(), d);
  EXPECT_TRUE(has(priv, "  security.privileged: \"true\""));
  EXPECT_EQ(priv.find("security.idmap.size"), std::string::npos);
  const std::string br = emitText(testing::bridgedPolicy(), d);
  EXPECT_TRUE(has(br, "    parent: \"br-ward0\"")) << br;
  // Explicit maps LXD cannot express: W0008 at the map.
  ir::Policy odd = testing::lockedPolicy();
  odd.identity.idmaps[1].outside = 300000;
  Diagnostics d2;
  emitText(odd, d2);
  bool warned = false;
  for (const auto& i : d2.items()) warned = warned || (i.code == "W0008" && i.span.line == 5);
  EXPECT_TRUE(warned);
}

TEST(LxdProfile, YamlQuoting) {
  EXPECT_EQ(yamlQuote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_TRUE(refusedRawKey("lxc.net.0.type"));
  EXPECT_TRUE(refusedRawKey("lxc.log.file"));
  EXPECT_FALSE(refusedRawKey("lxc.log.level"));   // accepted: it replaces LXD's level
  EXPECT_FALSE(refusedRawKey("lxc.netns"));
  EXPECT_FALSE(refusedRawKey("lxc.cap.drop"));
}

TEST(LxdProfile, ReadOnlyRootIsALocatedWarningNotARawKey) {
  ir::Policy p = testing::webPolicy();
  p.files.rootReadOnly = {true, testing::lineSpan(44)};
  Diagnostics d;
  const std::string y = emitText(p, d);
  EXPECT_EQ(y.find("lxc.rootfs.options"), std::string::npos) << y;
  bool warned = false;
  for (const auto& i : d.items())
    warned = warned || (i.code == "W0008" && i.span.line == 44 && i.message.find("read-only root") != std::string::npos);
  EXPECT_TRUE(warned);
  // A raw key the user wrote still goes to raw.lxc.
  p.files.rootReadOnly = {};
  p.lxc.raw.push_back({"lxc.rootfs.options", "ro", testing::lineSpan(45)});
  Diagnostics d2;
  EXPECT_TRUE(has(emitText(p, d2), "    lxc.rootfs.options = ro"));
}

}  // namespace
}  // namespace ward::backend::lxd
