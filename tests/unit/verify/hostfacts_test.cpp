// Host facts: Debian version comparison, the parsers of /proc/version, the dpkg status and changelogs, the
// host-facts file, and judging an entry's versions. Hermetic: every input is a string.
#include <gtest/gtest.h>

#include "verify/hostfacts.h"
#include "verify_fixture.h"

namespace ward::verify {
namespace {

TEST(Versions, DebianOrdering) {
  EXPECT_LT(compareVersions("1.1.5", "1.1.12"), 0);
  EXPECT_EQ(compareVersions("1.1.12", "1.1.12"), 0);
  EXPECT_GT(compareVersions("1.1.12+ds1", "1.1.12"), 0);           // '+' sorts after the end
  EXPECT_LT(compareVersions("1.4.0~rc.3", "1.4.0"), 0);             // '~' sorts before the end
  EXPECT_LT(compareVersions("1.0.0~rc95", "1.0.0~rc96"), 0);
  EXPECT_GT(compareVersions("1:5.0.2-1", "6.0.0-1"), 0);            // the epoch wins
  EXPECT_LT(compareVersions("1.1.5+ds1-1", "1.1.5+ds1-1+deb12u1"), 0);
  EXPECT_LT(compareVersions("20.10.24+dfsg1-1+deb12u1+b6", "20.10.25"), 0);
  EXPECT_GT(compareVersions("6.18.44", "6.8"), 0);                   // numbers, not strings
  EXPECT_LT(compareVersions("1.0a", "1.0+"), 0);                     // letters before other characters
  EXPECT_EQ(compareVersions("1.01", "1.1"), 0);                      // leading zeros
}

TEST(Versions, UpstreamAndCatalogNotation) {
  EXPECT_EQ(upstreamVersion("1:5.0.2-1+deb12u4"), "5.0.2");
  EXPECT_EQ(upstreamVersion("1.1.5+ds1-1+deb12u1"), "1.1.5");
  EXPECT_EQ(upstreamVersion("1.6.20~ds1-1+deb12u3"), "1.6.20");   // not before 1.6.20
  EXPECT_EQ(upstreamVersion("20.10.24+dfsg1-1+deb12u1+b6"), "20.10.24");
  EXPECT_EQ(upstreamVersion("1:3.1.0+really3.0.4-1.1"), "3.0.4");
  EXPECT_EQ(upstreamVersion("1.4.0~rc.2+ds1-1"), "1.4.0~rc.2");
  EXPECT_EQ(upstreamVersion("2.0+dsx-1"), "2.0+dsx");             // not a repack tag
  EXPECT_EQ(upstreamVersion("5:24.0.7-1~debian.12~bookworm"), "24.0.7");
  EXPECT_EQ(upstreamVersion("6.18.44"), "6.18.44");
  EXPECT_EQ(catalogVersion("1.0.0-rc95"), "1.0.0~rc95");
  EXPECT_EQ(catalogVersion("1.4.0-rc.3"), "1.4.0~rc.3");
  EXPECT_EQ(catalogVersion("2.0.0-beta.0"), "2.0.0~beta.0");
  EXPECT_LT(compareVersions(upstreamVersion("1.4.0~rc.2+ds1-1"), catalogVersion("1.4.0-rc.3")), 0);
}

TEST(HostParse, KernelFromProcVersion) {
  EXPECT_EQ(kernelVersion("Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) "
                          "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 "
                          "(2024-11-22)\n"),
            "6.1.119-1");
  EXPECT_EQ(kernelVersion("Linux version 6.18.44-fc-v1272 (builder@sandboxing) (gcc (GCC) 15.3.0) #1 SMP @0\n"),
            "6.18.44");
  EXPECT_EQ(kernelVersion("garbage"), "");
}

TEST(HostParse, DpkgStatusKeepsInstalledPackagesOnly) {
  const char* status =
      "Package: runc\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.1.5+ds1-1+deb12u1\n"
      "Description: x\n continuation: not a field\n\n"
      "Package: lxc\nStatus: deinstall ok config-files\nVersion: 1:5.0.2-1+deb12u4\n\n"
      "Package: podman\nVersion: 4.3.1+ds1-8+deb12u1+b3\nStatus: install ok installed\n";
  auto p = parseDpkgStatus(status);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p["runc"], "1.1.5+ds1-1+deb12u1");
  EXPECT_EQ(p["podman"], "4.3.1+ds1-8+deb12u1+b3");
  EXPECT_EQ(p.count("lxc"), 0u);
  auto q = parseDpkgStatus("runc:amd64\t1.1.5+ds1-1+deb12u1\ncrun\t\nlxc\t1:5.0.2-1+deb12u4\n");   // dpkg-query -W
  EXPECT_EQ(q["runc"], "1.1.5+ds1-1+deb12u1");
  EXPECT_EQ(q["lxc"], "1:5.0.2-1+deb12u4");
  EXPECT_EQ(q.count("crun"), 0u);   // listed but not installed
}

TEST(HostParse, ChangelogNamesCves) {
  auto c = cvesNamed("runc (1.1.5+ds1-1+deb12u1) bookworm-security; urgency=high\n\n  * CVE-2024-21626: leaked fds\n"
                     "    + cve-2023-27561: (re-introduced CVE-2019-19921)\n  * CVE-20-1 is not one\n");
  EXPECT_EQ(c, (std::set<std::string>{"CVE-2024-21626", "CVE-2023-27561", "CVE-2019-19921"}));
}

TEST(HostParse, ComponentsMapPackages) {
  std::map<std::string, std::string> pkgs{{"docker.io", "20.10.24+dfsg1-1+deb12u1+b6"}, {"runc", "1.1.5+ds1-1+deb12u1"}};
  auto c = components("Linux version 6.18.44 (x) #1", pkgs, [](const std::string& p) {
    return p == "runc" ? std::string("* CVE-2024-21626") : std::string();
  });
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c["kernel"].version, "6.18.44");
  EXPECT_EQ(c["docker"].package, "docker.io");
  EXPECT_EQ(c["runc"].fixedCves.count("CVE-2024-21626"), 1u);
}

TEST(HostParse, HostFactsFile) {
  std::vector<std::string> errors;
  auto h = parseHostFacts(R"({"apparmor": false, "kernel": "6.1.119-1",
      "packages": {"runc": {"version": "1.1.5+ds1-1+deb12u1", "fixes": ["CVE-2024-21626"]}, "lxc": {"version": "1:5.0.2-1"}}})",
                          errors);
  ASSERT_TRUE(h) << errors.front();
  EXPECT_EQ(h->apparmorEnabled, false);
  EXPECT_FALSE(h->selinuxEnabled);
  ASSERT_TRUE(h->components);
  EXPECT_EQ(h->components->at("kernel").version, "6.1.119-1");
  EXPECT_EQ(h->components->at("runc").fixedCves.count("CVE-2024-21626"), 1u);
  EXPECT_EQ(h->components->at("lxc").version, "1:5.0.2-1");
  EXPECT_FALSE(parseHostFacts(R"({"kernal": "6.1"})", errors));
  EXPECT_FALSE(parseHostFacts(R"({"packages": {"runc": "1.1"}})", errors));
  EXPECT_FALSE(parseHostFacts("[", errors));
}

Entry runcEntry() {
  Entry e;
  e.id = "RUNC-X";
  e.component = "runc";
  e.cves = {"CVE-2025-31133"};
  e.affected = {{"", "1.2.8"}, {"1.3.0-rc.1", "1.3.3"}, {"1.4.0-rc.1", "1.4.0-rc.3"}};
  return e;
}

HostFacts withRunc(const std::string& version, std::set<std::string> fixes = {}) {
  HostFacts h;
  h.components = Components{{"runc", Installed{"runc", "runc", version, std::move(fixes)}}};
  return h;
}

TEST(JudgeVersions, RangesBackportsAndAbsence) {
  using S = VersionVerdict::State;
  Entry e = runcEntry();
  EXPECT_EQ(judgeVersions(e, HostFacts{}).state, S::NotJudged);   // versions unknown: as before
  auto v = judgeVersions(e, withRunc("1.1.5+ds1-1+deb12u1"));
  EXPECT_EQ(v.state, S::Vulnerable);
  EXPECT_EQ(v.upgrade, "upgrade runc to 1.2.8");
  EXPECT_EQ(judgeVersions(e, withRunc("1.3.2")).upgrade, "upgrade runc to 1.3.3");
  EXPECT_EQ(judgeVersions(e, withRunc("1.4.0~rc.2+ds1-1")).upgrade, "upgrade runc to 1.4.0-rc.3");
  EXPECT_EQ(judgeVersions(e, withRunc("1.2.8")).state, S::NotVulnerable);
  EXPECT_EQ(judgeVersions(e, withRunc("1.3.3+ds1-1")).state, S::NotVulnerable);
  EXPECT_EQ(judgeVersions(e, withRunc("1.4.0")).state, S::NotVulnerable);
  auto backport = judgeVersions(e, withRunc("1.1.5+ds1-1+deb12u2", {"CVE-2025-31133"}));
  EXPECT_EQ(backport.state, S::NotVulnerable);
  EXPECT_NE(backport.why.find("runc 1.1.5+ds1-1+deb12u2 fixed CVE-2025-31133"), std::string::npos) << backport.why;
  HostFacts none;
  none.components = Components{};
  EXPECT_EQ(judgeVersions(e, none).state, S::NotInstalled);
  HostFacts lxc = withRunc("1.1.5");
  lxc.engines = lxcEngines();
  EXPECT_EQ(judgeVersions(e, lxc).state, S::OtherRuntime);   // a runc bug does not reach an LXC container
  Entry config;
  config.id = "ESC-X";
  EXPECT_EQ(judgeVersions(config, withRunc("1.0")).state, S::NotJudged);
}

TEST(JudgeVersions, TheVerifierReportsThem) {
  // CVE-RUNC-FD has only a host guard: n/a without versions, open when vulnerable, n/a when fixed.
  const Entry* fd = fixture::catalog().find("CVE-RUNC-FD");
  ASSERT_NE(fd, nullptr);
  Catalog one;
  one.entries.push_back(*fd);
  ir::Policy p;
  p.name = "p";
  auto status = [&](const HostFacts& h) { return verifyForeign(p, {}, one, h).at(0); };
  EXPECT_EQ(status({}).status, Status::NotApplicable);
  Finding open = status(withRunc("1.1.11"));
  EXPECT_EQ(open.status, Status::Open);
  EXPECT_NE(open.message.find("upgrade runc to 1.1.12"), std::string::npos) << open.message;
  Finding fixed = status(withRunc("1.1.5+ds1-1+deb12u1", {"CVE-2024-21626"}));
  EXPECT_EQ(fixed.status, Status::NotApplicable);
  EXPECT_NE(fixed.message.find("not vulnerable here: runc 1.1.5+ds1-1+deb12u1 fixed CVE-2024-21626"), std::string::npos)
      << fixed.message;
  EXPECT_EQ(status(withRunc("1.0.0~rc92")).status, Status::NotApplicable);   // before the bug
}

}  // namespace
}  // namespace ward::verify
