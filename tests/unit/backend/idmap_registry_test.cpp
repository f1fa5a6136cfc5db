// The id range registry behind `idmap auto`: the pool, stability, uniqueness, concurrency (20 processes at
// once), release, exhaustion, corruption (never reset), and idmaps() in allocating and check-only runs.
#include "backend/allocate.h"
#include "backend/common/idmap_registry.h"
#include "lowered.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "backend/common/common.h"
#include "base/sha256.h"
#include "common_fixture.h"

namespace ward {
namespace {

namespace bc = backend::common;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-idmap-XXXXXX").string();
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

// A pool of `n` ranges from 2000000 on (uids) and 3000000 on (gids).
bc::IdPool smallPool(std::uint32_t n) {
  const std::string u = "root:2000000:" + std::to_string(n * 65536) + "\n";
  const std::string g = "root:3000000:" + std::to_string(n * 65536) + "\n";
  return bc::idPool(u, g);
}

bc::IdRegistryOptions opts(const fs::path& dir, bc::IdPool pool = bc::idPool("", "")) {
  bc::IdRegistryOptions o;
  o.stateDir = dir.string();
  o.pool = std::move(pool);
  return o;
}

bool overlap(std::uint32_t a, std::uint32_t b) {
  return std::uint64_t{a} < std::uint64_t{b} + 65536 && std::uint64_t{b} < std::uint64_t{a} + 65536;
}

TEST(IdPool, DefaultAndRootEntries) {
  // No root entry: the default pool, 1000 ranges from 1000000 on, uid range k with gid range k.
  auto d = bc::idPool("", "alice:100000:65536\n");
  ASSERT_EQ(d.slots.size(), 1000u);
  EXPECT_FALSE(d.uidFromSubid);
  EXPECT_EQ(d.slots.front(), (bc::IdSlot{1000000, 1000000}));
  EXPECT_EQ(d.slots.back(), (bc::IdSlot{1000000 + 999 * 65536, 1000000 + 999 * 65536}));
  EXPECT_NE(d.description.find("default pool 1000000-66535999"), std::string::npos) << d.description;
  // Root's entries ("root" or "0") are cut into 65536-id ranges; a remainder is not used.
  auto r = bc::idPool("root:100000:200000\n0:900000:65536\n", "root:500000:65536\nroot:700000:131072\n");
  EXPECT_TRUE(r.uidFromSubid && r.gidFromSubid);
  ASSERT_EQ(r.slots.size(), 3u);   // uids: 100000, 165536, 231072, 900000; gids: 500000, 700000, 765536
  EXPECT_EQ(r.slots[0], (bc::IdSlot{100000, 500000}));
  EXPECT_EQ(r.slots[2], (bc::IdSlot{231072, 765536}));
  // A range another user may map (newuidmap) is left out, in the default pool too.
  auto o = bc::idPool("bob:1065536:10\n", "");
  ASSERT_EQ(o.slots.size(), 999u);
  EXPECT_EQ(o.slots[1].uid, 1000000u + 2 * 65536);
  // Root entries smaller than 65536 ids give no range at all.
  EXPECT_TRUE(bc::idPool("root:100000:1000\n", "").slots.empty());
  EXPECT_TRUE(bc::idPool("root:4294901760:65536\n", "").slots.empty());   // would reach (uid_t)-1
}

TEST(IdRegistry, StableAcrossCallsAndDeterministicForAFreshRegistry) {
  TempDir d1, d2;
  const auto state = d1.path / "state";
  auto a = bc::allocateIdRange(opts(state), "web");
  ASSERT_TRUE(a.ok()) << a.error;
  ASSERT_TRUE(a.range);
  EXPECT_FALSE(a.placeholder);
  EXPECT_TRUE(opts(state).pool.contains(*a.range));
  EXPECT_EQ(*bc::allocateIdRange(opts(state), "web").range, *a.range);
  EXPECT_EQ(*bc::lookupIdRange(state.string(), "web").range, *a.range);
  EXPECT_EQ(*bc::previewIdRange(opts(state), "web").range, *a.range);
  EXPECT_FALSE(bc::previewIdRange(opts(state), "web").placeholder);
  // The same name in another registry starts from the same place, which startSlot() predicts.
  EXPECT_EQ(*bc::allocateIdRange(opts(d2.path), "web").range, *a.range);
  EXPECT_EQ(*bc::startSlot(opts(state).pool, "web"), *a.range);
  EXPECT_FALSE(bc::lookupIdRange(state.string(), "db").range);
  // The file is what the format says; private modes.
  const std::string text = slurp(bc::idRegistryPath(state.string()));
  EXPECT_EQ(text.rfind("# ward idmap registry v1", 0), 0u);
  EXPECT_NE(text.find("web\t" + std::to_string(a.range->uid) + "\t" + std::to_string(a.range->gid) + "\n"),
            std::string::npos)
      << text;
  const std::string body = text.substr(0, text.rfind("# sha256 "));
  EXPECT_NE(text.find("# sha256 " + sha256Hex(body) + "\n"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(bc::idRegistryPath(state.string()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(bc::idLockPath(state.string()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(IdRegistry, UniqueFor50Containers) {
  TempDir dir;
  const auto o = opts(dir.path);
  std::vector<bc::IdSlot> got;
  for (int i = 0; i < 50; ++i) {
    auto r = bc::allocateIdRange(o, "ct-" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(o.pool.contains(*r.range));
    for (const auto& g : got) {
      EXPECT_FALSE(overlap(g.uid, r.range->uid)) << i;
      EXPECT_FALSE(overlap(g.gid, r.range->gid)) << i;
    }
    got.push_back(*r.range);
  }
  // And all 50 are still there, unchanged.
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(*bc::lookupIdRange(o.stateDir, "ct-" + std::to_string(i)).range, got[static_cast<std::size_t>(i)]);
}

TEST(IdRegistry, ConcurrentCompilesGetDistinctRanges) {
  TempDir dir;
  const auto o = opts(dir.path / "state", smallPool(24));   // start points collide often
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
      auto r = bc::allocateIdRange(o, "ct" + std::to_string(i));
      std::uint32_t msg[3] = {static_cast<std::uint32_t>(i), r.range ? r.range->uid : 0, r.range ? r.range->gid : 0};
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
  std::map<int, bc::IdSlot> got;
  std::uint32_t msg[3];
  while (::read(results[0], msg, sizeof msg) == sizeof msg) got[static_cast<int>(msg[0])] = {msg[1], msg[2]};
  ::close(results[0]);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kProcs));
  std::set<std::uint32_t> uids, gids;
  for (const auto& [i, s] : got) {
    uids.insert(s.uid);
    gids.insert(s.gid);
    // The registry is intact and says the same thing.
    auto l = bc::lookupIdRange(o.stateDir, "ct" + std::to_string(i));
    ASSERT_TRUE(l.ok()) << l.error;
    ASSERT_TRUE(l.range);
    EXPECT_EQ(*l.range, s);
  }
  EXPECT_EQ(uids.size(), static_cast<std::size_t>(kProcs));
  EXPECT_EQ(gids.size(), static_cast<std::size_t>(kProcs));
  // No temporary files left behind.
  for (const auto& e : fs::directory_iterator(o.stateDir))
    EXPECT_TRUE(e.path().filename() == "idmap.registry" || e.path().filename() == "idmap.lock") << e.path();
}

TEST(IdRegistry, ReleaseFreesTheRange) {
  TempDir dir;
  const auto o = opts(dir.path, smallPool(3));
  auto a = bc::allocateIdRange(o, "a");
  auto b = bc::allocateIdRange(o, "b");
  auto c = bc::allocateIdRange(o, "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(bc::allocateIdRange(o, "d").code, ward::Code::E1204);
  auto r = bc::releaseIdRange(o.stateDir, "b");
  EXPECT_EQ(r.status, bc::IdReleaseStatus::Released);
  ASSERT_TRUE(r.range);
  EXPECT_EQ(*r.range, *b.range);
  EXPECT_FALSE(bc::lookupIdRange(o.stateDir, "b").range);
  EXPECT_EQ(bc::releaseIdRange(o.stateDir, "b").status, bc::IdReleaseStatus::NotAllocated);
  auto d = bc::allocateIdRange(o, "d");   // the freed range is the only one left
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(*d.range, *b.range);
  EXPECT_EQ(*bc::allocateIdRange(o, "a").range, *a.range);   // others untouched
  // Nothing to release where nothing was ever registered; nothing is created for the question.
  EXPECT_EQ(bc::releaseIdRange((dir.path / "missing").string(), "x").status, bc::IdReleaseStatus::NotAllocated);
  EXPECT_FALSE(fs::exists(dir.path / "missing"));
  // The CLI's form: empty on success, a sentence otherwise.
  EXPECT_EQ(bc::releaseIdmap(o.stateDir, "d"), "");
  EXPECT_NE(bc::releaseIdmap(o.stateDir, "d").find("no id range is allocated to 'd'"), std::string::npos);
}

TEST(IdRegistry, ExhaustionIsAClearError) {
  TempDir dir;
  const auto o = opts(dir.path, smallPool(4));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(bc::allocateIdRange(o, "n" + std::to_string(i)).ok()) << i;
  auto r = bc::allocateIdRange(o, "n4");
  EXPECT_EQ(r.code, ward::Code::E1204);
  EXPECT_FALSE(r.range);
  EXPECT_NE(r.error.find("all 4 id ranges of 65536 ids"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("ward release"), std::string::npos);
  EXPECT_EQ(bc::previewIdRange(o, "n4").code, ward::Code::E1204);   // a check says so too
  // Known containers still get their range when the pool is full.
  EXPECT_TRUE(bc::allocateIdRange(o, "n2").ok());
  // A pool with no range at all (root's entries are too small).
  auto none = bc::allocateIdRange(opts(dir.path, bc::idPool("root:100000:1000\n", "root:100000:1000\n")), "x");
  EXPECT_EQ(none.code, ward::Code::E1204);
  EXPECT_NE(none.error.find("holds no range"), std::string::npos) << none.error;
}

// Sharing a host with LXD (issue 11): Debian's lxd package gives `_lxd` and root the same range, and LXD
// maps root's first entry of 65536+ ids into every instance. ward's pool never overlaps either, and E1204
// names a usermod command with a range no entry of either file touches.
TEST(IdPool, NeverOverlapsLxdsMap) {
  const std::string debian = "_lxd:100000:10000001\nroot:100000:10000001\n";
  auto p = bc::idPool(debian, debian);
  EXPECT_TRUE(p.slots.empty());
  EXPECT_EQ(p.addCommand, "usermod --add-subuids 10158080-75694079 --add-subgids 10158080-75694079 root");
  TempDir dir;
  auto r = bc::allocateIdRange(opts(dir.path, p), "web");
  EXPECT_EQ(r.code, ward::Code::E1204);
  EXPECT_NE(r.error.find("_lxd:100000:10000001 (LXD's user)"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("`usermod --add-subuids 10158080-75694079"), std::string::npos) << r.error;
  // After that command (usermod appends root's new range): the pool is the new range, LXD's is untouched.
  const std::string fixed = debian + "root:10158080:65536000\n";
  auto q = bc::idPool(fixed, fixed);
  ASSERT_EQ(q.slots.size(), 1000u);
  for (const auto& s : q.slots) {
    EXPECT_GE(s.uid, 10158080u);
    EXPECT_GE(s.gid, 10158080u);
  }
  EXPECT_TRUE(bc::allocateIdRange(opts(dir.path, q), "web").ok());
  // Root had a range before LXD was installed: the preinst adds _lxd's and a second root entry after it,
  // and LXD maps root's FIRST entry (300000..431071): ward leaves it out as well.
  const std::string before = "root:300000:131072\n_lxd:431072:10000001\nroot:431072:10000001\n";
  auto b = bc::idPool(before, before);
  EXPECT_TRUE(b.slots.empty());
  ASSERT_EQ(b.excluded.size(), 2u);
  EXPECT_NE(b.excluded[1].find("root:300000:131072 (the map LXD gives every instance"), std::string::npos)
      << b.excluded[1];
  EXPECT_NE(b.addCommand.find("--add-subuids 10485760-"), std::string::npos) << b.addCommand;
  // Without LXD's user, root's first entry is ward's as before.
  EXPECT_EQ(bc::idPool("root:300000:131072\n", "root:300000:131072\n").slots.size(), 2u);
  // The proposed range is free in both files: gids may reach higher than uids.
  auto g = bc::idPool(debian, debian + "bob:20000000:100\n");
  EXPECT_NE(g.addCommand.find("--add-subuids 20054016-"), std::string::npos) << g.addCommand;
}

TEST(IdRegistry, CorruptionIsNeverReset) {
  TempDir dir;
  const std::string state = dir.path.string();
  const std::string path = bc::idRegistryPath(state);
  ASSERT_TRUE(bc::allocateIdRange(opts(dir.path), "web").ok());
  ASSERT_TRUE(bc::allocateIdRange(opts(dir.path), "db").ok());
  const std::string good = slurp(path);
  const std::string header = good.substr(0, good.find('\n') + 1);
  auto withSum = [&](const std::string& body) { return body + "# sha256 " + sha256Hex(body) + "\n"; };

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "hello world\n"},
      {"empty", ""},
      {"MCS header", withSum("# ward MCS registry v1 (NAME<TAB>cLO,cHI, sorted by name; change it with `ward "
                             "release NAME`)\na\tc1,c2\n")},
      {"truncated", good.substr(0, good.size() - 20)},
      {"no checksum line", good.substr(0, good.rfind("# sha256"))},
      {"edited entry, old checksum", [&] {
         std::string s = good;
         s.replace(s.find("web\t"), 4, "wex\t");
         return s;
       }()},
      {"overlapping uids", withSum(header + "a\t2000000\t3000000\nb\t2065535\t4000000\n")},
      {"overlapping gids", withSum(header + "a\t2000000\t3000000\nb\t5000000\t2999999\n")},
      {"host root", withSum(header + "a\t0\t3000000\n")},
      {"past 2^32", withSum(header + "a\t4294901760\t3000000\n")},
      {"leading zero", withSum(header + "a\t02000000\t3000000\n")},
      {"missing gid", withSum(header + "a\t2000000\n")},
      {"unsorted", withSum(header + "b\t2000000\t3000000\na\t5000000\t6000000\n")},
      {"bad name", withSum(header + "a b\t2000000\t3000000\n")},
  };
  for (const auto& [what, content] : cases) {
    { std::ofstream(path, std::ios::binary | std::ios::trunc) << content; }
    auto r = bc::allocateIdRange(opts(dir.path), "new");
    EXPECT_EQ(r.code, ward::Code::E1203) << what;
    EXPECT_NE(r.error.find("corrupt"), std::string::npos) << what << ": " << r.error;
    EXPECT_NE(r.error.find(path), std::string::npos) << what;
    EXPECT_EQ(bc::lookupIdRange(state, "web").code, ward::Code::E1203) << what;
    EXPECT_EQ(bc::previewIdRange(opts(dir.path), "web").code, ward::Code::E1203) << what;
    EXPECT_EQ(bc::releaseIdRange(state, "web").status, bc::IdReleaseStatus::Error) << what;
    EXPECT_EQ(bc::releaseIdmap(state, "web").rfind("E1203: ", 0), 0u) << what;
    EXPECT_EQ(slurp(path), content) << what << ": the registry was changed";
  }
  // A well-formed hand-written registry (correct checksum) is accepted; its ranges need not be in the pool.
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << withSum(header + "a\t2000000\t3000000\n"); }
  auto a = bc::allocateIdRange(opts(dir.path), "a");
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(*a.range, (bc::IdSlot{2000000, 3000000}));
}

TEST(IdRegistry, NamesAreChecked) {
  TempDir dir;
  EXPECT_EQ(bc::allocateIdRange(opts(dir.path), "has space").code, ward::Code::E1203);
  EXPECT_EQ(bc::allocateIdRange(opts(dir.path), "").code, ward::Code::E1203);
  EXPECT_EQ(bc::previewIdRange(opts(dir.path), "tab\there").code, ward::Code::E1203);
  EXPECT_TRUE(bc::allocateIdRange(opts(dir.path), "web-1.prod@host:x+y_z").ok());
}

// ---- idmaps() as the LXC and OCI backends call it ---------------------------------------------------------
TEST(IdmapsAuto, EachContainerGetsItsOwnRange) {
  TempDir dir;
  backend::Options o;
  o.stateDir = (dir.path / "state").string();
  const bc::IdPool pool = bc::idPool("", "");
  auto web = testing::webPolicy();
  Diagnostics d;
  auto a = bc::idmaps(web, o, pool, d);
  auto again = bc::idmaps(web, o, pool, d);   // the OCI target of the same compile
  o.containerName = "web-2";                   // a second container from the same policy
  auto b = bc::idmaps(web, o, pool, d);
  ASSERT_FALSE(d.hasErrors()) << d.items()[0].message;
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, 'u');
  EXPECT_EQ(a[0].inside, 0u);
  EXPECT_EQ(a[0].count, 65536u);
  EXPECT_EQ(a[1].kind, 'g');
  EXPECT_EQ(a[0].outside, again[0].outside);
  EXPECT_EQ(a[1].outside, again[1].outside);
  EXPECT_FALSE(overlap(a[0].outside, b[0].outside));
  EXPECT_FALSE(overlap(a[1].outside, b[1].outside));
  EXPECT_EQ(a[0].why, "idmap auto (registered for container \"web\")");
  EXPECT_EQ(*bc::lookupIdRange(o.stateDir, "web").range, (bc::IdSlot{a[0].outside, a[1].outside}));
  // Explicit maps and privileged policies do not touch the registry.
  backend::Options elsewhere;
  elsewhere.stateDir = (dir.path / "other").string();
  EXPECT_EQ(bc::idmaps(testing::lockedPolicy(), elsewhere, pool, d)[0].outside, 200000u);
  EXPECT_TRUE(bc::idmaps(testing::privilegedPolicy(), elsewhere, pool, d).empty());
  EXPECT_FALSE(fs::exists(elsewhere.stateDir));
}

TEST(IdmapsAuto, CheckOnlyReadsAndReportsAPlaceholder) {
  TempDir dir;
  backend::Options o;
  o.stateDir = (dir.path / "state").string();
  o.allocate = false;
  const bc::IdPool pool = bc::idPool("", "");
  auto web = testing::webPolicy();
  auto db = web;
  db.name = "db";
  Diagnostics d;
  auto p = bc::idmaps(web, o, pool, d);
  ASSERT_EQ(p.size(), 2u);
  // The placeholder: the range a compile would take now (on a fresh registry, the name's start range).
  EXPECT_EQ((bc::IdSlot{p[0].outside, p[1].outside}), *bc::startSlot(pool, "web"));
  EXPECT_NE(p[0].why.find("placeholder"), std::string::npos) << p[0].why;
  EXPECT_FALSE(fs::exists(o.stateDir));
  // Two default policies do not look shared.
  auto q = bc::idmaps(db, o, pool, d);
  EXPECT_FALSE(overlap(p[0].outside, q[0].outside));
  // Once registered, a check-only run reports the real range; a placeholder avoids registered ranges.
  o.allocate = true;
  backend::Options dbOnly = o;
  auto realDb = bc::idmaps(db, dbOnly, pool, d);
  o.allocate = false;
  const auto before = fs::last_write_time(bc::idRegistryPath(o.stateDir));
  auto checkDb = bc::idmaps(db, o, pool, d);
  EXPECT_EQ(checkDb[0].outside, realDb[0].outside);
  EXPECT_EQ(checkDb[0].why.find("placeholder"), std::string::npos);
  bc::IdRegistryOptions ro;
  ro.stateDir = o.stateDir;
  ro.pool = pool;
  auto preview = bc::previewIdRange(ro, "web");
  ASSERT_TRUE(preview.ok() && preview.placeholder);
  EXPECT_FALSE(overlap(preview.range->uid, realDb[0].outside));
  EXPECT_EQ(fs::last_write_time(bc::idRegistryPath(o.stateDir)), before);
  EXPECT_FALSE(bc::lookupIdRange(o.stateDir, "web").range);
  EXPECT_FALSE(d.hasErrors());

  // A registry the checking user cannot read (here: a directory in its place) is taken as empty.
  TempDir other;
  fs::create_directories(bc::idRegistryPath(other.path.string()));
  ro.stateDir = other.path.string();
  auto unreadable = bc::previewIdRange(ro, "web");
  ASSERT_TRUE(unreadable.ok()) << unreadable.error;
  EXPECT_TRUE(unreadable.placeholder);
  EXPECT_FALSE(unreadable.note.empty());
  EXPECT_EQ(*unreadable.range, *bc::startSlot(pool, "web"));
  EXPECT_EQ(bc::allocateIdRange(ro, "web").code, ward::Code::E1203);   // a compile needs it
}

TEST(IdmapsAuto, RegistryErrorsReachTheDiagnostics) {
  TempDir dir;
  backend::Options o;
  o.stateDir = dir.path.string();
  const bc::IdPool one = smallPool(1);
  auto a = testing::webPolicy();
  auto b = a;
  b.name = "b";
  Diagnostics d;
  ASSERT_EQ(bc::idmaps(a, o, one, d).size(), 2u);
  EXPECT_TRUE(bc::idmaps(b, o, one, d).empty());
  ASSERT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items().back().code, "E1204");
  EXPECT_EQ(d.items().back().span.line, a.span.line);
  {
    std::ofstream f(bc::idRegistryPath(o.stateDir), std::ios::app);
    f << "x\t5000000\t5000000\n";
  }
  Diagnostics d2;
  EXPECT_TRUE(bc::idmaps(a, o, one, d2).empty());
  ASSERT_TRUE(d2.hasErrors());
  EXPECT_EQ(d2.items()[0].code, "E1203");
}

// backend::Options::subuidFile / subgidFile name the files the pool comes from (the host's by default;
// fixtures in tests, WARD_SUBUID / WARD_SUBGID for `ward`).
TEST(IdmapsAuto, ThePoolComesFromTheOptionsFiles) {
  const std::string fixtures = std::string(WARD_SOURCE_DIR) + "/tests/fixtures/host/";
  const bc::IdPool root = bc::idPoolFromFiles(fixtures + "subuid.root", fixtures + "subgid.root");
  ASSERT_EQ(root.slots.size(), 2u);
  EXPECT_EQ(root.slots[0], (bc::IdSlot{300000, 300000}));
  EXPECT_EQ(root.slots[1], (bc::IdSlot{365536, 365536}));
  EXPECT_NE(root.description.find("subuid.root"), std::string::npos) << root.description;
  EXPECT_EQ(bc::idPoolFromFiles(fixtures + "subuid", fixtures + "subgid").slots.size(), 1000u);   // default pool
  EXPECT_EQ(bc::idPoolFromFiles("/nonexistent/subuid", "/nonexistent/subgid").slots.size(), 1000u);

  TempDir dir;
  backend::Options o;
  o.stateDir = (dir.path / "state").string();
  o.allocate = false;
  o.subuidFile = fixtures + "subuid.shared";   // _lxd shares root's only range: nothing is free
  o.subgidFile = fixtures + "subgid.shared";
  // The allocation step reads the files of its Options (once per Allocator).
  const auto web = testing::asLowered(testing::webPolicy());
  Diagnostics d;
  EXPECT_FALSE(backend::Allocator(o, {"lxc"}).allocate(web, d));
  ASSERT_TRUE(d.hasErrors());
  EXPECT_EQ(d.items().back().code, "E1204");
  o.subuidFile = fixtures + "subuid.root";
  o.subgidFile = fixtures + "subgid.root";
  Diagnostics d2;
  auto allocations = backend::Allocator(o, {"lxc"}).allocate(web, d2);
  ASSERT_TRUE(allocations) << (d2.items().empty() ? "" : d2.items()[0].message);
  const auto& maps = allocations->idmaps;
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_TRUE(maps[0].outside == 300000u || maps[0].outside == 365536u) << maps[0].outside;
}

}  // namespace
}  // namespace ward
