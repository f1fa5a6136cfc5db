// `ward verify --docker/--podman` on what real Docker 20.10 and Podman 4.3 applied (tests/fixtures/{docker,
// podman}: inspect output and the config.json handed to runc, saved by scripts/engine-fixtures.sh): the
// findings of the config.json audit, moved to the engine option in the inspect output that opened them.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "verify/engine_audit.h"

namespace ward::verify {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/tests/fixtures/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  SourceManager sm;
  FileId inspect = kNoFile;
  std::vector<Finding> findings;
  const Finding* find(const std::string& id) const {
    for (const auto& f : findings)
      if (f.id == id) return &f;
    return nullptr;
  }
  std::string lineText(const Finding& f) const {
    const auto& file = sm.file(f.span.file);
    const auto b = file.lineStarts[f.span.line - 1];
    const auto e = file.text.find('\n', b);
    return file.text.substr(b, e == std::string::npos ? std::string::npos : e - b);
  }
};

std::unique_ptr<Run> audit(const std::string& engine, const std::string& which, std::optional<bool> cgroupV1 = {}) {
  auto r = std::make_unique<Run>();
  std::vector<std::string> errors;
  static const Catalog catalog = loadCatalog({std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  EngineContainer c{engine, which, fixture(engine + "/" + which + ".inspect.json"), engine + "/" + which + ".config.json",
                    fixture(engine + "/" + which + ".config.json")};
  AuditOptions o;
  o.apparmorEnabled = false;
  o.cgroupV1 = cgroupV1;
  Audited a = auditEngineContainer(r->sm, c, &r->inspect, o);
  EXPECT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors[0]);
  r->findings = verifyAudited(a, catalog, {});
  locateAtEngineSettings(r->sm, r->inspect, engine, r->findings);
  return r;
}

TEST(EngineAudit, ReadsTheInspectOutput) {
  auto f = readInspect(fixture("podman/default.inspect.json"));
  EXPECT_TRUE(f.error.empty());
  EXPECT_FALSE(f.id.empty());
  EXPECT_FALSE(f.staticDir.empty());
  EXPECT_FALSE(readInspect("{}").error.empty());
  EXPECT_FALSE(readInspect("not json").error.empty());
}

TEST(EngineAudit, PrivilegedFindingsAreAtThePrivilegedSetting) {
  for (const std::string engine : {"docker", "podman"}) {
    auto r = audit(engine, "privileged");
    // (CAP-PRIVILEGED itself is not open for Docker 20.10: it grants only the capabilities it knows, up to
    // audit_read.)
    const Finding* f = r->find("CAP-SYS-MODULE");
    ASSERT_NE(f, nullptr) << engine;
    EXPECT_EQ(f->status, Status::Open) << engine;
    EXPECT_EQ(f->span.file, r->inspect) << engine;
    EXPECT_NE(r->lineText(*f).find("\"Privileged\": true"), std::string::npos) << engine << ": " << r->lineText(*f);
    ASSERT_FALSE(f->notes.empty());
    EXPECT_NE(f->notes.back().find("opened by --privileged"), std::string::npos) << f->notes.back();
  }
}

TEST(EngineAudit, DefaultContainersOpenWhatTheirDefaultsLeave) {
  // Docker sets no pids limit: RES-PIDS is open, at HostConfig.PidsLimit ("no --pids-limit").
  auto d = audit("docker", "default");
  const Finding* pids = d->find("RES-PIDS");
  ASSERT_NE(pids, nullptr);
  EXPECT_EQ(pids->status, Status::Open);
  EXPECT_EQ(pids->span.file, d->inspect);
  EXPECT_NE(d->lineText(*pids).find("\"PidsLimit\""), std::string::npos) << d->lineText(*pids);
  // No --privileged: CAP-PRIVILEGED is not open.
  const Finding* priv = d->find("CAP-PRIVILEGED");
  EXPECT_TRUE(priv == nullptr || priv->status != Status::Open);
  // Podman's default has a pids limit (2048).
  auto p = audit("podman", "default");
  const Finding* ppids = p->find("RES-PIDS");
  EXPECT_TRUE(ppids == nullptr || ppids->status != Status::Open);
  const Finding* nnp = p->find("CAP-NNP");
  ASSERT_NE(nnp, nullptr);
  EXPECT_EQ(nnp->status, Status::Open);
  EXPECT_NE(nnp->notes.back().find("no --security-opt no-new-privileges"), std::string::npos);
}

TEST(EngineAudit, NoUserNamespaceIsAtUsernsModeForBothNamespaceEntries) {
  // Docker has no per-container user namespace (dockerd --userns-remap): NS-PRIVILEGED and NS-HOST-NS (the
  // shared namespace is the user one) are both located at HostConfig.UsernsMode.
  auto d = audit("docker", "default");
  for (const char* id : {"NS-PRIVILEGED", "NS-HOST-NS"}) {
    const Finding* f = d->find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->status, Status::Open) << id;
    EXPECT_EQ(f->span.file, d->inspect) << id;
    EXPECT_NE(d->lineText(*f).find("\"UsernsMode\""), std::string::npos) << id << ": " << d->lineText(*f);
    EXPECT_NE(f->notes.back().find("dockerd --userns-remap"), std::string::npos) << f->notes.back();
  }
}

TEST(EngineAudit, RuncsCgroupV1TmpfsHasNoSize) {
  // On a cgroup v1 host runc mounts the hierarchies on a writable tmpfs without size= (RES-DISK); on v2, or
  // when the host is not known, the config.json's cgroup mount is judged as written.
  auto v1 = audit("docker", "default", true);
  const Finding* f = v1->find("RES-DISK");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, Status::Open);
  auto v2 = audit("docker", "default", false);
  const Finding* g = v2->find("RES-DISK");
  EXPECT_TRUE(g == nullptr || g->status != Status::Open);
}

}  // namespace
}  // namespace ward::verify
