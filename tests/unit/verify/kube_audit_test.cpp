// `ward verify --kube`: each container of a manifest audited as containerd's CRI would run it, and the findings
// moved to the manifest setting that opened them. RuntimeDefault is the linux.seccomp Docker 20.10 handed to
// runc (tests/fixtures/docker/default.config.json), the profile containerd's default is a copy of.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "verify/engine_audit.h"

namespace ward::verify {
namespace {

struct Run {
  SourceManager sm;
  Diagnostics diags;
  FileId manifest = kNoFile;
  std::vector<import::PodContainer> containers;
  std::vector<Audited> audits;
  std::vector<Finding> findings;
  const Finding* find(const std::string& id, const std::string& container = "") const {
    for (const auto& f : findings)
      if (f.id == id && (container.empty() || f.policy.ends_with("/" + container))) return &f;
    return nullptr;
  }
  std::string lineText(const Finding& f) const { return std::string(sm.lineText(f.span.file, f.span.line)); }
};

std::string runtimeDefault() {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/tests/fixtures/docker/default.config.json");
  std::ostringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str())["linux"]["seccomp"].dump();
}

std::unique_ptr<Run> audit(const std::string& yaml) {
  auto r = std::make_unique<Run>();
  std::vector<std::string> errors;
  static const Catalog catalog = loadCatalog({std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  r->manifest = r->sm.add("pod.yaml", "pod.yaml", yaml);
  import::PodOptions o;
  o.runtimeDefaultProfile = runtimeDefault();
  r->containers = import::readPodManifest(r->sm, r->manifest, o, r->diags);
  EXPECT_FALSE(r->diags.hasErrors()) << (r->diags.items().empty() ? "" : r->diags.items()[0].message);
  AuditOptions ao;
  ao.apparmorEnabled = false;
  for (const auto& c : r->containers) {
    Audited a = auditPodContainer(r->sm, c, "", ao);
    EXPECT_TRUE(a.ok()) << (a.errors.empty() ? "" : a.errors[0]);
    auto f = verifyAudited(a, catalog, {});
    locateAtPodSettings(r->sm, c, f);
    r->findings.insert(r->findings.end(), f.begin(), f.end());
    r->audits.push_back(std::move(a));
  }
  return r;
}

// The kubelet's directory holds every pod's secrets and service account tokens: any part of it bound in is a
// sensitive bind, located at the hostPath; a directory of the pod's own is not.
TEST(KubeAudit, KubeletCredentialsAreASensitiveHostPath) {
  auto r = audit("kind: Pod\nmetadata: {name: agent}\nspec:\n  volumes:\n  - name: pods\n"
                 "    hostPath: {path: /var/lib/kubelet/pods}\n  containers:\n  - name: app\n    image: busybox\n"
                 "    volumeMounts:\n    - {name: pods, mountPath: /pods}\n");
  const Finding* hostpath = r->find("ESC-HOSTPATH");
  ASSERT_NE(hostpath, nullptr);
  EXPECT_EQ(hostpath->status, Status::Open);
  EXPECT_EQ(r->lineText(*hostpath), "    hostPath: {path: /var/lib/kubelet/pods}");
  auto own = audit("kind: Pod\nmetadata: {name: agent}\nspec:\n  volumes:\n  - name: data\n"
                   "    hostPath: {path: /srv/agent}\n  containers:\n  - name: app\n    image: busybox\n"
                   "    volumeMounts:\n    - {name: data, mountPath: /data}\n");
  EXPECT_NE(own->find("ESC-HOSTPATH")->status, Status::Open);
}

TEST(KubeAudit, DefaultPodOpensWhatKubernetesLeaves) {
  auto r = audit("kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n    image: busybox\n");
  ASSERT_FALSE(r->findings.empty());
  for (const auto& f : r->findings) EXPECT_EQ(f.span.file, r->manifest) << f.id;
  // No seccompProfile: Unconfined; a seccomp-only entry is open at the container, saying why.
  const Finding* perf = r->find("SYS-PERF");
  ASSERT_NE(perf, nullptr);
  EXPECT_EQ(perf->status, Status::Open);
  EXPECT_EQ(perf->span.line, 5u);
  EXPECT_NE(perf->notes.back().find("no seccompProfile"), std::string::npos) << perf->notes.back();
  // No pids limit can be set in a Pod.
  const Finding* pids = r->find("RES-PIDS");
  ASSERT_NE(pids, nullptr);
  EXPECT_EQ(pids->status, Status::Open);
  EXPECT_NE(pids->notes.back().find("podPidsLimit"), std::string::npos);
  EXPECT_EQ(r->find("CAP-NNP")->status, Status::Open);
  EXPECT_EQ(r->find("NS-PRIVILEGED")->status, Status::Open);
  // Not privileged, no hostPath, the pod's own network (not loopback only: NET-L2-SPOOF applies).
  EXPECT_NE(r->find("CAP-PRIVILEGED")->status, Status::Open);
  EXPECT_NE(r->find("ESC-HOSTPATH")->status, Status::Open);
  EXPECT_NE(r->find("NET-L2-SPOOF")->status, Status::NotApplicable);
}

TEST(KubeAudit, HardenedPodClosesThem) {
  auto r = audit(R"(kind: Pod
metadata: {name: hard}
spec:
  hostUsers: false
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    resources:
      limits: {cpu: 500m, memory: 256Mi}
)");
  for (const char* id : {"SYS-PERF", "CAP-NNP", "NS-PRIVILEGED", "RES-MEM", "RES-CPU", "CAP-SYS-MODULE"}) {
    const Finding* f = r->find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_NE(f->status, Status::Open) << id << ": " << f->message;
  }
  const Finding* pids = r->find("RES-PIDS");
  ASSERT_NE(pids, nullptr);
  EXPECT_EQ(pids->status, Status::Open);
  EXPECT_EQ(r->lineText(*pids), "      limits: {cpu: 500m, memory: 256Mi}");
}

TEST(KubeAudit, PrivilegedAndHostSettingsAreLocated) {
  auto r = audit(R"(kind: Pod
metadata: {name: agent}
spec:
  hostPID: true
  volumes:
  - name: root
    hostPath: {path: /}
  - name: sock
    hostPath: {path: /var/run/docker.sock}
  containers:
  - name: agent
    securityContext:
      privileged: true
    volumeMounts:
    - {name: root, mountPath: /host}
  - name: side
    securityContext:
      capabilities: {add: [SYS_PTRACE]}
    volumeMounts:
    - {name: sock, mountPath: /var/run/docker.sock}
)");
  const Finding* module = r->find("CAP-SYS-MODULE", "agent");
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->status, Status::Open);
  EXPECT_EQ(r->lineText(*module), "      privileged: true");
  const Finding* hostpath = r->find("ESC-HOSTPATH", "agent");
  ASSERT_NE(hostpath, nullptr);
  EXPECT_EQ(hostpath->status, Status::Open);
  EXPECT_EQ(r->lineText(*hostpath), "    hostPath: {path: /}");
  const Finding* ns = r->find("NS-HOST-NS", "side");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->status, Status::Open);
  EXPECT_EQ(r->lineText(*ns), "  hostPID: true");
  const Finding* sock = r->find("DEV-RUNTIME-SOCK", "side");
  ASSERT_NE(sock, nullptr);
  EXPECT_EQ(sock->status, Status::Open);
  EXPECT_EQ(sock->span.line, 9u);
  const Finding* ptrace = r->find("CAP-SYS-PTRACE", "side");
  ASSERT_NE(ptrace, nullptr);
  EXPECT_EQ(ptrace->status, Status::Open);
  EXPECT_EQ(r->lineText(*ptrace), "      capabilities: {add: [SYS_PTRACE]}");
  EXPECT_NE(r->find("CAP-SYS-MODULE", "side")->status, Status::Open);
}

}  // namespace
}  // namespace ward::verify
