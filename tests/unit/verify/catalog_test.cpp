// The escape catalog as shipped in stdlib/catalog: it loads, validates, and a site catalog merges.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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

std::set<std::string> probeIds() {
  // The ids of tests/conformance/probe.c's kProbes table: {"ESC-SYSRQ", pSysrq}, ...
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/tests/conformance/probe.c");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::set<std::string> ids;
  auto table = text.find("kProbes[] = {");
  EXPECT_NE(table, std::string::npos);
  for (auto at = text.find("{\"", table); at != std::string::npos && at < text.find("};", table);
       at = text.find("{\"", at + 1))
    ids.insert(text.substr(at + 2, text.find('"', at + 2) - at - 2));
  return ids;
}

TEST(Catalog, EveryEntryHasSourceVersionsAndAKnownProbe) {
  Catalog c = stdCatalog();
  EXPECT_GE(c.entries.size(), 150u);
  EXPECT_EQ(c.files.size(), 3u);   // escapes.json, kernel.json, runtimes.json
  const auto probes = probeIds();
  EXPECT_GE(probes.size(), 50u);
  for (const auto& e : c.entries) {
    EXPECT_EQ(e.source.rfind("https://", 0), 0u) << e.id << ": no source URL";
    if (e.component != "config") {
      EXPECT_FALSE(e.affected.empty()) << e.id;
      EXPECT_FALSE(e.cves.empty()) << e.id;
      EXPECT_NE(e.year, 0) << e.id;
    }
    if (!e.cves.empty()) {
      EXPECT_GE(e.year, 2016) << e.id;
    }
    // Every probe the catalog describes exists, and every probe belongs to an entry.
    EXPECT_EQ(!e.probe.empty(), probes.count(e.id) == 1) << e.id << ": probe text and probe.c disagree";
  }
  for (const auto& id : probes) EXPECT_NE(c.find(id), nullptr) << id;
  for (const char* cve : {"CVE-2025-31133", "CVE-2025-52565", "CVE-2025-52881", "CVE-2019-5736", "CVE-2024-21626",
                          "CVE-2020-15257", "CVE-2024-0132", "CVE-2025-23266", "CVE-2025-9566", "CVE-2022-0492",
                          "CVE-2023-0386", "CVE-2023-2640", "CVE-2023-32629", "CVE-2024-1086", "CVE-2022-0847",
                          // the 2025 LXD audit, podman top, BuildKit (Leaky Vessels), tc classifiers, nf_tables
                          "CVE-2025-54286", "CVE-2025-54287", "CVE-2025-54288", "CVE-2025-54289", "CVE-2022-1227",
                          "CVE-2024-23651", "CVE-2024-23652", "CVE-2024-23653", "CVE-2022-2588", "CVE-2023-3609",
                          "CVE-2023-3776", "CVE-2023-4004", "CVE-2023-4208", "CVE-2024-26809", "CVE-2023-0179"})
    EXPECT_FALSE(findByCve(c, cve).empty()) << cve;
  // BuildKit's bugs are judged both for a BuildKit package and for the dockerd that vendors it.
  EXPECT_EQ(findByCve(c, "CVE-2024-23652").size(), 2u);
}

TEST(Catalog, DocsCountsMatchTheCatalog) {
  // docs/escapes.md carries `ward explain --counts` between two markers; regenerate it when the catalog changes.
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/docs/escapes.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const std::string begin = "<!-- counts: `ward explain --counts` -->\n", end = "<!-- end counts -->";
  auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), countsTable(stdCatalog()));
}

TEST(Catalog, VersionFieldsAreValidated) {
  Catalog c;
  std::vector<std::string> errors;
  ASSERT_TRUE(parseCatalog("x.json", R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"X-1","title":"t","summary":"s","fix":"f","severity":"high","component":"runcc","cves":["CVE-2025-0001"],
     "needs":["wizardry"],"source":"ftp://x","guards":[{"layer":"host","note":"n"}]},
    {"id":"X-2","title":"t","summary":"s","fix":"f","severity":"high","component":"runc","year":2025,
     "cves":["CVE-2025-0002"],"source":"https://x","affected":[{"introduced":"v1","fixed":"1.2"}],
     "guards":[{"layer":"host","note":"n"}]}]})",
                           c, errors));
  auto problems = validate(c);
  // X-1: unknown component, which then needs "affected", a year is missing, unknown need, source not https.
  // X-2: "v1" is not a version.
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_EQ(problems.size(), 6u) << all;
  EXPECT_FALSE(parseCatalog("y.json", R"({"format":"ward-escape-catalog/1","entries":[
    {"id":"Y-1","title":"t","severity":"high","affected":[{"introduced":"1.0"}],"guards":[{"layer":"host","note":"n"}]}]})",
                            c, errors));   // a range without "fixed"
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
  EXPECT_EQ(c.files.size(), 4u);   // the site file and the stdlib's three
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

TEST(Explain, ShowsVersionsSourceAndFinds) {
  Catalog c = stdCatalog();
  auto text = explain(c, "RUNC-MASKED-DEVNULL");
  ASSERT_TRUE(text);
  for (const char* part : {"CVE-2025-31133", "Component: runc", "< 1.2.8", ">= 1.3.0-rc.1, < 1.3.3",
                           "Source: https://github.com/opencontainers/runc/security/advisories/GHSA-9493-h29p-rfm2",
                           "Blocking layers: userns, apparmor"})
    EXPECT_NE(text->find(part), std::string::npos) << part << "\n" << *text;
  ASSERT_EQ(findByCve(c, "cve-2025-31133").size(), 1u);
  EXPECT_EQ(findByCve(c, "CVE-2025-31133")[0]->id, "RUNC-MASKED-DEVNULL");
  EXPECT_TRUE(findByCve(c, "CVE-1999-0001").empty());
  ListFilter f;
  f.component = "runc";
  f.year = 2025;
  std::string list = listCatalog(c, f);
  EXPECT_NE(list.find("RUNC-CONSOLE-RACE"), std::string::npos) << list;
  EXPECT_EQ(list.find("CVE-RUNC-FD"), std::string::npos) << list;   // 2024
  EXPECT_EQ(list.find("KRN-"), std::string::npos) << list;
  auto counts = countBy(c);
  EXPECT_EQ(counts.byComponent.at("runc") + counts.byComponent.at("kernel") + counts.byComponent.at("config") > 0, true);
}

}  // namespace
}  // namespace ward::verify
