// Resolution: imports and the search path, extends with several parents, fragments, groups, cycles.
#include "helpers.h"
#include "ir/dump.h"

using namespace ward;
using namespace ward::sema::testing;

TEST(SemaResolve, ExtendsTwoParentsAccumulateAndOverride) {
  std::string t =
      "policy a {\n  files { read \"/a\"; }\n  limits { memory 1GiB; pids 10; }\n  capabilities { keep chown; }\n}\n"
      "policy b {\n  files { read \"/b\"; }\n  limits { cpu 2; }\n  capabilities { keep setuid; }\n}\n"
      "policy c extends a, b {\n  limits { pids 20; }\n  files { write \"/c\"; }\n}\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  ASSERT_EQ(r.result.policies.size(), 3u);
  const auto& c = r.policy(2);
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(c.parents, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(c.files.rules.size(), 3u);  // parents left to right, then the child's own
  EXPECT_EQ(c.files.rules[0].path, "/a");
  EXPECT_EQ(c.files.rules[1].path, "/b");
  EXPECT_EQ(c.files.rules[2].path, "/c");
  EXPECT_EQ(c.limits.memoryMax->value, 1ULL << 30);
  EXPECT_EQ(c.limits.cpuQuotaMicros->value, 200000u);
  EXPECT_EQ(c.limits.pids->value, 20u);  // the child overrides
  EXPECT_EQ(c.limits.pids->span.line, where(t, "pids 20").first);
  ASSERT_EQ(c.capabilities.keep.size(), 2u);
}

TEST(SemaResolve, ParentsDisagreeOnSingleValue) {
  std::string t = "policy a { limits { memory 1GiB; } }\npolicy b { limits { memory 2GiB; } }\n"
                  "policy c extends a, b { }\npolicy d extends a, b { limits { memory 3GiB; } }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_EQ(r.count("E0401"), 1u) << r.dump();  // d sets it itself
  EXPECT_DIAG_AT(r, "E0401", t, "b {", 1);
  const auto* d = r.find("E0401");
  ASSERT_EQ(d->notes.size(), 2u);
  EXPECT_EQ(d->notes[0].span.line, 1u);
  EXPECT_EQ(d->notes[1].span.line, 2u);
  EXPECT_NE(d->message.find("`a` and `b`"), std::string::npos);
  EXPECT_EQ(r.policy(3).limits.memoryMax->value, 3ULL << 30);
}

TEST(SemaResolve, ParentsDisagreeOnSyscall) {
  std::string t = "policy a { syscalls { allow ptrace; } }\npolicy b { syscalls { deny ptrace; } }\n"
                  "policy c extends a, b { }\npolicy d extends a, b { syscalls { kill ptrace; } }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_EQ(r.count("E0401"), 1u) << r.dump();
  const auto& d = r.policy(3);
  ASSERT_EQ(d.syscalls.rules.size(), 1u);
  EXPECT_EQ(d.syscalls.rules[0].action.kind, ir::Action::Kind::KillProcess);
}

TEST(SemaResolve, ChildRuleReplacesParentAndDropRemovesKeep) {
  std::string t = "policy base { syscalls { allow ptrace, read; } capabilities { keep chown, kill; } }\n"
                  "policy child extends base { syscalls { deny ptrace errno EACCES; } capabilities { drop kill; } }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& c = r.policy(1);
  ASSERT_EQ(c.syscalls.rules.size(), 2u);
  EXPECT_EQ(c.syscalls.rules[0].name, "ptrace");
  EXPECT_EQ(c.syscalls.rules[0].action.errnoName, "EACCES");
  EXPECT_EQ(c.syscalls.rules[0].span.line, 2u);
  ASSERT_EQ(c.capabilities.keep.size(), 1u);
  EXPECT_EQ(c.capabilities.keep[0].name, "chown");
}

TEST(SemaResolve, DiamondInheritanceIsNotAConflict) {
  std::string t = "policy root { limits { memory 1GiB; } files { read \"/r\"; } }\n"
                  "policy a extends root { }\npolicy b extends root { }\npolicy c extends a, b { }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.policy(3).files.rules.size(), 1u);
  EXPECT_EQ(r.policy(3).parents, (std::vector<std::string>{"a", "b", "root"}));
}

TEST(SemaResolve, FragmentsAndSameLevelConflicts) {
  std::string t = "fragment logs { files { write \"/var/log/**\"; } limits { pids 5; } }\n"
                  "fragment more { use logs; files { read \"/etc/**\"; } }\n"
                  "policy p { use more; limits { pids 6; } }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0402", t, "pids 6");
  ASSERT_EQ(r.result.policies.size(), 1u);
  EXPECT_EQ(r.policy().files.rules.size(), 2u);
}

TEST(SemaResolve, UnknownParentAndFragmentSuggest) {
  std::string t = "fragment logs { }\npolicy base { }\npolicy p extends bsae { use lgos; }\npolicy q extends logs { }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0104", t, "bsae");
  EXPECT_DIAG_AT(r, "E0104", t, "lgos");
  EXPECT_DIAG_AT(r, "E0104", t, "logs", 1);
  bool suggested = false;
  for (const auto& d : r.diags.items()) suggested |= d.message.find("did you mean `base`?") != std::string::npos;
  EXPECT_TRUE(suggested) << r.dump();
}

TEST(SemaResolve, CyclicExtendsWithNotePerStep) {
  std::string t = "policy a extends c { }\npolicy b extends a { }\npolicy c extends b { }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_GE(r.count("E0103"), 1u) << r.dump();
  const auto* d = r.find("E0103");
  EXPECT_EQ(d->notes.size(), 3u);
  EXPECT_NE(d->message.find("cyclic extends"), std::string::npos);
}

TEST(SemaResolve, CyclicUse) {
  std::string t = "fragment a { use b; }\nfragment b { use a; }\npolicy p { use a; }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_GE(r.count("E0103"), 1u) << r.dump();
}

TEST(SemaResolve, DuplicateDeclaration) {
  std::string t = "policy p { }\npolicy p { }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0106", t, "p {", 1);
}

TEST(SemaResolve, ImportSearchOrderAndDisplayNames) {
  TempDir first, second, work;
  first.write("lib/m.ward", "policy p { limits { pids 1; } }\ngroup @g \"\" { read; }\n");
  second.write("lib/m.ward", "policy p { limits { pids 2; } }\n");
  second.write("lib/only2.ward", "policy q { limits { pids 3; } }\n");
  sema::Options opts;
  opts.searchPath = {first.path().string(), second.path().string()};
  std::string t = "import \"lib/m\";\nimport \"lib/only2\" as two;\npolicy x extends m.p, two.q { pids_ok { } }\n";
  t = "import \"lib/m\";\nimport \"lib/only2\" as two;\npolicy x extends m.p { syscalls { allow @g; } }\n"
      "policy y extends two.q { }\n";
  SemaRun r;
  analyzeText(r, t, opts, &work);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  ASSERT_EQ(r.result.policies.size(), 2u);  // imported modules' policies are not compiled
  const auto& x = r.policy(0);
  EXPECT_EQ(x.limits.pids->value, 1u);  // the first directory wins
  ASSERT_EQ(x.sources.size(), 2u);
  EXPECT_EQ(x.sources[0].displayName, "test.ward");
  EXPECT_EQ(x.sources[1].displayName, "lib/m.ward");  // never an absolute path
  EXPECT_EQ(x.sources[1].sha256.size(), 64u);
  EXPECT_EQ(x.limits.pids->span.file, 1u);
  EXPECT_EQ(x.parents, (std::vector<std::string>{"lib/m.p"}));
  ASSERT_EQ(r.result.dependencies.size(), 3u);
  EXPECT_EQ(r.result.dependencies[1], (first.path() / "lib/m.ward").string());
  EXPECT_EQ(r.result.files.size(), 3u);
  EXPECT_EQ(r.policy(1).limits.pids->value, 3u);

  // WARD_PATH order through searchPath(): the second directory first now.
  SemaRun r2;
  auto env = second.path().string() + ":" + first.path().string();
  analyzeText(r2, t, sema::Options{sema::searchPath({}, env.c_str(), ""), nullptr}, &work);
  ASSERT_TRUE(r2.result.policies.size() == 2u) << r2.dump();
  EXPECT_EQ(r2.policy(0).limits.pids->value, 2u);
  EXPECT_EQ(r2.find("E0204")->span.line, 3u);  // that lib/m.ward has no @g
}

TEST(SemaResolve, RelativeImportsAndCycles) {
  TempDir work;
  work.write("sub/lib.ward", "import \"./deeper/x\";\nfragment f { files { read \"/lib\"; } }\n");
  work.write("sub/deeper/x.ward", "import \"../lib.ward\";\npolicy px { }\n");
  std::string t = "import \"./sub/lib.ward\" as lib;\nimport \"./sub/lib.ward\";\npolicy p { use lib.f; }\n";
  SemaRun r;
  analyzeText(r, t, {}, &work);
  ASSERT_EQ(r.count("E0102"), 1u) << r.dump();
  const auto* d = r.find("E0102");
  EXPECT_EQ(r.sm.displayName(d->span.file), "sub/deeper/x.ward");
  EXPECT_EQ(d->notes.size(), 2u);
  EXPECT_NE(d->message.find("sub/lib.ward -> sub/deeper/x.ward -> sub/lib.ward"), std::string::npos) << d->message;
  ASSERT_EQ(r.result.policies.size(), 1u);
  EXPECT_EQ(r.policy().files.rules.size(), 1u);
  EXPECT_EQ(r.policy().sources.at(1).displayName, "sub/lib.ward");
}

TEST(SemaResolve, MissingModuleSaysWhereItSearched) {
  TempDir a;
  std::string t = "import \"std/nothere\";\npolicy p { }\n";
  SemaRun r;
  sema::Options opts;
  opts.searchPath = {a.path().string()};
  analyzeText(r, t, opts);
  EXPECT_DIAG_AT(r, "E0101", t, "\"std/nothere\"");
  EXPECT_NE(r.find("E0101")->message.find(a.path().string()), std::string::npos);
}

TEST(SemaResolve, GroupsAreGlobalAcrossModulesAndDuplicatesAreErrors) {
  TempDir dir;
  dir.write("g1.ward", "group @net \"\" { socket, connect; }\n");
  dir.write("g2.ward", "group @net \"\" { bind; }\n");
  sema::Options opts;
  opts.searchPath = {dir.path().string()};
  std::string t = "import \"g1\";\nimport \"g2\";\npolicy p { syscalls { allow @net; } }\n";
  SemaRun r;
  analyzeText(r, t, opts);
  ASSERT_EQ(r.count("E0106"), 1u) << r.dump();
  EXPECT_EQ(r.sm.displayName(r.find("E0106")->span.file), "g2.ward");
  EXPECT_EQ(r.policy().syscalls.rules.size(), 2u);
}

TEST(SemaResolve, CustomReaderServesUnsavedBuffers) {
  struct Reader : sema::FileReader {
    std::optional<std::string> read(const std::string& path) const override {
      if (path == "/virtual/mods/m.ward") return std::string("policy mp { limits { pids 9; } }\n");
      return std::nullopt;
    }
  } reader;
  sema::Options opts;
  opts.searchPath = {"/virtual/mods"};
  opts.reader = &reader;
  SemaRun r;
  analyzeText(r, "import \"m\";\npolicy p extends m.mp { }\n", opts);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.policy().limits.pids->value, 9u);
}

TEST(SemaResolve, AnalyzeOnePolicyFromAModule) {
  TempDir dir;
  dir.write("m.ward", "policy inner { limits { pids 4; } }\n");
  sema::Options opts;
  opts.searchPath = {dir.path().string()};
  SemaRun r;
  std::string t = "import \"m\";\npolicy a { }\npolicy b { }\n";
  r.root = r.sm.add("test.ward", "test.ward", t);
  r.result = sema::analyzePolicy(r.sm, r.root, "m.inner", opts, r.diags);
  ASSERT_EQ(r.result.policies.size(), 1u) << r.dump();
  EXPECT_EQ(r.policy().name, "inner");
  EXPECT_EQ(r.policy().sources[0].displayName, "m.ward");
  SemaRun r2;
  r2.root = r2.sm.add("test.ward", "test.ward", t);
  r2.result = sema::analyzePolicy(r2.sm, r2.root, "bb", opts, r2.diags);
  EXPECT_TRUE(r2.result.policies.empty());
  ASSERT_NE(r2.find("E0211"), nullptr) << r2.dump();
  EXPECT_NE(r2.find("E0211")->message.find("did you mean"), std::string::npos);
}

TEST(SemaResolve, DeterministicJson) {
  std::string src = WARD_SOURCE_DIR;
  std::string t = "group @b \"\" { write, read; }\n"
                  "policy p {\n  syscalls { allow @b; deny clone(flags & CLONE_NEWUSER | CLONE_NEWNS != 0); }\n"
                  "  limits { nofile 10; core 0; memory 1GiB; }\n  sysctl { net.b = 1; net.a = 2; }\n}\n";
  std::string first, second;
  for (std::string* out : {&first, &second}) {
    SemaRun r;
    analyzeText(r, t);
    ASSERT_TRUE(r.errorFree()) << r.dump();
    *out = ir::toJson(r.policy()).dump();
  }
  EXPECT_EQ(first, second);
  auto j = nlohmann::json::parse(first);
  EXPECT_EQ(j["sysctls"][0]["key"], "net.a");
  EXPECT_EQ(j["syscalls"]["rules"].size(), 4u);
  EXPECT_EQ(j["span"]["file"], "test.ward");
  EXPECT_EQ(j["span"]["line"], 2);
  EXPECT_EQ(j["limits"]["memoryMax"]["value"], 1ULL << 30);
  EXPECT_TRUE(j["limits"]["cpuset"].is_null());
  EXPECT_EQ(j["syscalls"]["defaultAction"]["value"]["errnoName"], "ENOSYS");
  EXPECT_TRUE(j["syscalls"]["defaultAction"]["span"].is_null());
  EXPECT_TRUE(j.contains("mechanism"));
}

TEST(SemaResolve, LongChainsAreBoundedNotRecursedForever) {
  std::string t;
  for (int i = 0; i < 5000; ++i) t += "fragment f" + std::to_string(i) + " { use f" + std::to_string(i + 1) + "; }\n";
  t += "fragment f5000 { }\npolicy p { use f0; }\n";
  for (int i = 0; i < 5000; ++i) t += "group @g" + std::to_string(i) + " \"\" { read, @g" + std::to_string(i + 1) + "; }\n";
  t += "group @g5000 \"\" { write; }\n";
  for (int i = 0; i < 5000; ++i) t += "policy e" + std::to_string(i) + " extends e" + std::to_string(i + 1) + " { }\n";
  t += "policy e5000 { }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_GE(r.count("E0103"), 1u);
  EXPECT_GE(r.count("E0105"), 1u);
}

TEST(SemaResolve, ChildPrivilegedReplacesInheritedIdmap) {
  std::string t = "policy base { identity { idmap auto; } }\n"
                  "policy priv extends base { identity { privileged \"host networking tool\"; } }\n"
                  "policy back extends priv { identity { idmap uid 0 100000 65536; } }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_TRUE(r.policy(1).identity.privileged);
  EXPECT_FALSE(r.policy(1).identity.idmapAuto);
  EXPECT_FALSE(r.policy(2).identity.privileged);
  EXPECT_EQ(r.policy(2).identity.idmaps.size(), 1u);
}
