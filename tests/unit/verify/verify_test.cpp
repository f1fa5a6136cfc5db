// The verifier on hand-built policies, lowered and compiled by the real lower/ and backends, so that
// seccomp verdicts come from the exported BPF and AppArmor verdicts from the generated profile.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "emit_target.h"
#include "backend/backend.h"
#include "backend/seccomp/bpf_interp.h"
#include "lower/lower.h"
#include "verify/report.h"
#include "lowered.h"
#include "verify_fixture.h"
#include "verify/verify.h"
#include "hermetic.h"

namespace ward::verify {
namespace {

Span at(std::uint32_t line) {
  Span s;
  s.file = 0;
  s.line = line;
  s.col = 3;
  s.endLine = line;
  s.endCol = 20;
  s.begin = line * 10;
  s.end = line * 10 + 17;
  return s;
}

ir::SyscallRule rule(const std::string& name, ir::Action::Kind kind, std::uint32_t line,
                     std::vector<ir::ArgCondition> conds = {}) {
  ir::SyscallRule r;
  r.name = name;
  r.action.kind = kind;
  if (kind == ir::Action::Kind::Errno) {
    r.action.errnoValue = 1;
    r.action.errnoName = "EPERM";
  }
  r.conditions = std::move(conds);
  r.span = at(line);
  return r;
}

// Roughly std/base's unprivileged policy, written out by hand.
ir::Policy basePolicy() {
  ir::Policy p;
  p.name = "web";
  p.span = at(1);
  p.sources = {{"web.ward", ""}};
  p.identity.idmapAuto = true;
  p.identity.noNewPrivs = {true, at(2)};
  for (const char* c : {"chown", "dac_override", "fowner", "setgid", "setuid"}) {
    ir::Capability cap;
    cap.name = c;
    cap.span = at(3);
    p.capabilities.keep.push_back(cap);
  }
  p.files.proc = {ir::FsMode::Mixed, at(4)};
  p.files.sys = {ir::FsMode::Ro, at(5)};
  p.files.cgroup = {ir::FsMode::Mixed, at(6)};
  ir::FileRule readAll;
  readAll.path = "/proc/**";
  readAll.access = ir::kRead;
  readAll.span = at(7);
  p.files.rules.push_back(readAll);
  p.syscalls.defaultAction = {{ir::Action::Kind::Errno, 38, "ENOSYS"}, at(8)};
  for (const char* n : {"read", "write", "openat", "close", "exit_group", "mmap", "clone", "unshare",
                        "personality"})
    p.syscalls.rules.push_back(rule(n, ir::Action::Kind::Allow, 9));
  ir::ArgCondition newuser;
  newuser.index = 0;
  newuser.op = ir::ArgCondition::Op::MaskedEq;
  newuser.mask = 0x10000000;
  newuser.value = 0x10000000;
  p.syscalls.rules.push_back(rule("clone", ir::Action::Kind::Errno, 10, {newuser}));
  p.syscalls.rules.push_back(rule("unshare", ir::Action::Kind::Errno, 10, {newuser}));
  for (const char* n : {"mount", "umount2", "kexec_load", "init_module", "finit_module", "open_by_handle_at", "bpf",
                        "keyctl", "ptrace", "io_uring_setup", "userfaultfd", "fsopen"})
    p.syscalls.rules.push_back(rule(n, ir::Action::Kind::Errno, 11));
  std::sort(p.syscalls.rules.begin(), p.syscalls.rules.end(),
            [](const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.name < b.name; });
  p.limits.pids = ir::Located<std::uint64_t>{1024, at(12)};
  p.limits.memoryMax = ir::Located<std::uint64_t>{1ull << 30, at(13)};
  return p;
}

struct Compiled {
  lower::Lowered policy;
  std::vector<backend::Artifact> artifacts;
};

Compiled compile(ir::Policy p) {
  Diagnostics diags;
  lower::Lowered lowered = ward::testing::lowered(std::move(p), &diags);
  EXPECT_FALSE(diags.hasErrors()) << (diags.items().empty() ? "" : diags.items().front().message);
  backend::Options opts;
  opts.allocate = false;
  opts.stateDir = "/nonexistent/ward-state";
  ward::test::hermetic(opts);
  Compiled c{std::move(lowered), {}};
  for (const char* t : {"seccomp", "apparmor", "oci"}) {
    diags = Diagnostics{};
    auto a = ward::testing::emitTarget(t, c.policy, opts, diags);
    EXPECT_FALSE(diags.hasErrors()) << t << ": " << (diags.items().empty() ? "" : diags.items().back().message);
    c.artifacts.insert(c.artifacts.end(), a.begin(), a.end());
  }
  return c;
}

using fixture::catalog;
using fixture::find;
using fixture::layer;

TEST(Verify, BaseLikePolicyLeavesNoHighEntryOpen) {
  auto c = compile(basePolicy());
  ASSERT_NE(std::find_if(c.artifacts.begin(), c.artifacts.end(),
                         [](const backend::Artifact& a) { return a.fileName == "web.bpf"; }),
            c.artifacts.end());
  auto fs = verify(c.policy, c.artifacts, catalog());
  EXPECT_EQ(fs.size(), catalog().entries.size());
  for (const auto& f : fs)
    if (f.status == Status::Open && f.severity != Level::Medium)
      ADD_FAILURE() << f.id << ": " << f.message;
  // Seccomp verdicts come from the BPF: the deny rules hold on every arch.
  const auto& nest = find(fs, "NS-USERNS-NEST");
  const auto* sc = layer(nest, Layer::Seccomp);
  ASSERT_NE(sc, nullptr);
  EXPECT_TRUE(sc->blocks) << sc->rule;
  EXPECT_NE(sc->rule.find("ERRNO(1)"), std::string::npos) << sc->rule;
  EXPECT_NE(sc->rule.find("x86"), std::string::npos) << sc->rule;
  EXPECT_EQ(find(fs, "SYS-COMPAT").status, Status::Blocked);
  EXPECT_EQ(find(fs, "CVE-DIRTYPIPE").status, Status::NotApplicable);
  EXPECT_EQ(find(fs, "RES-PIDS").status, Status::Blocked);
  EXPECT_FALSE(failsGate(fs, Level::High));
}

// RES-CPU: a quota blocks; a weight only below the default 100 (at 100 the container has each host
// service's share, and more with several busy services of its own).
TEST(Verify, CpuWeightBlocksOnlyBelowTheDefault) {
  auto status = [](std::optional<std::uint64_t> weight, std::optional<std::uint64_t> quota) {
    ir::Policy p = basePolicy();
    if (weight) p.limits.cpuWeight = ir::Located<std::uint64_t>{*weight, at(30)};
    if (quota) p.limits.cpuQuotaMicros = ir::Located<std::uint64_t>{*quota, at(31)};
    auto c = compile(p);
    return find(verify(c.policy, c.artifacts, catalog()), "RES-CPU").status;
  };
  EXPECT_EQ(status(std::nullopt, std::nullopt), Status::Open);
  EXPECT_EQ(status(100, std::nullopt), Status::Open);
  EXPECT_EQ(status(200, std::nullopt), Status::Open);
  EXPECT_NE(status(50, std::nullopt), Status::Open);
  EXPECT_NE(status(200, 150000), Status::Open);
}

TEST(Verify, ProcRwOnAPrivilegedPolicyOpensSysrqAtTheProcStatement) {
  ir::Policy p = basePolicy();
  p.identity.privileged = true;
  p.identity.privilegedReason = "test";
  p.identity.privilegedSpan = at(20);
  p.files.proc = {ir::FsMode::Rw, at(21)};
  p.apparmor.flags = {"complain"};
  p.apparmor.span = at(22);
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  const auto& f = find(fs, "ESC-SYSRQ");
  EXPECT_EQ(f.status, Status::Open) << f.message;
  EXPECT_EQ(f.span.line, 20u);   // userns first: the privileged statement
  const auto* mnt = layer(f, Layer::Mount);
  ASSERT_NE(mnt, nullptr);
  EXPECT_FALSE(mnt->blocks);
  EXPECT_EQ(mnt->span.line, 21u);
  EXPECT_EQ(mnt->file, "web.ward");
  EXPECT_TRUE(failsGate(fs, Level::High));
}

TEST(Verify, AllowedNewUserNamespaceIsOpenAtTheAllowRule) {
  ir::Policy p = basePolicy();
  std::erase_if(p.syscalls.rules, [](const ir::SyscallRule& r) {
    return (r.name == "unshare" || r.name == "clone") && r.action.kind == ir::Action::Kind::Errno;
  });
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  const auto& f = find(fs, "NS-USERNS-NEST");
  EXPECT_EQ(f.status, Status::Open) << f.message;
  EXPECT_EQ(f.span.line, 9u) << layer(f, Layer::Seccomp)->rule;   // the allow unshare statement
}

TEST(Verify, KeptSysAdminIsStillBlockedBySeccompButOnlyByIt) {
  ir::Policy p = basePolicy();
  ir::Capability cap;
  cap.name = "sys_admin";
  cap.span = at(30);
  p.capabilities.keep.push_back(cap);
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  const auto& f = find(fs, "SYS-MOUNT-API");
  EXPECT_EQ(f.status, Status::BlockedByOneLayer) << f.message;
  EXPECT_EQ(f.span.line, 30u);   // points at what opened the other layer
  EXPECT_EQ(layer(f, Layer::Capabilities)->blocks, false);
}

TEST(Verify, AcceptSilencesButStillReports) {
  ir::Policy p = basePolicy();
  p.limits.pids.reset();
  p.verify.accepts.push_back({"RES-PIDS", "a batch job that forks a lot", at(40), {}});
  p.verify.accepts.push_back({"ESC-NOPE", "typo", at(41), {}});
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  const auto& f = find(fs, "RES-PIDS");
  EXPECT_EQ(f.status, Status::Accepted);
  EXPECT_EQ(f.underlying, Status::Open);
  EXPECT_EQ(f.acceptReason, "a batch job that forks a lot");
  EXPECT_EQ(f.span.line, 40u);
  EXPECT_FALSE(failsGate(f, Level::Medium));
  auto unknown = unknownAccepts(c.policy, catalog());
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].id, "ESC-NOPE");
}

TEST(Verify, RawLxcKeysOverrideTheCompiledLayers) {
  ir::Policy p = basePolicy();
  p.lxc.raw.push_back({"lxc.mount.auto", "proc:rw sys:rw", at(50)});
  p.lxc.raw.push_back({"lxc.apparmor.profile", "unconfined", at(51)});
  p.lxc.raw.push_back({"lxc.cgroup.devices.allow", "a", at(52)});
  p.lxc.raw.push_back({"lxc.net.0.type", "none", at(53)});
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  const auto& sysfs = find(fs, "ESC-SYSFS-RW");
  EXPECT_EQ(sysfs.status, Status::BlockedByOneLayer);   // only the user namespace is left
  EXPECT_FALSE(layer(sysfs, Layer::Mount)->blocks);
  EXPECT_EQ(layer(sysfs, Layer::Mount)->span.line, 50u);
  EXPECT_FALSE(layer(sysfs, Layer::Apparmor)->evaluated);
  // /proc/sysrq-trigger stays read-only: the backends bind it read-only whatever lxc.mount.auto says.
  EXPECT_TRUE(layer(find(fs, "ESC-SYSRQ"), Layer::Mount)->blocks);
  EXPECT_EQ(find(fs, "NS-HOST-NS").status, Status::Open);
  EXPECT_EQ(find(fs, "NS-HOST-NS").span.line, 53u);
  const auto* cg = layer(find(fs, "CAP-MKNOD-DEV"), Layer::Cgroup);
  ASSERT_NE(cg, nullptr);
  EXPECT_FALSE(cg->blocks);
  EXPECT_EQ(cg->span.line, 52u);
}

TEST(Verify, SeccompVerdictsComeFromTheProgram) {
  // A filter that refuses kexec_load on x86_64 but lets every i386 call through: SYS-COMPAT must see it.
  namespace bpf = backend::seccomp::bpf;
  std::vector<bpf::Insn> prog{
      {0x20, 0, 0, 4},                                  // ld arch
      {0x15, 0, 3, bpf::kAuditArchX86_64},              // jeq x86_64
      {0x20, 0, 0, 0},                                  // ld nr
      {0x15, 0, 1, 246},                                // jeq kexec_load
      {0x06, 0, 0, bpf::kRetErrno | 1},
      {0x06, 0, 0, bpf::kRetAllow},
  };
  ASSERT_TRUE(bpf::check(prog));
  ir::Policy p = basePolicy();
  std::vector<backend::Artifact> artifacts{{"web.bpf", bpf::serialize(prog)}};
  auto fs = verifyForeign(p, artifacts, catalog());
  const auto& f = find(fs, "SYS-COMPAT");
  EXPECT_EQ(f.status, Status::Open) << f.message;
  EXPECT_NE(layer(f, Layer::Seccomp)->rule.find("kexec_load"), std::string::npos);
  // Without artifacts, seccomp is reported as not evaluated, never as blocking.
  auto none = verifyForeign(p, {}, catalog());
  EXPECT_FALSE(layer(find(none, "SYS-IOURING"), Layer::Seccomp)->evaluated);
  EXPECT_EQ(find(none, "SYS-IOURING").status, Status::Open);
}

TEST(Verify, AcrossPoliciesOverlappingIdmapsAndSharedBridges) {
  ir::Policy a = basePolicy(), b = basePolicy();
  b.name = "db";
  a.network.bridge = ir::Located<std::string>{"br-shared", at(60)};
  b.network.bridge = ir::Located<std::string>{"br-shared", at(60)};
  a.identity.idmapAuto = b.identity.idmapAuto = false;
  a.identity.idmaps = {{'u', 0, 200000, 65536, at(61)}, {'g', 0, 200000, 65536, at(61)}};
  b.identity.idmaps = {{'u', 0, 230000, 65536, at(61)}, {'g', 0, 300000, 65536, at(61)}};
  auto fs = verifyAcross({{&a, nullptr}, {&b, nullptr}}, catalog());
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0].id, "NS-SHARED-IDMAP");
  EXPECT_NE(fs[0].message.find("230000-265535"), std::string::npos) << fs[0].message;
  EXPECT_EQ(fs[2].id, "NET-L2-SPOOF");
  EXPECT_EQ(fs[2].policy, "web + db");
  b.identity.idmaps = {{'u', 0, 300000, 65536, at(61)}, {'g', 0, 300000, 65536, at(61)}};
  b.network.bridge = ir::Located<std::string>{"br-db", at(60)};
  EXPECT_TRUE(verifyAcross({{&a, nullptr}, {&b, nullptr}}, catalog()).empty());
}

TEST(Verify, Gate) {
  ir::Policy p = basePolicy();
  EXPECT_EQ(effectiveFailOn(p, std::nullopt), Level::Critical);
  p.verify.failOn = ir::Located<std::string>{"high", at(70)};
  EXPECT_EQ(effectiveFailOn(p, std::nullopt), Level::High);
  EXPECT_EQ(effectiveFailOn(p, Level::Medium), Level::Medium);
  Finding f;
  f.status = Status::Open;
  f.severity = Level::High;
  EXPECT_TRUE(failsGate(f, Level::High));
  EXPECT_FALSE(failsGate(f, Level::Critical));
  f.status = Status::BlockedByOneLayer;
  EXPECT_FALSE(failsGate(f, Level::Medium));
}

TEST(Report, JsonSarifAndDiagnostics) {
  ir::Policy p = basePolicy();
  p.identity.privileged = true;
  p.identity.privilegedSpan = at(20);
  p.limits.pids.reset();
  p.verify.accepts.push_back({"RES-PIDS", "batch", at(40), {}});
  auto c = compile(p);
  auto fs = verify(c.policy, c.artifacts, catalog());
  ReportOptions o;
  o.failOn = Level::High;
  auto diags = toDiagnostics(fs, catalog(), o);
  bool sawPrivileged = false;
  for (const auto& d : diags.items())
    if (d.code == "NS-PRIVILEGED") {
      sawPrivileged = true;
      EXPECT_EQ(d.severity, Severity::Error);
      EXPECT_EQ(d.span.line, 20u);
    }
  EXPECT_TRUE(sawPrivileged);
  auto j = toJson(fs, o);
  EXPECT_TRUE(j["failed"].get<bool>());
  EXPECT_GE(j["summary"]["web"]["open"].get<int>(), 1);
  auto s = toSarif(fs, catalog(), o, "0.1.0");
  EXPECT_EQ(s["version"], "2.1.0");
  const auto& run = s["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), catalog().entries.size());
  bool suppressed = false;
  for (const auto& r : run["results"]) {
    EXPECT_TRUE(r.contains("ruleIndex"));
    EXPECT_EQ(run["tool"]["driver"]["rules"][r["ruleIndex"].get<int>()]["id"], r["ruleId"]);
    if (r["ruleId"] == "RES-PIDS") suppressed = r.contains("suppressions");
    if (r.contains("locations")) {
      const auto& region = r["locations"][0]["physicalLocation"]["region"];
      EXPECT_GE(region["startLine"].get<int>(), 1);
      EXPECT_EQ(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "web.ward");
    }
  }
  EXPECT_TRUE(suppressed);
  // A sample for tests/integration/sarif_schema.sh (validated against the official schema there).
  std::filesystem::create_directories(std::string(WARD_BINARY_DIR) + "/verify");
  std::ofstream(std::string(WARD_BINARY_DIR) + "/verify/sample.sarif") << s.dump(2) << "\n";
}

}  // namespace
}  // namespace ward::verify
