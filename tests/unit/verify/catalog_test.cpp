// The escape catalog as shipped in stdlib/catalog: it loads, validates, and a site catalog merges.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "verify/catalog.h"
#include "verify/report.h"

namespace ward::verify {
namespace {

Catalog stdCatalog() {
  std::vector<std::string> errors;
  Catalog c = loadCatalog({std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return c;
}

TEST(Catalog, StdlibLoadsAndValidates) {
  Catalog c = stdCatalog();
  EXPECT_GE(c.entries.size(), 60u);
  auto problems = validate(c);
  for (const auto& p : problems) ADD_FAILURE() << p;
  std::set<std::string> ids;
  for (const auto& e : c.entries) {
    EXPECT_TRUE(ids.insert(e.id).second) << e.id;
    EXPECT_FALSE(e.guards.empty()) << e.id;
    EXPECT_FALSE(e.references.empty()) << e.id;
  }
}

TEST(Catalog, IdsTheStdlibPoliciesNameExist) {
  // std/base.ward names entries in comments and accept statements; they must all be in the catalog.
  Catalog c = stdCatalog();
  for (const char* id : {"ESC-SYSRQ", "ESC-KCORE", "SYS-KEYCTL", "ESC-PROC-LEAK", "ESC-HW-PATHS", "ESC-CORE-PATTERN",
                         "ESC-HOST-SYSCTL", "MNT-BINFMT", "ESC-UEVENT-HELPER", "MNT-SECURITYFS", "MNT-KERNFS",
                         "ESC-UDEV-STORM", "ESC-SYSFS-RW", "CAP-RELEASE-AGENT", "CVE-CGROUP-RA", "CAP-DEVICES-ALLOW",
                         "CAP-SYS-RAWIO", "MNT-DEVPTS", "NS-PRIVILEGED", "NS-SHARED-IDMAP", "CAP-NNP", "CAP-NET-RAW",
                         "CAP-MKNOD-DEV", "CAP-INHERITABLE", "RES-DISK", "NET-IPV6-RA", "SYS-COMPAT",
                         "SYS-PERSONALITY", "NS-USERNS-NEST", "DEV-TIOCSTI", "DEV-TIOCLINUX", "RES-MEM", "RES-PIDS",
                         "RES-INOTIFY", "CAP-SHOCKER", "SYS-PERF", "CAP-SYS-PTRACE", "SYS-USERFAULTFD",
                         "SYS-MOUNT-API", "CVE-FSCONFIG", "CAP-SYS-MODULE", "CAP-SYS-BOOT", "SYS-KEXEC",
                         "CAP-SYS-TIME"})
    EXPECT_NE(c.find(id), nullptr) << id;
}

TEST(Catalog, RejectsBadInput) {
  Catalog c;
  std::vector<std::string> errors;
  EXPECT_FALSE(parseCatalog("bad.json", "{", c, errors));
  EXPECT_FALSE(parseCatalog("bad.json", R"({"format":"other","entries":[]})", c, errors));
  errors.clear();
  EXPECT_FALSE(parseCatalog("bad.json", R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"X-1","title":"t","severity":"urgent","guards":[{"layer":"firewall","check":"x"}]},
    {"id":"X-2","title":"t","severity":"high","guards":[{"layer":"seccomp","check":"nope"}]},
    {"id":"X-3","title":"t","severity":"high","guards":[{"layer":"cgroup","any":[{"device":"q 1:1 r"}]}]}]})",
                            c, errors));
  EXPECT_EQ(errors.size(), 4u);
  EXPECT_TRUE(c.entries.empty());   // nothing from a file with errors
}

TEST(Catalog, DuplicateIdInOneFileIsAnError) {
  Catalog c;
  std::vector<std::string> errors;
  const char* text = R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"X-1","title":"t","severity":"high","guards":[{"layer":"userns","check":"unprivileged"}]},
    {"id":"X-1","title":"t","severity":"high","guards":[{"layer":"userns","check":"unprivileged"}]}]})";
  EXPECT_FALSE(parseCatalog("dup.json", text, c, errors));
}

TEST(Catalog, ValidateCatchesUnknownNames) {
  Catalog c;
  std::vector<std::string> errors;
  ASSERT_TRUE(parseCatalog("x.json", R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"x-lower","title":"t","summary":"s","fix":"f","severity":"high","guards":[
      {"layer":"seccomp","any":[{"syscall":"no_such_call"}]},
      {"layer":"capabilities","any":["sys_wizard"]}]}]})",
                           c, errors));
  auto problems = validate(c);
  EXPECT_EQ(problems.size(), 3u);   // id syntax, syscall, capability
}

TEST(Catalog, SiteCatalogOnTheSearchPathMergesAndShadows) {
  namespace fs = std::filesystem;
  fs::path site = fs::temp_directory_path() / ("ward-site-catalog-" + std::to_string(::getpid()));
  fs::create_directories(site / "catalog");
  std::ofstream(site / "catalog" / "site.json") << R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"SITE-NFS","title":"Our NFS export","summary":"s","fix":"f","severity":"medium","references":["r"],
     "guards":[{"layer":"mount","check":"no-sensitive-bind"}]},
    {"id":"ESC-SYSRQ","title":"Site override","summary":"s","fix":"f","severity":"critical","references":["r"],
     "guards":[{"layer":"userns","check":"unprivileged"}]}]})";
  std::vector<std::string> errors;
  Catalog c = loadCatalog({site.string(), std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  fs::remove_all(site);
  ASSERT_TRUE(errors.empty()) << errors.front();
  ASSERT_NE(c.find("SITE-NFS"), nullptr);
  EXPECT_EQ(c.find("ESC-SYSRQ")->title, "Site override");   // earlier on the path wins, as for modules
  EXPECT_EQ(c.notes.size(), 1u);
  EXPECT_EQ(c.files.size(), 2u);
}

TEST(Explain, PrintsAnEntryAndSuggests) {
  Catalog c = stdCatalog();
  auto text = explain(c, "esc-sysrq");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("ESC-SYSRQ [high]"), std::string::npos);
  EXPECT_NE(text->find("Fix:"), std::string::npos);
  EXPECT_NE(text->find("apparmor"), std::string::npos);
  EXPECT_FALSE(explain(c, "ESC-SYSREQ"));
  EXPECT_EQ(suggestion(c, "ESC-SYSREQ"), "ESC-SYSRQ");
  EXPECT_NE(listCatalog(c).find("CAP-SHOCKER"), std::string::npos);
}

}  // namespace
}  // namespace ward::verify
