// `ward import docker-seccomp` / `lxc-seccomp`: the imported .ward means the same filter as the original.
// The central test imports Docker's default profile (with Docker's 14 default capabilities) and checks, for
// every syscall number on x86_64, i386 and x32 and a set of argument values, that ward's compiled filter
// returns the same action as libseccomp's compile of the original JSON done the way runc does it.
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../backend/seccomp_test_util.h"
#include "decision_compare.h"
#include "lxc_original.h"
#include "backend/seccomp/oci_json.h"
#include "backend/seccomp/seccomp.h"
#include "import/import.h"
#include "lower/lower.h"
#include "syntax/parse.h"

// The real pipeline (parse + sema) builds the IR once sema's implementation is in the tree; until then the
// importer's own IR (import::Imported::policy) stands in for it.
#if __has_include("sema/sema.cpp") || __has_include("sema/analyze.cpp")
#define WARD_HAVE_SEMA 1
#include "sema/sema.h"
#else
#define WARD_HAVE_SEMA 0
#endif

namespace ward::seccomp_test {
namespace {

namespace sc = ward::backend::seccomp;
const char* kDockerDefault = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string firstError(const Diagnostics& d) {
  for (const auto& i : d.items())
    if (i.severity == Severity::Error) return i.code + " " + i.message + " line " + std::to_string(i.span.line);
  return "";
}

// The IR for an imported .ward text as `ward compile` builds it: sema, then lowering (lowering derives
// socket() rules from the network section: a path the imported text must survive).
ir::Policy irFor(const import::Imported& imported) {
#if WARD_HAVE_SEMA
  SourceManager sources;
  const FileId id = sources.add("imported.ward", "imported.ward", imported.ward);
  Diagnostics diags;
  sema::Options options;
  options.searchPath = sema::searchPath({}, nullptr, WARD_BINARY_DIR);
  auto result = sema::analyze(sources, id, options, diags);
  EXPECT_FALSE(diags.hasErrors()) << firstError(diags);
  EXPECT_EQ(result.policies.size(), 1u);
  if (result.policies.size() != 1) return imported.policy;
  auto lowered = lower::lower(result.policies[0], diags);
  EXPECT_TRUE(lowered.has_value()) << firstError(diags);
  return lowered ? lowered->policy() : imported.policy;
#else
  return imported.policy;
#endif
}

std::string compileWard(const ir::Policy& p) {
  Diagnostics diags;
  auto f = sc::buildFilter(p, {}, diags);
  EXPECT_TRUE(f.has_value()) << firstError(diags);
  return f ? f->bpf : std::string();
}

// Every syscall number 0..1023 on the three ABIs, each with every sample argument vector.
// killThreadIsProcess: compare kill-thread and kill-process as equal (LXC's format has only `kill`).
// Argument vectors: the fixed samples, plus every constant either filter compares on a syscall's path and
// its neighbours (decision_compare.h).
void expectSameDecisions(const std::string& wardBpf, const std::string& otherBpf, bool killThreadIsProcess = false) {
  auto a = program(wardBpf);
  auto b = program(otherBpf);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  std::size_t diff = 0;
  for (const auto& abi : abis()) {
    for (std::uint32_t nr = 0; nr < 1024; ++nr) {
      for (const auto& args : sampleArgs()) {
        const auto d = data(abi.audit, static_cast<std::int32_t>(nr | abi.nrBit), args);
        auto x = bpf::run(a, d), y = bpf::run(b, d);
        ASSERT_TRUE(x.ok && y.ok);
        if (killThreadIsProcess) {
          if (x.ret == bpf::kRetKillProcess) x.ret = bpf::kRetKillThread;
          if (y.ret == bpf::kRetKillProcess) y.ret = bpf::kRetKillThread;
        }
        if (x.ret != y.ret && diff++ < 20)
          ADD_FAILURE() << abi.name << " nr " << nr << " arg0 " << std::hex << args[0] << ": ward "
                        << bpf::describe(x.ret) << ", original " << bpf::describe(y.ret);
      }
    }
  }
  EXPECT_EQ(diff, 0u);
  const auto c = decisions::compare(a, b, killThreadIsProcess);
  for (const auto& e : c.examples) ADD_FAILURE() << "ward vs original: " << e;
  EXPECT_EQ(c.differ, 0u) << "of " << c.vectors << " vectors";
  std::cout << "[ info ] explored " << c.vectors << " (ABI, syscall, arguments) vectors around " << c.constants
            << " constants: " << c.differ << " differ\n";
}

class DockerDefault : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = slurp(kDockerDefault);
    WARD_REQUIRE(t.has_value(), std::string(kDockerDefault) + " is missing (package golang-github-docker-docker-dev)");
    json_ = *t;
  }
  std::string json_;
};

TEST_F(DockerDefault, ImportedPolicyDecidesLikeRuncsCompileOfTheJson) {
  Diagnostics diags;
  import::DockerOptions options;
  options.sourceName = "default.json";
  auto imported = import::importDockerSeccomp(json_, options, diags);
  ASSERT_TRUE(imported.has_value()) << firstError(diags);
  std::cout << "[ info ] IR built by " << (WARD_HAVE_SEMA ? "sema (real pipeline)" : "the importer's direct builder")
            << "; " << imported->policy.syscalls.rules.size() << " rules; left out: " << imported->dropped.size()
            << " names unknown to libseccomp\n";

  auto profile = import::resolveDockerProfile(json_, options, diags);
  ASSERT_TRUE(profile.has_value());
  std::string error;
  auto original = import::compileLikeRunc(*profile, /*enosysStub=*/false, &error);
  ASSERT_TRUE(original.has_value()) << error;
  expectSameDecisions(compileWard(irFor(*imported)), *original);

  // Spot checks that the comparison is about something.
  auto prog = program(compileWard(irFor(*imported)));
  auto at = [&](std::uint32_t arch, int nr, std::uint64_t a0) { return bpf::run(prog, data(arch, nr, {a0})).ret; };
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_read, 0), bpf::kRetAllow);
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_mount, 0), bpf::kRetErrno | EPERM);         // needs CAP_SYS_ADMIN
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_personality, 8), bpf::kRetAllow);
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_personality, 0x400000), bpf::kRetErrno | EPERM);
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_clone, 0x11), bpf::kRetAllow);
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_clone, 0x10000011), bpf::kRetErrno | EPERM);   // CLONE_NEWUSER
  EXPECT_EQ(at(bpf::kAuditArchX86_64, 435 /*clone3*/, 0), bpf::kRetErrno | ENOSYS);
  EXPECT_EQ(at(bpf::kAuditArchI386, 21 /*mount*/, 0), bpf::kRetErrno | EPERM);
  EXPECT_EQ(at(bpf::kAuditArchI386, 3 /*read*/, 0), bpf::kRetAllow);
  EXPECT_EQ(at(bpf::kAuditArchX86_64, SYS_read | 0x40000000, 0), bpf::kRetAllow);      // x32
  EXPECT_EQ(at(0xC00000B7u, 0, 0), bpf::kRetKillProcess);                               // foreign
  // Issue 16.1: the profile allows every socket family; lowering must not derive unix-only rules.
  EXPECT_NE(imported->ward.find("families any;"), std::string::npos);
  auto sock = [&](std::uint32_t arch, int nr, std::uint64_t family, std::uint64_t type) {
    return bpf::run(prog, data(arch, nr, {family, type, 0})).ret;
  };
  for (std::uint64_t family : {AF_INET, AF_INET6, AF_NETLINK, AF_UNIX}) {
    EXPECT_EQ(sock(bpf::kAuditArchX86_64, SYS_socket, family, SOCK_STREAM), bpf::kRetAllow) << family;
    EXPECT_EQ(sock(bpf::kAuditArchI386, 359 /*socket*/, family, SOCK_STREAM), bpf::kRetAllow) << family;
    EXPECT_EQ(sock(bpf::kAuditArchX86_64, SYS_socket | 0x40000000, family, SOCK_DGRAM), bpf::kRetAllow) << family;
  }
}

TEST_F(DockerDefault, OtherCapabilitySetsToo) {
  for (const std::vector<std::string>& caps :
       {std::vector<std::string>{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_TIME", "CAP_SYS_MODULE", "CAP_SYSLOG"},
        std::vector<std::string>{}}) {
    Diagnostics diags;
    import::DockerOptions options;
    options.capabilities = caps;
    auto imported = import::importDockerSeccomp(json_, options, diags);
    ASSERT_TRUE(imported.has_value()) << firstError(diags);
    auto profile = import::resolveDockerProfile(json_, options, diags);
    ASSERT_TRUE(profile.has_value());
    std::string error;
    auto original = import::compileLikeRunc(*profile, false, &error);
    ASSERT_TRUE(original.has_value()) << error;
    expectSameDecisions(compileWard(irFor(*imported)), *original);
  }
}

TEST_F(DockerDefault, TextUsesOnlyTheLanguage) {
  Diagnostics diags;
  auto imported = import::importDockerSeccomp(json_, import::DockerOptions{}, diags);
  ASSERT_TRUE(imported.has_value());
  const std::string& t = imported->ward;
  EXPECT_NE(t.find("policy imported {\n  network {\n    families any;   // socket families: only the profile's own "
                   "socket() rules below decide\n  }\n  syscalls {\n    default errno EPERM;\n    arch x86_64, x86, x32;\n"),
            std::string::npos) << t.substr(0, 600);
  EXPECT_NE(t.find("\n    allow personality(arg0 == 0);\n    allow personality(arg0 == 8);\n"), std::string::npos);
  EXPECT_NE(t.find("//   recv, send"), std::string::npos) << "multiplexer-only names are listed as left out";
  EXPECT_NE(t.find("allow clone(arg0 & 0x7e020000 == 0);"), std::string::npos);
  EXPECT_NE(t.find("deny clone3 errno ENOSYS;"), std::string::npos);
  EXPECT_EQ(t.find("open_by_handle_at"), std::string::npos);   // needs CAP_DAC_READ_SEARCH
  // It parses (the grammar is the language's).
  SourceManager sources;
  const FileId id = sources.add("imported.ward", "imported.ward", t);
  Diagnostics parseDiags;
  syntax::parse(sources, id, parseDiags);
  EXPECT_FALSE(parseDiags.hasErrors()) << firstError(parseDiags);
}

TEST_F(DockerDefault, UnconditionalAllowsAreConstantActions) {
  Diagnostics diags;
  auto imported = import::importDockerSeccomp(json_, import::DockerOptions{}, diags);
  ASSERT_TRUE(imported.has_value());
  auto prog = program(compileWard(irFor(*imported)));
  std::set<std::string> conditional;
  for (const auto& r : sc::effectiveRules(imported->policy))
    if (!r.conditions.empty()) conditional.insert(r.name);
  std::size_t checked = 0;
  for (const auto& r : sc::effectiveRules(imported->policy)) {
    if (r.action.kind != ir::Action::Kind::Allow || !r.conditions.empty() || conditional.count(r.name)) continue;
    for (const auto& abi : {abis()[0], abis()[1]}) {
      const int nr = seccomp_syscall_resolve_name_arch(abi.scmp, r.name.c_str());
      if (nr < 0) continue;
      for (const auto& args : sampleArgs()) {
        auto res = bpf::run(prog, data(abi.audit, nr, args));
        EXPECT_EQ(res.ret, bpf::kRetAllow) << r.name << " " << abi.name;
        EXPECT_FALSE(res.argsLoaded) << r.name << " " << abi.name;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 500u);
}

TEST_F(DockerDefault, RuncEnosysStub) {
  Diagnostics diags;
  auto profile = import::resolveDockerProfile(json_, import::DockerOptions{}, diags);
  ASSERT_TRUE(profile.has_value());
  std::string error;
  auto plain = import::compileLikeRunc(*profile, false, &error);
  auto stub = import::compileLikeRunc(*profile, true, &error);
  ASSERT_TRUE(plain && stub) << error;
  auto a = program(*plain), b = program(*stub);
  EXPECT_GT(b.size(), a.size());
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchX86_64, SYS_read)).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchX86_64, SYS_mount)).ret, bpf::kRetErrno | EPERM);
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchX86_64, 1000)).ret, bpf::kRetErrno | ENOSYS);   // newer than the profile
  EXPECT_EQ(bpf::run(a, data(bpf::kAuditArchX86_64, 1000)).ret, bpf::kRetErrno | EPERM);
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchI386, 1000)).ret, bpf::kRetErrno | ENOSYS);
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchI386, 21)).ret, bpf::kRetErrno | EPERM);
  EXPECT_EQ(bpf::run(b, data(bpf::kAuditArchX86_64, 1000 | 0x40000000)).ret, bpf::kRetErrno | ENOSYS);
  // The stub is loadable by the kernel (and agrees with the interpreter).
  auto o = runInChild(*stub, {[] { return sys(SYS_getppid); }, [] { return sys(1000); }, [] { return sys(SYS_mount, 0, 0, 0, 0, 0); }});
  ASSERT_TRUE(o.loaded) << o.error;
  ASSERT_EQ(o.results.size(), 3u);
  EXPECT_EQ(o.results[1], -ENOSYS);
  EXPECT_EQ(o.results[2], -EPERM);
}

TEST(DockerImport, BadInputIsAnErrorNotACrash) {
  for (const char* bad : {"", "[]", "{", R"({"syscalls": []})", R"({"defaultAction": "SCMP_ACT_TRACE", "syscalls": []})",
                          R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"}) {
    Diagnostics diags;
    EXPECT_FALSE(import::importDockerSeccomp(bad, import::DockerOptions{}, diags).has_value()) << bad;
    EXPECT_TRUE(diags.hasErrors()) << bad;
  }
}

// Overlapping entries (issue 16, item 2): resolved as runc loads them with libseccomp. Each profile is checked
// against compileLikeRunc (libseccomp's own compile of the same entries, in the same order), on every syscall
// number of three ABIs; the expected setns(-1, 0) decisions are those real Podman 4.3 gave for the same
// overlaps (tests/integration/engine_seccomp.sh runs them for real).
std::string overlapProfile(const std::string& entries) {
  return R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
             "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [)" + entries + "]}";
}
const char* kAllowSetns = R"({"names": ["read", "write", "setns"], "action": "SCMP_ACT_ALLOW"})";
const char* kErrnoSetns = R"({"names": ["setns", "unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}})";
const char* kErrnoSetnsIf = R"({"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]})";

std::uint32_t setnsDecision(const std::string& json, std::string* text = nullptr) {
  Diagnostics diags;
  auto imported = import::importDockerSeccomp(json, import::DockerOptions{}, diags);
  EXPECT_TRUE(imported.has_value()) << firstError(diags);
  if (!imported) return 0;
  if (text) *text = imported->ward;
  auto profile = import::resolveDockerProfile(json, import::DockerOptions{}, diags);
  std::string error;
  auto original = import::compileLikeRunc(*profile, false, &error);
  EXPECT_TRUE(original.has_value()) << error;
  const std::string ward = compileWard(irFor(*imported));
  if (original) expectSameDecisions(ward, *original);
  return bpf::run(program(ward), data(bpf::kAuditArchX86_64, SYS_setns, {~0ull, 0})).ret;
}

TEST(DockerImport, OverlappingEntriesResolveAsRuncLoadsThem) {
  std::string text;
  // Podman's shipped order: the big allow first, then the errno entry for want of CAP_SYS_ADMIN.
  EXPECT_EQ(setnsDecision(overlapProfile(std::string(kAllowSetns) + "," + kErrnoSetns), &text), bpf::kRetAllow);
  EXPECT_NE(text.find("setns: entry 1 (allow) decides; entry 2 (errno EPERM) changes nothing."), std::string::npos)
      << text;
  EXPECT_NE(text.find("Docker 20.10 ignores defaultErrnoRet (ENOSYS)"), std::string::npos) << text;
  // The other order: the first entry without conditions decides.
  EXPECT_EQ(setnsDecision(overlapProfile(std::string(kErrnoSetns) + "," + kAllowSetns), &text), bpf::kRetErrno | EPERM);
  EXPECT_NE(text.find("setns: entry 1 (errno EPERM) decides; entry 2 (allow) changes nothing."), std::string::npos)
      << text;
  // With CAP_SYS_ADMIN the errno entry is left out: no overlap.
  {
    Diagnostics diags;
    import::DockerOptions o;
    o.capabilities.push_back("CAP_SYS_ADMIN");
    auto imported = import::importDockerSeccomp(overlapProfile(std::string(kErrnoSetns) + "," + kAllowSetns), o, diags);
    ASSERT_TRUE(imported.has_value()) << firstError(diags);
    EXPECT_EQ(imported->ward.find("Overlapping entries"), std::string::npos);
  }
  // An entry without conditions overrides one with conditions, before or after it.
  EXPECT_EQ(setnsDecision(overlapProfile(std::string(kAllowSetns) + "," + kErrnoSetnsIf)), bpf::kRetAllow);
  EXPECT_EQ(setnsDecision(overlapProfile(std::string(kErrnoSetnsIf) + "," + kAllowSetns)), bpf::kRetAllow);
  // An entry whose action is the default is skipped by runc: it overrides nothing.
  EXPECT_EQ(setnsDecision(overlapProfile(R"({"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},)" +
                                         std::string(kAllowSetns))),
            bpf::kRetAllow);
}

TEST(DockerImport, SameConditionsTwoActionsIsRefusedLikeRunc) {
  const std::string json = overlapProfile(std::string(kErrnoSetnsIf) + "," +
                                          R"({"names": ["setns"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]})");
  Diagnostics diags;
  EXPECT_FALSE(import::importDockerSeccomp(json, import::DockerOptions{}, diags).has_value());
  const std::string e = firstError(diags);
  EXPECT_NE(e.find("E0403"), std::string::npos) << e;
  EXPECT_NE(e.find("file exists"), std::string::npos) << e;
  // libseccomp refuses the same pair (what runc reports).
  auto profile = import::resolveDockerProfile(json, import::DockerOptions{}, diags);
  ASSERT_TRUE(profile.has_value());
  std::string error;
  EXPECT_FALSE(import::compileLikeRunc(*profile, false, &error).has_value());
  EXPECT_NE(error.find("File exists"), std::string::npos) << error;
}

TEST(LxcImport, LxcsCommonPolicy) {
  auto t = slurp("/usr/share/lxc/config/common.seccomp");
  WARD_REQUIRE(t.has_value(), "/usr/share/lxc/config/common.seccomp is missing (package lxc)");
  Diagnostics diags;
  auto imported = import::importLxcSeccomp(*t, import::LxcOptions{}, diags);
  ASSERT_TRUE(imported.has_value()) << firstError(diags);
  EXPECT_NE(imported->ward.find("default allow;"), std::string::npos) << imported->ward;
  EXPECT_NE(imported->ward.find("deny kexec_load errno EPERM;"), std::string::npos) << imported->ward;
  auto prog = program(compileWard(irFor(*imported)));
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_kexec_load)).ret, bpf::kRetErrno | EPERM);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_read)).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_umount2, {0, 1})).ret, bpf::kRetErrno | EACCES);   // MNT_FORCE
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_umount2, {0, 2})).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchI386, 283 /*kexec_load*/)).ret, bpf::kRetErrno | EPERM);
  // Issue 16.1: LXC's policy leaves socket() alone.
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_socket, {AF_INET, SOCK_STREAM})).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchI386, 359, {AF_INET6, SOCK_DGRAM})).ret, bpf::kRetAllow);
  // Every decision, against libseccomp's compile of the same rules (what LXC loads).
  std::string error;
  auto original = import::compileLikeRunc(lxc_original::asProfile(imported->policy), false, &error);
  ASSERT_TRUE(original.has_value()) << error;
  expectSameDecisions(compileWard(irFor(*imported)), *original, /*killThreadIsProcess=*/false);
}

TEST(LxcImport, ArgumentsActionsAndSections) {
  const std::string text =
      "2\nallowlist errno 38\n# a comment\n[x86_64]\nread\nwrite allow\npersonality allow [0,8,SCMP_CMP_EQ]\n"
      "clone errno 1 [0,268435456,SCMP_CMP_MASKED_EQ,268435456]\nkexec_load kill\n[arm64]\nnot_a_call allow\n"
      "[all]\nsocket allow [0,2,==][1,1,SCMP_CMP_EQ]\n";
  Diagnostics diags;
  auto imported = import::importLxcSeccomp(text, import::LxcOptions{}, diags);
  ASSERT_TRUE(imported.has_value()) << firstError(diags);
  const std::string& w = imported->ward;
  EXPECT_NE(w.find("default errno ENOSYS;"), std::string::npos) << w;
  EXPECT_NE(w.find("deny clone(arg0 & 0x10000000 == 0x10000000) errno EPERM;"), std::string::npos) << w;
  EXPECT_NE(w.find("kill_thread kexec_load;"), std::string::npos) << w;
  EXPECT_NE(w.find("allow socket(arg0 == 2, arg1 == 1);"), std::string::npos) << w;
  EXPECT_EQ(w.find("not_a_call"), std::string::npos);   // [arm64] does not apply on x86_64 hosts
  auto prog = program(compileWard(irFor(*imported)));
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_personality, {8})).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_personality, {9})).ret, bpf::kRetErrno | ENOSYS);
  EXPECT_EQ(bpf::run(prog, data(bpf::kAuditArchX86_64, SYS_kexec_load)).ret, bpf::kRetKillThread);
  for (const char* bad : {"", "3\nallowlist\n", "2\nsomething\n", "2\nallowlist\nread [9,1,SCMP_CMP_EQ]\n",
                          "2\nallowlist\n[sparc]\nread\n", "2\nallowlist\nread frobnicate\n"}) {
    Diagnostics d;
    EXPECT_FALSE(import::importLxcSeccomp(bad, import::LxcOptions{}, d).has_value()) << bad;
  }
}

// The backend's LXC text means the same filter: import it back and compare every decision.
TEST(SeccompRoundTrip, LxcFormat) {
  Diagnostics diags;
  std::string lxc, bpfBytes;
  for (auto& a : sc::emit(ward::testing::asLowered(webPolicy()), backend::Options{}, diags)) {
    if (a.fileName == "web.lxc.seccomp") lxc = a.content;
    if (a.fileName == "web.bpf") bpfBytes = a.content;
  }
  auto back = import::importLxcSeccomp(lxc, import::LxcOptions{}, diags);
  ASSERT_TRUE(back.has_value()) << firstError(diags);
  expectSameDecisions(bpfBytes, compileWard(back->policy), /*killThreadIsProcess=*/true);
}

// The OCI JSON, compiled the way runc compiles config.json, decides like ward's own filter.
TEST(SeccompRoundTrip, OciJsonThroughRunc) {
  auto j = sc::ociSeccomp(webPolicy());
  Diagnostics diags;
  auto profile = import::resolveDockerProfile(j.dump(), import::DockerOptions{}, diags);
  ASSERT_TRUE(profile.has_value()) << firstError(diags);
  std::string error;
  auto runc = import::compileLikeRunc(*profile, false, &error);
  ASSERT_TRUE(runc.has_value()) << error;
  std::size_t diff = 0;
  auto ward = compileWard(webPolicy());
  auto a = program(ward), b = program(*runc);
  // runc's bad-arch action is libseccomp's default (kill thread); compare the three x86 ABIs only.
  for (const auto& abi : abis())
    for (std::uint32_t nr = 0; nr < 1024; ++nr)
      for (const auto& args : sampleArgs()) {
        const auto d = data(abi.audit, static_cast<std::int32_t>(nr | abi.nrBit), args);
        if (bpf::run(a, d).ret != bpf::run(b, d).ret) ++diff;
      }
  EXPECT_EQ(diff, 0u);
}

}  // namespace
}  // namespace ward::seccomp_test
