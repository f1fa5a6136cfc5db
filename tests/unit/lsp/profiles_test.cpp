// The stock-profile readers behind syscall hover, on small fixtures (the real files are optional).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "lsp/knowledge.h"

namespace ward::lsp {
namespace {

std::string writeTemp(const std::string& text) {
  char tmpl[] = "/tmp/ward-lsp-profile-XXXXXX";
  int fd = ::mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  std::ofstream(tmpl) << text;
  ::close(fd);
  return tmpl;
}

TEST(LspProfiles, Docker) {
  const std::string path = writeTemp(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["s390_only"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]})");
  auto p = StockProfile::loadDocker(path);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->describe("read"), "allowed");
  EXPECT_NE(p->describe("personality").find("when `persona == 0x8`"), std::string::npos) << p->describe("personality");
  EXPECT_NE(p->describe("personality").find("otherwise fails with EPERM"), std::string::npos);
  EXPECT_NE(p->describe("mount").find("with CAP_SYS_ADMIN (not granted by default)"), std::string::npos);
  EXPECT_NE(p->describe("chroot").find("in Docker's default capabilities"), std::string::npos);
  EXPECT_EQ(p->describe("s390_only"), "fails with EPERM (1) (the profile's default action)");
  EXPECT_NE(p->describe("clone3").find("ENOSYS (38)"), std::string::npos) << p->describe("clone3");
  EXPECT_FALSE(StockProfile::loadDocker("/nonexistent/default.json"));
  EXPECT_FALSE(StockProfile::loadDocker(writeTemp("not json")));
}

TEST(LspProfiles, Lxc) {
  const std::string path = writeTemp(
      "2\ndenylist\nreject_force_umount  # comment\n[all]\nkexec_load errno 1\n[arm64]\nmount errno 1\n"
      "[x86_64]\nopen_by_handle_at errno 1\n");
  auto p = StockProfile::loadLxc(path);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->describe("kexec_load"), "fails with EPERM (1)");
  EXPECT_EQ(p->describe("open_by_handle_at"), "fails with EPERM (1)");
  EXPECT_EQ(p->describe("mount"), "allowed (not on LXC's deny list)");  // the rule is for arm64 only
  EXPECT_NE(p->describe("umount2").find("MNT_FORCE"), std::string::npos);
  EXPECT_NE(p->describe("umount2").find("otherwise allowed"), std::string::npos);
  EXPECT_FALSE(StockProfile::loadLxc("/nonexistent/common.seccomp"));
}

}  // namespace
}  // namespace ward::lsp
