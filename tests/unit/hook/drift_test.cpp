#include "hook/drift.h"

#include <gtest/gtest.h>

using namespace ward;
using namespace ward::hook;

namespace {

const char* kSnippet =
    "lxc.seccomp.profile = /var/lib/ward/containers/c1/web.lxc.seccomp\n"
    "lxc.apparmor.profile = ward-web\n"
    "lxc.apparmor.allow_nesting = 0\n"
    "lxc.selinux.context = system_u:system_r:container_t:s0:c1,c2\n"
    "lxc.no_new_privs = 1\n"
    "lxc.cap.drop =\n"
    "lxc.cap.keep =\n"
    "lxc.cap.keep = chown\n"
    "lxc.cap.keep = net_bind_service\n"
    "lxc.idmap = u 0 100000 65536\n"
    "lxc.idmap = g 0 100000 65536\n"
    "lxc.cgroup.memory.limit_in_bytes = 536870912\n"
    "lxc.cgroup.pids.max = 100\n"
    "lxc.cgroup.devices.deny = a\n"
    "lxc.cgroup.devices.allow = c 1:3 rwm\n"
    "lxc.cgroup.devices.allow = c 1:5 rwm\n"
    "lxc.prlimit.nofile = 1024\n"
    "lxc.sysctl.net.ipv4.ip_forward = 0\n"
    "lxc.mount.auto =\n"
    "lxc.mount.auto = proc:mixed\n"
    "lxc.mount.auto = sys:ro\n"
    "lxc.mount.auto = cgroup:mixed\n"
    "lxc.mount.entry = /dev/null proc/kcore none bind,ro,optional 0 0\n"
    "lxc.rootfs.mount = /usr/lib/x86_64-linux-gnu/lxc/rootfs\n"
    "lxc.mount.entry = /usr/lib/x86_64-linux-gnu/lxc/rootfs/proc/bus proc/bus none bind,ro,optional 0 0\n"
    "lxc.net =\n"
    "lxc.net.0.type = empty\n";

const char* kSnippetPath = "/var/lib/ward/containers/c1/web.lxc.conf";

// A container config: its own settings, then the include (as lxc-install writes it), then `after`.
lxcconf::Config container(const std::string& before, const std::string& after = "") {
  lxcconf::Config c;
  const auto own = lxcconf::parseText("/var/lib/lxc/c1/config", before);
  for (const auto& e : own.lines()) c.apply(e);
  c.addFile("/var/lib/lxc/c1/config");
  const auto snip = lxcconf::parseText(kSnippetPath, kSnippet);
  for (const auto& e : snip.lines()) c.apply(e);
  c.addFile(kSnippetPath);
  const auto tail = lxcconf::parseText("/var/lib/lxc/c1/config", after);
  for (const auto& e : tail.lines()) c.apply(e);
  return c;
}

std::vector<Drift> check(const lxcconf::Config& effective) {
  DriftOptions o;
  o.policyName = "web";
  o.snippetPath = kSnippetPath;
  o.lastCap = 40;
  return checkDrift(effective, lxcconf::parseText(kSnippetPath, kSnippet), o);
}

std::string joined(const std::vector<Drift>& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

bool mentions(const std::vector<Drift>& d, const std::string& needle) {
  return joined(d).find(needle) != std::string::npos;
}

const char* kStockBusybox =
    // what common.conf and the busybox template write (the include expanded by hand)
    "lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio\n"
    "lxc.cgroup.devices.deny = a\n"
    "lxc.cgroup.devices.allow = c *:* m\n"
    "lxc.cgroup.devices.allow = c 136:* rwm\n"
    "lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed\n"
    "lxc.mount.entry = /sys/fs/fuse/connections sys/fs/fuse/connections none bind,optional 0 0\n"
    "lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp\n"
    "lxc.net.0.type = empty\n"
    "lxc.rootfs.path = dir:/var/lib/lxc/c1/rootfs\n"
    "lxc.uts.name = c1\n"
    "lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0\n";

}  // namespace

TEST(Drift, StockContainerWithSnippetHasNone) {
  lxcconf::Config c;
  const auto own = lxcconf::parseText("/var/lib/lxc/c1/config", kStockBusybox);
  for (const auto& e : own.lines()) c.apply(e);
  c.addFile("/var/lib/lxc/c1/config");
  const auto snip = lxcconf::parseText(kSnippetPath, kSnippet);
  for (const auto& e : snip.lines()) c.apply(e);
  c.addFile(kSnippetPath);
  auto d = check(c);
  EXPECT_TRUE(d.empty()) << joined(d);
}

TEST(Drift, SnippetNotIncluded) {
  auto c = lxcconf::parseText("/var/lib/lxc/c1/config", "lxc.uts.name = c1\n");
  auto d = check(c);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(mentions(d, "does not include"));
}

TEST(Drift, CapabilityKeptThatThePolicyDrops) {
  auto d = check(container("", "lxc.cap.keep = sys_admin\n"));
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_TRUE(mentions(d, "keeps sys_admin"));
  EXPECT_EQ(d[0].where.line, 1u);
}

TEST(Drift, CapDropClearedAfterTheInclude) {
  auto d = check(container("", "lxc.cap.keep =\n"));
  ASSERT_FALSE(d.empty());
  EXPECT_TRUE(mentions(d, "capabilities policy web drops")) << joined(d);
  EXPECT_TRUE(mentions(d, "sys_admin"));
}

TEST(Drift, CapDropAndKeepTogether) {
  auto d = check(container("", "lxc.cap.drop = sys_time\n"));
  EXPECT_TRUE(mentions(d, "together with lxc.cap.keep")) << joined(d);
}

TEST(Drift, AnotherSeccompProfile) {
  auto d = check(container("", "lxc.seccomp.profile = /tmp/allow-all\n"));
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_TRUE(mentions(d, "lxc.seccomp.profile = /tmp/allow-all"));
  auto cleared = check(container("", "lxc.seccomp.profile =\n"));
  EXPECT_TRUE(mentions(cleared, "lxc.seccomp.profile is cleared")) << joined(cleared);
}

// The read-only /proc binds name their sources through lxc.rootfs.mount; another mount point after the
// include would make them miss (they are optional), so it is drift.
TEST(Drift, AnotherRootfsMountPoint) {
  auto d = check(container("", "lxc.rootfs.mount = /mnt/elsewhere\n"));
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_TRUE(mentions(d, "lxc.rootfs.mount = /mnt/elsewhere replaces the policy's rootfs mount point"));
  EXPECT_TRUE(check(container("lxc.rootfs.mount = /mnt/before\n")).empty());   // the include wins
}

TEST(Drift, ApparmorUnconfinedAndSelinuxAndNnp) {
  auto d = check(container("", "lxc.apparmor.profile = unconfined\nlxc.selinux.context = unconfined_t\n"
                               "lxc.no_new_privs = 0\nlxc.apparmor.allow_incomplete = 1\n"));
  EXPECT_EQ(d.size(), 4u) << joined(d);
  EXPECT_TRUE(mentions(d, "unconfined turns AppArmor"));
  EXPECT_TRUE(mentions(d, "no_new_privs = 0"));
}

TEST(Drift, MissingAndForeignIdmap) {
  auto d = check(container("", "lxc.idmap =\nlxc.idmap = u 0 0 65536\n"));
  EXPECT_TRUE(mentions(d, "missing lxc.idmap = u 0 100000 65536")) << joined(d);
  EXPECT_TRUE(mentions(d, "missing lxc.idmap = g 0 100000 65536"));
  EXPECT_TRUE(mentions(d, "lxc.idmap = u 0 0 65536 is not one of"));
}

TEST(Drift, MissingOrChangedLimits) {
  auto d = check(container("", "lxc.cgroup.memory.limit_in_bytes = 9999999999\nlxc.cgroup.pids.max =\n"
                               "lxc.prlimit.nofile = 1048576\n"));
  EXPECT_TRUE(mentions(d, "replaces the limit policy web sets (536870912)")) << joined(d);
  EXPECT_TRUE(mentions(d, "missing limit lxc.cgroup.pids.max = 100"));
  EXPECT_TRUE(mentions(d, "lxc.prlimit.nofile = 1048576"));
  auto fam = check(container("", "lxc.cgroup =\n"));
  EXPECT_TRUE(mentions(fam, "missing limit lxc.cgroup.memory.limit_in_bytes")) << joined(fam);
  EXPECT_TRUE(mentions(fam, "devices allow-list"));
}

TEST(Drift, ExtraDeviceAllow) {
  auto d = check(container("", "lxc.cgroup.devices.allow = a\n"));
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_TRUE(mentions(d, "grants a device"));
  // Allows before the policy's "deny a" are void: no drift.
  EXPECT_TRUE(check(container("lxc.cgroup.devices.allow = b 8:* rwm\n")).empty());
}

TEST(Drift, RawKeysThatReopenEscapes) {
  auto d = check(container("", "lxc.mount.auto = proc:rw sys:rw\n"));
  EXPECT_TRUE(mentions(d, "proc:rw")) << joined(d);
  EXPECT_TRUE(mentions(d, "sys:rw"));
  EXPECT_TRUE(mentions(check(container("", "lxc.mount.auto = cgroup-full:mixed\n")), "whole cgroup hierarchy"));
  auto m = check(container("", "lxc.mount.entry = / host none rbind,create=dir 0 0\n"
                               "lxc.mount.entry = /var/run/docker.sock run/docker.sock none bind,create=file 0 0\n"
                               "lxc.mount.entry = proc mnt/proc proc rw 0 0\n"
                               "lxc.mount.entry = /srv/data srv none bind,create=dir 0 0\n"));
  EXPECT_EQ(m.size(), 3u) << joined(m);
  EXPECT_TRUE(mentions(m, "root filesystem"));
  EXPECT_TRUE(mentions(m, "docker.sock"));
  EXPECT_TRUE(mentions(m, "mounts proc read-write"));
  auto masks = check(container("", "lxc.mount.entry =\n"));
  EXPECT_TRUE(mentions(masks, "missing lxc.mount.entry = /dev/null proc/kcore")) << joined(masks);
}

TEST(Drift, NetworkAndNamespaces) {
  auto d = check(container("", "lxc.net.1.type = veth\nlxc.net.2.type = none\n"
                               "lxc.namespace.share.net = 1\nlxc.namespace.keep = user net\n"));
  EXPECT_TRUE(mentions(d, "lxc.net.1.type = veth gives the container a network")) << joined(d);
  EXPECT_TRUE(mentions(d, "shares the host's network namespace"));
  EXPECT_TRUE(mentions(d, "lxc.namespace.share.net"));
  EXPECT_TRUE(mentions(d, "keeps the host's user namespace"));
  EXPECT_TRUE(mentions(d, "keeps the host's net namespace"));
}

TEST(Drift, SettingsTheSnippetMakesAreNeverDrift) {
  // The container's own (earlier) permissive settings are overridden by the snippet.
  auto d = check(container("lxc.mount.auto = proc:rw sys:rw\nlxc.cap.drop = sys_module\n"
                           "lxc.apparmor.profile = unconfined\nlxc.net.0.type = veth\n"));
  EXPECT_TRUE(d.empty()) << joined(d);
}
