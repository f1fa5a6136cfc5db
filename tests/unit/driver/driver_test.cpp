// The driver's promises: deterministic output, all-or-nothing atomic writes, manifest and depfile.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/sha256.h"
#include "driver/driver.h"
#include "hermetic.h"

namespace fs = std::filesystem;
using namespace ward;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ward-driver-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

const char* kPolicy =
    "policy app {\n"
    "  files { read \"/etc/app/**\"; write \"/var/lib/app/**\"; }\n"
    "  network { listen tcp 80; }\n"
    "  syscalls { default errno ENOSYS; allow read, write, exit_group, execve; deny ptrace errno EPERM; }\n"
    "  limits { memory 64MiB; pids 32; nofile 1024; }\n"
    "  selinux { categories auto; }\n"
    "}\n";

bool hasCode(const Diagnostics& d, const std::string& code) {
  for (const auto& x : d.items())
    if (x.code == code) return true;
  return false;
}

driver::CompileOptions options(const TempDir& t, const std::string& out) {
  driver::CompileOptions o;
  o.outDir = (t.path / out).string();
  o.backend.stateDir = (t.path / "state").string();
  ward::test::hermetic(o.backend);
  o.backend.artifactDir = "/etc/ward";
  o.load.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  return o;
}

}  // namespace

TEST(Driver, WriteAtomicallyReplacesWholeFileAndSetsMode) {
  TempDir t;
  fs::path p = t.path / "f.txt";
  write(p, "old");
  EXPECT_EQ(driver::writeAtomically(p.string(), "new content", 0600), "");
  EXPECT_EQ(read(p), "new content");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& e : fs::directory_iterator(t.path)) EXPECT_EQ(e.path().filename(), "f.txt");  // no temporaries left
  EXPECT_NE(driver::writeAtomically((t.path / "no/such/dir/f").string(), "x"), "");
}

TEST(Driver, CompileIsDeterministicAndWritesAManifest) {
  TempDir t;
  write(t.path / "app.ward", kPolicy);
  driver::Session s1, s2;
  auto o1 = options(t, "out1"), o2 = options(t, "out2");
  auto r1 = driver::compile(s1, {(t.path / "app.ward").string()}, o1);
  ASSERT_TRUE(r1.ok) << (s1.diags.items().empty() ? "" : s1.diags.items()[0].message);
  auto r2 = driver::compile(s2, {(t.path / "app.ward").string()}, o2);
  ASSERT_TRUE(r2.ok);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(t.path / "out1")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  for (const char* f : {"app.bpf", "app.pfc", "app.lxc.seccomp", "app.apparmor", "app.selinux", "app.lxc.conf",
                        "app.oci.json", "manifest.json"}) {
    EXPECT_TRUE(fs::exists(t.path / "out1" / f)) << f;
    EXPECT_EQ(read(t.path / "out1" / f), read(t.path / "out2" / f)) << f << " differs between two compiles";
  }
  auto m = nlohmann::json::parse(read(t.path / "out1" / "manifest.json"));
  EXPECT_EQ(m["outputs"].size(), 7u);
  for (const auto& o : m["outputs"])
    EXPECT_EQ(o["sha256"], sha256Hex(read(t.path / "out1" / o["file"].get<std::string>()))) << o["file"];
  EXPECT_FALSE(m["inputs"].empty());
}

TEST(Driver, OnErrorNothingIsWrittenAndEarlierOutputsStay) {
  TempDir t;
  write(t.path / "app.ward", kPolicy);
  auto o = options(t, "out");
  {
    driver::Session s;
    ASSERT_TRUE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  }
  std::map<std::string, std::string> before;
  for (const auto& e : fs::directory_iterator(t.path / "out")) before[e.path().filename()] = read(e.path());
  // Break the policy: a later error must leave every earlier artifact byte-identical.
  write(t.path / "app.ward", std::string(kPolicy) + "policy broken { limits { memory 5XB; } }\n");
  driver::Session s;
  auto r = driver::compile(s, {(t.path / "app.ward").string()}, o);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(s.diags.hasErrors());
  std::map<std::string, std::string> after;
  for (const auto& e : fs::directory_iterator(t.path / "out")) after[e.path().filename()] = read(e.path());
  EXPECT_EQ(before, after);
}

TEST(Driver, UnknownPolicyAndTargetAreErrors) {
  TempDir t;
  write(t.path / "app.ward", kPolicy);
  auto o = options(t, "out");
  o.policy = "ap";
  driver::Session s;
  EXPECT_FALSE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  EXPECT_TRUE(hasCode(s.diags, "E0211"));
  EXPECT_FALSE(fs::exists(t.path / "out"));
  auto o2 = options(t, "out");
  o2.targets = {"secomp"};
  driver::Session s2;
  EXPECT_FALSE(driver::compile(s2, {(t.path / "app.ward").string()}, o2).ok);
  EXPECT_TRUE(hasCode(s2.diags, "E1000"));
}

TEST(Driver, TargetsSelectOutputsAndDepfileNamesImports) {
  TempDir t;
  write(t.path / "lib.ward", "policy base { limits { pids 10; } }\n");
  write(t.path / "app.ward", "import \"./lib.ward\";\npolicy app extends lib.base { }\n");
  auto o = options(t, "out");
  o.targets = {"apparmor", "seccomp"};
  o.depfile = (t.path / "app.d").string();
  driver::Session s;
  ASSERT_TRUE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  EXPECT_TRUE(fs::exists(t.path / "out" / "app.apparmor"));
  EXPECT_TRUE(fs::exists(t.path / "out" / "app.bpf"));
  EXPECT_FALSE(fs::exists(t.path / "out" / "app.lxc.conf"));
  std::string dep = read(t.path / "app.d");
  EXPECT_NE(dep.find("lib.ward"), std::string::npos) << dep;
  EXPECT_NE(dep.find("app.ward"), std::string::npos) << dep;
  EXPECT_EQ(dep.rfind((t.path / "out" / "manifest.json").string() + ":", 0), 0u) << dep;  // the one target
}

TEST(Driver, DepfileEscapesSpaces) {
  EXPECT_EQ(driver::depfileText({"a b"}, {"c"}), "a\\ b: \\\n  c\n\nc:\n");
}

// Issue 16.8: outputs are staged as they are produced; an error in the last policy (after the others were
// staged) leaves no file, no temporary and no new output directory behind, and earlier outputs unchanged.
TEST(Driver, AFailingLastPolicyLeavesNothingStaged) {
  TempDir t;
  std::string text;
  for (int i = 0; i < 12; ++i)
    text += "policy p" + std::to_string(i) + " {\n  syscalls { default errno ENOSYS; allow read, write; }\n}\n";
  write(t.path / "fleet.ward", text);
  write(t.path / "broken.ward", text + "policy zz {\n  syscalls { default errno ENOSYS; deny ioctl(request == 4294967296); }\n}\n");
  {
    driver::Session s;
    auto r = driver::compile(s, {(t.path / "broken.ward").string()}, options(t, "new"));
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(hasCode(s.diags, "E1001"));
    EXPECT_FALSE(fs::exists(t.path / "new"));
  }
  driver::Session ok;
  ASSERT_TRUE(driver::compile(ok, {(t.path / "fleet.ward").string()}, options(t, "out")).ok);
  std::map<std::string, std::string> before;
  for (const auto& e : fs::directory_iterator(t.path / "out")) before[e.path().filename()] = read(e.path());
  EXPECT_EQ(std::count_if(before.begin(), before.end(), [](const auto& f) { return f.first.ends_with(".bpf"); }), 12);
  EXPECT_EQ(before.count("manifest.json"), 1u);
  driver::Session s;
  EXPECT_FALSE(driver::compile(s, {(t.path / "broken.ward").string()}, options(t, "out")).ok);
  std::map<std::string, std::string> after;
  for (const auto& e : fs::directory_iterator(t.path / "out")) after[e.path().filename()] = read(e.path());
  EXPECT_EQ(before, after);   // also: no .ward-staging temporaries
}

// Issue 16.8: a compile registers every container's id range and MCS pair with one write per registry (at
// the end, before the renames); a compile that fails registers nothing.
TEST(Driver, RegistriesChangeOncePerCompileAndNotOnFailure) {
  TempDir t;
  std::string text = "import \"std/base\";\n";
  for (int i = 0; i < 5; ++i) text += "policy f" + std::to_string(i) + " extends base.unprivileged {}\n";
  write(t.path / "fleet.ward", text);
  write(t.path / "broken.ward", text + "policy zz extends base.unprivileged {\n  syscalls { deny ioctl(request == 4294967296); }\n}\n");
  const fs::path state = t.path / "state";
  {
    driver::Session s;
    EXPECT_FALSE(driver::compile(s, {(t.path / "broken.ward").string()}, options(t, "new")).ok);
    EXPECT_FALSE(fs::exists(state / "idmap.registry"));   // f0..f4 were allocated in memory only
    EXPECT_FALSE(fs::exists(state / "mcs.registry"));
  }
  driver::Session s;
  ASSERT_TRUE(driver::compile(s, {(t.path / "fleet.ward").string()}, options(t, "out")).ok);
  const std::string idmap = read(state / "idmap.registry"), mcs = read(state / "mcs.registry");
  for (int i = 0; i < 5; ++i) {
    const std::string name = "\nf" + std::to_string(i) + "\t";
    EXPECT_NE(idmap.find(name), std::string::npos) << idmap;
    EXPECT_NE(mcs.find(name), std::string::npos) << mcs;
    // The artifacts name what the registry holds: f<i>'s LXC config maps the registered range.
    const std::string uid = idmap.substr(idmap.find(name) + name.size(), idmap.find('\t', idmap.find(name) + name.size()) -
                                                                           idmap.find(name) - name.size());
    EXPECT_NE(read(t.path / "out" / ("f" + std::to_string(i) + ".lxc.conf")).find("lxc.idmap = u 0 " + uid + " 65536"),
              std::string::npos);
  }
  std::size_t temporaries = 0;
  for (const auto& e : fs::directory_iterator(state)) temporaries += e.path().filename().string()[0] == '.';
  EXPECT_EQ(temporaries, 0u);
}

// A recompile writes only what changed: a file that already holds the bytes keeps its inode and mtime (make
// and CMake see nothing new downstream), a changed one is replaced, and a file whose mode is not the one
// ward writes is rewritten rather than trusted.
TEST(Driver, ARecompileLeavesFilesThatAlreadyHoldTheBytesAlone) {
  TempDir t;
  write(t.path / "app.ward", kPolicy);
  auto o = options(t, "out");
  {
    driver::Session s;
    ASSERT_TRUE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  }
  auto inode = [&](const char* f) {
    struct stat st {};
    EXPECT_EQ(::stat((t.path / "out" / f).c_str(), &st), 0) << f;
    return st.st_ino;
  };
  const auto bpf = inode("app.bpf"), aa = inode("app.apparmor"), manifest = inode("manifest.json");
  ASSERT_EQ(::chmod((t.path / "out" / "app.lxc.conf").c_str(), 0600), 0);
  {
    driver::Session s;
    ASSERT_TRUE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  }
  EXPECT_EQ(inode("app.bpf"), bpf);
  EXPECT_EQ(inode("app.apparmor"), aa);
  EXPECT_EQ(inode("manifest.json"), manifest);   // same inputs, same manifest
  struct stat st {};
  ASSERT_EQ(::stat((t.path / "out" / "app.lxc.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);            // rewritten with ward's mode

  // A changed memory limit: the artifacts that carry it and the manifest change; the filter does not.
  std::string changed = kPolicy;
  changed.replace(changed.find("64MiB"), 5, "96MiB");
  write(t.path / "app.ward", changed);
  {
    driver::Session s;
    ASSERT_TRUE(driver::compile(s, {(t.path / "app.ward").string()}, o).ok);
  }
  EXPECT_EQ(inode("app.bpf"), bpf);
  EXPECT_NE(inode("manifest.json"), manifest);
  EXPECT_NE(read(t.path / "out" / "app.lxc.conf").find("100663296"), std::string::npos);
  for (const auto& e : fs::directory_iterator(t.path / "out"))
    EXPECT_EQ(e.path().filename().string().find(".ward-staging-"), std::string::npos) << e.path();
}
