// A refused start is reported beyond LXC's INFO log: the system log (an injected sink here), the record
// STATE/containers/NAME/last-refusal.json, and `ward lxc-status` (hook::status). Hermetic: a temporary
// state directory, a fixed clock, no syslog and no parent's terminal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hook/hook.h"
#include "hook/refusal.h"

namespace fs = std::filesystem;
using namespace ward::hook;

namespace {

struct Recorder : SystemLog {
  std::vector<std::string> lines;
  void error(const std::string& line) override { lines.push_back(line); }
};

struct State {
  State() {
    std::string t = (fs::temp_directory_path() / "ward-refusal-XXXXXX").string();
    dir = ::mkdtemp(t.data());
  }
  ~State() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string record(const std::string& c) const { return dir + "/containers/" + c + "/" + kRefusalFile; }
  std::string dir;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kBroken =
    "ward lxc-hook: c1: refused: the policy /etc/ward/c1.ward does not compile:\n"
    "ward lxc-hook: c1: refused:   /etc/ward/c1.ward:3:5: error E0201: unknown section 'filez'\n";

}  // namespace

TEST(HookRefusal, LocateReadsTheFormsWardPrints) {
  auto a = locate("refused:   /etc/ward/c1.ward:3:5: error E0201: unknown section");
  EXPECT_EQ(a.file, "/etc/ward/c1.ward");
  EXPECT_EQ(a.line, 3u);
  EXPECT_EQ(a.col, 5u);
  auto b = locate("refused: verifier (fail_on high): SYS-BPF (high): open: bpf() -> ALLOW on x86_64 [std/base.ward:12:7]");
  EXPECT_EQ(b.file, "std/base.ward");
  EXPECT_EQ(b.line, 12u);
  EXPECT_EQ(b.col, 7u);
  auto c = locate("refused: drift: /var/lib/lxc/c1/config:14: lxc.cap.keep = sys_admin widens the capabilities");
  EXPECT_EQ(c.file, "/var/lib/lxc/c1/config");
  EXPECT_EQ(c.line, 14u);
  EXPECT_EQ(c.col, 0u);
  auto d = locate("refused: the policy /etc/ward/c1.ward does not exist");
  EXPECT_EQ(d.file, "");
  EXPECT_EQ(locate("refused: MCS registry: c12,c345 at 12:40:01").file, "");
}

TEST(HookRefusal, ARefusalGoesToTheLogAndTheRecordAndASuccessResolvesIt) {
  State s;
  Recorder log;
  Reporting rep;
  rep.log = &log;
  rep.now = [] { return std::string("2026-12-07T12:00:00Z"); };
  std::string messages = kBroken;
  reportOutcome(rep, s.dir, "c1", "pre-start", "/etc/ward/c1.ward", kHookRefused, messages);

  // The system log: every line, without the tool's prefix, the hint where the reason is kept included.
  ASSERT_EQ(log.lines.size(), 3u);
  EXPECT_EQ(log.lines[1], "c1: refused:   /etc/ward/c1.ward:3:5: error E0201: unknown section 'filez'");
  EXPECT_NE(log.lines[2].find("ward lxc-status c1 --state-dir " + s.dir), std::string::npos) << log.lines[2];
  EXPECT_NE(messages.find("the reason is kept in " + s.record("c1")), std::string::npos) << messages;

  // The record: written 0600, the diagnostics located.
  struct stat st{};
  ASSERT_EQ(::stat(s.record("c1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string error;
  auto r = parseRefusal(slurp(s.record("c1")), error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->container, "c1");
  EXPECT_EQ(r->time, "2026-12-07T12:00:00Z");
  EXPECT_EQ(r->policyFile, "/etc/ward/c1.ward");
  EXPECT_EQ(r->exitCode, kHookRefused);
  ASSERT_EQ(r->diagnostics.size(), 2u);
  EXPECT_EQ(r->diagnostics[1].file, "/etc/ward/c1.ward");
  EXPECT_EQ(r->diagnostics[1].line, 3u);
  EXPECT_EQ(r->diagnostics[1].col, 5u);
  EXPECT_FALSE(r->resolvedAt);

  // `ward lxc-status c1`: the reason with file:line:col, exit 1 while outstanding.
  std::string out, msgs;
  EXPECT_EQ(status({"c1", s.dir, false}, out, msgs), kHookRefused) << msgs;
  EXPECT_NE(out.find("c1: the last start was refused at 2026-12-07T12:00:00Z"), std::string::npos) << out;
  EXPECT_NE(out.find("/etc/ward/c1.ward:3:5: error E0201"), std::string::npos) << out;

  // A successful start marks it resolved; the reason stays readable.
  rep.now = [] { return std::string("2026-12-07T12:05:00Z"); };
  std::string none;
  reportOutcome(rep, s.dir, "c1", "pre-start", "/etc/ward/c1.ward", kHookOk, none);
  EXPECT_EQ(none, "");
  EXPECT_EQ(log.lines.size(), 3u);   // a success is not logged
  out.clear();
  EXPECT_EQ(status({"c1", s.dir, false}, out, msgs), kHookOk);
  EXPECT_NE(out.find("started successfully since, at 2026-12-07T12:05:00Z"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(status({"c1", s.dir, true}, out, msgs), kHookOk);
  EXPECT_NE(out.find("\"resolvedAt\": \"2026-12-07T12:05:00Z\""), std::string::npos) << out;
}

TEST(HookRefusal, StatusWithoutARecordAndWithABrokenOne) {
  State s;
  std::string out, msgs;
  EXPECT_EQ(status({"c2", s.dir, false}, out, msgs), kHookOk);
  EXPECT_NE(out.find("c2: no refused start recorded"), std::string::npos) << out;
  EXPECT_EQ(status({"../x", s.dir, false}, out, msgs), kHookUsage);
  EXPECT_EQ(status({"c2", "relative", false}, out, msgs), kHookUsage);
  fs::create_directories(s.dir + "/containers/c2");
  fs::permissions(s.dir + "/containers", fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(s.dir + "/containers/c2", fs::perms::owner_all, fs::perm_options::replace);
  std::ofstream(s.record("c2")) << "{ not json";
  msgs.clear();
  EXPECT_EQ(status({"c2", s.dir, false}, out, msgs), kHookUsage);
  EXPECT_NE(msgs.find("not a JSON object"), std::string::npos) << msgs;
}

TEST(HookRefusal, NoRecordForANameWardRejectsButTheLogStillGetsIt) {
  State s;
  Recorder log;
  Reporting rep;
  rep.log = &log;
  std::string messages = "ward lxc-hook: refused: LXC_NAME '../x' is not a container name ward accepts\n";
  reportOutcome(rep, s.dir, "../x", "pre-start", "/etc/ward/x.ward", kHookUsage, messages);
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_EQ(log.lines[0], "refused: LXC_NAME '../x' is not a container name ward accepts");
  EXPECT_FALSE(fs::exists(s.dir + "/containers"));
}
