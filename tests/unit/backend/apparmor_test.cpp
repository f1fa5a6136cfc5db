// The AppArmor backend: profile shape, provenance comments, determinism, rejected input, and acceptance of
// every generated profile by the real apparmor_parser (-Q -K: parse and compile, no kernel, no cache).
#include "backend/apparmor/apparmor.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../lower/policy_builder.h"
#include "lower/lower.h"
#include "lowered.h"

#include <type_traits>

namespace ward {
namespace {

using namespace ward::lowertest;

ir::Policy lowered(ir::Policy p) {
  Diagnostics d;
  auto l = lower::lower(std::move(p), d);
  EXPECT_FALSE(d.hasErrors());
  return l ? l->policy() : ir::Policy{};
}

std::string emitProfile(const ir::Policy& p, Diagnostics* diagsOut = nullptr) {
  Diagnostics d;
  auto arts = backend::apparmor::emit(ward::testing::asLowered(p), backend::Options{}, d);
  if (diagsOut) *diagsOut = d;
  if (d.hasErrors() || arts.size() != 1) return {};
  EXPECT_EQ(arts[0].fileName, p.name + ".apparmor");
  return arts[0].content;
}

bool haveParser() { return std::system("command -v apparmor_parser >/dev/null 2>&1") == 0; }

struct ParseResult {
  int status;
  std::string output;
};

// apparmor_parser -Q -K on the profile text: exit status and its messages.
ParseResult parse(const std::string& profile, const std::string& tag) {
  const auto dir = std::filesystem::temp_directory_path() / ("ward-aa-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / (tag + ".apparmor");
  const auto log = dir / (tag + ".log");
  std::ofstream(file) << profile;
  std::string cmd = "apparmor_parser -Q -K '" + file.string() + "' >'" + log.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove_all(dir);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

TEST(AppArmorEmit, CompleteProfileWithProvenanceComments) {
  ir::Policy p = lowered(fullPolicy());
  const std::string text = emitProfile(p);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.find("\n#include <tunables/global>\n"), std::string::npos);
  EXPECT_NE(text.find("\nprofile ward-full flags=(attach_disconnected,mediate_deleted) {\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 2), "}\n");
  EXPECT_NE(text.find("  # examples/full.ward:20 network listen tcp 80\n  network inet stream,\n"), std::string::npos);
  EXPECT_NE(text.find("  # examples/full.ward:6 files exec\n  /usr/sbin/nginx rmix,\n"), std::string::npos);
  EXPECT_NE(text.find("  # examples/full.ward:35 apparmor rule\n  deny /opt/secret/** rw,\n"), std::string::npos);
  EXPECT_NE(text.find("  # examples/full.ward:1 ward base: ESC-SYSRQ"), std::string::npos);
  // Every rule line inside the profile is preceded by its comment.
  std::istringstream in(text.substr(text.find("{\n") + 2));
  std::string line, prev;
  int rules = 0;
  while (std::getline(in, line)) {
    if (line == "}") break;
    if (line.rfind("  # ", 0) != 0) {
      ++rules;
      EXPECT_EQ(prev.rfind("  # examples/full.ward:", 0), 0u) << line;
      EXPECT_EQ(line.back(), ',') << line;
    }
    prev = line;
  }
  EXPECT_EQ(static_cast<std::size_t>(rules), p.mechanism.apparmorRules.size());
}

TEST(AppArmorEmit, NameAndFlags) {
  ir::Policy p = basePolicy();
  p.apparmor.profileName = "custom-web";
  p.apparmor.flags = {"complain", "no_attach_disconnected"};
  std::string text = emitProfile(lowered(p));
  EXPECT_NE(text.find("\nprofile custom-web flags=(mediate_deleted,complain,no_attach_disconnected) {\n"),
            std::string::npos)
      << text.substr(0, 600);
  EXPECT_EQ(lowered(p).apparmor.profileName, "custom-web");
  EXPECT_EQ(lowered(basePolicy()).apparmor.profileName, "ward-web");

  Diagnostics d;
  p.apparmor.flags = {"complain", "enforce"};
  EXPECT_TRUE(emitProfile(lowered(p), &d).empty());
  EXPECT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items().at(0).code, "E1101");
  p.apparmor.flags = {"prompt"};
  EXPECT_TRUE(emitProfile(lowered(p), &d).empty());
  p.apparmor.flags.clear();
  p.apparmor.profileName = "bad name";
  EXPECT_TRUE(emitProfile(lowered(p), &d).empty());
  EXPECT_EQ(d.items().at(0).code, "E1101");
}

TEST(AppArmorEmit, ByteIdenticalOnRecompile) {
  EXPECT_EQ(emitProfile(lowered(fullPolicy())), emitProfile(lowered(fullPolicy())));
}

TEST(AppArmorEmit, RawRulesThatBreakTheProfileAreRejected) {
  for (const char* bad : {"} profile evil { capability,", "deny /x r", "deny /x r,\ncapability,", "capability, # c",
                          "deny /x{ r,", "\"/x r,"}) {
    ir::Policy p = basePolicy();
    p.apparmor.rawRules = {{bad, lineSpan(9)}};
    Diagnostics d;
    EXPECT_TRUE(emitProfile(lowered(p), &d).empty()) << bad;
    ASSERT_TRUE(d.hasErrors()) << bad;
    EXPECT_EQ(d.items().at(0).code, "E1101");
    EXPECT_EQ(d.items().at(0).span.line, 9u);
  }
}

TEST(AppArmorEmit, TakesOnlyALoweredPolicy) {
  static_assert(!std::is_invocable_v<decltype(&backend::apparmor::emit), const ir::Policy&,
                                     const backend::Options&, Diagnostics&>);
  static_assert(!std::is_constructible_v<lower::Lowered, ir::Policy>);
}

// ---- the real parser --------------------------------------------------------------------------------
std::vector<std::pair<std::string, ir::Policy>> variants() {
  std::vector<std::pair<std::string, ir::Policy>> v;
  v.emplace_back("minimal", basePolicy("minimal"));
  v.emplace_back("full", fullPolicy());
  {
    ir::Policy p = fullPolicy("nesting");
    p.apparmor.nesting = {true, lineSpan(40)};
    v.emplace_back("nesting", p);
  }
  {
    ir::Policy p = basePolicy("privileged");
    p.identity.privileged = true;
    p.capabilities.keepAll = true;
    p.capabilities.keepAllSpan = lineSpan(3);
    p.files.proc.value = ir::FsMode::Rw;
    p.files.sys.value = ir::FsMode::Rw;
    p.files.cgroup.value = ir::FsMode::Rw;
    v.emplace_back("privileged", p);
  }
  {
    ir::Policy p = basePolicy("readonly");
    p.files.proc.value = ir::FsMode::Ro;
    p.files.sys.value = ir::FsMode::Off;
    p.files.cgroup.value = ir::FsMode::Ro;
    p.network.none = true;
    p.network.unix = ir::Located<bool>{false, lineSpan(4)};
    v.emplace_back("readonly", p);
  }
  {
    ir::Policy p = basePolicy("rawnet");
    p.network.raw = lineSpan(3);
    p.network.packet = lineSpan(4);
    p.network.ipv6 = false;
    p.network.connect = {endpoint(ir::Endpoint::Proto::Sctp, 9, 9, 5)};
    p.apparmor.flags = {"complain"};
    p.apparmor.profileName = "ward-rawnet.v2";
    v.emplace_back("rawnet", p);
  }
  {
    ir::Policy p = basePolicy("paths");
    p.files.rules = {fileRule("/srv/a b/**", ir::kRead, 3), fileRule("/srv/a,b", ir::kWrite | ir::kLock, 4),
                     fileRule("/srv/q\"uote", ir::kAppend, 5), fileRule("/srv/{x,y}/*.conf", ir::kRead | ir::kExec, 6),
                     fileRule("/srv/#hash", 0, 7, true), fileRule("/srv/own/**", ir::kExec | ir::kLink, 8, true, true)};
    ir::Mount m;
    m.source = "/host/odd";
    m.target = "/srv/odd [1]/*";
    m.readOnly = true;
    m.span = lineSpan(9);
    p.files.mounts = {m};
    p.devices = {device('c', 10, 200, "/dev/net/tun", true, true, false, 10),
                 device('c', 136, -1, "/dev/pts/*", true, true, false, 11)};
    // The stdlib's escape hatches, as std/base.ward writes them.
    for (const char* r : {"deny mount fstype=devpts,", "deny mount,", "deny /sys/[^f]*/** wklx,",
                          "deny /sys/fs/c[^g]*/** wklx,"})
      p.apparmor.rawRules.push_back({r, lineSpan(12)});
    v.emplace_back("paths", p);
  }
  return v;
}

TEST(AppArmorParser, AcceptsEveryGeneratedProfile) {
  if (!haveParser()) GTEST_SKIP() << "apparmor_parser is not installed";
  for (auto& [tag, policy] : variants()) {
    const std::string text = emitProfile(lowered(policy));
    ASSERT_FALSE(text.empty()) << tag;
    ParseResult r = parse(text, tag);
    EXPECT_EQ(r.status, 0) << tag << ":\n" << r.output << "\n" << text;
  }
}

TEST(AppArmorParser, TheHarnessSeesRejections) {
  if (!haveParser()) GTEST_SKIP() << "apparmor_parser is not installed";
  std::string text = emitProfile(lowered(basePolicy()));
  const std::string marker = "  file,\n";
  ASSERT_NE(text.find(marker), std::string::npos);
  text.replace(text.find(marker), marker.size(), "  /a wa,\n");   // 'w' and 'a' conflict
  ParseResult r = parse(text, "broken");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("mutually exclusive"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ward
