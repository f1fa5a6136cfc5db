// P.kube.yaml: a Pod whose container carries the policy (securityContext, resources, volumes), then a
// security-profiles-operator SeccompProfile with the same profile for clusters that use the operator.
// Without the operator, P.docker.json goes to the node's kubelet seccomp root
// (/var/lib/kubelet/seccomp/P.docker.json), which seccompProfile.localhostProfile names. (Podman 4.3's
// `kube play` reads only the annotation, and only a profile directly under --seccomp-profile-root: with
// "localhost/ward/P.docker.json" it opened the directory ward.)
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "backend/common/common.h"
#include "backend/engines/engines.h"
#include "backend/engines/model.h"

namespace ward::backend::engines {

namespace {

std::string q(const std::string& s) { return common::yamlString(s); }

// Kubernetes quantities: bytes as an integer, CPUs in millicores.
std::string millicores(const std::string& cpus) {
  return fmt::format("{}m", static_cast<long long>(std::stod(cpus) * 1000.0 + 0.5));
}

class Yaml {
 public:
  explicit Yaml(const ir::Policy& p) : p_(p) {}
  void line(int indent, const std::string& t, const std::string& why = "") {
    y_ += std::string(static_cast<std::size_t>(indent), ' ') + t + (why.empty() ? "" : "  # " + why) + "\n";
  }
  void line(int indent, const std::string& t, const Item& item) { line(indent, t, comment(p_, item)); }
  std::string& text() { return y_; }

 private:
  const ir::Policy& p_;
  std::string y_;
};

void containerSecurity(Yaml& y, const ir::Policy& p, const Model& m) {
  y.line(6, "securityContext:");
  if (m.kubeEscalationRefused)
    y.line(8, "allowPrivilegeEscalation: true",
           comment(p, m.noNewPrivs) + " (the API refuses false with SYS_ADMIN; see W0008)");
  else
    y.line(8, fmt::format("allowPrivilegeEscalation: {}", m.noNewPrivs.value == "true" ? "false" : "true"), m.noNewPrivs);
  y.line(8, "privileged: false");
  if (m.readOnlyRoot) y.line(8, "readOnlyRootFilesystem: true", *m.readOnlyRoot);
  y.line(8, "capabilities:");
  y.line(10, "drop: [ALL]", "capabilities: only those kept below");
  if (!m.capabilities.empty()) {
    y.line(10, "add:");
    for (const auto& c : m.capabilities) y.line(12, "- " + c.value, c);
  }
  y.line(8, "seccompProfile:");
  y.line(10, "type: Localhost", m.seccomp);
  y.line(10, "localhostProfile: " + q(m.seccompFile), "the node's <kubelet seccomp root>/" + m.seccompFile);
  if (const auto* aa = m.apparmor ? &*m.apparmor : m.apparmorAnyHost ? &*m.apparmorAnyHost : nullptr) {
    y.line(8, "appArmorProfile:", "Kubernetes 1.30+; older clusters read the annotation above");
    y.line(10, "type: Localhost");
    y.line(10, "localhostProfile: " + q(aa->value), *aa);
  }
  if (m.selinuxType && m.selinuxLevel) {
    y.line(8, "seLinuxOptions:");
    y.line(10, "user: " + q(m.selinuxUser->value), *m.selinuxUser);
    y.line(10, "role: " + q(m.selinuxRole->value), *m.selinuxRole);
    y.line(10, "type: " + q(m.selinuxType->value), *m.selinuxType);
    y.line(10, "level: " + q(m.selinuxLevel->value), *m.selinuxLevel);
  }
  (void)p;
}

void resourcesAndVolumes(Yaml& y, const ir::Policy& p, const Model& m) {
  if (m.memory || m.cpus) {
    y.line(6, "resources:");
    y.line(8, "limits:");
    if (m.memory) y.line(10, "memory: " + q(m.memory->value), *m.memory);
    if (m.cpus) y.line(10, "cpu: " + q(millicores(m.cpus->value)), *m.cpus);
  }
  if (m.tmpfs.empty() && m.binds.empty()) return;
  y.line(6, "volumeMounts:");
  int i = 0;
  for (const auto& t : m.tmpfs)
    y.line(8, fmt::format("- {{name: tmpfs-{}, mountPath: {}, readOnly: {}}}", i++, q(t.target), t.readOnly),
           comment(p, t.span, "mounts tmpfs " + t.target));
  i = 0;
  for (const auto& b : m.binds)
    y.line(8, fmt::format("- {{name: bind-{}, mountPath: {}, readOnly: {}}}", i++, q(b.target), b.readOnly),
           comment(p, b.span, "mounts bind " + b.source + " at " + b.target));
  y.line(2, "volumes:");
  i = 0;
  for (const auto& t : m.tmpfs)
    y.line(4, fmt::format("- {{name: tmpfs-{}, emptyDir: {{medium: Memory{}}}}}", i++,
                          t.size ? fmt::format(", sizeLimit: {}", *t.size) : std::string()));
  i = 0;
  for (const auto& b : m.binds) y.line(4, fmt::format("- {{name: bind-{}, hostPath: {{path: {}}}}}", i++, q(b.source)));
}

std::string podText(const ir::Policy& p, const Model& m) {
  Yaml y(p);
  y.text() = fmt::format("# ward: Pod for policy {} ({}); set the image, then `kubectl apply -f` (or `podman kube play`)\n",
                         p.name, p.sources.empty() ? "" : p.sources[0].displayName);
  y.line(0, "apiVersion: v1");
  y.line(0, "kind: Pod");
  y.line(0, "metadata:");
  y.line(2, "name: " + q(p.name));
  y.line(2, "annotations:");
  // The annotations older clusters and Podman 4.3's `kube play` read (the fields came later).
  y.line(4, q("container.seccomp.security.alpha.kubernetes.io/" + p.name) + ": " + q("localhost/" + m.seccompFile));
  if (m.apparmor)
    y.line(4, q("container.apparmor.security.beta.kubernetes.io/" + p.name) + ": " + q("localhost/" + m.apparmor->value));
  y.line(0, "spec:");
  if (p.network.none) y.line(2, "hostNetwork: false");
  y.line(2, "restartPolicy: Never");
  if (!m.sysctls.empty()) {
    y.line(2, "securityContext:");
    y.line(4, "sysctls:");
    for (const auto& s : m.sysctls) {
      auto eq = s.value.find('=');
      y.line(6, fmt::format("- {{name: {}, value: {}}}", q(s.value.substr(0, eq)), q(s.value.substr(eq + 1))), s);
    }
  }
  y.line(2, "containers:");
  y.line(4, "- name: " + q(p.name));
  y.line(6, "image: IMAGE", "replace with the container's image");
  containerSecurity(y, p, m);
  resourcesAndVolumes(y, p, m);
  return y.text();
}

std::string seccompProfileText(const ir::Policy& p) {
  // The operator's CRD takes the profile's fields as the spec (no "comment" per entry). JSON is YAML.
  std::string y = "---\n# security-profiles-operator: the same profile, installed on every node by the operator\n";
  y += "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n";
  y += "  name: " + q(p.name) + "\nspec: " + dockerSeccompJson(p, false, -1) + "\n";
  return y;
}

}  // namespace

std::vector<Artifact> emitKube(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  const auto m = checkedModel(policy, allocations, options, Engine::Kube, "kube", diags);
  if (!m) return {};
  return {Artifact{policy.name + ".kube.yaml", podText(policy, *m) + seccompProfileText(policy)}};
}

}  // namespace ward::backend::engines
