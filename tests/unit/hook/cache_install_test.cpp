#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hook/cache.h"
#include "hook/fsutil.h"
#include "hook/install.h"

namespace fs = std::filesystem;
using namespace ward::hook;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-hook-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string path(const std::string& rel = "") const { return rel.empty() ? path_ : path_ + "/" + rel; }
  std::string write(const std::string& rel, const std::string& text) const {
    fs::create_directories(fs::path(path(rel)).parent_path());
    std::ofstream(path(rel)) << text;
    return path(rel);
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(path(rel));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
};

CacheEntry sampleEntry(const std::string& key) {
  CacheEntry e;
  e.key = key;
  e.files = {{"web.lxc.conf", "lxc.no_new_privs = 1\n"}, {"web.lxc.seccomp", "2\ndenylist\n"}};
  e.meta = {{"policy", "web"}, {"blocking", nlohmann::json::array()}};
  return e;
}

mode_t modeOf(const std::string& p) {
  struct stat st{};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

}  // namespace

TEST(HookCache, KeysDependOnEveryInput) {
  std::vector<SourceBytes> a = {{"/etc/ward/web.ward", "policy web {}"}, {"/usr/share/ward/stdlib/std/base.ward", "x"}};
  std::string k = cacheKey("0.1.0", "{}", a, "");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, cacheKey("0.1.0", "{}", a, ""));
  EXPECT_NE(k, cacheKey("0.1.1", "{}", a, ""));
  EXPECT_NE(k, cacheKey("0.1.0", "{\"container\":\"b\"}", a, ""));
  EXPECT_NE(k, cacheKey("0.1.0", "{}", a, "mcs=c1,c2"));
  auto b = a;
  b[1].bytes = "y";
  EXPECT_NE(k, cacheKey("0.1.0", "{}", b, ""));
  auto c = a;   // moving bytes between path and content must not collide
  c[0].path += "p";
  c[0].bytes = c[0].bytes.substr(1);
  EXPECT_NE(k, cacheKey("0.1.0", "{}", c, ""));
}

TEST(HookCache, MissStoreHitAndPermissions) {
  TempDir t;
  Cache cache(t.path("state"), "0.1.0");
  ASSERT_EQ(cache.open(), "");
  EXPECT_EQ(modeOf(t.path("state")), 0700u);
  EXPECT_EQ(modeOf(t.path("state/cache")), 0700u);
  std::string key(64, 'a');
  EXPECT_EQ(cache.lookup(key).status, CacheStatus::Miss);
  ASSERT_EQ(cache.store(sampleEntry(key)), "");
  auto l = cache.lookup(key);
  ASSERT_EQ(l.status, CacheStatus::Hit) << l.message;
  ASSERT_NE(l.entry.find("web.lxc.conf"), nullptr);
  EXPECT_EQ(l.entry.find("web.lxc.conf")->content, "lxc.no_new_privs = 1\n");
  EXPECT_EQ(l.entry.meta.value("policy", ""), "web");
  EXPECT_EQ(modeOf(t.path("state/cache/" + key + "/web.lxc.conf")), 0600u);
  // Storing the same key again (a concurrent hook) keeps the first and reports success.
  EXPECT_EQ(cache.store(sampleEntry(key)), "");
  EXPECT_EQ(cache.lookup(key).status, CacheStatus::Hit);
}

TEST(HookCache, CorruptionIsReportedNotRebuilt) {
  TempDir t;
  Cache cache(t.path("state"), "0.1.0");
  ASSERT_EQ(cache.open(), "");
  std::string key(64, 'b');
  ASSERT_EQ(cache.store(sampleEntry(key)), "");
  t.write("state/cache/" + key + "/web.lxc.seccomp", "allow everything\n");
  auto l = cache.lookup(key);
  EXPECT_EQ(l.status, CacheStatus::Corrupt);
  EXPECT_NE(l.message.find("web.lxc.seccomp does not match its sha256"), std::string::npos) << l.message;
  EXPECT_NE(cache.clearCommand(key).find(key), std::string::npos);
  // Still corrupted on the next lookup: nothing rebuilt it behind our back.
  EXPECT_EQ(cache.lookup(key).status, CacheStatus::Corrupt);

  std::string key2(64, 'c');
  ASSERT_EQ(cache.store(sampleEntry(key2)), "");
  t.write("state/cache/" + key2 + "/manifest.json", "{not json");
  EXPECT_EQ(cache.lookup(key2).status, CacheStatus::Corrupt);
  std::string key3(64, 'd');
  ASSERT_EQ(cache.store(sampleEntry(key3)), "");
  fs::remove(t.path("state/cache/" + key3 + "/web.lxc.conf"));
  EXPECT_EQ(cache.lookup(key3).status, CacheStatus::Corrupt);
  // A symlink where a file should be is not followed.
  std::string key4(64, 'e');
  ASSERT_EQ(cache.store(sampleEntry(key4)), "");
  fs::remove(t.path("state/cache/" + key4 + "/web.lxc.conf"));
  t.write("elsewhere", "lxc.no_new_privs = 1\n");
  fs::create_symlink(t.path("elsewhere"), t.path("state/cache/" + key4 + "/web.lxc.conf"));
  EXPECT_EQ(cache.lookup(key4).status, CacheStatus::Corrupt);
}

TEST(HookCache, IndexRoundTripAndCorruption) {
  TempDir t;
  Cache cache(t.path("state"), "0.1.0");
  ASSERT_EQ(cache.open(), "");
  std::string k0 = indexKey("0.1.0", "{}", {"/etc/ward/web.ward", "policy web {}"});
  bool corrupt = true;
  std::string error;
  EXPECT_FALSE(cache.readIndex(k0, corrupt, error));
  EXPECT_FALSE(corrupt);
  ASSERT_EQ(cache.writeIndex(k0, {{"/etc/ward/web.ward", "/std/base.ward"}, true}), "");
  auto idx = cache.readIndex(k0, corrupt, error);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->deps.size(), 2u);
  EXPECT_TRUE(idx->mcs);
  t.write("state/cache/index/" + k0 + ".json", "garbage");
  EXPECT_FALSE(cache.readIndex(k0, corrupt, error));
  EXPECT_TRUE(corrupt);
}

TEST(HookCache, ApparmorBinaryCache) {
  TempDir t;
  Cache cache(t.path("state"), "0.1.0");
  ASSERT_EQ(cache.open(), "");
  std::string error;
  EXPECT_FALSE(cache.apparmorBinary("profile ward-web {}", error));
  EXPECT_EQ(error, "");
  ASSERT_EQ(cache.storeApparmorBinary("profile ward-web {}", std::string("\x04\x08\0bin", 6)), "");
  auto bin = cache.apparmorBinary("profile ward-web {}", error);
  ASSERT_TRUE(bin);
  EXPECT_EQ(bin->size(), 6u);
  for (const auto& e : fs::directory_iterator(t.path("state/cache/apparmor")))
    if (e.path().extension() == ".bin") std::ofstream(e.path()) << "tampered";
  EXPECT_FALSE(cache.apparmorBinary("profile ward-web {}", error));
  EXPECT_NE(error.find("corrupted"), std::string::npos);
}

TEST(HookFs, StateDirectoryChecks) {
  TempDir t;
  std::string error;
  fs::create_directories(t.path("open"));
  fs::permissions(t.path("open"), fs::perms::all);
  EXPECT_FALSE(fsx::openDir(t.path("open"), true, error).valid());
  EXPECT_NE(error.find("writable by group or others"), std::string::npos) << error;
  fs::create_directories(t.path("real"));
  fs::create_symlink(t.path("real"), t.path("link"));
  EXPECT_FALSE(fsx::openDir(t.path("link") + "/state", true, error).valid());
  EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
  EXPECT_FALSE(fsx::openDir("relative/dir", true, error).valid());
  auto ok = fsx::openDir(t.path("a/b/c"), true, error);
  ASSERT_TRUE(ok.valid()) << error;
  EXPECT_EQ(modeOf(t.path("a/b/c")), 0700u);
  // A regular file in place of the state directory.
  t.write("file", "x");
  EXPECT_FALSE(fsx::openDir(t.path("file"), true, error).valid());
}

TEST(HookFs, AtomicWritesNeverFollowSymlinks) {
  TempDir t;
  std::string error;
  auto dir = fsx::openDir(t.path("d"), true, error);
  ASSERT_TRUE(dir.valid());
  ASSERT_EQ(fsx::writeAt(dir.get(), "f", "one"), "");
  EXPECT_EQ(t.read("d/f"), "one");
  EXPECT_EQ(modeOf(t.path("d/f")), 0600u);
  // A symlink planted at the target is replaced, not written through.
  t.write("victim", "keep");
  fs::remove(t.path("d/f"));
  fs::create_symlink(t.path("victim"), t.path("d/f"));
  ASSERT_EQ(fsx::writeAt(dir.get(), "f", "two"), "");
  EXPECT_EQ(t.read("victim"), "keep");
  EXPECT_FALSE(fs::is_symlink(t.path("d/f")));
  EXPECT_NE(fsx::writeAt(dir.get(), "../escape", "x"), "");
  // Reading refuses a symlink.
  fs::create_symlink(t.path("victim"), t.path("d/g"));
  EXPECT_FALSE(fsx::readAt(dir.get(), "g", error));
}

TEST(HookFs, OpenInRootStaysInsideTheRootfs) {
  TempDir t;
  t.write("rootfs/etc/hostname", "inside");
  t.write("secret", "host");
  fs::create_symlink("/../../secret", t.path("rootfs/etc/abs"));
  fs::create_symlink("hostname", t.path("rootfs/etc/rel"));
  int root = ::open(t.path("rootfs").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(root, 0);
  fsx::Fd rootfd(root);
  std::string error;
  auto f = fsx::openInRoot(rootfd.get(), "etc/hostname", O_RDONLY, error);
  ASSERT_TRUE(f.valid()) << error;
  EXPECT_FALSE(fsx::openInRoot(rootfd.get(), "etc/abs", O_RDONLY, error).valid());
  EXPECT_FALSE(fsx::openInRoot(rootfd.get(), "etc/rel", O_RDONLY, error).valid());
  // ".." is clamped to the root: it names rootfs/secret, which does not exist.
  EXPECT_FALSE(fsx::openInRoot(rootfd.get(), "../secret", O_RDONLY, error).valid());
}

// ---- install / uninstall ---------------------------------------------------------------------------

namespace {
BlockSpec spec() {
  BlockSpec s;
  s.snippetPath = "/var/lib/ward/containers/c1/web.lxc.conf";
  s.hookCommand = {"/usr/bin/ward", "lxc-hook", "--policy", "/etc/ward/web.ward"};
  return s;
}
}  // namespace

TEST(HookInstall, BlockText) {
  std::string error;
  auto b = blockText(spec(), error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(*b,
            "# ward: begin (managed by ward lxc-install; `ward lxc-uninstall` removes this block)\n"
            "lxc.include = /var/lib/ward/containers/c1/web.lxc.conf\n"
            "lxc.hook.pre-start = /usr/bin/ward lxc-hook --policy /etc/ward/web.ward\n"
            "lxc.hook.post-stop = /usr/bin/ward lxc-hook --policy /etc/ward/web.ward\n"
            "# ward: end\n");
  auto bad = spec();
  bad.hookCommand[3] = "/etc/ward/my policy.ward";
  EXPECT_FALSE(blockText(bad, error));
  bad = spec();
  bad.hookCommand[0] = "ward";
  EXPECT_FALSE(blockText(bad, error));
}

TEST(HookInstall, TextIsIdempotentAndReversible) {
  std::string error;
  std::string block = *blockText(spec(), error);
  std::string config = "lxc.uts.name = c1\nlxc.net.0.type = empty";   // no final newline
  auto once = withBlock(config, block, error);
  ASSERT_TRUE(once);
  auto twice = withBlock(*once, block, error);
  ASSERT_TRUE(twice);
  EXPECT_EQ(*once, *twice);
  auto removed = withoutBlock(*once, error);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, config + "\n");
  EXPECT_EQ(*withoutBlock(*removed, error), *removed);
  // A block in the middle (the user appended lines after it) is removed exactly.
  std::string middle = "a = 1\n" + block + "lxc.after = 2\n";
  EXPECT_EQ(*withoutBlock(middle, error), "a = 1\nlxc.after = 2\n");
  EXPECT_FALSE(withoutBlock("# ward: begin\nlxc.x = 1\n", error));
  EXPECT_FALSE(withoutBlock("# ward: end\n", error));
}

TEST(HookInstall, FileInstallUninstallWithBackup) {
  TempDir t;
  std::string original = "lxc.include = /usr/share/lxc/config/common.conf\nlxc.uts.name = c1\n";
  std::string config = t.write("c1/config", original);
  fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  std::string error;
  std::string block = *blockText(spec(), error);
  EditResult r = installBlock(config, block);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(t.read("c1/config"), original + block);
  EXPECT_EQ(t.read("c1/config.ward-backup"), original);
  EXPECT_EQ(modeOf(config), 0640u);
  r = installBlock(config, block);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(t.read("c1/config"), original + block);
  r = uninstallBlock(config);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(t.read("c1/config"), original);
  r = uninstallBlock(config);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.changed);
  // A symlinked config is refused.
  fs::create_symlink(config, t.path("c1/linked"));
  EXPECT_FALSE(installBlock(t.path("c1/linked"), block).ok);
}
