// ward diff: each layer's comparison on single-statement changes (direction and line), P against itself,
// and a randomized property over stdlib-based policies with one statement added.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "emit_target.h"
#include "backend/backend.h"
#include "diff/diff.h"
#include "driver/driver.h"
#include "lower/lower.h"
#include "lxcconf/lxcconf.h"
#include "verify/audit.h"

namespace {

using ward::diff::Direction;
using ward::diff::Layer;

struct Compiled {
  ward::driver::Session session;
  ward::ir::Policy policy;
  std::string bpf;
};

std::unique_ptr<Compiled> compile(const std::string& name, const std::string& text) {
  auto c = std::make_unique<Compiled>();
  ward::driver::LoadOptions o;
  o.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  auto l = ward::driver::loadText(c->session, "/nonexistent/" + name, text, o);
  EXPECT_TRUE(l.ok) << text;
  if (l.policies.empty()) return c;
  auto lowered = ward::lower::lower(l.policies.back(), c->session.diags);
  if (!lowered) return c;
  c->policy = lowered->policy();
  ward::backend::Options bo;
  bo.allocate = false;
  for (auto& a : ward::testing::emitTarget("seccomp", *lowered, bo, c->session.diags))
    if (a.fileName == c->policy.name + ".bpf") c->bpf = a.content;
  EXPECT_FALSE(c->session.diags.hasErrors()) << text;
  EXPECT_FALSE(c->bpf.empty());
  return c;
}

ward::diff::Result diffOf(const Compiled& a, const Compiled& b) {
  return ward::diff::compare({&a.policy, a.bpf}, {&b.policy, b.bpf});
}

std::string dump(const ward::diff::Result& r) {
  std::string s;
  for (const auto& d : r.differences)
    s += std::string(ward::diff::layerName(d.layer)) + " " + ward::diff::directionName(d.direction) + " " + d.what +
         " old:" + std::to_string(d.oldSpan.line) + " new:" + std::to_string(d.newSpan.line) + "\n";
  for (const auto& e : r.errors) s += "error: " + e + "\n";
  return s;
}

// The child policy with `body` on line 3.
std::string child(const std::string& parent, const std::string& body) {
  return "import \"std/base\";\nimport \"std/apps\";\npolicy p extends " + parent + " {\n  " + body + "\n}\n";
}

struct Change {
  const char* body;       // one statement, on line 4
  Layer layer;            // the layer it must show up in (others may follow from it, in the same direction)
  Direction added;        // the direction of adding it
};

const Change kChanges[] = {
    {"capabilities { keep sys_admin; }", Layer::Capabilities, Direction::Wider},
    {"capabilities { drop chown; }", Layer::Capabilities, Direction::Narrower},
    {"files { write \"/srv/data/**\"; }", Layer::Apparmor, Direction::Wider},
    {"files { deny \"/etc/hostname\"; }", Layer::Apparmor, Direction::Narrower},
    {"syscalls { allow ptrace; }", Layer::Seccomp, Direction::Wider},
    {"syscalls { deny getpid errno EPERM; }", Layer::Seccomp, Direction::Narrower},
    {"limits { pids 4096; }", Layer::Limits, Direction::Wider},
    {"limits { pids 16; }", Layer::Limits, Direction::Narrower},
    {"mounts { bind \"/srv/x\" at \"/x\" ro; }", Layer::Mounts, Direction::Wider},
    {"mounts { proc rw; }", Layer::Mounts, Direction::Wider},
    {"mounts { root ro; }", Layer::Mounts, Direction::Narrower},
    {"identity { no_new_privs off; }", Layer::NoNewPrivs, Direction::Wider},
    {"devices { allow \"/dev/fuse\" rw; }", Layer::Devices, Direction::Wider},
    {"sysctl { net.ipv4.tcp_fin_timeout = 15; }", Layer::Sysctls, Direction::PossiblyWider},
};

Direction reverse(Direction d) {
  return d == Direction::Wider ? Direction::Narrower : d == Direction::Narrower ? Direction::Wider : d;
}

void expectChange(const Compiled& a, const Compiled& b, const Change& c, Direction dir, bool lineOnNew) {
  auto r = diffOf(a, b);
  ASSERT_FALSE(r.differences.empty()) << c.body;
  EXPECT_TRUE(r.errors.empty()) << dump(r);
  bool located = false;
  for (const auto& d : r.differences) {
    // A narrowing is never reported as a widening anywhere; a widening may come with narrowings elsewhere
    // (a new mount brings deny rules that protect it).
    if (!ward::diff::widens(dir)) {
      EXPECT_FALSE(ward::diff::widens(d.direction)) << c.body << "\n" << dump(r);
    } else if (d.layer == c.layer) {
      EXPECT_NE(d.direction, Direction::Narrower) << dump(r);
    }
    const ward::Span& s = lineOnNew ? d.newSpan : d.oldSpan;
    if (d.layer == c.layer && d.direction == dir && s.line == 4) located = true;
  }
  EXPECT_TRUE(located) << c.body << " (expected " << ward::diff::layerName(c.layer) << " "
                       << ward::diff::directionName(dir) << " at line 4)\n" << dump(r);
}

}  // namespace

TEST(Diff, PolicyAgainstItselfIsEqual) {
  for (const char* parent : {"base.unprivileged", "base.docker_default", "base.lxc_default", "apps.nginx"}) {
    auto a = compile("a.ward", child(parent, ""));
    auto b = compile("b.ward", child(parent, ""));
    auto r = diffOf(*a, *b);
    EXPECT_TRUE(r.equal()) << parent << "\n" << dump(r);
  }
}

TEST(Diff, KeepSysAdminIsOneWideningAtItsLine) {
  auto a = compile("old.ward", child("base.unprivileged", ""));
  auto b = compile("new.ward", child("base.unprivileged", "capabilities { keep sys_admin; }"));
  auto r = diffOf(*a, *b);
  ASSERT_TRUE(r.widened());
  const auto& d = r.differences.front();
  EXPECT_EQ(d.layer, Layer::Capabilities);
  EXPECT_EQ(d.direction, Direction::Wider);
  EXPECT_EQ(d.what, "keeps sys_admin");
  EXPECT_EQ(d.newSpan.line, 4u);
  auto back = diffOf(*b, *a);
  EXPECT_FALSE(back.widened()) << dump(back);
}

TEST(Diff, EachLayerBothDirections) {
  for (const auto& c : kChanges) {
    auto p = compile("p.ward", child("base.unprivileged", ""));
    auto q = compile("q.ward", child("base.unprivileged", c.body));
    expectChange(*p, *q, c, c.added, true);
    expectChange(*q, *p, c, reverse(c.added), false);
  }
}

// Property: for random stdlib parents and a random statement added, the diff reports the change in its layer,
// in its direction, at its line; the reverse diff the opposite; each side against itself is equal.
TEST(Diff, RandomSingleStatementChanges) {
  const char* parents[] = {"base.unprivileged", "apps.nginx", "apps.postgres", "apps.redis", "apps.sshd"};
  std::mt19937 rng(20261207);
  for (int i = 0; i < 8; ++i) {
    const char* parent = parents[rng() % std::size(parents)];
    const Change& c = kChanges[rng() % std::size(kChanges)];
    SCOPED_TRACE(std::string(parent) + " + " + c.body);
    auto p = compile("p.ward", child(parent, ""));
    auto q = compile("q.ward", child(parent, c.body));
    auto self = diffOf(*q, *q);
    EXPECT_TRUE(self.equal()) << dump(self);
    auto r = diffOf(*p, *q);
    if (r.differences.empty()) continue;   // the parent already had it (e.g. a capability it keeps)
    expectChange(*p, *q, c, c.added, true);
    expectChange(*q, *p, c, reverse(c.added), false);
  }
}

TEST(Diff, ApparmorAllowCoveredByDenyIsNotWider) {
  // base denies /proc/sysrq-trigger (kernel_masks): a new write allow there grants nothing.
  auto a = compile("a.ward", child("base.unprivileged", ""));
  auto b = compile("b.ward", child("base.unprivileged", "files { write \"/proc/sysrq-trigger\"; }"));
  auto r = diffOf(*a, *b);
  for (const auto& d : r.differences) EXPECT_FALSE(d.layer == Layer::Apparmor && ward::diff::widens(d.direction)) << dump(r);
}

TEST(Diff, SeccompErrnoChangeIsChangedNotWider) {
  EXPECT_EQ(ward::diff::seccompDirection(0x00050001u, 0x00050026u), Direction::Changed);
  EXPECT_EQ(ward::diff::seccompDirection(0x00050001u, 0x7fff0000u), Direction::Wider);
  EXPECT_EQ(ward::diff::seccompDirection(0x7ffc0000u, 0x80000000u), Direction::Narrower);
  EXPECT_EQ(ward::diff::seccompDirection(0x7ff00001u, 0x7fc00000u), Direction::Changed);
  auto a = compile("a.ward", child("base.unprivileged", "syscalls { deny getpid errno EPERM; }"));
  auto b = compile("b.ward", child("base.unprivileged", "syscalls { deny getpid errno EACCES; }"));
  auto r = diffOf(*a, *b);
  ASSERT_FALSE(r.differences.empty());
  for (const auto& d : r.differences) {
    EXPECT_EQ(d.layer, Layer::Seccomp);
    EXPECT_EQ(d.direction, Direction::Changed) << dump(r);
  }
}

TEST(Diff, SeccompArgumentCellsAreExact) {
  // Only one argument value differs: the diff must find that cell (not sampled away).
  auto a = compile("a.ward", child("base.unprivileged", ""));
  auto b = compile("b.ward", child("base.unprivileged", "syscalls { allow setns(arg1 == 0x4000000); }"));
  auto r = diffOf(*a, *b);
  bool found = false;
  for (const auto& d : r.differences)
    if (d.layer == Layer::Seccomp && d.direction == Direction::Wider && d.what.find("setns") != std::string::npos &&
        d.what.find("arg1=0x4000000") != std::string::npos)
      found = true;
  EXPECT_TRUE(found) << dump(r);
}

// AppArmor equality confirmed on the compiled profiles (apparmor_parser -Q -K -S): a raw rule the rule
// model does not cover, spelt two ways, is possibly-wider at rule level and equal once compiled; a real
// widening stays; a policy against itself under another name is confirmed equal.
static bool parserWorks() {
  static const bool works = [] {
    auto c = compile("probe.ward", child("base.unprivileged", "apparmor { rule \"ptrace (read) peer=x,\"; }"));
    std::string why;
    return ward::diff::compareCompiledApparmor(c->policy, c->policy, "apparmor_parser", &why) ==
           ward::diff::CompiledApparmor::Equal;
  }();
  return works;
}

TEST(DiffApparmorConfirm, CompiledProfilesSettleWhatTheRulesCannot) {
  if (!parserWorks()) GTEST_SKIP() << "apparmor_parser cannot compile profiles here";
  auto a = compile("a.ward", child("base.unprivileged", "apparmor { rule \"ptrace (read) peer=x,\"; }"));
  auto b = compile("b.ward", child("base.unprivileged", "apparmor { rule \"ptrace read peer=x,\"; }"));
  ward::diff::CompareOptions confirm;
  confirm.confirmApparmor = true;
  auto rules = diffOf(*a, *b);
  bool possibly = false;
  for (const auto& d : rules.differences) possibly = possibly || (d.layer == Layer::Apparmor && d.direction == Direction::PossiblyWider);
  ASSERT_TRUE(possibly) << "the rule model now covers ptrace: pick another rule\n" << dump(rules);
  auto r = ward::diff::compare({&a->policy, a->bpf}, {&b->policy, b->bpf}, confirm);
  for (const auto& d : r.differences) EXPECT_NE(d.layer, Layer::Apparmor) << dump(r);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("identical"), std::string::npos) << r.notes[0];

  // (`ptrace (read, trace)` would compile the same: base.unprivileged denies trace, and deny wins.)
  auto w = compile("w.ward", child("base.unprivileged", "apparmor { rule \"ptrace (read) peer=x,\"; rule \"/srv/extra/** r,\"; }"));
  EXPECT_EQ(ward::diff::compareCompiledApparmor(a->policy, w->policy, "apparmor_parser"),
            ward::diff::CompiledApparmor::Different);
  auto rw = ward::diff::compare({&a->policy, a->bpf}, {&w->policy, w->bpf}, confirm);
  bool kept = false;
  for (const auto& d : rw.differences) kept = kept || d.layer == Layer::Apparmor;
  EXPECT_TRUE(kept) << dump(rw);

  auto same = compile("s.ward", "import \"std/base\";\npolicy other extends base.unprivileged {}\n");
  auto base = compile("u.ward", "import \"std/base\";\npolicy p extends base.unprivileged {}\n");
  auto eq = ward::diff::compare({&base->policy, base->bpf}, {&same->policy, same->bpf}, confirm);
  ASSERT_FALSE(eq.notes.empty());
  EXPECT_NE(eq.notes[0].find("equal, confirmed"), std::string::npos) << eq.notes[0];
}

TEST(DiffApparmorConfirm, AMissingParserIsSaidNotHidden) {
  auto a = compile("a.ward", child("base.unprivileged", "files { read \"/srv/a\"; }"));
  ward::diff::Result r;
  ward::diff::CompareOptions o;
  o.confirmApparmor = true;
  o.apparmorParser = "/nonexistent/apparmor_parser";
  ward::diff::confirmApparmor(a->policy, a->policy, o, r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("not confirmed"), std::string::npos) << r.notes[0];
}

// The golden diff between LXC's stock common.conf (audited as `ward diff lxc:...` does, from the fixtures
// in tests/fixtures/lxc-stock, never the host's files) and base.lxc_default, which restates it. Each
// difference is a documented known gap (docs/diff.md, "Known gaps"); WARD_UPDATE_GOLDEN=1 rewrites the
// expectation (review it).
class FixtureFs : public ward::lxcconf::FileSystem {
 public:
  static std::string at(const std::string& path) {
    for (const char* prefix : {"/usr/share/lxc/", "/etc/apparmor.d/"})
      if (path.rfind(prefix, 0) == 0) return std::string(WARD_SOURCE_DIR) + "/tests/fixtures/lxc-stock" + path;
    return "/nonexistent" + path;
  }
  std::optional<std::string> readFile(const std::string& p, std::string& e) const override { return FileSystem::readFile(at(p), e); }
  bool isDirectory(const std::string& p) const override { return FileSystem::isDirectory(at(p)); }
  bool isMissing(const std::string& p) const override { return FileSystem::isMissing(at(p)); }
  std::optional<std::vector<std::string>> listDirectory(const std::string& p, std::string& e) const override {
    return FileSystem::listDirectory(at(p), e);
  }
};

static std::string where(const ward::ir::Policy& p, const ward::Span& s) {
  if (!s.valid() || s.file >= p.sources.size()) return "-";
  std::string name = p.sources[s.file].displayName;
  if (const auto at = name.find("stdlib/"); at != std::string::npos) name = name.substr(at + 7);
  if (name.rfind("/nonexistent/", 0) == 0) name = name.substr(13);
  return name + ":" + std::to_string(s.line) + ":" + std::to_string(s.col);
}

TEST(DiffGolden, LxcStockAgainstBaseLxcDefault) {
  ward::SourceManager sources;
  FixtureFs fs;
  ward::verify::AuditOptions ao;
  ao.fs = &fs;
  auto stock = ward::verify::auditLxcConfig(sources, "/usr/share/lxc/config/common.conf", ao);
  ASSERT_TRUE(stock.ok()) << (stock.errors.empty() ? "" : stock.errors[0]);
  std::string bpf;
  for (const auto& a : stock.artifacts)
    if (a.fileName.size() > 4 && a.fileName.compare(a.fileName.size() - 4, 4, ".bpf") == 0) bpf = a.content;
  auto ward = compile("lxc_default.ward", "import \"std/base\";\npolicy lxc_default extends base.lxc_default {}\n");
  auto r = ward::diff::compare({&stock.policy, bpf}, {&ward->policy, ward->bpf});
  std::string text = "# ward diff lxc:/usr/share/lxc/config/common.conf (LXC 5.0.2, Debian 12) base.lxc_default\n";
  for (const auto& d : r.differences)
    text += std::string(ward::diff::layerName(d.layer)) + " " + ward::diff::directionName(d.direction) + ": " + d.what +
            "\n    old " + where(stock.policy, d.oldSpan) + "  new " + where(ward->policy, d.newSpan) + "\n";
  for (const auto& e : r.errors) text += "error: " + e + "\n";
  const std::string path = std::string(WARD_SOURCE_DIR) + "/tests/golden/diff-lxc/lxc_stock--lxc_default.expected";
  if (const char* u = std::getenv("WARD_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), text) << "run with WARD_UPDATE_GOLDEN=1 and review tests/golden/diff-lxc/";
}
