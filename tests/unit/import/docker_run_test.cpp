// `ward import docker-run`: a docker run command line as a policy over std/base (import/docker_run.cpp).
#include <gtest/gtest.h>

#include "import/import.h"

namespace ward::import {
namespace {

std::string imported(const std::vector<std::string>& args, Diagnostics* out = nullptr) {
  Diagnostics d;
  auto r = importDockerRun(args, "app", d);
  if (out) *out = d;
  return r ? r->ward : std::string();
}

TEST(ImportDockerRun, WritesWhatTheCommandLineGave) {
  const std::string w = imported({"docker", "run", "--rm", "--name", "web", "--cap-drop", "NET_RAW", "--cap-add=SYS_PTRACE",
                                  "--pids-limit", "100", "-m", "512m", "--memory-swap", "1g", "--cpus", "1.5",
                                  "--ulimit", "nofile=1024:4096", "--sysctl", "net.core.somaxconn=1024",
                                  "--tmpfs", "/run:size=64m,mode=0755", "-v", "/srv/www:/var/www:ro",
                                  "--network", "none", "nginx:1.25", "nginx", "-g", "daemon off;"});
  EXPECT_NE(w.find("policy app extends base.unprivileged {"), std::string::npos) << w;
  EXPECT_NE(w.find("no_new_privs off;"), std::string::npos) << w;
  EXPECT_NE(w.find("sys_ptrace"), std::string::npos) << w;
  EXPECT_NE(w.find("drop net_raw;"), std::string::npos) << w;   // dropped from Docker's 14
  EXPECT_EQ(w.find("keep audit_write, chown, dac_override, fowner, fsetid, kill, mknod, net_bind_service, setfcap, setgid, "
                   "setpcap, setuid, sys_chroot, sys_ptrace;"),
            w.find("keep ")) << w;
  EXPECT_NE(w.find("mknod"), std::string::npos) << w;     // Docker's defaults stay
  EXPECT_NE(w.find("pids 100;  // --pids-limit 100"), std::string::npos) << w;
  EXPECT_NE(w.find("memory 512MiB;"), std::string::npos) << w;
  EXPECT_NE(w.find("swap 512MiB;"), std::string::npos) << w;
  EXPECT_NE(w.find("cpu 1.5;"), std::string::npos) << w;
  EXPECT_NE(w.find("nofile 1024 4096;"), std::string::npos) << w;
  EXPECT_NE(w.find("net.core.somaxconn = \"1024\";"), std::string::npos) << w;
  EXPECT_NE(w.find("tmpfs \"/run\" size 64MiB mode 0o755;"), std::string::npos) << w;
  EXPECT_NE(w.find("bind \"/srv/www\" at \"/var/www\" ro;"), std::string::npos) << w;
  EXPECT_NE(w.find("none;  // --network none"), std::string::npos) << w;
  EXPECT_NE(w.find("// image nginx:1.25"), std::string::npos) << w;
}

// std/base keeps chown: a --cap-drop of it must be a `drop`, or the imported policy would keep it.
TEST(ImportDockerRun, ADroppedCapabilityIsDroppedEvenWhenTheParentKeepsIt) {
  const std::string w = imported({"--cap-drop", "CHOWN", "--cap-drop", "setuid", "busybox"});
  EXPECT_NE(w.find("drop chown, setuid;"), std::string::npos) << w;
  EXPECT_EQ(w.find("keep audit_write, dac_override,"), w.find("keep ")) << w;
}

TEST(ImportDockerRun, PrivilegedAndNoNewPrivileges) {
  const std::string w = imported({"--privileged", "--security-opt", "no-new-privileges", "busybox"});
  EXPECT_NE(w.find("privileged \"imported: docker run --privileged\";"), std::string::npos) << w;
  EXPECT_NE(w.find("keep all;"), std::string::npos) << w;
  EXPECT_EQ(w.find("no_new_privs off"), std::string::npos) << w;
}

TEST(ImportDockerRun, UnknownOptionsAndBadValuesAreErrors) {
  Diagnostics d;
  EXPECT_EQ(imported({"--cap-add", "NOT_A_CAP", "busybox"}, &d), "");
  EXPECT_TRUE(d.hasErrors());
  EXPECT_EQ(imported({"--frobnicate", "busybox"}, &d), "");
  EXPECT_TRUE(d.hasErrors());
  EXPECT_EQ(imported({"--memory", "lots", "busybox"}, &d), "");
  EXPECT_TRUE(d.hasErrors());
  EXPECT_EQ(imported({"--pids-limit"}, &d), "");
  EXPECT_TRUE(d.hasErrors());
}

TEST(ImportDockerRun, ReadOnlyRoot) {
  const std::string w = imported({"--read-only", "--tmpfs", "/tmp:size=16m", "busybox"});
  EXPECT_NE(w.find("  mounts {\n    root ro;  // --read-only\n    tmpfs \"/tmp\" size 16MiB;"), std::string::npos) << w;
  EXPECT_NE(imported({"--read-only=true", "busybox"}).find("root ro;"), std::string::npos);
  EXPECT_EQ(imported({"--read-only=false", "busybox"}).find("root "), std::string::npos);
  Diagnostics d;
  EXPECT_EQ(imported({"--read-only=maybe", "busybox"}, &d), "");
  EXPECT_TRUE(d.hasErrors());
}

}  // namespace
}  // namespace ward::import
