// The catalog against the stdlib default (`policy p extends base.unprivileged {}`), judged for hosts whose
// components are given as data: a host with current components leaves nothing open; a Debian 12 host with
// its 2023 packages gets the runtime bugs no layer can block named, with the upgrade that fixes them.
#include <gtest/gtest.h>

#include <string>

#include "driver/driver.h"
#include "hermetic.h"
#include "verify/hostfacts.h"

using namespace ward;

namespace {

std::vector<verify::Finding> verifyDefault(const verify::HostFacts& host) {
  driver::Session s;
  driver::LoadOptions lo;
  lo.includeDirs = {std::string(WARD_SOURCE_DIR) + "/stdlib"};
  auto l = driver::loadText(s, "default.ward", "import \"std/base\";\npolicy p extends base.unprivileged {}\n", lo);
  EXPECT_FALSE(s.diags.hasErrors());
  std::vector<std::string> errors;
  verify::Catalog catalog = verify::loadCatalog({std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  EXPECT_TRUE(errors.empty());
  backend::Options hostFiles;
  auto v = driver::verifyPolicies(s, std::move(l.policies), catalog, std::nullopt, host, test::hermetic(hostFiles));
  EXPECT_FALSE(s.diags.hasErrors());
  return v.findings;
}

verify::HostFacts hostWith(std::map<std::string, std::string> versions,
                           std::map<std::string, std::set<std::string>> fixes = {}) {
  verify::HostFacts h;
  h.apparmorEnabled = true;
  h.selinuxEnabled = true;
  h.components.emplace();
  for (auto& [component, version] : versions)
    (*h.components)[component] = verify::Installed{component, component, version, fixes[component]};
  return h;
}

const verify::Finding* find(const std::vector<verify::Finding>& fs, const std::string& id) {
  for (const auto& f : fs)
    if (f.id == id) return &f;
  return nullptr;
}

TEST(HostVersions, CurrentComponentsLeaveNothingOpen) {
  auto current = hostWith({{"kernel", "6.18.44"},   {"runc", "1.3.3"},       {"crun", "1.24"},
                           {"lxc", "6.0.5"},        {"lxd", "6.5"},          {"containerd", "2.2.0"},
                           {"cri-o", "1.34.0"},     {"docker", "28.5.1"},    {"podman", "5.6.1"},
                           {"buildah", "1.41.5"},   {"nvidia-container-toolkit", "1.18.0"}});
  auto findings = verifyDefault(current);
  ASSERT_GE(findings.size(), 150u);
  for (const auto& f : findings) EXPECT_NE(f.status, verify::Status::Open) << f.id << ": " << f.message;
  const auto* devnull = find(findings, "RUNC-MASKED-DEVNULL");
  ASSERT_NE(devnull, nullptr);
  EXPECT_EQ(devnull->status, verify::Status::NotApplicable);
  EXPECT_NE(devnull->message.find("not vulnerable here: runc 1.3.3 is not affected"), std::string::npos) << devnull->message;
}

TEST(HostVersions, DebianBookwormPackagesAreJudged) {
  auto bookworm = hostWith({{"kernel", "6.1.119-1"},
                            {"runc", "1.1.5+ds1-1+deb12u1"},
                            {"lxc", "1:5.0.2-1+deb12u4"},
                            {"docker", "20.10.24+dfsg1-1+deb12u1+b6"},
                            {"podman", "4.3.1+ds1-8+deb12u1+b3"}},
                           {{"runc", {"CVE-2024-21626", "CVE-2023-27561"}}, {"docker", {"CVE-2024-41110"}}});
  auto findings = verifyDefault(bookworm);
  const auto* fd = find(findings, "CVE-RUNC-FD");
  ASSERT_NE(fd, nullptr);
  EXPECT_EQ(fd->status, verify::Status::NotApplicable);   // the Debian changelog names the CVE
  EXPECT_NE(fd->message.find("fixed CVE-2024-21626"), std::string::npos) << fd->message;
  const auto* mkdir = find(findings, "RUNC-MKDIRALL-RACE");
  ASSERT_NE(mkdir, nullptr);   // vulnerable; the user namespace blocks it
  EXPECT_NE(mkdir->status, verify::Status::Open) << mkdir->message;
  ASSERT_FALSE(mkdir->notes.empty());
  EXPECT_NE(mkdir->notes.back().find("upgrade runc to 1.1.14"), std::string::npos) << mkdir->notes.back();
  const auto* kube = find(findings, "PODMAN-KUBE-PLAY-SYMLINK");   // no layer of a policy can block it
  ASSERT_NE(kube, nullptr);
  EXPECT_EQ(kube->status, verify::Status::Open);
  EXPECT_NE(kube->message.find("upgrade podman to 5.6.1"), std::string::npos) << kube->message;
  const auto* nvidia = find(findings, "NVIDIA-HOOK-LDPRELOAD");
  ASSERT_NE(nvidia, nullptr);
  EXPECT_EQ(nvidia->status, verify::Status::NotApplicable);
  EXPECT_NE(nvidia->message.find("no nvidia-container-toolkit installed"), std::string::npos) << nvidia->message;
  const auto* authz = find(findings, "DOCKER-AUTHZ-BYPASS");
  ASSERT_NE(authz, nullptr);
  EXPECT_EQ(authz->status, verify::Status::NotApplicable);
}

}  // namespace
