// `ward learn`'s library: the base, the rendering and its generalisation rules, reading a learned file back
// and merging. Hermetic: observations are built by hand (the tracer is exercised end to end by
// tests/integration/learn.sh); the stdlib comes from the source tree.
#include <gtest/gtest.h>

#include "ir/policy.h"
#include "learn/learn.h"

namespace ward::learn {
namespace {

driver::LoadOptions loadOptions() {
  driver::LoadOptions o;
  o.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  return o;
}

const Base& unprivileged() {
  static const Base base = [] {
    driver::Session s;
    auto spec = parseBaseSpec("std/base:unprivileged", nullptr);
    auto b = loadBase(*spec, s, loadOptions());
    EXPECT_TRUE(b.has_value());
    return b ? *b : Base{};
  }();
  return base;
}

void see(Evidence& e, std::uint64_t n, const std::string& arch = "x86_64") { e.add(n, "/usr/bin/busybox", "r1", arch); }

Observations sample() {
  Observations o;
  o.runs = {"r1"};
  for (const char* c : {"read", "write", "openat", "close", "execve", "exit_group", "ioctl", "clone", "wait4"})
    see(o.syscalls[c], 3);
  see(o.syscalls["set_thread_area"], 1, "x86");
  see(o.args["ioctl"][0x5401], 2);
  see(o.args["clone"][0x1200011], 1);
  auto file = [&](const std::string& p, unsigned access, bool created = false) {
    auto& u = o.files[p];
    u.access |= access;
    u.created = u.created || created;
    see(u.evidence, 1);
  };
  file("/srv/app/out/a.txt", ir::kWrite, true);
  file("/srv/app/out/b.txt", ir::kWrite, true);
  file("/srv/app/conf.ini", ir::kRead);
  for (const char* f : {"1", "2", "3", "4"}) file(std::string("/srv/app/data/") + f, ir::kRead);
  file("/srv/app/data/sub/5", ir::kRead);
  file("/usr/lib/x86_64-linux-gnu/libc.so.6", ir::kRead);   // the base grants it
  file("/proc/1234/oom_score_adj", ir::kWrite);
  file("/proc/kcore", ir::kRead);                            // the base denies it
  file("/usr/bin/busybox", ir::kExec);
  see(o.refused["clone3 ERRNO(38)"], 2);
  o.peakTasks = 3;
  o.peakMemory = 5 * 1024 * 1024;
  return o;
}

TEST(LearnBase, SpecIsModuleColonPolicy) {
  std::string error;
  auto b = parseBaseSpec("std/base:unprivileged", &error);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->module, "std/base");
  EXPECT_EQ(b->alias, "base");
  EXPECT_EQ(b->policy, "unprivileged");
  EXPECT_FALSE(parseBaseSpec("std/base", &error));
  EXPECT_NE(error.find("MODULE:POLICY"), std::string::npos);
  EXPECT_FALSE(parseBaseSpec("std/base:", &error));
  EXPECT_FALSE(parseBaseSpec("std/ba-se:x", &error));
}

TEST(LearnBase, LoadsFilterAndCapabilitiesToDrop) {
  const Base& b = unprivileged();
  EXPECT_FALSE(b.filter.empty());
  EXPECT_NE(std::find(b.dropCapabilities.begin(), b.dropCapabilities.end(), 21), b.dropCapabilities.end());   // sys_admin
  EXPECT_EQ(std::find(b.dropCapabilities.begin(), b.dropCapabilities.end(), 7), b.dropCapabilities.end());    // setuid kept
}

TEST(LearnBase, LxcSeccompTextForLearningInAContainer) {
  const Base& b = unprivileged();
  EXPECT_EQ(b.lxcSeccomp.rfind("2\n", 0), 0u) << b.lxcSeccomp.substr(0, 200);   // LXC's seccomp policy v2
  EXPECT_NE(b.lxcSeccomp.find("socket"), std::string::npos);
}

// What LXC's init calls after its filter is in place (`ward learn --lxc`), apart from the workload's.
Observations withRuntime() {
  Observations o = sample();
  auto rt = [&](Evidence& e, std::uint64_t n) { e.add(n, "/usr/bin/lxc-start", "r1", "x86_64"); };
  rt(o.runtime["close"], 4);        // sema's list of runtime calls, seen
  rt(o.runtime["setgroups"], 1);    // ... and the capability setgid it exercises
  rt(o.runtime["getppid"], 1);      // not in the list: kept as the runtime's
  rt(o.runtime["read"], 2);         // the workload makes it too: the workload's evidence
  rt(o.runtime["prctl"], 2);
  rt(o.runtimeArgs["prctl"][8], 1);   // PR_SET_KEEPCAPS
  rt(o.runtimeArgs["prctl"][1], 1);   // PR_SET_PDEATHSIG (also in the known list)
  return o;
}

TEST(LearnRender, RuntimeCallsAfterTheFilterAreKeptApartAndStated) {
  const std::string t = render(withRuntime(), unprivileged(), {});
  const std::string rt = "the container runtime's, after its filter, before the payload's execve: ";
  EXPECT_NE(t.find("    allow getppid;  // " + rt + "seen 1 on x86_64, first /usr/bin/lxc-start, run r1\n"),
            std::string::npos) << t;
  EXPECT_NE(t.find("    allow close;  // seen 3 on x86_64, first /usr/bin/busybox"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow setgroups;  // " + rt + "seen 1"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow read;  // seen 3 on x86_64, first /usr/bin/busybox, run r1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow prctl(arg0 & 0xffffffff == 8);  // " + rt + "seen 1"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow prctl(arg0 & 0xffffffff == 1);  // " + rt + "seen 1"), std::string::npos) << t;
  EXPECT_NE(t.find("== 38);  // not seen: the container runtime's call"), std::string::npos) << t;   // no_new_privs
  EXPECT_EQ(t.find("drop setgid"), std::string::npos) << t;    // LXC's setgroups exercises it
  EXPECT_NE(t.find("drop setuid"), std::string::npos) << t;
  // The runtime's calls are not counted among the base's allowed calls the run did not make.
  EXPECT_EQ(t.find(" getppid,"), std::string::npos) << t;
  driver::Session s;
  EXPECT_TRUE(driver::loadText(s, "learned.ward", t, loadOptions()).ok);
  EXPECT_FALSE(s.diags.hasErrors());
}

TEST(LearnMerge, RuntimeCallsReadBackAndAddUp) {
  const std::string t = render(withRuntime(), unprivileged(), {});
  std::string error;
  auto l = readLearned("learned.ward", t, &error);
  ASSERT_TRUE(l) << error;
  EXPECT_EQ(l->observations.runtime.count("getppid"), 1u);
  EXPECT_EQ(l->observations.syscalls.count("getppid"), 0u);
  EXPECT_EQ(l->observations.runtimeArgs["prctl"].count(8), 1u);
  EXPECT_EQ(render(l->observations, unprivileged(), {}), t);
  Observations a = withRuntime();
  mergeInto(a, withRuntime());
  EXPECT_EQ(a.runtime["getppid"].count, 2u);
  EXPECT_EQ(a.runtimeArgs["prctl"][8].count, 2u);
}

TEST(LearnRender, RulesCarryEvidence) {
  const std::string t = render(sample(), unprivileged(), {});
  EXPECT_NE(t.find("import \"std/base\";\n\npolicy learned extends base.unprivileged {"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow read;  // seen 3 on x86_64, first /usr/bin/busybox, run r1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow set_thread_area;  // seen 1 on x86, first"), std::string::npos) << t;
  EXPECT_NE(t.find("    arch x86_64, x86;\n"), std::string::npos) << t;
  EXPECT_NE(t.find("    deny ioctl errno ENOTTY;  // values not seen in the run; seen 3"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow ioctl(arg1 & 0xffffffff == 0x5401);  // seen 2"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow clone(arg0 == 0x1200011);"), std::string::npos) << t;
  EXPECT_NE(t.find("refused by the base, not learned: clone3 ERRNO(38)"), std::string::npos) << t;
  // Calls the base allows and the run did not make are refused with the base's default.
  EXPECT_NE(t.find("errno ENOSYS;"), std::string::npos) << t;
  EXPECT_NE(t.find(" socket,"), std::string::npos) << t;
}

TEST(LearnRender, FilesAreGeneralisedByTheDocumentedRule) {
  const std::string t = render(sample(), unprivileged(), {});
  EXPECT_NE(t.find("write \"/srv/app/out/*\";"), std::string::npos) << t;      // created there
  EXPECT_EQ(t.find("\"/srv/app/out/a.txt\""), std::string::npos) << t;
  EXPECT_NE(t.find("read \"/srv/app/data/*\";"), std::string::npos) << t;      // four files read
  EXPECT_NE(t.find("read \"/srv/app/data/sub/5\";"), std::string::npos) << t;  // * never crosses a /
  EXPECT_NE(t.find("read \"/srv/app/conf.ini\";"), std::string::npos) << t;    // one file: exact
  EXPECT_EQ(t.find("read \"/srv/app/*\""), std::string::npos) << t;
  EXPECT_NE(t.find("write \"/proc/*/oom_score_adj\";"), std::string::npos) << t;
  EXPECT_EQ(t.find("libc.so.6"), std::string::npos) << t;                      // the base grants it
  EXPECT_NE(t.find("// not learned: read /proc/kcore: denied by the base"), std::string::npos) << t;
  EXPECT_NE(t.find("exec \"/usr/bin/busybox\";"), std::string::npos) << t;
}

TEST(LearnRender, NetworkCapabilitiesAndLimits) {
  Observations o = sample();
  std::string t = render(o, unprivileged(), {});
  EXPECT_NE(t.find("    none;  // no inet"), std::string::npos) << t;
  EXPECT_NE(t.find("    drop chown;"), std::string::npos) << t;   // no chown-family call
  EXPECT_NE(t.find("    drop setuid;"), std::string::npos) << t;
  EXPECT_NE(t.find("    memory 64MiB;  // peak 5242880 bytes"), std::string::npos) << t;
  EXPECT_NE(t.find("    pids 32;  // peak 3 tasks"), std::string::npos) << t;
  see(o.families["inet"], 1);
  see(o.endpoints["listen tcp 8080"], 1);
  see(o.syscalls["setuid"], 1);
  o.peakMemory = 100 * 1024 * 1024;
  t = render(o, unprivileged(), {});
  EXPECT_NE(t.find("    listen tcp 8080;  // seen 1"), std::string::npos) << t;
  EXPECT_NE(t.find("    ipv6 off;"), std::string::npos) << t;
  EXPECT_NE(t.find("    unix off;"), std::string::npos) << t;
  EXPECT_EQ(t.find("none;"), std::string::npos) << t;
  EXPECT_EQ(t.find("drop setuid"), std::string::npos) << t;
  EXPECT_NE(t.find("    memory 256MiB;"), std::string::npos) << t;   // 2 x 100 MiB, rounded up
}

TEST(LearnRender, LoadsAndIsDeterministic) {
  const std::string t = render(sample(), unprivileged(), {});
  EXPECT_EQ(t, render(sample(), unprivileged(), {}));
  driver::Session s;
  driver::Loaded l = driver::loadText(s, "learned.ward", t, loadOptions());
  EXPECT_TRUE(l.ok);
  EXPECT_FALSE(s.diags.hasErrors());
  for (const auto& d : s.diags.items()) ADD_FAILURE() << d.code << " " << d.message;
}

TEST(LearnMerge, ReadBackRendersTheSameText) {
  const std::string t = render(sample(), unprivileged(), {});
  std::string error;
  auto l = readLearned("learned.ward", t, &error);
  ASSERT_TRUE(l) << error;
  EXPECT_EQ(l->base.text(), "std/base:unprivileged");
  EXPECT_EQ(l->policyName, "learned");
  EXPECT_EQ(render(l->observations, unprivileged(), {}), t);
}

TEST(LearnMerge, EvidenceAddsUp) {
  Observations a = sample(), b = sample();
  for (auto& [n, e] : b.syscalls) e.runs = {"r2"};
  b.runs = {"r2"};
  see(b.syscalls["uname"], 5);
  mergeInto(a, b);
  EXPECT_EQ(a.syscalls["read"].count, 6u);
  EXPECT_EQ(a.syscalls["read"].runs, (std::set<std::string>{"r1", "r2"}));
  const std::string t = render(a, unprivileged(), {});
  EXPECT_NE(t.find("    allow read;  // seen 6 on x86_64, first /usr/bin/busybox, runs r1 r2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("    allow uname;"), std::string::npos) << t;
}

TEST(LearnMerge, RejectsLinesItDoesNotWrite) {
  std::string error;
  EXPECT_FALSE(readLearned("hand.ward", "policy x { }\n", &error));
  EXPECT_NE(error.find("hand.ward"), std::string::npos);
  const std::string t = render(sample(), unprivileged(), {});
  const std::string edited = t.substr(0, t.find("  syscalls {")) + "  syscalls {\n    allow read;\n  }\n}\n";
  EXPECT_FALSE(readLearned("edited.ward", edited, &error));
  EXPECT_NE(error.find("edited.ward:"), std::string::npos) << error;
}

}  // namespace
}  // namespace ward::learn
