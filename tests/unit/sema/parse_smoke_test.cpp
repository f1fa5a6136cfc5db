#include "helpers.h"

using namespace ward;
using namespace ward::sema::testing;

TEST(SemaSmoke, EmptyPolicyGetsDefaults) {
  SemaRun r;
  analyzeText(r, "policy p {\n}\n");
  ASSERT_TRUE(r.errorFree()) << r.dump();
  ASSERT_EQ(r.result.policies.size(), 1u);
  const auto& p = r.policy();
  EXPECT_EQ(p.name, "p");
  EXPECT_TRUE(p.identity.idmapAuto);
  EXPECT_FALSE(p.identity.privileged);
  EXPECT_TRUE(p.identity.noNewPrivs.value);
  EXPECT_EQ(p.syscalls.defaultAction.value.kind, ir::Action::Kind::Errno);
  EXPECT_EQ(p.syscalls.defaultAction.value.errnoValue, 38);
  EXPECT_EQ(p.syscalls.foreignAction.value.kind, ir::Action::Kind::KillProcess);
  EXPECT_EQ(p.files.proc.value, ir::FsMode::Mixed);
  EXPECT_EQ(p.files.sys.value, ir::FsMode::Ro);
  EXPECT_EQ(p.files.cgroup.value, ir::FsMode::Mixed);
  EXPECT_TRUE(p.capabilities.keep.empty());
  EXPECT_EQ(p.apparmor.profileName, "");   // lower/ names the profile "ward-p" (lower_test)
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].displayName, "test.ward");
  EXPECT_EQ(p.span.file, 0u);
  EXPECT_EQ(p.span.line, 1u);
}
