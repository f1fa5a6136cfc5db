// src/lxd: the raw.lxc merge of `ward lxd-install`, the start check of `ward lxd-hook`, and where
// `ward verify --lxd` locates findings. The REST calls themselves run against real LXD in
// tests/integration/lxd_profile.sh.
#include <gtest/gtest.h>

#include "lxd/audit.h"
#include "lxd/install.h"

namespace ward::lxd {
namespace {

const std::string kWard = "# x.ward:3 no_new_privs on\nlxc.no_new_privs = 1\n# x.ward:4 keep chown\nlxc.cap.drop =\nlxc.cap.keep = chown\n";
const std::string kHook = "/usr/bin/ward lxd-hook --policy /etc/ward/x.ward --name x --state-dir /var/lib/ward";

TEST(LxdInstall, MergedRawLxcKeepsTheInstancesOwnLinesFirst) {
  const std::string m = mergedRawLxc("lxc.environment = OWN=1\n", kWard, kHook);
  EXPECT_LT(m.find("lxc.environment = OWN=1"), m.find("lxc.no_new_privs = 1"));
  EXPECT_LT(m.find("lxc.cap.keep = chown"), m.find("lxc.hook.pre-start = " + kHook));
  EXPECT_EQ(m.substr(m.size() - 1), "\n");
  EXPECT_EQ(mergedRawLxc("", kWard, kHook).find("own raw.lxc"), std::string::npos);
}

TEST(LxdHook, AcceptsWardsBlockLastAndRefusesDrift) {
  const std::string lxd = "lxc.seccomp.profile = /var/lib/lxd/security/seccomp/c\nlxc.rootfs.path = dir:/r\n";
  const std::string good = lxd + mergedRawLxc("lxc.environment = OWN=1", kWard, kHook);
  EXPECT_TRUE(checkStart("lxc.conf", good, kWard, "lxd-hook --policy", "2\nallowlist\n", "2\nallowlist").empty());
  // A line after ward's block (the instance's raw.lxc edited after install).
  auto drift = checkStart("lxc.conf", good + "lxc.no_new_privs = 0\n", kWard, "lxd-hook --policy", "2\n", "2\n");
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_NE(drift[0].find("'lxc.no_new_privs = 0' comes after ward's policy"), std::string::npos) << drift[0];
  EXPECT_NE(drift[0].find("lxc.conf:"), std::string::npos);
  // ward's lines gone (raw.lxc replaced), and another seccomp policy.
  EXPECT_EQ(checkStart("lxc.conf", lxd + "lxc.environment = A=1\n", kWard, "lxd-hook", "2\n", "2\n").size(), 1u);
  EXPECT_EQ(checkStart("lxc.conf", good, kWard, "lxd-hook --policy", "2\ndenylist\n", "2\nallowlist\n").size(), 1u);
}

TEST(LxdAudit, FindingsGoToTheLxdKeyThatCausesThem) {
  EXPECT_EQ(lxdKeyFor("lxc.prlimit.nofile"), "limits.kernel.nofile");
  EXPECT_EQ(lxdKeyFor("lxc.cgroup.pids.max"), "limits.processes");
  EXPECT_EQ(lxdKeyFor("lxc.cgroup2.memory.max"), "limits.memory");
  EXPECT_EQ(lxdKeyFor("lxc.idmap"), "security.idmap.isolated");
  EXPECT_EQ(lxdKeyFor("lxc.uts.name"), "");
  EXPECT_EQ(lxdKeyForEntry("RES-PIDS"), "limits.processes");
  EXPECT_EQ(lxdKeyForEntry("NS-SHARED-IDMAP"), "security.idmap.isolated");
  EXPECT_EQ(lxdKeyForEntry("SYS-KEYCTL"), "raw.seccomp");
  EXPECT_EQ(lxdKeyForEntry("CAP-NNP"), "raw.lxc");
}

}  // namespace
}  // namespace ward::lxd
