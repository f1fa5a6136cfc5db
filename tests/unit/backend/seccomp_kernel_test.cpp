// The .bpf artifacts in the real kernel: each is loaded in a forked child (no_new_privs + seccomp()) and
// system calls are tried. Needs seccomp filter support (any Linux since 3.5), not root.
#include <sys/socket.h>

#include <map>

#include <gtest/gtest.h>

#include "backend/seccomp/seccomp.h"
#include "seccomp_test_util.h"

namespace ward::seccomp_test {
namespace {

using Op = ir::ArgCondition::Op;

std::string bpfArtifact(const ir::Policy& p) {
  Diagnostics diags;
  auto artifacts = backend::seccomp::emit(ward::testing::asLowered(p), backend::Options{}, diags);
  EXPECT_FALSE(diags.hasErrors());
  for (auto& a : artifacts)
    if (a.fileName == p.name + ".bpf") return a.content;
  ADD_FAILURE() << "no .bpf artifact";
  return {};
}

bool seccompAvailable() {
  auto o = runInChild(bpfArtifact(policy("probe", allow(), {rule("reboot", errnoAction(1), {}, 3)})), {});
  return o.loaded;
}

class SeccompKernel : public ::testing::Test {
 protected:
  void SetUp() override { WARD_REQUIRE(seccompAvailable(), "seccomp filters cannot be loaded here"); }
};

TEST_F(SeccompKernel, AllowedWorkDeniedReturnThePolicysErrno) {
  const std::string bytes = bpfArtifact(webPolicy());
  auto o = runInChild(bytes, {
                                 [] { return sys(SYS_getppid); },                    // allowed
                                 [] { return sys(SYS_getuid); },                     // allowed
                                 [] { return sys(SYS_mount, 0, 0, 0, 0, 0); },       // deny (EPERM)
                                 [] { return sys(SYS_reboot, 0, 0, 0, 0); },         // unmentioned: ENOSYS
                                 [] { return sys(SYS_personality, 0xffffffff); },    // allowed by condition
                                 [] { return sys(SYS_personality, 0x0400000); },     // condition fails: ENOSYS
                                 [] { return sys(SYS_socket, AF_INET, SOCK_DGRAM, 0); },
                                 [] { return sys(SYS_socket, AF_PACKET, SOCK_RAW, 0); },
                                 [] { return sys(SYS_clone, 0x10000000 | SIGCHLD, 0, 0, 0, 0); },  // CLONE_NEWUSER
                                 [] { return sys(SYS_getpid | 0x40000000); },        // x32 getpid (allowed rule)
                                 [] { return sys(SYS_mount | 0x40000000, 0, 0, 0, 0, 0); },  // x32 mount: denied
                             });
  ASSERT_TRUE(o.loaded) << o.error;
  ASSERT_EQ(o.results.size(), 11u) << "signal " << o.signal;
  EXPECT_EQ(o.results[0], static_cast<long>(getpid()));
  EXPECT_EQ(o.results[1], static_cast<long>(getuid()));
  EXPECT_EQ(o.results[2], -EPERM);
  EXPECT_EQ(o.results[3], -ENOSYS);
  EXPECT_GE(o.results[4], 0);
  EXPECT_EQ(o.results[5], -ENOSYS);
  EXPECT_GE(o.results[6], 0);   // a socket fd
  EXPECT_EQ(o.results[7], -ENOSYS);
  EXPECT_EQ(o.results[8], -EPERM);
  // x32 getpid is allowed by the filter; the kernel then runs it, or says ENOSYS without CONFIG_X86_X32_ABI.
  EXPECT_TRUE(o.results[9] > 0 || o.results[9] == -ENOSYS) << o.results[9];
  EXPECT_EQ(o.results[10], -EPERM);   // the filter answered, not the (possibly missing) x32 ABI
}

// Issue 16.4: a masked deny next to an unconditional allow (examples/privileged-wireguard.ward's ioctl), as
// shipped (the ordered fallback, simplified), in the kernel on x86_64 and i386.
TEST_F(SeccompKernel, MaskedIoctlDenyNextToAnAllow) {
  constexpr long kTiocsti = 0x5412, kTioclinux = 0x541c, kFionread = 0x541b;
  auto p = policy("io", errnoAction(38), {rule("write", allow()), rule("exit_group", allow()), rule("ioctl", allow(), {}, 3),
                                          rule("ioctl", errnoAction(1), {cond(1, Op::MaskedEq, kTiocsti, 0xffffffff)}, 4),
                                          rule("ioctl", errnoAction(1), {cond(1, Op::MaskedEq, kTioclinux, 0xffffffff)}, 5)});
  const std::string bytes = bpfArtifact(p);
  auto o = runInChild(bytes, {
                                 [] { return sys(SYS_ioctl, -1, kTiocsti, 0); },                      // denied
                                 [] { return sys(SYS_ioctl, -1, kTiocsti | (1L << 32), 0); },         // upper half ignored
                                 [] { return sys(SYS_ioctl, -1, kTioclinux, 0); },                    // denied
                                 [] { return sys(SYS_ioctl, -1, kFionread, 0); },                     // allowed: EBADF
                                 [] { return sys(SYS_ioctl, -1, 0, 0); },                             // allowed: EBADF
                             });
  ASSERT_TRUE(o.loaded) << o.error;
  ASSERT_EQ(o.results.size(), 5u) << "signal " << o.signal;
  EXPECT_EQ(o.results[0], -EPERM);
  EXPECT_EQ(o.results[1], -EPERM);
  EXPECT_EQ(o.results[2], -EPERM);
  EXPECT_EQ(o.results[3], -EBADF);
  EXPECT_EQ(o.results[4], -EBADF);
  if (!ia32Available()) return;
  auto i = runInChild(bytes, {[] { return int80(54 /* i386 ioctl */, -1, kTiocsti, 0); },
                              [] { return int80(54, -1, kFionread, 0); }});
  ASSERT_EQ(i.results.size(), 2u) << "signal " << i.signal;
  EXPECT_EQ(i.results[0], -EPERM);
  EXPECT_EQ(i.results[1], -EBADF);
}

TEST_F(SeccompKernel, KillActionKillsWithSigsys) {
  const std::string bytes = bpfArtifact(webPolicy());
  auto o = runInChild(bytes, {[] { return sys(SYS_getppid); }, [] { return sys(SYS_kexec_load, 0, 0, 0, 0); },
                              [] { return sys(SYS_getppid); }});
  ASSERT_TRUE(o.loaded) << o.error;
  EXPECT_TRUE(o.killedBySigsys) << "signal " << o.signal;
  EXPECT_EQ(o.results.size(), 1u);   // the call after kexec_load never ran
}

TEST_F(SeccompKernel, DefaultKillPolicy) {
  auto p = policy("strict", kill(), {rule("getppid", allow(), {}, 3), rule("write", allow(), {}, 4),
                                     rule("exit_group", allow(), {}, 5), rule("exit", allow(), {}, 6)});
  auto o = runInChild(bpfArtifact(p), {[] { return sys(SYS_getppid); }, [] { return sys(SYS_getuid); }});
  ASSERT_TRUE(o.loaded) << o.error;
  EXPECT_EQ(o.results.size(), 1u);
  EXPECT_TRUE(o.killedBySigsys);
}

TEST_F(SeccompKernel, I386SystemCallsAreFilteredToo) {
  WARD_REQUIRE(ia32Available(), "this kernel does not run i386 system calls (no IA32 emulation)");
  const std::string bytes = bpfArtifact(webPolicy());
  // i386 numbers: getppid 64, mount 21, reboot 88, personality 136, kexec_load 283.
  auto o = runInChild(bytes, {[] { return int80(64); }, [] { return int80(21); }, [] { return int80(88); },
                              [] { return int80(136, 0x0400000); }, [] { return int80(283); }});
  ASSERT_TRUE(o.loaded) << o.error;
  ASSERT_GE(o.results.size(), 4u);
  EXPECT_EQ(o.results[0], static_cast<long>(getpid()));
  EXPECT_EQ(o.results[1], -EPERM);
  EXPECT_EQ(o.results[2], -ENOSYS);
  EXPECT_EQ(o.results[3], -ENOSYS);
  EXPECT_TRUE(o.killedBySigsys);   // kexec_load through int $0x80 kills too
  EXPECT_EQ(o.results.size(), 4u);
}

TEST_F(SeccompKernel, I386BlockedWhenOnlyX86_64IsListed) {
  WARD_REQUIRE(ia32Available(), "this kernel does not run i386 system calls (no IA32 emulation)");
  auto p = webPolicy();
  p.syscalls.arches = {"x86_64"};
  auto o = runInChild(bpfArtifact(p), {[] { return sys(SYS_getppid); }, [] { return int80(64); }});
  ASSERT_TRUE(o.loaded);
  EXPECT_EQ(o.results.size(), 1u);
  EXPECT_TRUE(o.killedBySigsys);   // the foreign action
}

// "allow socket(domain == AF_UNIX); allow socket(domain == AF_INET); deny socket errno EAFNOSUPPORT" with
// x86_64, x86 and x32 filtered (libseccomp alone fails on x86 with EEXIST). In the kernel: x86_64 AF_INET
// works and AF_PACKET gets EAFNOSUPPORT; on i386 the direct socket call (int $0x80, eax 359) is filtered by
// the same conditions, and socketcall(2), which the policy does not mention, gets the default (ENOSYS)
// before the kernel could read its argument pointer (NULL here: EFAULT had it run).
TEST_F(SeccompKernel, SocketFamiliesOnX86_64AndI386) {
  auto p = policy("sockets", errnoAction(38, "ENOSYS"),
                  {rule("exit", allow(), {}, 3), rule("exit_group", allow(), {}, 4), rule("getppid", allow(), {}, 5),
                   rule("write", allow(), {}, 6), rule("close", allow(), {}, 7),
                   rule("socket", allow(), {cond(0, Op::Eq, AF_UNIX)}, 10),
                   rule("socket", allow(), {cond(0, Op::Eq, AF_INET)}, 11),
                   rule("socket", errnoAction(EAFNOSUPPORT, "EAFNOSUPPORT"), {}, 12)});
  const std::string bytes = bpfArtifact(p);
  ASSERT_FALSE(bytes.empty());
  auto o = runInChild(bytes, {[] { return sys(SYS_socket, AF_INET, SOCK_DGRAM, 0); },
                              [] { return sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0); },
                              [] { return sys(SYS_socket, AF_PACKET, SOCK_RAW, 0); },
                              [] { return sys(SYS_socket, AF_INET6, SOCK_DGRAM, 0); },
                              [] { return sys(SYS_getuid); }});
  ASSERT_TRUE(o.loaded) << o.error;
  ASSERT_EQ(o.results.size(), 5u) << "signal " << o.signal;
  EXPECT_GE(o.results[0], 0);
  EXPECT_GE(o.results[1], 0);
  EXPECT_EQ(o.results[2], -EAFNOSUPPORT);
  EXPECT_EQ(o.results[3], -EAFNOSUPPORT);
  EXPECT_EQ(o.results[4], -ENOSYS);

  WARD_REQUIRE(ia32Available(), "this kernel does not run i386 system calls (no IA32 emulation)");
  auto u = runInChild("", {[] { return int80(102, 1 /*SYS_SOCKET*/, 0 /*NULL*/); }});
  ASSERT_EQ(u.results.size(), 1u);
  EXPECT_EQ(u.results[0], -EFAULT);   // unfiltered, the kernel reads the NULL argument block
  auto i = runInChild(bytes, {[] { return int80(359, AF_PACKET, SOCK_RAW, 0); },
                              [] { return int80(359, AF_INET, SOCK_DGRAM, 0); },
                              [] { return int80(359, AF_UNIX, SOCK_STREAM, 0); },
                              [] { return int80(359, AF_NETLINK, SOCK_RAW, 0); },
                              [] { return int80(102, 1 /*SYS_SOCKET*/, 0 /*NULL*/); },
                              [] { return int80(102, 8 /*SYS_SOCKETPAIR*/, 0); }});
  ASSERT_TRUE(i.loaded) << i.error;
  ASSERT_EQ(i.results.size(), 6u) << "signal " << i.signal;
  EXPECT_EQ(i.results[0], -EAFNOSUPPORT);
  EXPECT_GE(i.results[1], 0);
  EXPECT_GE(i.results[2], 0);
  EXPECT_EQ(i.results[3], -EAFNOSUPPORT);
  EXPECT_EQ(i.results[4], -ENOSYS);
  EXPECT_EQ(i.results[5], -ENOSYS);
}

}  // namespace
}  // namespace ward::seccomp_test
