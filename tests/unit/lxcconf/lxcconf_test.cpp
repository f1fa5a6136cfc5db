#include "lxcconf/lxcconf.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace ward::lxcconf;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-lxcconf-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& rel, const std::string& text) const {
    fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& rel = "") const { return rel.empty() ? path_ : path_ + "/" + rel; }

 private:
  std::string path_;
};

std::vector<std::string> values(const Config& c, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& e : c.all(key)) out.push_back(e.value);
  return out;
}

bool hasProblem(const Config& c, const std::string& needle) {
  for (const auto& p : c.problems())
    if (p.message.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(LxcConf, KeyValueCommentsQuotesAndLocations) {
  Config c = parseText("c.conf",
                       "# comment\n"
                       "\n"
                       "  lxc.uts.name   =  box  \n"
                       "lxc.rootfs.path = \"dir:/var/lib/lxc/box/rootfs\"\n"
                       "lxc.arch='x86_64'\n"
                       "lxc.signal.halt = 'unbalanced\n");
  EXPECT_TRUE(c.ok());
  ASSERT_TRUE(c.get("lxc.uts.name"));
  EXPECT_EQ(c.get("lxc.uts.name")->value, "box");
  EXPECT_EQ(c.get("lxc.uts.name")->where.str(), "c.conf:3");
  EXPECT_EQ(c.get("lxc.rootfs.path")->value, "dir:/var/lib/lxc/box/rootfs");
  EXPECT_EQ(c.get("lxc.arch")->value, "x86_64");
  EXPECT_EQ(c.get("lxc.signal.halt")->value, "'unbalanced");
  EXPECT_FALSE(c.get("lxc.nothing"));
}

TEST(LxcConf, MalformedLines) {
  Config c = parseText("c.conf", "lxc.uts.name\nnot.lxc = 1\n");
  EXPECT_FALSE(c.ok());
  ASSERT_EQ(c.problems().size(), 2u);
  EXPECT_EQ(c.problems()[0].where.str(), "c.conf:1");
  EXPECT_EQ(c.problems()[0].severity, Problem::Severity::Error);
  EXPECT_EQ(c.problems()[1].severity, Problem::Severity::Warning);  // LXC ignores martian lines
}

TEST(LxcConf, SingleKeysLastWins) {
  Config c = parseText("c", "lxc.seccomp.profile = /a\nlxc.seccomp.profile = /b\n");
  EXPECT_EQ(c.get("lxc.seccomp.profile")->value, "/b");
  EXPECT_EQ(c.get("lxc.seccomp.profile")->where.line, 2u);
  EXPECT_EQ(c.all("lxc.seccomp.profile").size(), 1u);
  EXPECT_EQ(c.lines().size(), 2u);
  Config cleared = parseText("c", "lxc.seccomp.profile = /a\nlxc.seccomp.profile =\n");
  ASSERT_TRUE(cleared.get("lxc.seccomp.profile"));
  EXPECT_EQ(cleared.get("lxc.seccomp.profile")->value, "");
  ASSERT_TRUE(cleared.lastClear("lxc.seccomp.profile"));
}

TEST(LxcConf, ListKeysAccumulateAndEmptyClears) {
  Config c = parseText("c",
                       "lxc.cap.drop = sys_module mac_admin\n"
                       "lxc.cap.drop = sys_time\n"
                       "lxc.mount.entry = a b none bind 0 0\n"
                       "lxc.mount.entry =\n"
                       "lxc.mount.entry = c d none bind 0 0\n"
                       "lxc.idmap = u 0 100000 65536\n"
                       "lxc.idmap = g 0 100000 65536\n");
  EXPECT_EQ(values(c, "lxc.cap.drop"), (std::vector<std::string>{"sys_module mac_admin", "sys_time"}));
  EXPECT_EQ(c.words("lxc.cap.drop").size(), 3u);
  EXPECT_EQ(values(c, "lxc.mount.entry"), (std::vector<std::string>{"c d none bind 0 0"}));
  EXPECT_EQ(c.lastClear("lxc.mount.entry")->line, 4u);
  EXPECT_EQ(c.all("lxc.idmap").size(), 2u);

  Config d = parseText("c", "lxc.cap.drop = sys_module\nlxc.cap.drop =\n");
  EXPECT_TRUE(d.all("lxc.cap.drop").empty());
  EXPECT_EQ(d.lastClear("lxc.cap.drop")->line, 2u);
}

TEST(LxcConf, CgroupFamilyKeepsOrderAndClears) {
  Config c = parseText("c",
                       "lxc.cgroup.devices.deny = a\n"
                       "lxc.cgroup.devices.allow = c 1:3 rwm\n"
                       "lxc.cgroup.memory.limit_in_bytes = 1\n"
                       "lxc.cgroup.devices.allow = c 1:5 rwm\n"
                       "lxc.cgroup.dir = mydir\n"
                       "lxc.cgroup2.memory.max = 5\n");
  auto all = c.withPrefix("lxc.cgroup.");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].key, "lxc.cgroup.devices.deny");
  EXPECT_EQ(all[3].value, "c 1:5 rwm");
  EXPECT_EQ(keyKind("lxc.cgroup.dir"), KeyKind::Single);

  Config one = parseText("c", "lxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup.memory.limit_in_bytes = 1\n"
                              "lxc.cgroup.devices.allow =\n");
  EXPECT_TRUE(one.all("lxc.cgroup.devices.allow").empty());
  EXPECT_EQ(one.all("lxc.cgroup.memory.limit_in_bytes").size(), 1u);

  Config fam = parseText("c", "lxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup.dir = x\nlxc.cgroup2.memory.max = 5\n"
                              "lxc.cgroup =\n");
  EXPECT_TRUE(fam.withPrefix("lxc.cgroup.devices").empty());
  EXPECT_TRUE(fam.get("lxc.cgroup.dir"));       // not a controller setting
  EXPECT_EQ(fam.all("lxc.cgroup2.memory.max").size(), 1u);  // another family
  EXPECT_EQ(fam.lastClear("lxc.cgroup.devices.allow")->line, 4u);
}

TEST(LxcConf, FamilyClearsForPrlimitNetHook) {
  Config c = parseText("c",
                       "lxc.prlimit.nofile = 10\nlxc.prlimit.nofile = 20\nlxc.prlimit.nproc = 5\n"
                       "lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = empty\n"
                       "lxc.hook.pre-start = /a\nlxc.hook.pre-start = /b\nlxc.hook.post-stop = /c\n");
  EXPECT_EQ(c.get("lxc.prlimit.nofile")->value, "20");
  EXPECT_EQ(c.all("lxc.hook.pre-start").size(), 2u);
  Config d = parseText("c",
                       "lxc.prlimit.nofile = 10\nlxc.prlimit =\n"
                       "lxc.net.0.type = veth\nlxc.net.1.type = empty\nlxc.net.0 =\n"
                       "lxc.hook.pre-start = /a\nlxc.hook.post-stop = /c\nlxc.hook.pre-start =\n");
  EXPECT_FALSE(d.get("lxc.prlimit.nofile"));
  EXPECT_FALSE(d.get("lxc.net.0.type"));
  EXPECT_TRUE(d.get("lxc.net.1.type"));
  EXPECT_TRUE(d.all("lxc.hook.pre-start").empty());
  EXPECT_EQ(d.all("lxc.hook.post-stop").size(), 1u);
  Config e = parseText("c", "lxc.net.0.type = veth\nlxc.net =\n");
  EXPECT_TRUE(e.withPrefix("lxc.net.").empty());
}

TEST(LxcConf, IncludeChainFilesAndDirectories) {
  TempDir t;
  t.write("common.conf", "lxc.cap.drop = sys_module\nlxc.include = " + t.path("common.conf.d") + "\n"
                         "lxc.seccomp.profile = /common.seccomp\n");
  t.write("common.conf.d/20-b.conf", "lxc.cap.drop = sys_time\n");
  t.write("common.conf.d/10-a.conf", "lxc.cap.drop = mac_admin\n");
  t.write("common.conf.d/ignored.txt", "lxc.cap.drop = chown\n");
  t.write("common.conf.d/.conf", "lxc.cap.drop = kill\n");   // too short: LXC skips it
  std::string top = t.write("config", "lxc.include = " + t.path("common.conf") + "\n"
                                      "lxc.seccomp.profile = /mine\n"
                                      "lxc.include = ward.conf\n");   // relative: this file's directory
  t.write("ward.conf", "lxc.cap.drop =\nlxc.cap.keep = chown\n");
  Config c = parseFile(top);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.get("lxc.seccomp.profile")->value, "/mine");
  EXPECT_TRUE(c.all("lxc.cap.drop").empty());
  EXPECT_EQ(c.lastClear("lxc.cap.drop")->file, t.path("ward.conf"));
  auto drops = parseFile(t.path("common.conf")).words("lxc.cap.drop");
  ASSERT_EQ(drops.size(), 3u);
  EXPECT_EQ(drops[1].first, "mac_admin");   // directory entries in name order
  EXPECT_EQ(drops[1].second.str(), t.path("common.conf.d/10-a.conf") + ":1");
  EXPECT_EQ(c.files().size(), 5u);
  EXPECT_TRUE(hasProblem(c, "relative lxc.include"));
}

TEST(LxcConf, IncludeCycleAndMissingInclude) {
  TempDir t;
  t.write("a.conf", "lxc.uts.name = a\nlxc.include = " + t.path("b.conf") + "\n");
  t.write("b.conf", "lxc.include = " + t.path("a.conf") + "\nlxc.arch = x86_64\n");
  Config c = parseFile(t.path("a.conf"));
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(hasProblem(c, "include cycle"));
  EXPECT_EQ(c.get("lxc.arch")->value, "x86_64");   // the rest is still read

  t.write("self.d/x.conf", "lxc.include = " + t.path("self.d") + "\n");
  Config d = parseFile(t.path("self.d/x.conf"));
  EXPECT_TRUE(hasProblem(d, "include cycle"));

  t.write("m.conf", "lxc.include = " + t.path("missing.conf") + "\n");
  Config m = parseFile(t.path("m.conf"));
  EXPECT_FALSE(m.ok());
  EXPECT_TRUE(hasProblem(m, "cannot read included"));
  EXPECT_EQ(m.problems()[0].where.line, 1u);

  Config top = parseFile(t.path("absent"));
  EXPECT_FALSE(top.ok());
}

TEST(LxcConf, DiamondIncludeIsNoCycle) {
  TempDir t;
  t.write("leaf.conf", "lxc.cap.drop = sys_time\n");
  t.write("x.conf", "lxc.include = " + t.path("leaf.conf") + "\n");
  t.write("y.conf", "lxc.include = " + t.path("leaf.conf") + "\n");
  t.write("top", "lxc.include = " + t.path("x.conf") + "\nlxc.include = " + t.path("y.conf") + "\n");
  Config c = parseFile(t.path("top"));
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.all("lxc.cap.drop").size(), 2u);
}

TEST(LxcConf, NoFollowRefusesSymlinks) {
  TempDir t;
  t.write("real.conf", "lxc.arch = x86_64\n");
  fs::create_symlink(t.path("real.conf"), t.path("link.conf"));
  FileSystem nofollow;
  nofollow.noFollow = true;
  ParseOptions o;
  o.fs = &nofollow;
  EXPECT_FALSE(parseFile(t.path("link.conf"), o).ok());
  EXPECT_TRUE(parseFile(t.path("link.conf")).ok());
  EXPECT_TRUE(parseFile(t.path("real.conf"), o).ok());
}

TEST(LxcConf, Capabilities) {
  Config drop = parseText("c", "lxc.cap.drop = sys_module mac_admin\nlxc.cap.drop = SYS_TIME\n");
  auto caps = capabilities(drop, 40);
  EXPECT_FALSE(caps.viaKeep);
  EXPECT_EQ(caps.kept.size(), 38u);
  EXPECT_EQ(std::count(caps.kept.begin(), caps.kept.end(), capabilityNumber("sys_module")), 0);

  Config keep = parseText("c", "lxc.cap.keep = chown net_bind_service\n");
  caps = capabilities(keep, 40);
  EXPECT_EQ(caps.kept, (std::vector<int>{0, 10}));
  Config none = parseText("c", "lxc.cap.keep = none\n");
  EXPECT_TRUE(capabilities(none, 40).kept.empty());
  Config cleared = parseText("c", "lxc.cap.drop = sys_admin\nlxc.cap.drop =\n");
  EXPECT_EQ(capabilities(cleared, 40).kept.size(), 41u);
  Config both = parseText("c", "lxc.cap.drop = sys_admin\nlxc.cap.keep = chown\n");
  EXPECT_TRUE(capabilities(both, 40).both);
  EXPECT_EQ(capabilityNumber("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capabilityNumber("bogus"), -1);
}

TEST(LxcConf, AutoMounts) {
  Config c = parseText("c", "lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed\nlxc.mount.auto = sys:ro proc:rw\n");
  auto a = autoMounts(c);
  EXPECT_EQ(a.proc, AutoMode::Rw);
  EXPECT_EQ(a.sys, AutoMode::Ro);
  EXPECT_EQ(a.cgroup, AutoMode::Mixed);
  EXPECT_EQ(a.proc_at->line, 2u);
  Config d = parseText("c", "lxc.mount.auto = proc sys cgroup-full:rw:force bogus\n");
  a = autoMounts(d);
  EXPECT_EQ(a.proc, AutoMode::Mixed);
  EXPECT_EQ(a.sys, AutoMode::Mixed);
  EXPECT_TRUE(a.cgroupFull);
  EXPECT_EQ(a.cgroup, AutoMode::Rw);
  EXPECT_EQ(a.unknown, (std::vector<std::string>{"bogus"}));
  Config e = parseText("c", "lxc.mount.auto = proc:rw\nlxc.mount.auto =\n");
  EXPECT_EQ(autoMounts(e).proc, AutoMode::Off);
}

TEST(LxcConf, MountEntries) {
  auto m = parseMountEntry("/srv/my\\040dir srv/x none bind,ro,create=dir 0 0");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "/srv/my dir");
  EXPECT_EQ(m->target, "srv/x");
  EXPECT_EQ(m->type, "none");
  EXPECT_TRUE(m->hasOption("ro"));
  EXPECT_TRUE(m->hasOption("bind"));
  EXPECT_FALSE(parseMountEntry("onlyone"));
}

// ---- lxc.include as LXC 5.0.2 reads it (src/lxc/confile.c: set_config_includefiles, do_includedir) -----
// A value ending in '/' or naming a directory is a directory include; opendir() failing with ENOENT is
// ignored, any other failure is an error; a file include that cannot be opened is an error.

namespace {
bool hasProblemOf(const Config& c, Problem::Severity s, const std::string& needle) {
  for (const auto& p : c.problems())
    if (p.severity == s && p.message.find(needle) != std::string::npos) return true;
  return false;
}

TEST(LxcConf, RootfsReadOnlyOption) {
  EXPECT_TRUE(rootfsReadOnly("ro"));
  EXPECT_TRUE(rootfsReadOnly("idmap=container, ro"));
  EXPECT_FALSE(rootfsReadOnly("ro,rw"));   // the last wins
  EXPECT_FALSE(rootfsReadOnly("idmap=container"));
  EXPECT_FALSE(rootfsReadOnly("rootro"));
  EXPECT_FALSE(rootfsReadOnly(""));
}

}  // namespace

TEST(LxcConfInclude, MissingDirectoryWithTrailingSlashIsIgnored) {
  TempDir t;
  std::string top = t.write("config", "lxc.uts.name = a\n"
                                      "lxc.include = " + t.path("userns.conf.d") + "/\n"
                                      "lxc.include = " + t.path("no/such/parent") + "/\n"
                                      "lxc.arch = x86_64\n");
  Config c = parseFile(top);
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Warning, "missing directory"));
  EXPECT_EQ(c.get("lxc.arch")->value, "x86_64");   // the rest of the file is read
  EXPECT_EQ(c.files().size(), 1u);
}

TEST(LxcConfInclude, MissingPathWithoutTrailingSlashIsAnError) {
  TempDir t;
  std::string top = t.write("config", "lxc.include = " + t.path("userns.conf.d") + "\n");
  Config c = parseFile(top);
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Error, "cannot read included"));
  EXPECT_EQ(c.problems()[0].where.line, 1u);
}

TEST(LxcConfInclude, TrailingSlashOnAFileIsAnError) {
  TempDir t;
  t.write("x.conf", "lxc.arch = x86_64\n");
  // opendir() fails with ENOTDIR, not ENOENT: LXC refuses the config, whether the file is the last
  // component or a parent of it.
  Config c = parseFile(t.write("config", "lxc.include = " + t.path("x.conf") + "/\n"));
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Error, "cannot read included directory"));
  EXPECT_FALSE(c.get("lxc.arch"));
  Config d = parseFile(t.write("config2", "lxc.include = " + t.path("x.conf/sub") + "/\n"));
  EXPECT_FALSE(d.ok());
}

TEST(LxcConfInclude, DirectoryReadsOnlyDotConfEntries) {
  TempDir t;
  t.write("d/10-a.conf", "lxc.cap.drop = sys_time\n");
  t.write("d/20-b.conf.bak", "lxc.cap.drop = chown\n");
  t.write("d/readme", "lxc.cap.drop = kill\n");
  t.write("d/.conf", "lxc.cap.drop = fowner\n");            // shorter than six characters
  t.write("d/sub.conf/inner.conf", "lxc.cap.drop = mknod\n");   // a directory: LXC reads nothing from it
  // with and without the trailing slash
  for (const std::string& v : {t.path("d"), t.path("d") + "/"}) {
    Config c = parseFile(t.write("config", "lxc.include = " + v + "\n"));
    EXPECT_TRUE(c.ok()) << v;
    auto w = c.words("lxc.cap.drop");
    ASSERT_EQ(w.size(), 1u) << v;
    EXPECT_EQ(w[0].first, "sys_time");
    EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Warning, "is a directory"));
  }
}

TEST(LxcConfInclude, EmptyIncludeDoesNothing) {
  Config c = parseText("c", "lxc.include =\nlxc.arch = x86_64\n");
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.get("lxc.arch")->value, "x86_64");
  EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Warning, "without a path"));
}

TEST(LxcConfInclude, NoFollowStillRefusesASymlinkedDirectoryWithTrailingSlash) {
  TempDir t;
  t.write("real.d/a.conf", "lxc.arch = x86_64\n");
  fs::create_directory_symlink(t.path("real.d"), t.path("link.d"));
  std::string top = t.write("config", "lxc.include = " + t.path("link.d") + "/\n");
  FileSystem nofollow;
  nofollow.noFollow = true;
  ParseOptions o;
  o.fs = &nofollow;
  EXPECT_FALSE(parseFile(top, o).ok());
  Config followed = parseFile(top);
  EXPECT_TRUE(followed.ok());
  EXPECT_EQ(followed.get("lxc.arch")->value, "x86_64");
  // a dangling symlink with a trailing slash: opendir() says ENOENT, so LXC ignores it
  fs::create_directory_symlink(t.path("nowhere"), t.path("dangling.d"));
  Config dangling = parseFile(t.write("config2", "lxc.include = " + t.path("dangling.d") + "/\n"));
  EXPECT_TRUE(dangling.ok());
}

TEST(LxcConfInclude, DebianStockUsernsConfig) {
  // Debian's userns.conf includes /usr/share/lxc/config/userns.conf.d/, which the package does not ship.
  const std::string path = "/usr/share/lxc/config/debian.userns.conf";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is not installed (apt-get install lxc)";
  Config c = parseFile(path);
  for (const auto& p : c.problems()) EXPECT_NE(p.severity, Problem::Severity::Error) << p.str();
  EXPECT_TRUE(c.ok());
  ASSERT_FALSE(c.all("lxc.mount.auto").empty());   // userns.conf was read
  if (!fs::exists("/usr/share/lxc/config/userns.conf.d")) {
    EXPECT_TRUE(hasProblemOf(c, Problem::Severity::Warning, "missing directory"));
  }
}
