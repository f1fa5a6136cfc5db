#include "base/paths.h"

#include <gtest/gtest.h>

namespace ward {
namespace {

TEST(Paths, Under) {
  EXPECT_TRUE(pathUnder("/proc/bus", "/proc/bus"));
  EXPECT_TRUE(pathUnder("/proc/bus/pci/00", "/proc/bus"));
  EXPECT_TRUE(pathUnder("/proc/bus/pci", "/proc/bus/"));
  EXPECT_FALSE(pathUnder("/proc/busy", "/proc/bus"));
  EXPECT_FALSE(pathUnder("/proc", "/proc/bus"));
  EXPECT_TRUE(pathUnder("/etc", "/"));
  EXPECT_FALSE(pathUnder("", "/"));
}

}  // namespace
}  // namespace ward
