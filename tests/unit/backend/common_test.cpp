#include <gtest/gtest.h>

#include "backend/common/common.h"
#include "common_fixture.h"

namespace ward::backend::common {
namespace {

using ward::testing::lineSpan;

const Setting* find(const std::vector<Setting>& v, const std::string& key) {
  for (const auto& s : v)
    if (s.key == key) return &s;
  return nullptr;
}

TEST(CommonCaps, NamesRoundTrip) {
  EXPECT_EQ(capabilityNumber("net_bind_service"), 10);
  EXPECT_EQ(capabilityNumber("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capabilityNumber("checkpoint_restore"), 40);
  EXPECT_EQ(capabilityNumber("nope"), -1);
  EXPECT_EQ(ociCapabilityName(0), "CAP_CHOWN");
  EXPECT_EQ(capabilityName(41), "");
  EXPECT_EQ(capabilityNames().size(), 41u);
}

TEST(CommonCaps, KeepDropAndMask) {
  auto p = ward::testing::webPolicy();
  auto sets = capabilitySets(p, 40);
  ASSERT_EQ(sets.keep.size(), 4u);
  EXPECT_EQ(sets.keep[0].name, "chown");
  EXPECT_EQ(sets.keep[3].name, "net_bind_service");
  EXPECT_EQ(sets.keep[3].derivedFrom, "listen tcp 80");
  EXPECT_EQ(sets.keepMask, (1ull << 0) | (1ull << 6) | (1ull << 7) | (1ull << 10));
  EXPECT_EQ(sets.drop.size(), 41u - 4u);
  // An older kernel: the drop list follows cap_last_cap, the mask leaves out what the kernel lacks.
  p.mechanism.capabilities.push_back(ward::testing::cap("checkpoint_restore", 13));
  sets = capabilitySets(p, 37);
  EXPECT_EQ(sets.drop.size(), 38u - 4u);
  EXPECT_EQ(sets.keep.size(), 5u);
  EXPECT_EQ(sets.keepMask, (1ull << 0) | (1ull << 6) | (1ull << 7) | (1ull << 10));
}

TEST(CommonCaps, KeepAllOnlyWhenPrivileged) {
  // lower/ expands "keep all"; the sets follow the mechanism.
  auto p = ward::testing::privilegedPolicy();
  p.mechanism = {};
  p.capabilities.keepAll = true;
  auto sets = capabilitySets(ward::testing::lowered(p).policy(), 40);
  EXPECT_TRUE(sets.all);
  EXPECT_TRUE(sets.drop.empty());
  EXPECT_EQ(sets.keepMask, (1ull << 41) - 1);
  EXPECT_EQ(sets.keep.at(0).derivedFrom, "keep all");
  p.identity.privileged = false;
  EXPECT_FALSE(capabilitySets(ward::testing::lowered(p).policy(), 40).all);
}

TEST(CommonCgroups, V1AndV2) {
  auto p = ward::testing::webPolicy();
  p.limits.cpuset = ir::Located<std::string>{"0-1", lineSpan(21)};
  p.limits.ioBps.push_back({"8:0", false, 10ull << 20, lineSpan(24)});
  p.limits.ioBps.push_back({"8:0", true, 5ull << 20, lineSpan(24)});
  p.limits.hugetlb.push_back({"2MB", 0, lineSpan(24)});
  p.limits.ioWeight = ir::Located<std::uint64_t>{500, lineSpan(24)};
  auto cg = cgroupSettings(p);
  EXPECT_EQ(find(cg.v1, "memory.limit_in_bytes")->value, "268435456");
  EXPECT_EQ(find(cg.v1, "memory.memsw.limit_in_bytes")->value, "268435456");   // memory + 0 swap
  EXPECT_EQ(find(cg.v1, "memory.soft_limit_in_bytes")->value, "209715200");
  EXPECT_EQ(find(cg.v1, "cpu.cfs_quota_us")->value, "50000");
  EXPECT_EQ(find(cg.v1, "cpu.cfs_period_us")->value, "100000");
  EXPECT_EQ(find(cg.v1, "cpu.shares")->value, "1024");   // weight 100, the kernel's scale
  EXPECT_EQ(find(cg.v1, "pids.max")->value, "64");
  EXPECT_EQ(find(cg.v1, "cpuset.cpus")->value, "0-1");
  EXPECT_EQ(find(cg.v1, "blkio.throttle.read_bps_device")->value, "8:0 10485760");
  EXPECT_EQ(find(cg.v1, "blkio.throttle.write_bps_device")->value, "8:0 5242880");
  EXPECT_EQ(find(cg.v1, "hugetlb.2MB.limit_in_bytes")->value, "0");
  EXPECT_EQ(find(cg.v2, "memory.max")->value, "268435456");
  EXPECT_EQ(find(cg.v2, "memory.high")->value, "209715200");
  EXPECT_EQ(find(cg.v2, "memory.swap.max")->value, "0");
  EXPECT_EQ(find(cg.v2, "cpu.max")->value, "50000 100000");
  EXPECT_EQ(find(cg.v2, "cpu.weight")->value, "100");
  EXPECT_EQ(find(cg.v2, "io.max")->value, "8:0 rbps=10485760 wbps=5242880");
  EXPECT_EQ(find(cg.v2, "hugetlb.2MB.max")->value, "0");
  // io.weight: v2 only (v1's blkio.weight is CFQ's, gone since Linux 5.0)
  ASSERT_NE(find(cg.v2, "io.weight"), nullptr);
  EXPECT_EQ(find(cg.v2, "io.weight")->value, "default 500");
  EXPECT_EQ(find(cg.v1, "blkio.weight"), nullptr);
  EXPECT_EQ(find(cg.v1, "blkio.bfq.weight"), nullptr);
  // provenance is kept
  EXPECT_EQ(find(cg.v1, "pids.max")->span.line, 22u);
  EXPECT_EQ(find(cg.v1, "pids.max")->why, "limits pids 64");
  // memory.limit_in_bytes comes before memsw (the kernel requires memsw >= limit)
  std::size_t limit = 0, memsw = 0;
  for (std::size_t i = 0; i < cg.v1.size(); ++i) {
    if (cg.v1[i].key == "memory.limit_in_bytes") limit = i;
    if (cg.v1[i].key == "memory.memsw.limit_in_bytes") memsw = i;
  }
  EXPECT_LT(limit, memsw);
}

TEST(CommonCgroups, DevicesDenyAllThenAllowList) {
  auto p = ward::testing::webPolicy();
  auto cg = cgroupSettings(p);
  std::vector<std::string> v1;
  for (const auto& s : cg.v1)
    if (s.key.starts_with("devices.")) v1.push_back(s.key + "=" + s.value);
  ASSERT_GE(v1.size(), 3u);
  EXPECT_EQ(v1.front(), "devices.deny=a");
  EXPECT_EQ(v1[1], "devices.allow=c 1:3 rw");
  EXPECT_EQ(v1.back(), "devices.allow=c 10:229 rw");
  // A duplicate rule (same node, same access in another order) is not repeated.
  ir::DeviceRule null;
  null.type = 'c';
  null.major = 1;
  null.minor = 3;
  null.access = "wr";
  p.mechanism.deviceRules.push_back(null);
  EXPECT_EQ(deviceAllowList(p).size(), 10u);
}

TEST(CommonCgroups, Conversions) {
  EXPECT_EQ(cpuWeightToShares(1), 10u);
  EXPECT_EQ(cpuWeightToShares(50), 512u);
  EXPECT_EQ(cpuWeightToShares(100), 1024u);         // the defaults of both hierarchies
  EXPECT_EQ(cpuWeightToShares(10000), 102400u);
  EXPECT_EQ(cpuWeightToShares(0), 10u);             // clamped to the weight range first
  EXPECT_EQ(cpuWeightToShares(20000), 102400u);
  EXPECT_EQ(cpuSharesToWeight(1024), 100u);
  EXPECT_EQ(cpuSharesToWeight(512), 50u);
  EXPECT_EQ(cpuSharesToWeight(2), 1u);
  for (std::uint64_t w : {1u, 7u, 50u, 99u, 100u, 101u, 1000u, 10000u})
    EXPECT_EQ(cpuSharesToWeight(cpuWeightToShares(w)), w) << w;
  EXPECT_EQ(ioWeightToBlkioWeight(1), 10u);
  EXPECT_EQ(ioWeightToBlkioWeight(10000), 1000u);
  EXPECT_EQ(parseDevice("8:16"), (std::pair<std::int64_t, std::int64_t>{8, 16}));
  EXPECT_FALSE(parseDevice("8"));
  EXPECT_FALSE(parseDevice("8:x"));
}

TEST(CommonRlimits, NamesAndUnknown) {
  auto p = ward::testing::webPolicy();
  p.limits.rlimits.push_back({"bogus", 1, 1, lineSpan(23)});
  std::vector<std::string> unknown;
  auto rl = rlimits(p, &unknown);
  ASSERT_EQ(rl.size(), 2u);
  EXPECT_EQ(rl[0].resource, "RLIMIT_CORE");
  EXPECT_EQ(rl[1].resource, "RLIMIT_NOFILE");
  EXPECT_EQ(rl[1].soft, 1024u);
  EXPECT_EQ(rl[1].hard, 4096u);
  EXPECT_EQ(unknown, std::vector<std::string>{"bogus"});
  EXPECT_EQ(rlimitResource("memlock"), "RLIMIT_MEMLOCK");
}

TEST(CommonIdmaps, AutoUsesRootSubidRange) {
  auto p = ward::testing::webPolicy();
  auto m = idmaps(p, "alice:100000:65536\nroot:300000:65536\n", "");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].kind, 'u');
  EXPECT_EQ(m[0].outside, 300000u);
  EXPECT_EQ(m[0].count, 65536u);
  EXPECT_EQ(m[1].kind, 'g');
  EXPECT_EQ(m[1].outside, kDefaultIdPoolFirst);   // no root line in subgid: the default pool
  // a larger range is cut to 65536; a smaller one is used as is when nothing better exists
  EXPECT_EQ(rootSubidRange("root:500000:1000000"), (std::pair<std::uint32_t, std::uint32_t>{500000, 65536}));
  EXPECT_EQ(rootSubidRange("0:400000:1000\nroot:600000:70000"),
            (std::pair<std::uint32_t, std::uint32_t>{600000, 65536}));
  EXPECT_EQ(rootSubidRange("0:400000:1000\n"), (std::pair<std::uint32_t, std::uint32_t>{400000, 1000}));
  EXPECT_FALSE(rootSubidRange("garbage\nroot:x:1\n"));
}

TEST(CommonIdmaps, ExplicitAndPrivileged) {
  auto p = ward::testing::lockedPolicy();
  auto m = idmaps(p, "root:300000:65536", "root:300000:65536");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].outside, 200000u);
  EXPECT_EQ(m[0].span.line, 5u);
  EXPECT_TRUE(idmaps(ward::testing::privilegedPolicy(), "root:1:65536", "").empty());
}

TEST(CommonSysctl, DerivedAcceptRaAndOverrides) {
  auto p = ward::testing::webPolicy();
  auto s = lower::sysctls(p);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].key, "net.ipv4.ip_unprivileged_port_start");
  EXPECT_EQ(s[1].key, "net.ipv6.conf.all.accept_ra");
  EXPECT_EQ(s[1].value, "0");
  p.sysctls.push_back({"net.ipv6.conf.all.accept_ra", "2", lineSpan(26)});
  EXPECT_EQ(lower::sysctls(p)[1].value, "2");
  EXPECT_EQ(lower::sysctls(ward::testing::lockedPolicy()).size(), 0u);   // network none
}

TEST(CommonMisc, Helpers) {
  EXPECT_EQ(quantity(256ull << 20), "256MiB");
  EXPECT_EQ(quantity(1000), "1000B");
  EXPECT_EQ(quantity(ir::kUnlimited), "unlimited");
  EXPECT_EQ(octal(01777), "1777");
  EXPECT_FALSE(isSingleLine("a\nb"));
  EXPECT_TRUE(isSingleLine("a b"));
  ir::Mount m;
  m.kind = ir::Mount::Kind::Tmpfs;
  m.readOnly = false;
  m.noexec = true;
  m.sizeBytes = 4096;
  m.mode = 0700;
  EXPECT_EQ(mountFlags(m), (std::vector<std::string>{"rw", "nosuid", "nodev", "noexec", "size=4096", "mode=700"}));
  auto p = ward::testing::webPolicy();
  EXPECT_EQ(provenance(p, lineSpan(7), "why"), "examples/web.ward:7 why");
  EXPECT_EQ(provenance(p, Span{}, "why"), "why");
}

}  // namespace
}  // namespace ward::backend::common
