// The container engine targets (issue 12; backend/engines): P.docker.json decides every system call the way
// ward's own filter does once runc 1.1 loads it (import::compileLikeRunc: rules equal to the default
// skipped, the -ENOSYS stub), whatever the engine does with defaultErrnoRet; P.docker.args, P.compose.yaml
// and P.kube.yaml carry each setting with its policy line; W0008 says what an engine cannot express.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backend/seccomp/bpf_interp.h"
#include "driver/driver.h"
#include "hermetic.h"
#include "import/import.h"

namespace ward {
namespace {

namespace bpf = backend::seccomp::bpf;

constexpr const char* kPolicy = R"(import "std/base";

policy etest extends base.unprivileged {
  network { none; }
  limits { pids 64; memory 64MiB; nofile 512; memory.high 48MiB; }
  mounts { tmpfs "/scratch" size 1MiB mode 0o1777; }
  capabilities { keep net_bind_service; }
}
)";

struct Built {
  driver::Session session;
  driver::CompileResult result;
  std::string dir;   // the policy's directory, taken out of the artifacts' provenance comments
  ~Built() { std::filesystem::remove_all(dir); }
  std::string artifact(const std::string& name) const {
    for (const auto& p : result.policies)
      for (const auto& a : p.artifacts)
        if (a.fileName == name) {
          std::string text = a.content;
          for (auto at = text.find(dir + "/"); at != std::string::npos; at = text.find(dir + "/"))
            text.erase(at, dir.size() + 1);
          return text;
        }
    ADD_FAILURE() << "no artifact " << name;
    return {};
  }
};

std::unique_ptr<Built> build(std::optional<bool> apparmor = std::nullopt, const char* policy = kPolicy) {
  auto b = std::make_unique<Built>();
  driver::CompileOptions o;
  o.outDir = "/nonexistent/out";
  o.targets = {"seccomp", "docker", "compose", "kube"};
  o.backend.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(o.backend);
  o.backend.allocate = false;
  o.backend.artifactDir = "/etc/ward";
  o.backend.hostApparmor = apparmor;
  o.backend.hostSelinux = false;
  o.load.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  char tmpl[] = "/tmp/ward-engines-test.XXXXXX";
  b->dir = ::mkdtemp(tmpl);
  std::ofstream(b->dir + "/etest.ward") << policy;
  b->result = driver::build(b->session, {b->dir + "/etest.ward"}, o);
  EXPECT_TRUE(b->result.ok);
  return b;
}

std::uint32_t kernelAnswer(std::uint32_t ret) {
  // SCMP_ACT_TRACE without a tracer that asked for seccomp events: the kernel answers ENOSYS.
  return (ret & bpf::kRetActionFull) == bpf::kRetTrace ? (bpf::kRetErrno | 38) : ret;
}

TEST(Engines, DockerProfileDecidesLikeWardsFilterUnderRunc) {
  auto b = build();
  ASSERT_FALSE(b->result.policies.empty());
  const std::string profileText = b->artifact("etest.docker.json");
  const auto profile = nlohmann::json::parse(profileText);
  EXPECT_EQ(profile["defaultAction"], "SCMP_ACT_TRACE");
  EXPECT_FALSE(profile.contains("defaultErrnoRet"));   // Docker 20.10 drops it: nothing may depend on it

  Diagnostics d;
  auto resolved = import::resolveDockerProfile(profileText, {}, d);
  ASSERT_TRUE(resolved) << (d.items().empty() ? "" : d.items()[0].message);
  std::string error;
  auto runcBytes = import::compileLikeRunc(*resolved, true, &error);
  ASSERT_TRUE(runcBytes) << error;
  auto runc = bpf::parse(*runcBytes, &error);
  ASSERT_TRUE(runc) << error;
  auto own = bpf::parse(b->artifact("etest.bpf"), &error);
  ASSERT_TRUE(own) << error;

  const std::vector<std::array<std::uint64_t, 3>> args = {
      {0, 0, 0}, {1, 1, 0}, {2, 1, 0}, {2, 2, 0}, {38, 5, 0}, {16, 3, 9}, {16, 3, 0}, {40, 1, 0},
      {~0ULL, 0x5412, 0}, {~0ULL, 0x5401, 0}, {0x10000000, 0, 0}, {0x11, 0, 0}, {8, 0, 0}, {0xffffffff, 0, 0}};
  int compared = 0;
  for (std::uint32_t arch : {bpf::kAuditArchX86_64, bpf::kAuditArchI386}) {
    for (int nr = 0; nr < 520; ++nr) {
      for (const auto& a : args) {
        bpf::Data data;
        data.arch = arch;
        data.nr = nr;
        data.args = {a[0], a[1], a[2], 0, 0, 0};
        const auto w = bpf::run(*own, data), r = bpf::run(*runc, data);
        ASSERT_TRUE(w.ok && r.ok);
        ++compared;
        EXPECT_EQ(bpf::describe(kernelAnswer(r.ret)), bpf::describe(w.ret))
            << (arch == bpf::kAuditArchI386 ? "i386" : "x86_64") << " nr " << nr << " args " << a[0] << "," << a[1]
            << "," << a[2];
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
  EXPECT_GT(compared, 10000);
}

TEST(Engines, RunOptionsCarryTheirPolicyLines) {
  auto b = build();
  const std::string args = b->artifact("etest.docker.args");
  EXPECT_NE(args.find("--cap-drop=ALL  # "), std::string::npos) << args;
  // A cgroup namespace of its own, as LXC gives (Docker and Podman share the host's on cgroup v1: NS-HOST-NS).
  EXPECT_NE(args.find("--cgroupns=private  # etest.ward:"), std::string::npos) << args;
  EXPECT_NE(args.find("--cap-add=NET_BIND_SERVICE  # etest.ward:7 keep net_bind_service\n"), std::string::npos) << args;
  EXPECT_NE(args.find("--security-opt=no-new-privileges  # std/base.ward:"), std::string::npos) << args;
  EXPECT_NE(args.find("--security-opt=seccomp=/etc/ward/etest.docker.json  # std/base.ward:"), std::string::npos) << args;
  EXPECT_NE(args.find("--pids-limit=64  # etest.ward:5 limits pids 64\n"), std::string::npos) << args;
  EXPECT_NE(args.find("--memory=67108864  # etest.ward:5"), std::string::npos) << args;
  EXPECT_NE(args.find("--memory-swap=67108864  # std/base.ward:"), std::string::npos) << args;   // swap 0
  EXPECT_NE(args.find("--ulimit=nofile=512:512  # etest.ward:5"), std::string::npos) << args;
  EXPECT_NE(args.find("--tmpfs=/scratch:rw,nosuid,nodev,size=1048576,mode=1777  # etest.ward:6"), std::string::npos) << args;
  EXPECT_NE(args.find("--network=none  # etest.ward:4"), std::string::npos) << args;
  // AppArmor only where the host enforces it (Podman refuses the option elsewhere).
  EXPECT_EQ(args.find("\n--security-opt=apparmor="), std::string::npos) << args;
  EXPECT_NE(args.find("# not written: --security-opt=apparmor=ward-etest"), std::string::npos) << args;
  auto enforcing = build(true);
  EXPECT_NE(enforcing->artifact("etest.docker.args").find("\n--security-opt=apparmor=ward-etest  # std/base.ward:"),
            std::string::npos);

  const std::string compose = b->artifact("etest.compose.yaml");
  EXPECT_NE(compose.find("    pids_limit: 64  # etest.ward:5 limits pids 64\n"), std::string::npos) << compose;
  EXPECT_NE(compose.find("      - \"seccomp:/etc/ward/etest.docker.json\""), std::string::npos) << compose;
  EXPECT_NE(compose.find("      nofile: {soft: 512, hard: 512}"), std::string::npos) << compose;

  const std::string kube = b->artifact("etest.kube.yaml");
  for (const char* want : {"\"container.seccomp.security.alpha.kubernetes.io/etest\": \"localhost/etest.docker.json\"",
                           "allowPrivilegeEscalation: false", "drop: [ALL]", "- NET_BIND_SERVICE",
                           "localhostProfile: \"etest.docker.json\"", "memory: \"67108864\"",
                           "kind: SeccompProfile", "\"defaultAction\":\"SCMP_ACT_TRACE\""})
    EXPECT_NE(kube.find(want), std::string::npos) << want << "\n" << kube;
  EXPECT_EQ(kube.find("\"comment\""), std::string::npos);   // the operator's CRD has no such field
}

TEST(Engines, WhatAnEngineCannotSayIsAWarningAtItsLine) {
  auto b = build();
  bool memoryHigh = false, pidsInKube = false;
  for (const auto& d : b->session.diags.items()) {
    if (d.code != "W0008") continue;
    const auto name = b->session.sources.displayName(d.span.file);
    const bool atLine5 = name == b->dir + "/etest.ward" && d.span.line == 5;
    if (d.message.find("docker: limits memory.high") == 0) memoryHigh = atLine5;
    if (d.message.find("kube: limits pids") == 0) pidsInKube = atLine5;
  }
  EXPECT_TRUE(memoryHigh);
  EXPECT_TRUE(pidsInKube);
  EXPECT_FALSE(b->session.diags.hasErrors());
}

// `root ro` in every engine's words, at its line.
TEST(Engines, ReadOnlyRoot) {
  EXPECT_EQ(build()->artifact("etest.docker.args").find("--read-only"), std::string::npos);
  auto b = build(std::nullopt, R"(import "std/base";

policy etest extends base.unprivileged {
  mounts { root ro; tmpfs "/tmp" size 16MiB; }
}
)");
  EXPECT_NE(b->artifact("etest.docker.args").find("\n--read-only  # etest.ward:4 mounts root ro\n"), std::string::npos)
      << b->artifact("etest.docker.args");
  EXPECT_NE(b->artifact("etest.compose.yaml").find("\n    read_only: true  # etest.ward:4 mounts root ro\n"),
            std::string::npos) << b->artifact("etest.compose.yaml");
  EXPECT_NE(b->artifact("etest.kube.yaml").find("\n        readOnlyRootFilesystem: true  # etest.ward:4 mounts root ro\n"),
            std::string::npos) << b->artifact("etest.kube.yaml");
}

// The API server refuses allowPrivilegeEscalation: false with SYS_ADMIN: the Pod says true, and W0008 says
// why at the no_new_privs statement. Without sys_admin the Pod keeps false.
TEST(Engines, SysAdminWithNoNewPrivsIsAGapInAPod) {
  EXPECT_NE(build()->artifact("etest.kube.yaml").find("allowPrivilegeEscalation: false"), std::string::npos);
  auto b = build(std::nullopt, R"(import "std/base";

policy etest extends base.unprivileged {
  identity { no_new_privs on; }
  capabilities { keep sys_admin; }
}
)");
  const std::string pod = b->artifact("etest.kube.yaml");
  EXPECT_NE(pod.find("allowPrivilegeEscalation: true  # etest.ward:4 no_new_privs on (the API refuses false with "
                     "SYS_ADMIN; see W0008)"),
            std::string::npos) << pod;
  bool warned = false;
  for (const auto& d : b->session.diags.items())
    if (d.code == "W0008" && d.message.find("kube: no_new_privs on with sys_admin kept") == 0) warned = d.span.line == 4;
  EXPECT_TRUE(warned);
  EXPECT_NE(b->artifact("etest.docker.args").find("--security-opt=no-new-privileges"), std::string::npos)
      << "docker run takes both: only the Pod loses no_new_privs";
}

}  // namespace
}  // namespace ward
