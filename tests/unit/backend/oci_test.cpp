#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <type_traits>

#include "emit_target.h"
#include "backend/oci/oci.h"
#include "common_fixture.h"
#include "hermetic.h"

namespace ward::backend::oci {
namespace {

using nlohmann::json;

std::string emitText(const ir::Policy& p, Diagnostics* out = nullptr, std::optional<bool> apparmor = std::nullopt,
                     std::optional<bool> selinux = std::nullopt) {
  Options o;
  o.hostApparmor = apparmor;   // the host's LSMs are injected, never read here
  o.hostSelinux = selinux;
  o.allocate = false;                       // `idmap auto`: read the id range registry only
  o.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(o);                  // the fixture subuid/subgid, never the host's
  Diagnostics d;
  auto a = ward::testing::emitTarget("oci", ward::testing::asLowered(p), o, d);
  if (out) *out = d;
  if (a.size() != 1) {
    if (!out)
      for (const auto& i : d.items()) ADD_FAILURE() << i.code << " " << i.message;
    return {};
  }
  EXPECT_EQ(a[0].fileName, p.name + ".oci.json");
  return a[0].content;
}

json emitJson(const ir::Policy& p) { return json::parse(emitText(p)); }

TEST(Oci, CapabilitiesFiveSets) {
  json j = emitJson(ward::testing::webPolicy());
  json kept = {"CAP_CHOWN", "CAP_SETGID", "CAP_SETUID", "CAP_NET_BIND_SERVICE"};
  const auto& c = j["process"]["capabilities"];
  EXPECT_EQ(c["bounding"], kept);
  EXPECT_EQ(c["effective"], kept);
  EXPECT_EQ(c["permitted"], kept);
  EXPECT_EQ(c["inheritable"], json::array());
  EXPECT_EQ(c["ambient"], json::array());
  EXPECT_EQ(j["annotations"]["org.ward.source.process.capabilities.CAP_NET_BIND_SERVICE"],
            "examples/web.ward:12 keep net_bind_service (listen tcp 80)");
  json l = emitJson(ward::testing::lockedPolicy());
  EXPECT_EQ(l["process"]["capabilities"]["bounding"], json::array());
}

TEST(Oci, ProcessSettings) {
  json j = emitJson(ward::testing::webPolicy());
  EXPECT_EQ(j["process"]["noNewPrivileges"], true);
  EXPECT_EQ(j["process"]["apparmorProfile"], "ward-web");
  EXPECT_FALSE(j["process"].contains("selinuxLabel"));
  json rl = {{{"hard", 0}, {"soft", 0}, {"type", "RLIMIT_CORE"}},
             {{"hard", 4096}, {"soft", 1024}, {"type", "RLIMIT_NOFILE"}}};
  EXPECT_EQ(j["process"]["rlimits"], rl);
  json l = emitJson(ward::testing::lockedPolicy());
  EXPECT_EQ(l["process"]["selinuxLabel"], "system_u:system_r:container_t:s0:c12,c345");
  EXPECT_FALSE(l["process"].contains("rlimits"));   // runc's defaults stay
}

// Issue 16.3: a fragment for any host keeps the LSM fields and says what it assumes; one compiled for a host
// (`--this-host`) leaves out what that host does not enable, which runc 1.1.5 would refuse.
TEST(Oci, LsmFieldsFollowTheHost) {
  const auto locked = ward::testing::lockedPolicy();   // has a selinux section
  json any = json::parse(emitText(locked));
  EXPECT_TRUE(any["process"].contains("apparmorProfile"));
  EXPECT_TRUE(any["process"].contains("selinuxLabel"));
  EXPECT_EQ(any["annotations"]["org.ward.assumes"], "apparmor enabled, selinux enabled");
  EXPECT_FALSE(any["annotations"].contains("org.ward.host"));

  json off = json::parse(emitText(locked, nullptr, false, false));
  EXPECT_FALSE(off["process"].contains("apparmorProfile"));
  EXPECT_FALSE(off["process"].contains("selinuxLabel"));
  EXPECT_FALSE(off["annotations"].contains("org.ward.assumes"));
  EXPECT_FALSE(off["annotations"].contains("org.ward.source.process.selinuxLabel"));
  const std::string host = off["annotations"]["org.ward.host"];
  EXPECT_NE(host.find("apparmor disabled"), std::string::npos) << host;
  EXPECT_NE(host.find("selinux disabled: process.selinuxLabel left out"), std::string::npos) << host;

  json mixed = json::parse(emitText(locked, nullptr, true, false));
  EXPECT_EQ(mixed["process"]["apparmorProfile"], any["process"]["apparmorProfile"]);
  EXPECT_FALSE(mixed["process"].contains("selinuxLabel"));
  EXPECT_FALSE(mixed["annotations"].contains("org.ward.assumes"));

  json on = json::parse(emitText(locked, nullptr, true, true));
  EXPECT_EQ(on["process"], any["process"]);
  EXPECT_NE(std::string(on["annotations"]["org.ward.host"]).find("apparmor enabled"), std::string::npos);

  // Without a selinux section nothing about SELinux is assumed.
  json web = emitJson(ward::testing::webPolicy());
  EXPECT_EQ(web["annotations"]["org.ward.assumes"], "apparmor enabled");
}

TEST(Oci, Resources) {
  auto p = ward::testing::webPolicy();
  p.limits.ioBps.push_back({"8:0", false, 1000, ward::testing::lineSpan(24)});
  p.limits.hugetlb.push_back({"2MB", 0, ward::testing::lineSpan(24)});
  json r = emitJson(p)["linux"]["resources"];
  EXPECT_EQ(r["memory"]["limit"], 268435456);
  EXPECT_EQ(r["memory"]["swap"], 268435456);   // memory + swap 0
  EXPECT_FALSE(r["memory"].contains("reservation"));
  EXPECT_EQ(r["cpu"]["quota"], 50000);
  EXPECT_EQ(r["cpu"]["period"], 100000);
  EXPECT_EQ(r["cpu"]["shares"], 1024);   // weight 100
  EXPECT_EQ(r["pids"]["limit"], 64);
  EXPECT_EQ(r["blockIO"]["throttleReadBpsDevice"], (json{{{"major", 8}, {"minor", 0}, {"rate", 1000}}}));
  EXPECT_EQ(r["hugepageLimits"], (json{{{"limit", 0}, {"pageSize", "2MB"}}}));
  EXPECT_EQ(r["devices"][0], (json{{"allow", false}, {"access", "rwm"}}));
  EXPECT_EQ(r["devices"][1], (json{{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rw"}}));
  json pts = r["devices"][9];
  EXPECT_EQ(pts["major"], 136);
  EXPECT_FALSE(pts.contains("minor"));
  EXPECT_EQ(r["devices"].back()["minor"], 229);
  json a = emitJson(p)["annotations"];
  EXPECT_EQ(a["org.ward.source.linux.resources.pids.limit"], "examples/web.ward:22 limits pids 64");
  EXPECT_TRUE(a.contains("org.ward.unsupported.memory.high"));
}

TEST(Oci, NamespacesMappingsSysctl) {
  json l = emitJson(ward::testing::lockedPolicy());
  EXPECT_EQ(l["linux"]["uidMappings"], (json{{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}}));
  EXPECT_EQ(l["linux"]["gidMappings"], (json{{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}}));
  EXPECT_EQ(l["linux"]["namespaces"].back(), (json{{"type", "user"}}));
  EXPECT_FALSE(l["linux"].contains("sysctl"));
  json p = emitJson(ward::testing::privilegedPolicy());
  EXPECT_FALSE(p["linux"].contains("uidMappings"));
  for (const auto& ns : p["linux"]["namespaces"]) EXPECT_NE(ns["type"], "user");
  json w = emitJson(ward::testing::webPolicy());
  EXPECT_EQ(w["linux"]["sysctl"]["net.ipv4.ip_unprivileged_port_start"], "80");
  EXPECT_EQ(w["linux"]["sysctl"]["net.ipv6.conf.default.accept_ra"], "0");
  EXPECT_TRUE(w["linux"].contains("seccomp"));
}

TEST(Oci, PathsAndMounts) {
  auto p = ward::testing::webPolicy();
  ir::Mount b;
  b.source = "/srv/www";
  b.target = "/var/www";
  b.span = ward::testing::lineSpan(14);
  p.files.mounts.push_back(b);
  json j = emitJson(p);
  auto masked = j["linux"]["maskedPaths"];
  EXPECT_NE(std::find(masked.begin(), masked.end(), "/proc/kcore"), masked.end());
  auto ro = j["linux"]["readonlyPaths"];
  EXPECT_NE(std::find(ro.begin(), ro.end(), "/proc/sys"), ro.end());
  std::vector<std::string> dests;
  for (const auto& m : j["mounts"]) dests.push_back(m["destination"]);
  EXPECT_EQ(dests, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                             "/sys/fs/cgroup", "/tmp", "/var/www"}));
  EXPECT_EQ(j["mounts"][7]["options"], (json{"rw", "nosuid", "nodev", "size=16777216", "mode=1777"}));
  EXPECT_EQ(j["mounts"][8], (json{{"destination", "/var/www"}, {"type", "bind"}, {"source", "/srv/www"},
                                  {"options", {"rbind", "ro", "nosuid", "nodev"}}}));
  EXPECT_EQ(j["annotations"]["org.ward.source.mounts./var/www"], "examples/web.ward:14 mounts bind /srv/www at /var/www");
  p.files.proc.value = ir::FsMode::Off;
  p.files.sys.value = ir::FsMode::Off;
  j = emitJson(p);
  EXPECT_NE(j["mounts"][0]["destination"], "/proc");
  for (const auto& m : j["linux"]["maskedPaths"]) EXPECT_FALSE(std::string(m).starts_with("/proc"));
}

TEST(Oci, StableAndPretty) {
  std::string a = emitText(ward::testing::webPolicy()), b = emitText(ward::testing::webPolicy());
  EXPECT_EQ(a, b);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.back(), '\n');
  EXPECT_EQ(a.rfind("{\n  \"annotations\": {", 0), 0u);   // sorted keys, two-space indent
  // Only a lowered policy can be emitted: the compiler, not a runtime check, says so.
  static_assert(!std::is_convertible_v<ir::Policy, lower::Lowered>);
  static_assert(!std::is_constructible_v<lower::Lowered, ir::Policy>);
  static_assert(!std::is_invocable_v<decltype(&emit), const ir::Policy&, const Options&, Diagnostics&>);
}

TEST(Oci, RootReadonlyOnlyWhenThePolicySaysRoot) {
  ir::Policy p = ward::testing::webPolicy();
  EXPECT_FALSE(emitJson(p).contains("root"));   // unsaid: the bundle's own root.readonly stays
  p.files.rootReadOnly = {true, ward::testing::lineSpan(44)};
  json j = emitJson(p);
  EXPECT_EQ(j["root"], (json{{"readonly", true}}));
  EXPECT_EQ(j["annotations"]["org.ward.source.root.readonly"], "examples/web.ward:44 mounts root ro");
  p.files.rootReadOnly = {false, ward::testing::lineSpan(44)};
  EXPECT_EQ(emitJson(p)["root"], (json{{"readonly", false}}));
}

}  // namespace
}  // namespace ward::backend::oci
