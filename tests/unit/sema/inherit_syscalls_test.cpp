// Inheritance of syscall rules (language.md, "Inheritance"): a child's rule without conditions replaces
// every inherited rule for that system call; a child's rules with conditions are added to the inherited
// ones (replacing only one with exactly the same conditions). W0002 and W0007 say when a conditional rule
// next to inherited ones does not do what it seems to.
#include <optional>

#include "helpers.h"

using namespace ward;
using namespace ward::sema::testing;

namespace {

// What the resolved rules give a call, the way the seccomp backend builds the filter: a matching
// conditional rule, else the rule without conditions, else the default. nullopt when conditional rules
// with different actions match.
std::optional<ir::Action> decide(const ir::Policy& p, const std::string& name, std::array<std::uint64_t, 6> args) {
  auto holds = [&](const ir::ArgCondition& c) {
    const std::uint64_t v = args[c.index];
    switch (c.op) {
      case ir::ArgCondition::Op::Eq: return v == c.value;
      case ir::ArgCondition::Op::Ne: return v != c.value;
      case ir::ArgCondition::Op::Lt: return v < c.value;
      case ir::ArgCondition::Op::Le: return v <= c.value;
      case ir::ArgCondition::Op::Gt: return v > c.value;
      case ir::ArgCondition::Op::Ge: return v >= c.value;
      case ir::ArgCondition::Op::MaskedEq: return (v & c.mask) == c.value;
    }
    return false;
  };
  std::optional<ir::Action> cond, uncond;
  for (const auto& r : p.syscalls.rules) {
    if (r.name != name) continue;
    if (r.conditions.empty()) {
      uncond = r.action;
      continue;
    }
    if (!std::all_of(r.conditions.begin(), r.conditions.end(), holds)) continue;
    if (cond && !(*cond == r.action)) return std::nullopt;
    cond = r.action;
  }
  if (cond) return cond;
  if (uncond) return uncond;
  return p.syscalls.defaultAction.value;
}

std::size_t rulesFor(const ir::Policy& p, const std::string& name) {
  return static_cast<std::size_t>(std::count_if(p.syscalls.rules.begin(), p.syscalls.rules.end(),
                                                [&](const ir::SyscallRule& r) { return r.name == name; }));
}

bool allowed(const std::optional<ir::Action>& a) { return a && a->kind == ir::Action::Kind::Allow; }
bool eperm(const std::optional<ir::Action>& a) { return a && a->kind == ir::Action::Kind::Errno && a->errnoValue == 1; }

sema::Options withStdlib() {
  sema::Options o;
  o.searchPath = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  return o;
}

constexpr std::uint64_t kAfInet = 2, kAfPacket = 17, kSockStream = 1;

}  // namespace

// The bug found by running nginx: the child's narrowing deny replaced base's `allow socket` (from
// @system-service), so every other socket() fell to the default (ENOSYS) and nginx could not listen.
TEST(SemaInheritSyscalls, ConditionalDenyNarrowsInheritedAllow) {
  std::string t =
      "import \"std/base\";\n"
      "policy p extends base.unprivileged {\n"
      "  network { listen tcp 80; }\n"
      "  syscalls { deny socket(domain == AF_PACKET); }\n"
      "}\n";
  SemaRun r;
  analyzeText(r, t, withStdlib());
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.diags.items().size(), 0u) << r.dump();
  const auto& p = r.policy();
  ASSERT_EQ(rulesFor(p, "socket"), 2u);
  EXPECT_TRUE(allowed(decide(p, "socket", {kAfInet, kSockStream})));   // base's allow is kept
  EXPECT_TRUE(eperm(decide(p, "socket", {kAfPacket, kSockStream})));   // the child's deny narrows it
  for (const auto& rule : p.syscalls.rules) {
    if (rule.name != "socket") continue;
    if (rule.conditions.empty())
      EXPECT_EQ(rule.viaGroup, "@system-service");
    else
      EXPECT_EQ(rule.span.line, where(t, "deny socket").first);
  }
}

TEST(SemaInheritSyscalls, ConditionalLogKeepsInheritedConditionalAllows) {
  std::string t =
      "import \"std/base\";\n"
      "policy q extends base.unprivileged {\n"
      "  syscalls { log personality(persona == ADDR_NO_RANDOMIZE); }\n"
      "}\n";
  SemaRun r;
  analyzeText(r, t, withStdlib());
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.diags.items().size(), 0u) << r.dump();
  const auto& p = r.policy();
  EXPECT_EQ(rulesFor(p, "personality"), 6u);   // base's five allows and the child's log
  EXPECT_TRUE(allowed(decide(p, "personality", {0})));            // PER_LINUX
  EXPECT_TRUE(allowed(decide(p, "personality", {0xffffffff})));   // PER_QUERY
  auto a = decide(p, "personality", {0x40000});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, ir::Action::Kind::Log);
}

TEST(SemaInheritSyscalls, ConditionalDenyKeepsParentsGroupAllow) {
  std::string t =
      "group @mnt \"\" { mount, umount2, pivot_root; }\n"
      "policy sys { syscalls { default allow; allow @mnt; } }\n"
      "policy child extends sys {\n"
      "  syscalls { deny mount(flags & MS_REMOUNT == MS_REMOUNT); deny umount2(flags & 0x1 == 0x1) errno EACCES; }\n"
      "}\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.diags.items().size(), 0u) << r.dump();
  const auto& c = r.policy(1);
  EXPECT_EQ(rulesFor(c, "mount"), 2u);
  EXPECT_EQ(rulesFor(c, "umount2"), 2u);
  EXPECT_EQ(rulesFor(c, "pivot_root"), 1u);
  EXPECT_TRUE(allowed(decide(c, "mount", {0, 0, 0, 0x1000})));   // MS_BIND: the parent's allow
  EXPECT_TRUE(eperm(decide(c, "mount", {0, 0, 0, 0x20})));       // MS_REMOUNT: the child's deny
  EXPECT_TRUE(allowed(decide(c, "umount2", {0, 0})));
  auto a = decide(c, "umount2", {0, 1});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->errnoName, "EACCES");
}

TEST(SemaInheritSyscalls, UnconditionalChildRuleStillReplacesEverything) {
  std::string t =
      "policy a { syscalls { default allow; allow unshare; deny unshare(flags & CLONE_NEWUSER == CLONE_NEWUSER); } }\n"
      "policy b extends a { syscalls { kill unshare; } }\n"
      "policy c extends a { syscalls { deny unshare; allow unshare(flags == 0); } }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.diags.items().size(), 0u) << r.dump();
  const auto& b = r.policy(1);
  ASSERT_EQ(rulesFor(b, "unshare"), 1u);
  EXPECT_EQ(decide(b, "unshare", {0x10000000})->kind, ir::Action::Kind::KillProcess);
  // A child that wants "only these arguments" writes the rule without conditions too.
  const auto& c = r.policy(2);
  ASSERT_EQ(rulesFor(c, "unshare"), 2u);
  EXPECT_TRUE(allowed(decide(c, "unshare", {0})));
  EXPECT_TRUE(eperm(decide(c, "unshare", {0x20000})));
}

TEST(SemaInheritSyscalls, SameConditionsReplaceOnlyThatRule) {
  std::string t =
      "policy a { syscalls { default allow; allow clone; deny clone(flags & CLONE_NEWUSER == CLONE_NEWUSER);\n"
      "  deny clone(flags & CLONE_NEWNET == CLONE_NEWNET); } }\n"
      "policy b extends a { syscalls { allow clone(flags & CLONE_NEWUSER == CLONE_NEWUSER); } }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& b = r.policy(1);
  ASSERT_EQ(rulesFor(b, "clone"), 3u);   // a's allow and NEWNET deny, b's NEWUSER allow (not a's deny)
  EXPECT_TRUE(allowed(decide(b, "clone", {0x10000000})));
  EXPECT_TRUE(eperm(decide(b, "clone", {0x40000000})));
  // b's allow overlaps a's NEWNET deny (both bits set): libseccomp would choose, so ward warns.
  EXPECT_EQ(r.count("W0007"), 1u) << r.dump();
  EXPECT_DIAG_AT(r, "W0007", t, "clone(flags & CLONE_NEWUSER", 1);
  const auto* d = r.find("W0007");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].span.line, 2u);
  EXPECT_NE(d->notes[0].message.find("inherited from `a`"), std::string::npos) << d->notes[0].message;
}

TEST(SemaInheritSyscalls, ParentsConflictUnlessTheChildDecidesThoseConditions) {
  std::string t =
      "policy a { syscalls { default allow; allow ptrace; deny ioctl(request == TIOCSTI); } }\n"
      "policy b { syscalls { default allow; deny ptrace; allow ioctl(request == TIOCSTI); } }\n"
      // A conditional rule for ptrace does not decide the unconditional conflict.
      "policy c extends a, b { syscalls { log ptrace(arg1 == 1); deny ioctl(request == TIOCSTI); } }\n"
      // Without conditions it does; the ioctl conflict stays.
      "policy d extends a, b { syscalls { allow ptrace; } }\n";
  SemaRun r;
  analyzeText(r, t);
  EXPECT_EQ(r.count("E0401"), 2u) << r.dump();
  std::size_t ptrace = 0, ioctl = 0;
  for (const auto& d : r.diags.items()) {
    if (d.code != "E0401") continue;
    if (d.message.find("`ptrace`") != std::string::npos) {
      ++ptrace;
      EXPECT_EQ(d.span.line, 3u);
    }
    if (d.message.find("`ioctl` (with the same argument conditions)") != std::string::npos) {
      ++ioctl;
      EXPECT_EQ(d.span.line, 4u);
    }
  }
  EXPECT_EQ(ptrace, 1u) << r.dump();
  EXPECT_EQ(ioctl, 1u) << r.dump();
}

TEST(SemaInheritSyscalls, RedundantConditionalRuleWarns) {
  std::string t =
      "policy a { syscalls { default errno ENOSYS; allow personality; allow socket; } }\n"
      "policy b extends a {\n"
      "  syscalls { allow personality(persona == PER_LINUX); allow socket(domain == AF_INET); }\n"
      "}\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  // personality: the inherited allow already covers it. socket: lowering gives it a meaning (the family).
  EXPECT_EQ(r.count("W0002"), 1u) << r.dump();
  EXPECT_DIAG_AT(r, "W0002", t, "personality(persona");
  const auto* d = r.find("W0002");
  EXPECT_NE(d->message.find("`deny personality;`"), std::string::npos) << d->message;
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0].span.line, 1u);
}

TEST(SemaInheritSyscalls, OverlapWarningsOnlyWhenConditionsCanBothHold) {
  std::string t =
      "policy a { syscalls { default allow;\n"
      "  deny ioctl(request & 4294967295 == TIOCSTI);\n"
      "  deny clone(flags & 0x10000000 == 0x10000000);\n"
      "  allow personality(persona == PER_LINUX), personality(persona == PER_QUERY); } }\n"
      "policy b extends a { syscalls {\n"
      "  allow ioctl(request == FIONREAD);\n"             // disjoint: no warning
      "  allow clone(flags < 0x10000000);\n"              // disjoint: every value below has bit 28 clear
      "  log personality(persona == ADDR_NO_RANDOMIZE);\n" // disjoint
      "} }\n"
      "policy c extends a { syscalls {\n"
      "  allow ioctl(fd == 0);\n"                         // another argument: both can hold
      "  allow clone(flags <= 0x10000000);\n"             // 0x10000000 itself
      "  log personality(persona != PER_LINUX);\n"        // PER_QUERY
      "} }\n"
      "policy d extends a { syscalls {\n"
      "  allow clone(flags > 0x2fffffff);\n"              // 0x30000000 has bit 28
      "  allow clone(flags & 0x10000000 == 0);\n"         // masked, exclusive
      "  kill clone(flags & 0x30000000 == 0x20000000);\n" // masked, exclusive (bit 28 clear)
      "} }\n";
  SemaRun r;
  analyzeText(r, t);
  ASSERT_TRUE(r.errorFree()) << r.dump();
  EXPECT_EQ(r.count("W0007"), 4u) << r.dump();
  EXPECT_DIAG_AT(r, "W0007", t, "ioctl(fd == 0)");
  EXPECT_DIAG_AT(r, "W0007", t, "clone(flags <= 0x10000000)");
  EXPECT_DIAG_AT(r, "W0007", t, "personality(persona != PER_LINUX)");
  EXPECT_DIAG_AT(r, "W0007", t, "clone(flags > 0x2fffffff)");
  const Diagnostic* pers = nullptr;
  for (const auto& d : r.diags.items())
    if (d.code == "W0007" && d.message.find("`personality`") != std::string::npos) pers = &d;
  ASSERT_NE(pers, nullptr);
  EXPECT_EQ(pers->notes.size(), 1u);   // PER_QUERY only: PER_LINUX is exactly what `!=` leaves out
}

// The stdlib's policies are parents: their own conditional rules must not warn in every child.
TEST(SemaInheritSyscalls, StdlibPoliciesWarnAboutNoInheritedRule) {
  for (const char* parent : {"base.unprivileged", "base.lxc_default", "base.docker_default", "apps.nginx",
                             "apps.postgres", "apps.redis", "apps.sshd", "apps.systemd"}) {
    std::string t = std::string("import \"std/apps\";\nimport \"std/base\";\npolicy x extends ") + parent + " { }\n";
    SemaRun r;
    analyzeText(r, t, withStdlib());
    EXPECT_TRUE(r.errorFree()) << parent << ":\n" << r.dump();
    EXPECT_EQ(r.count("W0002"), 0u) << parent << ":\n" << r.dump();
    EXPECT_EQ(r.count("W0007"), 0u) << parent << ":\n" << r.dump();
  }
}
