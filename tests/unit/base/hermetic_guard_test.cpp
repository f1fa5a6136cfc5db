// The guard every unit test binary runs under (tests/support/main.cpp): an open of the host's
// /etc/subuid, /etc/subgid or anything under /var/lib/ward is recorded, and the test that did it fails.
// Here the record is taken before the test ends, so this test itself stays green.
#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "hermetic.h"

using ward::test::takeHostOpens;

TEST(HermeticGuard, RecordsOpensOfTheHostsFiles) {
  takeHostOpens();
  { std::ifstream in("/etc/subuid"); }   // through libstdc++ (fopen64): present or not, the attempt counts
  int fd = ::open("/etc/subgid", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  fd = ::openat(AT_FDCWD, "/var/lib/ward/idmap.registry", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  EXPECT_THAT(takeHostOpens(), ::testing::ElementsAre("/etc/subuid", "/etc/subgid", "/var/lib/ward/idmap.registry"));
}

TEST(HermeticGuard, IgnoresOtherPaths) {
  takeHostOpens();
  { std::ifstream in(ward::test::fixtureSubuid()); EXPECT_TRUE(in.good()); }
  { std::ifstream in("/etc/subuid.d/x"); }
  { std::ifstream in("/var/lib/wardrobe"); }
  EXPECT_TRUE(takeHostOpens().empty());
  EXPECT_TRUE(ward::test::isHostPath("/var/lib/ward"));
  EXPECT_FALSE(ward::test::isHostPath("/etc/subuid-"));
}
