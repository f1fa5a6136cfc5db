// The MCS registry: stability, uniqueness, concurrency (20 processes at once), release, exhaustion and
// corruption (never reset).
#include "backend/selinux/registry.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/sha256.h"

namespace ward {
namespace {

namespace se = backend::selinux;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-mcs-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

se::RegistryOptions opts(const fs::path& dir, std::uint32_t first = 0, std::uint32_t last = 1023) {
  se::RegistryOptions o;
  o.stateDir = dir.string();
  o.firstCategory = first;
  o.lastCategory = last;
  return o;
}

TEST(McsRegistry, StableAcrossCallsAndDeterministicForAFreshRegistry) {
  TempDir d1, d2;
  auto a = se::allocate(opts(d1.path), "web");
  ASSERT_TRUE(a.ok()) << a.error;
  ASSERT_TRUE(a.pair);
  EXPECT_LT(a.pair->lo, a.pair->hi);
  EXPECT_LE(a.pair->hi, 1023u);
  auto again = se::allocate(opts(d1.path), "web");
  EXPECT_EQ(*again.pair, *a.pair);
  auto looked = se::lookup(d1.path.string(), "web");
  EXPECT_EQ(*looked.pair, *a.pair);
  // The same name in another registry starts from the same place.
  EXPECT_EQ(*se::allocate(opts(d2.path), "web").pair, *a.pair);
  EXPECT_FALSE(se::lookup(d1.path.string(), "db").pair);
  // The file is what the format says.
  const std::string text = slurp(se::registryPath(d1.path.string()));
  EXPECT_NE(text.find("web\t" + a.pair->text() + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("# ward MCS registry v1", 0), 0u);
}

TEST(McsRegistry, UniqueAcrossManyContainers) {
  TempDir dir;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (int i = 0; i < 300; ++i) {
    auto r = se::allocate(opts(dir.path, 0, 63), "c" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(seen.insert({r.pair->lo, r.pair->hi}).second) << r.pair->text();
    EXPECT_LE(r.pair->hi, 63u);
  }
}

TEST(McsRegistry, ConcurrentCompilesGetDistinctPairs) {
  TempDir dir;
  const auto o = opts(dir.path / "state", 0, 9);   // 45 pairs: collisions of hash start points are likely
  constexpr int kProcs = 20;
  int go[2], results[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(results), 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      char c;
      while (::read(go[0], &c, 1) < 0) {   // all start when the parent closes the pipe
      }
      auto r = se::allocate(o, "ct" + std::to_string(i));
      std::uint32_t msg[3] = {static_cast<std::uint32_t>(i), r.pair ? r.pair->lo : 9999, r.pair ? r.pair->hi : 9999};
      ssize_t n = ::write(results[1], msg, sizeof msg);
      ::_exit(r.ok() && n == sizeof msg ? 0 : 1);
    }
    pids.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);
  ::close(results[1]);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::map<int, se::McsPair> got;
  std::uint32_t msg[3];
  while (::read(results[0], msg, sizeof msg) == sizeof msg) got[static_cast<int>(msg[0])] = {msg[1], msg[2]};
  ::close(results[0]);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kProcs));
  std::set<std::pair<std::uint32_t, std::uint32_t>> distinct;
  for (const auto& [i, p] : got) {
    distinct.insert({p.lo, p.hi});
    // The registry is intact and says the same thing.
    auto l = se::lookup(o.stateDir, "ct" + std::to_string(i));
    ASSERT_TRUE(l.ok()) << l.error;
    ASSERT_TRUE(l.pair);
    EXPECT_EQ(*l.pair, p);
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kProcs));
  // No temporary files left behind.
  for (const auto& e : fs::directory_iterator(o.stateDir))
    EXPECT_TRUE(e.path().filename() == "mcs.registry" || e.path().filename() == "mcs.lock") << e.path();
}

TEST(McsRegistry, ReleaseFreesThePair) {
  TempDir dir;
  auto o = opts(dir.path, 0, 2);   // 3 pairs
  auto a = se::allocate(o, "a");
  auto b = se::allocate(o, "b");
  auto c = se::allocate(o, "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(se::allocate(o, "d").code, ward::Code::E1202);
  auto r = se::releasePair(dir.path.string(), "b");
  EXPECT_EQ(r.status, se::ReleaseStatus::Released);
  ASSERT_TRUE(r.pair);
  EXPECT_EQ(*r.pair, *b.pair);
  EXPECT_FALSE(se::lookup(dir.path.string(), "b").pair);
  EXPECT_EQ(se::releasePair(dir.path.string(), "b").status, se::ReleaseStatus::NotAllocated);
  auto d = se::allocate(o, "d");   // the freed pair is the only one left
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(*d.pair, *b.pair);
  EXPECT_EQ(*se::allocate(o, "a").pair, *a.pair);   // others untouched
  EXPECT_EQ(se::releasePair((dir.path / "missing").string(), "x").status, se::ReleaseStatus::NotAllocated);
  EXPECT_FALSE(fs::exists(dir.path / "missing"));
  // The CLI's form: empty on success, a sentence otherwise.
  EXPECT_EQ(se::release(dir.path.string(), "d"), "");
  EXPECT_NE(se::release(dir.path.string(), "d").find("no MCS categories are allocated to 'd'"), std::string::npos);
}

TEST(McsRegistry, ExhaustionIsAClearError) {
  TempDir dir;
  auto o = opts(dir.path, 0, 4);   // 10 pairs
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (int i = 0; i < 10; ++i) {
    auto r = se::allocate(o, "n" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
    seen.insert({r.pair->lo, r.pair->hi});
  }
  EXPECT_EQ(seen.size(), 10u);
  auto r = se::allocate(o, "n10");
  EXPECT_EQ(r.code, ward::Code::E1202);
  EXPECT_FALSE(r.pair);
  EXPECT_NE(r.error.find("all 10 MCS category pairs in c0..c4 are allocated"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("ward release"), std::string::npos);
  // Known containers still get their pair when the range is full.
  EXPECT_TRUE(se::allocate(o, "n3").ok());
  // A range with no pair at all.
  EXPECT_EQ(se::allocate(opts(dir.path, 5, 5), "x").code, ward::Code::E1202);
  EXPECT_EQ(se::allocate(opts(dir.path, 0, 1024), "x").code, ward::Code::E1202);
}

TEST(McsRegistry, CorruptionIsNeverReset) {
  TempDir dir;
  const std::string state = dir.path.string();
  const std::string path = se::registryPath(state);
  ASSERT_TRUE(se::allocate(opts(dir.path), "web").ok());
  ASSERT_TRUE(se::allocate(opts(dir.path), "db").ok());
  const std::string good = slurp(path);
  const std::string header = good.substr(0, good.find('\n') + 1);
  auto withSum = [&](const std::string& body) { return body + "# sha256 " + sha256Hex(body) + "\n"; };

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "hello world\n"},
      {"empty", ""},
      {"truncated", good.substr(0, good.size() - 20)},
      {"no checksum line", good.substr(0, good.rfind("# sha256"))},
      {"edited entry, old checksum", [&] {
         std::string s = good;
         s.replace(s.find("web\t"), 4, "wex\t");
         return s;
       }()},
      {"duplicate pair", withSum(header + "a\tc1,c2\nb\tc1,c2\n")},
      {"lo >= hi", withSum(header + "a\tc5,c2\n")},
      {"out of range", withSum(header + "a\tc1,c1024\n")},
      {"unsorted", withSum(header + "b\tc1,c2\na\tc1,c3\n")},
      {"bad name", withSum(header + "a b\tc1,c2\n")},
  };
  for (const auto& [what, content] : cases) {
    { std::ofstream(path, std::ios::binary | std::ios::trunc) << content; }
    auto r = se::allocate(opts(dir.path), "new");
    EXPECT_EQ(r.code, ward::Code::E1203) << what;
    EXPECT_NE(r.error.find("corrupt"), std::string::npos) << what << ": " << r.error;
    EXPECT_NE(r.error.find(path), std::string::npos) << what;
    EXPECT_EQ(se::lookup(state, "web").code, ward::Code::E1203) << what;
    EXPECT_EQ(se::releasePair(state, "web").status, se::ReleaseStatus::Error) << what;
    EXPECT_EQ(se::release(state, "web").rfind("E1203: ", 0), 0u) << what;
    EXPECT_EQ(slurp(path), content) << what << ": the registry was changed";
  }
  // A well-formed hand-written registry (correct checksum) is accepted.
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << withSum(header + "a\tc1,c2\n"); }
  auto a = se::allocate(opts(dir.path), "a");
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(a.pair->text(), "c1,c2");
}

TEST(McsRegistry, NamesAreChecked) {
  TempDir dir;
  EXPECT_EQ(se::allocate(opts(dir.path), "has space").code, ward::Code::E1203);
  EXPECT_EQ(se::allocate(opts(dir.path), "tab\there").code, ward::Code::E1203);
  EXPECT_EQ(se::allocate(opts(dir.path), "").code, ward::Code::E1203);
  EXPECT_TRUE(se::allocate(opts(dir.path), "web-1.prod@host:x+y_z").ok());
}

}  // namespace
}  // namespace ward
