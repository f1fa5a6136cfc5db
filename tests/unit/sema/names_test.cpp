#include <gtest/gtest.h>

#include "base/capabilities.h"
#include "sema/names.h"

using namespace ward::names;

TEST(SemaNames, SyscallsOnThreeArches) {
  const auto* open = findSyscall("open");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->number[0], 2);
  EXPECT_EQ(open->number[1], 5);
  EXPECT_EQ(open->number[2], 0x40000000 + 2);
  const auto* mmap2 = findSyscall("mmap2");  // x86 only
  ASSERT_NE(mmap2, nullptr);
  EXPECT_FALSE(mmap2->number[0].has_value());
  EXPECT_EQ(mmap2->number[1], 192);
  const auto* arch = findSyscall("arch_prctl");
  ASSERT_NE(arch, nullptr);
  EXPECT_EQ(arch->number[0], 158);
  EXPECT_EQ(findSyscall("opne"), nullptr);
  EXPECT_GT(syscalls().size(), 400u);
  EXPECT_TRUE(std::is_sorted(syscallNames().begin(), syscallNames().end()));
}

TEST(SemaNames, Capabilities) {
  EXPECT_EQ(capabilities().size(), 41u);
  for (std::size_t i = 0; i < capabilities().size(); ++i) EXPECT_EQ(capabilities()[i].number, static_cast<int>(i));
  EXPECT_EQ(findCapability("net_bind_service")->number, 10);
  EXPECT_EQ(findCapability("checkpoint_restore")->number, 40);
  EXPECT_EQ(findCapability(21)->name, "sys_admin");
  EXPECT_EQ(findCapability(41), nullptr);
  EXPECT_EQ(findCapability("cap_chown"), nullptr);
}

TEST(SemaNames, Errno) {
  EXPECT_EQ(findErrno("EPERM")->number, 1);
  EXPECT_EQ(findErrno("ENOSYS")->number, 38);
  EXPECT_EQ(findErrno("EWOULDBLOCK")->number, 11);
  EXPECT_EQ(findErrno(11)->name, "EAGAIN");
  EXPECT_EQ(findErrno(95)->name, "EOPNOTSUPP");
  EXPECT_EQ(findErrno("EHWPOISON")->number, 133);
  EXPECT_EQ(findErrno("EFOO"), nullptr);
  EXPECT_FALSE(findErrno("EACCES")->description.empty());
}

TEST(SemaNames, ConstantsAndParameters) {
  EXPECT_EQ(findConstant("CLONE_NEWUSER"), 0x10000000u);
  EXPECT_EQ(findConstant("AF_INET6"), 10u);
  EXPECT_EQ(findConstant("TIOCSTI"), 0x5412u);
  EXPECT_EQ(findConstant("PER_LINUX"), 0u);
  EXPECT_EQ(findConstant("MS_BIND"), 4096u);
  EXPECT_FALSE(findConstant("CLONE_NEWFOO"));
  EXPECT_EQ(argumentIndex("clone", "flags"), 0u);
  EXPECT_EQ(argumentIndex("socket", "protocol"), 2u);
  EXPECT_EQ(argumentIndex("mount", "flags"), 3u);
  EXPECT_EQ(argumentIndex("ioctl", "request"), 1u);
  EXPECT_EQ(argumentIndex("read", "arg5"), 5u);
  EXPECT_FALSE(argumentIndex("read", "arg6"));
  EXPECT_FALSE(argumentIndex("read", "flags"));
}

TEST(SemaNames, NamespacedSysctls) {
  EXPECT_TRUE(sysctlIsNamespaced("net.ipv4.ip_forward"));
  EXPECT_TRUE(sysctlIsNamespaced("kernel.shmmax"));
  EXPECT_TRUE(sysctlIsNamespaced("kernel.shm_rmid_forced"));
  EXPECT_TRUE(sysctlIsNamespaced("kernel.msgmnb"));
  EXPECT_TRUE(sysctlIsNamespaced("kernel.sem"));
  EXPECT_TRUE(sysctlIsNamespaced("kernel.hostname"));
  EXPECT_TRUE(sysctlIsNamespaced("fs.mqueue.msg_max"));
  EXPECT_FALSE(sysctlIsNamespaced("kernel.core_pattern"));
  EXPECT_FALSE(sysctlIsNamespaced("kernel.shmfoo"));
  EXPECT_FALSE(sysctlIsNamespaced("user.max_user_namespaces"));
  EXPECT_FALSE(sysctlIsNamespaced("vm.overcommit_memory"));
  EXPECT_FALSE(sysctlIsNamespaced("net"));
  EXPECT_FALSE(sysctlIsNamespaced("network.x"));
}

TEST(SemaNames, DevicesAndLimits) {
  const auto* fuse = findDeviceNode("/dev/fuse");
  ASSERT_NE(fuse, nullptr);
  EXPECT_EQ(fuse->major, 10);
  EXPECT_EQ(fuse->minor, 229);
  EXPECT_EQ(findDeviceNode("/dev/null")->minor, 3);
  EXPECT_EQ(findDeviceNode("/dev/net/tun")->minor, 200);
  EXPECT_EQ(findDeviceNode("/dev/kvm")->minor, 232);
  EXPECT_EQ(findDeviceNode("/dev/ptmx")->major, 5);
  EXPECT_NE(findLimit("memory.high"), nullptr);
  EXPECT_NE(findLimit("inotify.watches"), nullptr);
  EXPECT_EQ(findLimit("memroy"), nullptr);
  for (const auto& r : runtimeSyscalls()) EXPECT_NE(findSyscall(r.name), nullptr) << r.name;
}

TEST(SemaNames, CapabilityDocsAgreeWithTheOneCapabilityTable) {
  // sema's table adds a description per capability; names and numbers come from base/capabilities.h.
  const auto& docs = ward::names::capabilities();
  ASSERT_EQ(docs.size(), ward::capabilityNames().size());
  for (const auto& c : docs) EXPECT_EQ(ward::capabilityNumber(c.name), c.number) << c.name;
}
