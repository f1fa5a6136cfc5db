// import::readPodManifest: a manifest's containers as the OCI config.json containerd's CRI would hand to runc,
// with the manifest settings behind each, and located errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "import/kube.h"

namespace ward::import {
namespace {

using nlohmann::json;

struct Read {
  SourceManager sm;
  Diagnostics diags;
  std::vector<PodContainer> containers;
  json config(std::size_t i = 0) const { return json::parse(containers.at(i).config); }
  const PodSetting* setting(std::size_t i, const std::string& prefix) const {
    for (const auto& s : containers.at(i).settings)
      if (s.setting.rfind(prefix, 0) == 0) return &s;
    return nullptr;
  }
  std::string error() const { return diags.items().empty() ? "" : diags.items()[0].message; }
  std::uint32_t errorLine() const { return diags.items().empty() ? 0 : diags.items()[0].span.line; }
};

std::unique_ptr<Read> read(const std::string& yaml, PodOptions o = {}) {
  auto r = std::make_unique<Read>();
  const FileId id = r->sm.add("pod.yaml", "pod.yaml", yaml);
  r->containers = readPodManifest(r->sm, id, o, r->diags);
  return r;
}

std::vector<std::string> strings(const json& a) {
  std::vector<std::string> out;
  for (const auto& s : a) out.push_back(s.get<std::string>());
  return out;
}

bool hasNamespace(const json& c, const std::string& type) {
  for (const auto& n : c["linux"]["namespaces"])
    if (n["type"] == type) return true;
  return false;
}

TEST(KubeReader, DefaultPodIsContainerdsDefaults) {
  auto r = read("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n    image: busybox\n");
  ASSERT_EQ(r->containers.size(), 1u) << r->error();
  const json c = r->config();
  EXPECT_EQ(r->containers[0].pod, "web");
  EXPECT_EQ(r->containers[0].at.line, 6u);
  EXPECT_EQ(c["process"]["capabilities"]["bounding"].size(), 14u);
  EXPECT_FALSE(c["process"]["noNewPrivileges"].get<bool>());
  EXPECT_FALSE(c["linux"].contains("seccomp"));   // no seccompProfile: Unconfined
  EXPECT_EQ(c["linux"]["maskedPaths"].size(), 10u);
  for (const char* ns : {"pid", "network", "ipc", "uts", "mount"}) EXPECT_TRUE(hasNamespace(c, ns)) << ns;
  EXPECT_FALSE(hasNamespace(c, "user"));
  ASSERT_TRUE(r->setting(0, "no seccompProfile"));
  EXPECT_EQ(r->setting(0, "no seccompProfile")->layer, "seccomp");
  ASSERT_TRUE(r->setting(0, "no pids limit"));
  EXPECT_EQ(r->setting(0, "no pids limit")->ids, std::vector<std::string>{"RES-PIDS"});
  EXPECT_TRUE(r->setting(0, "no allowPrivilegeEscalation"));
  EXPECT_TRUE(r->setting(0, "no hostUsers"));
}

TEST(KubeReader, CapabilitiesFollowContainerdsOrder) {
  auto r = read(R"(kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    securityContext:
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, CAP_SYS_ADMIN]}
  - name: b
    securityContext:
      capabilities: {add: [ALL], drop: [sys_admin]}
)");
  ASSERT_EQ(r->containers.size(), 2u) << r->error();
  EXPECT_EQ(strings(r->config(0)["process"]["capabilities"]["bounding"]),
            (std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"}));
  const auto b = strings(r->config(1)["process"]["capabilities"]["bounding"]);
  EXPECT_GT(b.size(), 30u);
  EXPECT_EQ(std::count(b.begin(), b.end(), "CAP_SYS_ADMIN"), 0);
  const PodSetting* add = r->setting(0, "capabilities.add CAP_SYS_ADMIN");
  ASSERT_TRUE(add);
  EXPECT_EQ(add->capability, "sys_admin");
  EXPECT_EQ(add->at.line, 7u);
}

TEST(KubeReader, PrivilegedHostNamespacesAndHostPath) {
  auto r = read(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: agent}
spec:
  template:
    spec:
      hostPID: true
      hostNetwork: true
      volumes:
      - name: root
        hostPath: {path: /}
      - name: sock
        hostPath:
          path: /run/containerd/containerd.sock
      containers:
      - name: agent
        securityContext: {privileged: true}
        volumeMounts:
        - {name: root, mountPath: /host}
        - {name: sock, mountPath: /run/containerd/containerd.sock, readOnly: true}
)");
  ASSERT_EQ(r->containers.size(), 1u) << r->error();
  const json c = r->config();
  EXPECT_EQ(r->containers[0].pod, "agent");
  EXPECT_FALSE(hasNamespace(c, "pid"));
  EXPECT_FALSE(hasNamespace(c, "network"));
  EXPECT_TRUE(hasNamespace(c, "ipc"));
  EXPECT_TRUE(c["linux"]["maskedPaths"].empty());
  EXPECT_EQ(c["linux"]["resources"]["devices"][0]["allow"], true);
  EXPECT_GT(c["process"]["capabilities"]["bounding"].size(), 38u);
  std::vector<std::string> sources;
  for (const auto& m : c["mounts"])
    if (m["type"] == "bind") sources.push_back(m["source"]);
  EXPECT_EQ(sources, (std::vector<std::string>{"/", "/run/containerd/containerd.sock"}));
  ASSERT_TRUE(r->setting(0, "hostPath /run/containerd"));
  EXPECT_EQ(r->setting(0, "hostPath /run/containerd")->at.line, 14u);
  EXPECT_EQ(r->setting(0, "hostPID: true")->at.line, 7u);
  EXPECT_TRUE(r->setting(0, "privileged: true")->all);
  // The specific settings come before privileged: true, which explains whatever they do not.
  const auto& s = r->containers[0].settings;
  const auto priv = std::find_if(s.begin(), s.end(), [](const PodSetting& x) { return x.all; });
  const auto host = std::find_if(s.begin(), s.end(), [](const PodSetting& x) { return x.setting == "hostPID: true"; });
  EXPECT_LT(host - s.begin(), priv - s.begin());
}

TEST(KubeReader, HardenedPod) {
  PodOptions o;
  o.runtimeDefaultProfile = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})";
  auto r = read(R"(kind: Pod
metadata: {name: hard}
spec:
  hostUsers: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    resources:
      limits: {memory: 256Mi, cpu: 500m}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
)", o);
  ASSERT_EQ(r->containers.size(), 1u) << r->error();
  const json c = r->config();
  EXPECT_TRUE(c["process"]["noNewPrivileges"].get<bool>());
  EXPECT_TRUE(c["process"]["capabilities"]["bounding"].empty());
  EXPECT_EQ(c["process"]["user"]["uid"], 1000);
  EXPECT_EQ(c["root"]["readonly"], true);
  EXPECT_EQ(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 268435456u);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["quota"], 50000u);
  EXPECT_TRUE(hasNamespace(c, "user"));
  EXPECT_EQ(c["linux"]["uidMappings"][0]["size"], 65536);
  EXPECT_FALSE(r->setting(0, "no seccompProfile"));
  EXPECT_FALSE(r->setting(0, "no resources.limits.memory"));
  EXPECT_FALSE(r->setting(0, "no allowPrivilegeEscalation"));
  EXPECT_FALSE(r->setting(0, "no hostUsers"));
  EXPECT_TRUE(r->setting(0, "no pids limit"));   // a Pod cannot say it
}

TEST(KubeReader, LocalhostProfilesFromTheNodeOrNotJudged) {
  const std::string yaml = R"(kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/c: localhost/ward-p
spec:
  containers:
  - name: c
    securityContext:
      seccompProfile: {type: Localhost, localhostProfile: ward/p.docker.json}
)";
  auto none = read(yaml);
  ASSERT_EQ(none->containers.size(), 1u) << none->error();
  EXPECT_FALSE(none->containers[0].seccompJudged);
  ASSERT_TRUE(none->setting(0, "seccompProfile: Localhost ward/p.docker.json (not judged)"));
  EXPECT_TRUE(none->setting(0, "seccompProfile: Localhost")->layerNotEvaluated);
  EXPECT_EQ(none->config()["process"]["apparmorProfile"], "ward-p");

  PodOptions o;
  o.profiles["ward/p.docker.json"] = R"({"defaultAction": "SCMP_ACT_ERRNO"})";
  o.profiles["p.apparmor"] = "profile ward-p flags=(attach_disconnected) {\n}\n";
  auto given = read(yaml, o);
  ASSERT_EQ(given->containers.size(), 1u) << given->error();
  EXPECT_TRUE(given->containers[0].seccompJudged);
  EXPECT_EQ(given->config()["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(given->containers[0].apparmorProfile, o.profiles["p.apparmor"]);
}

TEST(KubeReader, MultiDocumentAndTemplates) {
  auto r = read(R"(apiVersion: v1
kind: Service
metadata: {name: s}
---
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init}]
          containers: [{name: job}]
---
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers: [{name: pg}]
)");
  ASSERT_EQ(r->containers.size(), 3u) << r->error();
  EXPECT_EQ(r->containers[0].pod + "/" + r->containers[0].name, "nightly/init");
  EXPECT_EQ(r->containers[1].pod + "/" + r->containers[1].name, "nightly/job");
  EXPECT_EQ(r->containers[2].pod + "/" + r->containers[2].name, "db/pg");
  EXPECT_EQ(r->containers[2].at.line, 20u);
  EXPECT_NE(r->containers[0].notes.back().find("Service s"), std::string::npos);
}

TEST(KubeReader, ErrorsAreLocated) {
  struct Case {
    std::string yaml, message;
    std::uint32_t line;
  };
  const std::vector<Case> cases = {
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    image: [unclosed\n", "not a Kubernetes manifest", 6},
      {"apiVersion: v1\nkind: ConfigMap\n", "no Pod or pod template", 1},
      {"- just\n- a list\n", "not a Kubernetes object", 1},
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: yes please\n", "privileged: expected true or false", 6},
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {add: [SYS_WIZARD]}\n", "unknown capability 'SYS_WIZARD'", 6},
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    resources: {limits: {memory: lots}}\n", "resources.limits.memory: not a quantity", 5},
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      privileged: true\n      allowPrivilegeEscalation: false\n", "cannot be set with privileged", 7},
      {"kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      seccompProfile: {type: Strict}\n", "unknown type 'Strict'", 6},
      {"kind: Pod\nspec: {containers: []}\n", "no containers", 2},
      {"kind: Deployment\nspec: {replicas: 2}\n", "no pod template", 2},
  };
  for (const auto& c : cases) {
    auto r = read(c.yaml);
    EXPECT_TRUE(r->containers.empty()) << c.yaml;
    ASSERT_TRUE(r->diags.hasErrors()) << c.yaml;
    EXPECT_NE(r->error().find(c.message), std::string::npos) << r->error();
    EXPECT_EQ(r->errorLine(), c.line) << c.yaml << "\n" << r->error();
  }
}

TEST(KubeReader, Quantities) {
  auto r = read("kind: Pod\nspec:\n  containers:\n  - name: a\n    resources: {limits: {memory: 1G, cpu: \"1.5\"}}\n"
                "  - name: b\n    resources: {limits: {memory: \"134217728\", cpu: 250m}}\n");
  ASSERT_EQ(r->containers.size(), 2u) << r->error();
  EXPECT_EQ(r->config(0)["linux"]["resources"]["memory"]["limit"], 1000000000u);
  EXPECT_EQ(r->config(0)["linux"]["resources"]["cpu"]["quota"], 150000u);
  EXPECT_EQ(r->config(1)["linux"]["resources"]["memory"]["limit"], 134217728u);
  EXPECT_EQ(r->config(1)["linux"]["resources"]["cpu"]["quota"], 25000u);
}

}  // namespace
}  // namespace ward::import
