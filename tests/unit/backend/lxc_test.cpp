#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

#include "emit_target.h"
#include "backend/lxc/lxc.h"
#include "common_fixture.h"
#include "hermetic.h"

namespace ward::backend::lxc {
namespace {

std::string emitText(const ir::Policy& p, Diagnostics* out = nullptr) {
  Options o;
  o.artifactDir = "/etc/ward";
  o.allocate = false;                       // `idmap auto`: read the id range registry only
  o.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(o);                  // the fixture subuid/subgid, never the host's
  Diagnostics d;
  auto a = ward::testing::emitTarget("lxc", ward::testing::asLowered(p), o, d);
  if (out) *out = d;
  if (a.size() != 1) {
    if (!out)
      for (const auto& i : d.items()) ADD_FAILURE() << i.code << " " << i.message;
    return {};
  }
  EXPECT_EQ(a[0].fileName, p.name + ".lxc.conf");
  return a[0].content;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has(const std::string& text, const std::string& line) {
  for (const auto& l : lines(text))
    if (l == line) return true;
  return false;
}

// The comment directly above the first occurrence of `line`.
std::string commentAbove(const std::string& text, const std::string& line) {
  auto ls = lines(text);
  for (std::size_t i = 1; i < ls.size(); ++i)
    if (ls[i] == line) return ls[i - 1];
  return "<missing " + line + ">";
}

TEST(Lxc, EveryKeyHasAProvenanceComment) {
  for (const auto& p : {ward::testing::webPolicy(), ward::testing::lockedPolicy(), ward::testing::privilegedPolicy()}) {
    std::string text = emitText(p);
    ASSERT_FALSE(text.empty()) << p.name;
    auto ls = lines(text);
    for (std::size_t i = 0; i < ls.size(); ++i) {
      if (ls[i].empty() || ls[i][0] == '#') continue;
      ASSERT_GT(i, 0u);
      EXPECT_TRUE(ls[i - 1].starts_with("# examples/" + p.name + ".ward:")) << ls[i - 1] << "\n" << ls[i];
      EXPECT_NE(ls[i].find(" ="), std::string::npos) << ls[i];
    }
    EXPECT_EQ(text.back(), '\n');
  }
}

TEST(Lxc, SecurityKeys) {
  std::string t = emitText(ward::testing::webPolicy());
  EXPECT_TRUE(has(t, "lxc.seccomp.profile = /etc/ward/web.lxc.seccomp"));
  EXPECT_TRUE(has(t, "lxc.apparmor.profile = ward-web"));
  EXPECT_TRUE(has(t, "lxc.apparmor.allow_nesting = 0"));
  EXPECT_TRUE(has(t, "lxc.no_new_privs = 1"));
  EXPECT_EQ(commentAbove(t, "lxc.no_new_privs = 1"), "# examples/web.ward:1 default no_new_privs on");
  EXPECT_FALSE(t.find("lxc.selinux.context") != std::string::npos);
  std::string l = emitText(ward::testing::lockedPolicy());
  EXPECT_TRUE(has(l, "lxc.selinux.context = system_u:system_r:container_t:s0:c12,c345"));
  EXPECT_EQ(commentAbove(l, "lxc.no_new_privs = 1"), "# examples/locked.ward:7 no_new_privs on");
}

TEST(Lxc, CapabilitiesUseKeep) {
  std::string t = emitText(ward::testing::webPolicy());
  EXPECT_TRUE(has(t, "lxc.cap.drop ="));
  EXPECT_TRUE(has(t, "lxc.cap.keep = chown"));
  EXPECT_TRUE(has(t, "lxc.cap.keep = net_bind_service"));
  EXPECT_EQ(commentAbove(t, "lxc.cap.keep = net_bind_service"),
            "# examples/web.ward:12 keep net_bind_service (listen tcp 80)");
  // the clearing lines come before the keeps
  EXPECT_LT(t.find("lxc.cap.drop =\n"), t.find("lxc.cap.keep = chown"));
  EXPECT_TRUE(has(emitText(ward::testing::lockedPolicy()), "lxc.cap.keep = none"));
}

TEST(Lxc, IdmapsAndPrivileged) {
  std::string l = emitText(ward::testing::lockedPolicy());
  EXPECT_TRUE(has(l, "lxc.idmap = u 0 200000 65536"));
  EXPECT_TRUE(has(l, "lxc.idmap = g 0 200000 65536"));
  std::string w = emitText(ward::testing::webPolicy());
  EXPECT_NE(w.find("lxc.idmap = u 0 "), std::string::npos);
  std::string p = emitText(ward::testing::privilegedPolicy());
  EXPECT_EQ(p.find("\nlxc.idmap"), std::string::npos);
  EXPECT_NE(p.find("privileged: no user namespace"), std::string::npos);
}

TEST(Lxc, CgroupsBothVersions) {
  std::string t = emitText(ward::testing::webPolicy());
  EXPECT_TRUE(has(t, "lxc.cgroup.memory.limit_in_bytes = 268435456"));
  EXPECT_TRUE(has(t, "lxc.cgroup2.memory.max = 268435456"));
  EXPECT_TRUE(has(t, "lxc.cgroup.pids.max = 64"));
  EXPECT_TRUE(has(t, "lxc.cgroup2.pids.max = 64"));
  EXPECT_TRUE(has(t, "lxc.cgroup2.cpu.max = 50000 100000"));
  EXPECT_TRUE(has(t, "lxc.cgroup.devices.deny = a"));
  EXPECT_TRUE(has(t, "lxc.cgroup2.devices.allow = c 10:229 rw"));
  EXPECT_EQ(commentAbove(t, "lxc.cgroup.pids.max = 64"), "# examples/web.ward:22 limits pids 64");
}

TEST(Lxc, LimitsSysctlsMounts) {
  std::string t = emitText(ward::testing::webPolicy());
  EXPECT_TRUE(has(t, "lxc.prlimit.nofile = 1024:4096"));
  EXPECT_TRUE(has(t, "lxc.prlimit.core = 0"));
  // proc:mixed without net_admin: LXC could not write them, a start-host hook does
  EXPECT_EQ(t.find("lxc.sysctl."), std::string::npos);
  EXPECT_NE(t.find("lxc.hook.start-host = /bin/sh -c 'exec nsenter --target \"$LXC_PID\" --user --net --ipc --uts -- "
                   "/bin/sh -ec \"$0\"' 'printf \"%s\\n\" \"80\" > /proc/sys/net/ipv4/ip_unprivileged_port_start; "),
            std::string::npos);
  EXPECT_NE(t.find("# examples/web.ward:25 sysctl net.ipv4.ip_unprivileged_port_start = 80 (hook below)"),
            std::string::npos);
  EXPECT_TRUE(has(t, "lxc.mount.auto = proc:mixed"));
  EXPECT_TRUE(has(t, "lxc.mount.auto = sys:ro"));
  EXPECT_TRUE(has(t, "lxc.mount.auto = cgroup:mixed"));
  EXPECT_TRUE(has(t, "lxc.mount.entry = tmpfs tmp tmpfs rw,nosuid,nodev,size=16777216,mode=1777,create=dir 0 0"));
  EXPECT_TRUE(has(t, "lxc.mount.entry = /dev/null proc/kcore none bind,ro,optional 0 0"));
  EXPECT_TRUE(has(t, "lxc.mount.entry = tmpfs sys/firmware tmpfs ro,nosuid,nodev,noexec,optional 0 0"));
  std::string p = emitText(ward::testing::privilegedPolicy());
  EXPECT_TRUE(has(p, "lxc.mount.auto = sys:mixed"));
  EXPECT_TRUE(has(p, "lxc.sysctl.net.ipv6.conf.all.accept_ra = 0"));   // net_admin kept: /proc/sys/net is rw
  EXPECT_EQ(p.find("lxc.hook.start-host"), std::string::npos);
  auto bad = ward::testing::webPolicy();
  bad.sysctls.push_back({"kernel.shmmax", "1; reboot", ward::testing::lineSpan(26)});
  Diagnostics d;
  EXPECT_EQ(emitText(bad, &d), "");
  EXPECT_TRUE(d.hasErrors());
}

// /proc/sys/kernel/{hostname,domainname} has no permission handler for user namespaces: only the host's
// root (kuid 0) may write it, so neither lxc.sysctl (written by the container's mapped root) nor the
// start-host hook after `nsenter --user` can set it. The hostname is LXC's own lxc.uts.name; the domain
// name is written from the host by a hook that enters only the uts namespace.
TEST(Lxc, UtsSysctlsAreNotWrittenAsTheMappedRoot) {
  auto p = ward::testing::webPolicy();
  p.sysctls.push_back({"kernel.hostname", "h1", ward::testing::lineSpan(26)});
  p.sysctls.push_back({"kernel.domainname", "example.org", ward::testing::lineSpan(27)});
  std::string t = emitText(p);
  EXPECT_TRUE(has(t, "lxc.uts.name = h1"));
  EXPECT_EQ(commentAbove(t, "lxc.uts.name = h1"), "# examples/web.ward:26 sysctl kernel.hostname = h1");
  EXPECT_EQ(t.find("/proc/sys/kernel/hostname"), std::string::npos);
  EXPECT_EQ(t.find("lxc.sysctl.kernel."), std::string::npos);
  const std::string uts = "lxc.hook.start-host = /bin/sh -c 'exec nsenter --target \"$LXC_PID\" --uts -- "
                          "/bin/sh -ec \"$0\"' 'printf \"%s\\n\" \"example.org\" > /proc/sys/kernel/domainname'";
  EXPECT_TRUE(has(t, uts)) << t;
  EXPECT_NE(t.find("# examples/web.ward:27 sysctl kernel.domainname = example.org (hook below)"), std::string::npos);
  // The other keys keep the hook in the container's user namespace, without the uts keys.
  for (const auto& l : lines(t))
    if (l.find("--user") != std::string::npos) {
      EXPECT_NE(l.find("ip_unprivileged_port_start"), std::string::npos) << l;
      EXPECT_EQ(l.find("kernel."), std::string::npos) << l;
    }
  // proc rw lets LXC write lxc.sysctl.*, but as the mapped root: the uts keys still go around it.
  p.files.proc.value = ir::FsMode::Rw;
  t = emitText(p);
  EXPECT_TRUE(has(t, "lxc.uts.name = h1"));
  EXPECT_TRUE(has(t, uts));
  EXPECT_TRUE(has(t, "lxc.sysctl.net.ipv4.ip_unprivileged_port_start = 80"));
  EXPECT_EQ(t.find("lxc.sysctl.kernel."), std::string::npos);
  // Privileged: container root is the host's root; the hostname is still LXC's own key.
  auto priv = ward::testing::privilegedPolicy();
  priv.sysctls.push_back({"kernel.hostname", "h2", ward::testing::lineSpan(26)});
  std::string pt = emitText(priv);
  EXPECT_TRUE(has(pt, "lxc.uts.name = h2"));
  EXPECT_EQ(pt.find("/proc/sys/kernel/hostname"), std::string::npos);
  // A hostname longer than the kernel's 64 bytes cannot be set.
  auto longName = ward::testing::webPolicy();
  longName.sysctls.push_back({"kernel.hostname", std::string(65, 'a'), ward::testing::lineSpan(26)});
  Diagnostics d;
  EXPECT_EQ(emitText(longName, &d), "");
  ASSERT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items()[0].code, "E1301");
}

// blkio.weight exists only with CFQ (removed in Linux 5.0); LXC refuses to start when it cannot write a
// lxc.cgroup.* key. io.weight is written for cgroup v2 only, with a comment and W0006 for v1 hosts.
TEST(Lxc, IoWeightOnlyForCgroupV2) {
  auto p = ward::testing::webPolicy();
  p.limits.ioWeight = ir::Located<std::uint64_t>{500, ward::testing::lineSpan(24)};
  Diagnostics d;
  std::string t = emitText(p, &d);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.find("lxc.cgroup.blkio.weight"), std::string::npos);
  EXPECT_EQ(t.find("blkio.bfq.weight ="), std::string::npos);
  EXPECT_TRUE(has(t, "lxc.cgroup2.io.weight = default 500"));
  EXPECT_NE(t.find("# examples/web.ward:24 limits io.weight 500: not set on cgroup v1"), std::string::npos) << t;
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_EQ(d.items()[0].code, "W0006");
  EXPECT_EQ(d.items()[0].span.line, 24u);
  EXPECT_FALSE(d.hasErrors());
  // no io.weight, no warning
  Diagnostics none;
  emitText(ward::testing::webPolicy(), &none);
  EXPECT_TRUE(none.items().empty());
}

TEST(Lxc, BindMountEscapingAndProcRo) {
  auto p = ward::testing::webPolicy();
  ir::Mount b;
  b.source = "/srv/my www";
  b.target = "/var/www";
  b.optional = true;
  b.span = ward::testing::lineSpan(14);
  p.files.mounts.push_back(b);
  p.files.proc.value = ir::FsMode::Ro;
  std::string t = emitText(p);
  EXPECT_TRUE(has(t, "lxc.mount.entry = /srv/my\\040www var/www none bind,ro,nosuid,nodev,create=dir,optional 0 0"));
  EXPECT_TRUE(has(t, "lxc.mount.entry = proc proc proc ro,nosuid,nodev,noexec,create=dir 0 0"));
  EXPECT_EQ(t.find("proc:"), std::string::npos);
}

// Read-only paths of the container's /proc: a read-only bind onto itself, the source named through
// lxc.rootfs.mount (where it sits before pivot_root). proc:mixed already covers /proc/sys and sysrq-trigger;
// a read-only proc needs none of them.
TEST(Lxc, ReadOnlyProcPathsThroughTheRootfsMount) {
  auto p = ward::testing::webPolicy();
  Options o;
  o.allocate = false;
  o.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(o);                  // the fixture subuid/subgid, never the host's
  o.lxcRootfsMount = "/var/lib/lxcroot/";
  Diagnostics d;
  auto a = ward::testing::emitTarget("lxc", ward::testing::asLowered(p), o, d);
  ASSERT_EQ(a.size(), 1u);
  const std::string& t = a[0].content;
  EXPECT_TRUE(has(t, "lxc.rootfs.mount = /var/lib/lxcroot"));
  for (const char* path : {"bus", "fs", "irq"})
    EXPECT_TRUE(has(t, fmt::format("lxc.mount.entry = /var/lib/lxcroot/proc/{0} proc/{0} none "
                                   "bind,ro,nosuid,nodev,noexec,optional 0 0", path))) << path;
  EXPECT_EQ(t.find("proc/sysrq-trigger none bind"), std::string::npos);
  EXPECT_EQ(t.find("/proc/sys proc/sys"), std::string::npos);
  // The binds come after proc is mounted (lxc.mount.auto is applied before lxc.mount.entry) and after
  // the policy's own mounts.
  EXPECT_LT(t.find("lxc.mount.auto = proc:mixed"), t.find("lxc.rootfs.mount"));
  p.files.proc.value = ir::FsMode::Ro;
  EXPECT_EQ(emitText(p).find("lxc.rootfs.mount"), std::string::npos);
}

TEST(Lxc, NetworkNoneAndBridge) {
  std::string l = emitText(ward::testing::lockedPolicy());
  EXPECT_TRUE(has(l, "lxc.net ="));
  EXPECT_TRUE(has(l, "lxc.net.0.type = empty"));
  // LXC brings loopback up in an empty network only for an `empty` device that is flagged up.
  EXPECT_TRUE(has(l, "lxc.net.0.flags = up"));
  EXPECT_LT(l.find("lxc.net.0.type = empty"), l.find("lxc.net.0.flags = up"));
  EXPECT_EQ(commentAbove(l, "lxc.net.0.flags = up"), "# examples/locked.ward:9 network none (loopback up)");
  auto p = ward::testing::webPolicy();
  p.network.bridge = ir::Located<std::string>{"br-web", ward::testing::lineSpan(19)};
  std::string t = emitText(p);
  EXPECT_TRUE(has(t, "lxc.net.0.type = veth"));
  EXPECT_TRUE(has(t, "lxc.net.0.link = br-web"));
  EXPECT_EQ(commentAbove(t, "lxc.net.0.link = br-web"), "# examples/web.ward:19 network bridge \"br-web\"");
  // no network statement: the container's own network settings are left alone
  EXPECT_EQ(emitText(ward::testing::privilegedPolicy()).find("\nlxc.net"), std::string::npos);
}

TEST(Lxc, RawKeysHooksAndRejections) {
  auto p = ward::testing::webPolicy();
  p.lxc.raw.push_back({"lxc.environment", "APP_ENV=prod", ward::testing::lineSpan(40)});
  p.lxc.hooks.push_back({"pre-start", "/usr/local/bin/prepare", ward::testing::lineSpan(41)});
  p.limits.ptyMax = ir::Located<std::uint64_t>{16, ward::testing::lineSpan(24)};
  std::string t = emitText(p);
  EXPECT_TRUE(has(t, "lxc.environment = APP_ENV=prod"));
  EXPECT_TRUE(has(t, "lxc.hook.pre-start = /usr/local/bin/prepare"));
  EXPECT_TRUE(has(t, "lxc.pty.max = 16"));

  // A value that would inject a second key is an error, and nothing is emitted.
  auto bad = ward::testing::webPolicy();
  bad.lxc.raw.push_back({"lxc.environment", "A=1\nlxc.cap.keep =", ward::testing::lineSpan(40)});
  Diagnostics d;
  EXPECT_EQ(emitText(bad, &d), "");
  ASSERT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items()[0].code, "E1301");
  auto badKey = ward::testing::webPolicy();
  badKey.lxc.raw.push_back({"not.lxc", "1", ward::testing::lineSpan(40)});
  EXPECT_EQ(emitText(badKey, &d), "");
  static_assert(!std::is_invocable_v<decltype(&emit), const ir::Policy&, const Options&, Diagnostics&>);
}

TEST(Lxc, Deterministic) {
  EXPECT_EQ(emitText(ward::testing::webPolicy()), emitText(ward::testing::webPolicy()));
}

TEST(Lxc, ReadOnlyRootIsARootfsOption) {
  ir::Policy p = ward::testing::webPolicy();
  EXPECT_EQ(emitText(p).find("lxc.rootfs.options"), std::string::npos);   // rw: LXC's default, nothing written
  p.files.rootReadOnly = {true, ward::testing::lineSpan(44)};
  const std::string text = emitText(p);
  EXPECT_TRUE(has(text, "lxc.rootfs.options = ro")) << text;
  EXPECT_EQ(commentAbove(text, "lxc.rootfs.options = ro"), "# examples/web.ward:44 mounts root ro");
}

}  // namespace
}  // namespace ward::backend::lxc
