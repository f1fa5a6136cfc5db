// `ward verify --kube FILE.yaml`: each container of a Kubernetes manifest as the OCI config.json containerd's
// CRI plugin (1.6, with runc) would hand to runc, and the manifest settings behind it (import/kube.h).
#include "import/kube.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "base/capabilities.h"
#include "base/strings.h"
#include "import/import.h"

namespace ward::import {

namespace {

using nlohmann::json;

// Kinds whose spec.template (CronJob: spec.jobTemplate.spec.template) is a pod.
const std::set<std::string>& workloadKinds() {
  static const std::set<std::string> s = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                          "ReplicationController", "Job", "CronJob"};
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "sys_admin" for "SYS_ADMIN", "CAP_SYS_ADMIN" and "sys_admin"; "" when it is no capability.
std::string capName(const std::string& given) {
  std::string n = upper(given);
  if (startsWith(n, "CAP_")) n = n.substr(4);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return capabilityNumber(n) < 0 ? std::string() : n;
}

// containerd 1.6's populateDefaultUnixSpec and CRI defaults: the mounts, masked and read-only paths and device
// cgroup every container gets (/dev/shm is the sandbox's 64 MiB tmpfs, bound in).
json defaultConfig() {
  json c = json::object();
  c["ociVersion"] = "1.0.2-dev";
  c["root"] = {{"path", "rootfs"}, {"readonly", false}};
  auto mount = [](const char* dest, const char* type, std::vector<std::string> opts) {
    return json{{"destination", dest}, {"type", type}, {"source", type}, {"options", opts}};
  };
  c["mounts"] = json::array({mount("/proc", "proc", {"nosuid", "noexec", "nodev"}),
                             mount("/dev", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
                             mount("/dev/pts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
                             mount("/dev/mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
                             mount("/sys", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
                             mount("/sys/fs/cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
                             mount("/dev/shm", "tmpfs", {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"})});
  json& lin = c["linux"];
  lin["maskedPaths"] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
  lin["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  json devices = json::array({{{"allow", false}, {"access", "rwm"}}});
  for (const auto& [type, major, minor] : std::vector<std::tuple<const char*, int, int>>{
           {"c", 1, 3}, {"c", 1, 5}, {"c", 1, 7}, {"c", 1, 8}, {"c", 1, 9}, {"c", 5, 0}, {"c", 5, 1}, {"c", 5, 2}})
    devices.push_back({{"allow", true}, {"type", type}, {"major", major}, {"minor", minor}, {"access", "rwm"}});
  devices.push_back({{"allow", true}, {"type", "c"}, {"major", 136}, {"access", "rwm"}});
  lin["resources"] = {{"devices", devices}};
  return c;
}

// A Kubernetes quantity: "512Mi", "1G", "128974848", "1.5", "500m". Scaled by `unit` (1 for bytes, 1000 for
// millicores); nullopt when malformed.
std::optional<std::uint64_t> quantity(const std::string& s, double unit) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double n = 0;
  try {
    n = std::stod(s.substr(0, i));
  } catch (...) {
    return std::nullopt;
  }
  static const std::vector<std::pair<std::string, double>> suffixes = {
      {"", 1},        {"m", 1e-3},      {"k", 1e3},           {"M", 1e6},           {"G", 1e9},
      {"T", 1e12},    {"Ki", 1024.0},   {"Mi", 1048576.0},    {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}};
  const std::string suffix = s.substr(i);
  const auto it = std::find_if(suffixes.begin(), suffixes.end(), [&](const auto& p) { return p.first == suffix; });
  if (it == suffixes.end()) return std::nullopt;
  const double v = n * it->second * unit;
  if (!(v >= 0) || v > 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(v));
}

// An absent node (what a missing key gives): false, neither a map nor a list. (YAML::Node() is a null, which
// is defined.)
YAML::Node none() {
  static const YAML::Node empty = YAML::Load("{}");
  return empty["absent"];
}

// A setting that explains findings with one of `ids`, or with a non-blocking verdict of `layer`.
PodSetting byIds(Span at, std::string setting, std::vector<std::string> ids) {
  PodSetting p;
  p.at = at;
  p.setting = std::move(setting);
  p.ids = std::move(ids);
  return p;
}
PodSetting byLayer(Span at, std::string setting, std::string layer, bool notEvaluated = false) {
  PodSetting p = byIds(at, std::move(setting), {});
  p.layer = std::move(layer);
  p.layerNotEvaluated = notEvaluated;
  return p;
}

// The pod-level part every container shares.
struct Pod {
  std::string name, kind;
  YAML::Node metadata, spec;
  std::map<std::string, YAML::Node> hostPaths;   // volume name -> its hostPath mapping
  std::map<std::string, YAML::Node> memoryDirs;  // volume name -> its emptyDir (medium: Memory)
};

// The profile a container asks for: the field (container over pod), else the annotation older clusters and
// Podman's kube play read. `at`: the field's type, or the annotation's value (absent when neither is given).
struct Profile {
  std::string type, local;   // "RuntimeDefault" | "Localhost" | "Unconfined" | "" (not given)
  YAML::Node at;
};

class Reader {
 public:
  Reader(const SourceManager& sm, FileId f, const PodOptions& o, Diagnostics& d) : sm_(sm), f_(f), o_(o), d_(d) {}

  // One character at the node (errors).
  Span at(const YAML::Mark& m) const {
    const auto size = static_cast<std::uint32_t>(sm_.file(f_).text.size());
    const auto b = m.pos < 0 ? 0u : std::min(static_cast<std::uint32_t>(m.pos), size);
    return sm_.span(f_, b, std::min(b + 1, size));
  }
  // From the node to the end of its line (findings).
  Span line(const YAML::Node& n) const {
    const auto& t = sm_.file(f_).text;
    auto b = static_cast<std::uint32_t>(std::max(0, n.Mark().pos));
    b = std::min<std::uint32_t>(b, static_cast<std::uint32_t>(t.size()));
    std::uint32_t e = b;
    while (e < t.size() && t[e] != '\n' && t[e] != '\r') ++e;
    return sm_.span(f_, b, e);
  }
  // The line of `key` in the mapping `m` (the key itself: a block mapping's own mark is its first entry).
  Span keyLine(const YAML::Node& m, const char* key) const {
    for (const auto& kv : m)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return line(kv.first);
    return line(m);
  }
  bool bad(const YAML::Node& n, const std::string& message) {
    d_.error(Code::E0304, at(n.Mark()), message);
    return false;
  }

  // One document; containers go to `out`. False after an error.
  bool document(const YAML::Node& doc, std::vector<PodContainer>& out, std::vector<std::string>& skipped);

 private:
  const SourceManager& sm_;
  FileId f_;
  const PodOptions& o_;
  Diagnostics& d_;

  bool map(const YAML::Node& n, const std::string& what) { return !n || n.IsMap() || bad(n, what + ": expected a mapping"); }
  bool list(const YAML::Node& n, const std::string& what) { return !n || n.IsSequence() || bad(n, what + ": expected a list"); }
  // A boolean field: nullopt when absent; *ok = false after an error.
  std::optional<bool> flag(const YAML::Node& m, const char* key, bool* ok) {
    const YAML::Node n = m && m.IsMap() ? m[key] : none();
    if (!n) return std::nullopt;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) return n.Scalar() == "true";
    *ok = bad(n, std::string(key) + ": expected true or false");
    return std::nullopt;
  }
  std::string scalar(const YAML::Node& m, const char* key) {
    const YAML::Node n = m && m.IsMap() ? m[key] : none();
    return n && n.IsScalar() ? n.Scalar() : std::string();
  }

  bool pod(Pod& p, std::vector<PodContainer>& out);
  bool container(const Pod& p, const YAML::Node& c, PodContainer& pc);
  bool capabilities(const YAML::Node& sc, bool privileged, json& proc, PodContainer& pc);
  std::optional<Profile> profile(const Pod& p, const YAML::Node& sc, const char* key, const std::vector<std::string>& annotations);
  bool seccomp(const Pod& p, const YAML::Node& sc, const std::string& name, bool privileged, json& lin, PodContainer& pc);
  bool apparmor(const Pod& p, const YAML::Node& sc, const std::string& name, bool privileged, json& proc, PodContainer& pc);
  bool volumes(const Pod& p, const YAML::Node& c, json& config, PodContainer& pc);
  bool user(const YAML::Node& sc, const YAML::Node& psc, json& proc, PodContainer& pc);
  bool sysctls(const YAML::Node& psc, json& lin, PodContainer& pc);
  bool resources(const YAML::Node& c, json& lin, PodContainer& pc);
  void namespaces(const Pod& p, json& lin, PodContainer& pc, bool* ok);
  void userNamespace(const Pod& p, json& lin, PodContainer& pc, bool* ok);
};

// (YAML::Node's operator= rebinds the node it was taken from, inside the document, and throws on an absent one:
// nodes here are only ever initialised.)
bool Reader::document(const YAML::Node& doc, std::vector<PodContainer>& out, std::vector<std::string>& skipped) {
  if (!doc || doc.IsNull()) return true;
  if (!doc.IsMap()) return bad(doc, "not a Kubernetes object: expected a mapping with `kind:`");
  const std::string kind = scalar(doc, "kind");
  if (kind.empty()) return bad(doc, "not a Kubernetes object: no `kind:`");
  const YAML::Node meta = doc["metadata"], spec = doc["spec"];
  if (!map(meta, kind + " metadata")) return false;
  std::string name = scalar(meta, "name");
  if (kind != "Pod" && !workloadKinds().count(kind)) {
    skipped.push_back(kind + (name.empty() ? "" : " " + name));
    return true;
  }
  if (kind != "Pod" && !map(spec, kind + " spec")) return false;
  const YAML::Node job = kind != "CronJob" ? spec
                         : spec && spec["jobTemplate"] && spec["jobTemplate"].IsMap() ? spec["jobTemplate"]["spec"] : none();
  if (kind == "CronJob" && (!job || !job.IsMap())) return bad(doc, "CronJob: no spec.jobTemplate.spec");
  const YAML::Node tmpl = kind != "Pod" && job ? job["template"] : none();
  if (kind != "Pod" && (!tmpl || !tmpl.IsMap())) return bad(job ? job : doc, kind + ": no pod template (spec.template)");
  if (name.empty()) name = kind == "Pod" ? "pod" : "template";
  Pod p{name, kind, kind != "Pod" && tmpl["metadata"] && tmpl["metadata"].IsMap() ? tmpl["metadata"] : meta,
        kind == "Pod" ? spec : tmpl["spec"], {}, {}};
  if (!p.spec || !p.spec.IsMap()) return bad(p.spec ? p.spec : doc, kind + " " + p.name + ": expected a pod spec (a mapping)");
  return pod(p, out);
}

bool Reader::pod(Pod& p, std::vector<PodContainer>& out) {
  const YAML::Node vols = p.spec["volumes"];
  if (!list(vols, "volumes")) return false;
  if (vols)
    for (const auto& v : vols) {
      if (!v.IsMap() || !v["name"] || !v["name"].IsScalar()) return bad(v, "volumes: each volume needs a name");
      if (const YAML::Node hp = v["hostPath"]) {
        if (!hp.IsMap() || !hp["path"] || !hp["path"].IsScalar()) return bad(hp, "hostPath: expected {path: ...}");
        p.hostPaths[v["name"].Scalar()] = hp;
      }
      if (const YAML::Node ed = v["emptyDir"]; ed && ed.IsMap() && scalar(ed, "medium") == "Memory")
        p.memoryDirs[v["name"].Scalar()] = ed;
    }
  const YAML::Node psc = p.spec["securityContext"];
  if (!map(psc, "securityContext")) return false;
  std::size_t count = 0;
  for (const char* key : {"initContainers", "containers"}) {
    const YAML::Node cs = p.spec[key];
    if (!list(cs, key)) return false;
    if (!cs) continue;
    for (const auto& c : cs) {
      if (!c.IsMap() || !c["name"] || !c["name"].IsScalar()) return bad(c, std::string(key) + ": each container needs a name");
      PodContainer pc;
      if (!container(p, c, pc)) return false;
      out.push_back(std::move(pc));
      ++count;
    }
  }
  if (count == 0) return bad(p.spec, p.kind + " " + p.name + ": no containers");
  return true;
}

bool Reader::container(const Pod& p, const YAML::Node& c, PodContainer& pc) {
  pc.pod = p.name;
  pc.name = c["name"].Scalar();
  pc.at = line(c["name"]);
  const YAML::Node sc = c["securityContext"], psc = p.spec["securityContext"];
  if (!map(sc, "securityContext")) return false;
  bool ok = true;
  json config = defaultConfig();
  json& proc = config["process"];
  json& lin = config["linux"];
  proc["args"] = {"/bin/sh"};
  proc["cwd"] = "/";

  // Settings in the order they explain findings: the most specific first, privileged: true after the ones it
  // implies, the defaults last.
  if (!volumes(p, c, config, pc) || !resources(c, lin, pc)) return false;
  namespaces(p, lin, pc, &ok);
  const bool privileged = flag(sc, "privileged", &ok).value_or(false);
  if (!capabilities(sc, privileged, proc, pc) || !seccomp(p, sc, pc.name, privileged, lin, pc) ||
      !apparmor(p, sc, pc.name, privileged, proc, pc) || !ok)
    return false;

  const YAML::Node pm = sc ? sc["procMount"] : none();
  if (privileged || (pm && pm.IsScalar() && pm.Scalar() == "Unmasked")) {
    lin["maskedPaths"] = json::array();
    lin["readonlyPaths"] = json::array();
    if (!privileged) pc.settings.push_back(byLayer(line(pm), "procMount: Unmasked", "mount"));
  }
  if (privileged) {
    const YAML::Node n = sc["privileged"];
    PodSetting all = byIds(line(n), "privileged: true", {});
    all.all = true;
    pc.settings.push_back(all);
    for (auto& m : config["mounts"])
      if (m["type"] == "sysfs" || m["type"] == "cgroup") m["options"].erase(std::remove(m["options"].begin(), m["options"].end(), "ro"), m["options"].end());
    lin["resources"]["devices"] = json::array({{{"allow", true}, {"access", "rwm"}}});
  }

  // allowPrivilegeEscalation: true unless set false (and never false with privileged or CAP_SYS_ADMIN).
  const auto ape = flag(sc, "allowPrivilegeEscalation", &ok);
  if (!ok) return false;
  if (ape == false && privileged) return bad(sc["allowPrivilegeEscalation"], "allowPrivilegeEscalation: false cannot be set with privileged: true (the API server refuses it)");
  proc["noNewPrivileges"] = ape == false;
  if (ape != false)
    pc.settings.push_back(byIds(ape ? line(sc["allowPrivilegeEscalation"]) : pc.at,
                                ape ? "allowPrivilegeEscalation: true" : "no allowPrivilegeEscalation: false (the default is true)",
                                {"CAP-NNP"}));
  userNamespace(p, lin, pc, &ok);   // after the settings that explain more precisely what a user namespace blocks

  if (!user(sc, psc, proc, pc)) return false;
  if (const auto ro = flag(sc, "readOnlyRootFilesystem", &ok); ro == true) config["root"]["readonly"] = true;
  if (!ok) return false;

  // SELinux: the label, container over pod; parts not given are containerd's defaults.
  const YAML::Node se = sc && sc["seLinuxOptions"] ? sc["seLinuxOptions"] : psc ? psc["seLinuxOptions"] : none();
  if (se && se.IsMap()) {
    auto part = [&](const char* k, const char* dflt) { std::string v = scalar(se, k); return v.empty() ? std::string(dflt) : v; };
    proc["selinuxLabel"] = part("user", "system_u") + ":" + part("role", "system_r") + ":" + part("type", "container_t") +
                           ":" + part("level", "s0");
  }

  if (!sysctls(psc, lin, pc)) return false;
  pc.config = config.dump(2);
  return true;
}

// The user: runAsUser (container over pod); the image's user when neither says (0 is assumed).
bool Reader::user(const YAML::Node& sc, const YAML::Node& psc, json& proc, PodContainer& pc) {
  bool ok = true;
  std::string uid = scalar(sc, "runAsUser");
  if (uid.empty()) uid = scalar(psc, "runAsUser");
  std::string gid = scalar(sc, "runAsGroup");
  if (gid.empty()) gid = scalar(psc, "runAsGroup");
  const bool nonRoot = flag(sc, "runAsNonRoot", &ok).value_or(flag(psc, "runAsNonRoot", &ok).value_or(false));
  if (!ok) return false;
  const YAML::Node at = sc && sc["runAsUser"] ? sc["runAsUser"] : sc && sc["runAsGroup"] ? sc["runAsGroup"]
                       : psc && psc["runAsUser"] ? psc["runAsUser"] : psc["runAsGroup"];   // given when uid or gid is
  try {
    proc["user"] = {{"uid", uid.empty() ? 0 : std::stoul(uid)}, {"gid", gid.empty() ? 0 : std::stoul(gid)}};
  } catch (...) {
    return bad(at, "runAsUser/runAsGroup: expected a number");
  }
  if (nonRoot && uid == "0") return bad(at, "runAsNonRoot: true with runAsUser: 0 (the kubelet refuses to start it)");
  if (uid.empty())
    pc.notes.push_back(nonRoot ? "user: the image's (runAsNonRoot: the kubelet refuses a root one)" : "user: the image's, unknown here (root assumed)");
  return true;
}


// sysctls (pod level).
bool Reader::sysctls(const YAML::Node& psc, json& lin, PodContainer& pc) {
  const YAML::Node sys = psc ? psc["sysctls"] : none();
  if (!list(sys, "sysctls")) return false;
  if (sys)
    for (const auto& s : sys) {
      if (!s.IsMap() || scalar(s, "name").empty() || !s["value"] || !s["value"].IsScalar()) return bad(s, "sysctls: expected {name: ..., value: ...}");
      lin["sysctl"][scalar(s, "name")] = s["value"].Scalar();
      pc.settings.push_back(byLayer(line(s), "sysctl " + scalar(s, "name") + "=" + s["value"].Scalar(), "sysctl"));
      pc.settings.back().rule = scalar(s, "name") + " = ";
    }
  return true;
}

bool Reader::volumes(const Pod& p, const YAML::Node& c, json& config, PodContainer& pc) {
  const YAML::Node vms = c["volumeMounts"];
  if (!list(vms, "volumeMounts")) return false;
  if (!vms) return true;
  for (const auto& vm : vms) {
    const std::string name = scalar(vm, "name"), path = scalar(vm, "mountPath");
    if (name.empty() || path.empty()) return bad(vm, "volumeMounts: each needs a name and a mountPath");
    bool ok = true;
    const bool ro = flag(vm, "readOnly", &ok).value_or(false);
    if (!ok) return false;
    if (const auto hp = p.hostPaths.find(name); hp != p.hostPaths.end()) {
      const std::string src = hp->second["path"].Scalar();
      json opts = {"rbind", "rprivate"};
      if (ro) opts.push_back("ro");
      const std::string prop = scalar(vm, "mountPropagation");
      if (prop == "Bidirectional") {
        opts[1] = "rshared";
        pc.settings.push_back(byIds(line(vm["mountPropagation"]), "mountPropagation: Bidirectional", {"MNT-PROPAGATION"}));
      }
      config["mounts"].push_back({{"destination", path}, {"type", "bind"}, {"source", src}, {"options", opts}});
      // What a mount verdict says of this bind (verify.cpp: bind "SRC" "TARGET" rw|ro).
      pc.settings.push_back(byLayer(line(hp->second["path"]), "hostPath " + src + " (volume " + name + " at " + path + ")", "mount"));
      pc.settings.back().rule = "bind \"" + src + "\" ";
    } else if (const auto md = p.memoryDirs.find(name); md != p.memoryDirs.end()) {
      json opts = {"nosuid", "nodev", "mode=1777"};
      const std::string size = scalar(md->second, "sizeLimit");
      if (!size.empty()) {
        const auto bytes = quantity(size, 1);
        if (!bytes) return bad(md->second["sizeLimit"], "emptyDir sizeLimit: not a quantity: " + size);
        opts.push_back("size=" + std::to_string(*bytes));
      } else {
        pc.settings.push_back(byIds(line(md->second), "emptyDir medium: Memory without sizeLimit (volume " + name + ")", {"RES-DISK"}));
      }
      if (ro) opts.push_back("ro");
      config["mounts"].push_back({{"destination", path}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", opts}});
    }
  }
  return true;
}

bool Reader::resources(const YAML::Node& c, json& lin, PodContainer& pc) {
  const YAML::Node res = c["resources"];
  if (!map(res, "resources")) return false;
  const YAML::Node lim = res ? res["limits"] : none();
  if (!map(lim, "resources.limits")) return false;
  const Span at = lim ? keyLine(res, "limits") : res ? keyLine(c, "resources") : pc.at;
  pc.settings.push_back(byIds(at, "no pids limit: a Pod cannot set one (the kubelet's podPidsLimit is node configuration)", {"RES-PIDS"}));
  const YAML::Node mem = lim ? lim["memory"] : none(), cpu = lim ? lim["cpu"] : none();
  if (mem) {
    const auto bytes = mem.IsScalar() ? quantity(mem.Scalar(), 1) : std::nullopt;
    if (!bytes) return bad(mem, "resources.limits.memory: not a quantity");
    lin["resources"]["memory"] = {{"limit", *bytes}};
  } else {
    pc.settings.push_back(byIds(at, "no resources.limits.memory", {"RES-MEM"}));
  }
  if (cpu) {
    const auto milli = cpu.IsScalar() ? quantity(cpu.Scalar(), 1000) : std::nullopt;
    if (!milli) return bad(cpu, "resources.limits.cpu: not a quantity");
    lin["resources"]["cpu"] = {{"quota", *milli * 100}, {"period", 100000}};
  } else {
    pc.settings.push_back(byIds(at, "no resources.limits.cpu", {"RES-CPU"}));
  }
  return true;
}

void Reader::namespaces(const Pod& p, json& lin, PodContainer& pc, bool* ok) {
  lin["namespaces"] = json::array({{{"type", "mount"}}, {{"type", "uts"}}});
  for (const auto& [key, type] : std::vector<std::pair<const char*, const char*>>{
           {"hostNetwork", "network"}, {"hostPID", "pid"}, {"hostIPC", "ipc"}}) {
    if (flag(p.spec, key, ok).value_or(false)) {
      std::vector<std::string> ids = {"NS-HOST-NS"};
      if (std::string(type) == "network") ids.push_back("NET-HOSTNET-SOCK");
      pc.settings.push_back(byIds(line(p.spec[key]), std::string(key) + ": true", ids));
    } else {
      lin["namespaces"].push_back({{"type", type}});
    }
  }
}

void Reader::userNamespace(const Pod& p, json& lin, PodContainer& pc, bool* ok) {
  const auto hostUsers = flag(p.spec, "hostUsers", ok);
  if (hostUsers == false) {   // the kubelet maps 65536 ids at a multiple of 65536 per pod
    lin["namespaces"].push_back({{"type", "user"}});
    const json map = json::array({{{"containerID", 0}, {"hostID", 65536}, {"size", 65536}}});
    lin["uidMappings"] = map;
    lin["gidMappings"] = map;
    pc.notes.push_back("hostUsers: false: a user namespace of 65536 ids (the kubelet's own range per pod)");
  } else {
    // NS-PRIVILEGED and whatever else a user namespace would block; NS-HOST-NS where the one shared is the user one.
    const Span at = hostUsers ? line(p.spec["hostUsers"]) : pc.at;
    const std::string what = hostUsers ? "hostUsers: true" : "no hostUsers: false (the pod shares the host's user namespace)";
    pc.settings.push_back(byLayer(at, what, "userns"));
    pc.settings.push_back(byLayer(at, what, "runtime"));
    pc.settings.back().rule = "user namespace";
  }
}

bool Reader::capabilities(const YAML::Node& sc, bool privileged, json& proc, PodContainer& pc) {
  std::vector<std::string> caps;
  for (const auto& c : dockerDefaultCapabilities()) caps.push_back(capName(c));
  const YAML::Node cs = sc ? sc["capabilities"] : none();
  if (!map(cs, "capabilities")) return false;
  const YAML::Node add = cs ? cs["add"] : none(), drop = cs ? cs["drop"] : none();
  if (!list(add, "capabilities.add") || !list(drop, "capabilities.drop")) return false;
  auto has = [](const YAML::Node& l, const char* v) {
    return l && std::any_of(l.begin(), l.end(), [&](const YAML::Node& e) { return e.IsScalar() && upper(e.Scalar()) == v; });
  };
  const std::vector<std::string_view>& names = capabilityNames();
  // containerd's order: add ALL, drop ALL, then each add, then each drop.
  if (has(add, "ALL")) caps.assign(names.begin(), names.end());
  if (has(drop, "ALL")) caps.clear();
  for (const auto* l : {&add, &drop}) {
    if (!*l) continue;
    for (const auto& e : *l) {
      if (!e.IsScalar()) return bad(e, "capabilities: expected a capability name");
      if (upper(e.Scalar()) == "ALL") {
        if (l == &add) pc.settings.push_back(byLayer(line(e), "capabilities.add: ALL", "capabilities"));
        continue;
      }
      const std::string n = capName(e.Scalar());
      if (n.empty()) return bad(e, "capabilities: unknown capability '" + e.Scalar() + "'");
      if (l == &add && n == "sys_admin" && sc["allowPrivilegeEscalation"] && sc["allowPrivilegeEscalation"].Scalar() == "false")
        return bad(e, "capabilities.add SYS_ADMIN with allowPrivilegeEscalation: false (the API server refuses it)");
      caps.erase(std::remove(caps.begin(), caps.end(), n), caps.end());
      if (l == &add) {
        caps.push_back(n);
        pc.settings.push_back(byIds(line(e), "capabilities.add " + e.Scalar(), {}));
        pc.settings.back().capability = n;
      }
    }
  }
  if (privileged) caps.assign(names.begin(), names.end());
  json list = json::array();
  for (const auto& c : caps) list.push_back("CAP_" + upper(c));
  proc["capabilities"] = {{"bounding", list}, {"effective", list}, {"permitted", list}};
  return true;
}

std::optional<Profile> Reader::profile(const Pod& p, const YAML::Node& sc, const char* key,
                                       const std::vector<std::string>& annotations) {
  const YAML::Node psc = p.spec["securityContext"];
  const YAML::Node field = sc && sc[key] ? sc[key] : psc && psc.IsMap() && psc[key] ? psc[key] : none();
  if (field) {
    if (!field.IsMap() || scalar(field, "type").empty()) {
      bad(field, std::string(key) + ": expected {type: ...}");
      return std::nullopt;
    }
    return Profile{scalar(field, "type"), scalar(field, "localhostProfile"), field["type"]};
  }
  const YAML::Node ann = p.metadata && p.metadata.IsMap() ? p.metadata["annotations"] : none();
  for (const auto& k : annotations)
    if (ann && ann.IsMap() && ann[k] && ann[k].IsScalar()) {
      const std::string v = ann[k].Scalar();
      const bool local = startsWith(v, "localhost/");
      return Profile{v == "unconfined" ? "Unconfined" : local ? "Localhost" : "RuntimeDefault", local ? v.substr(10) : "", ann[k]};
    }
  return Profile{"", "", none()};
}

bool Reader::seccomp(const Pod& p, const YAML::Node& sc, const std::string& name, bool privileged, json& lin,
                     PodContainer& pc) {
  const auto prof = profile(p, sc, "seccompProfile", {"container.seccomp.security.alpha.kubernetes.io/" + name,
                                                      "seccomp.security.alpha.kubernetes.io/pod"});
  if (!prof) return false;
  const std::string& type = prof->type;
  const std::string& local = prof->local;
  if (privileged) return true;   // containerd: a privileged container has no seccomp filter
  if (type.empty()) {
    pc.settings.push_back(byLayer(pc.at, "no seccompProfile: Unconfined (Kubernetes' default without the kubelet's SeccompDefault)", "seccomp"));
    return true;
  }
  if (type == "Unconfined") {
    pc.settings.push_back(byLayer(line(prof->at), "seccompProfile: Unconfined", "seccomp"));
    return true;
  }
  std::string text;
  if (type == "RuntimeDefault") {
    text = o_.runtimeDefaultProfile;
    if (text.empty()) pc.notes.push_back("seccomp: RuntimeDefault: the runtime's default profile was not found: not judged");
  } else if (type == "Localhost") {
    if (local.empty()) return bad(prof->at, "seccompProfile: type Localhost needs localhostProfile");
    if (const auto it = o_.profiles.find(local); it != o_.profiles.end()) text = it->second;
    else pc.notes.push_back("seccomp: Localhost profile " + local + " is on the node; not judged (give its directory with --profiles-dir)");
  } else {
    return bad(prof->at, "seccompProfile: unknown type '" + type + "' (RuntimeDefault, Localhost or Unconfined)");
  }
  if (text.empty()) {
    pc.seccompJudged = false;
    pc.settings.push_back(byLayer(line(prof->at), "seccompProfile: " + type + (local.empty() ? "" : " " + local) + " (not judged)", "seccomp", true));
    return true;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(prof->at, "seccompProfile " + type + ": the profile is not a JSON object");
  lin["seccomp"] = j;
  return true;
}

bool Reader::apparmor(const Pod& p, const YAML::Node& sc, const std::string& name, bool privileged, json& proc,
                      PodContainer& pc) {
  const auto prof = profile(p, sc, "appArmorProfile", {"container.apparmor.security.beta.kubernetes.io/" + name});
  if (!prof) return false;
  if (privileged) return true;
  if (prof->type == "Unconfined") {
    pc.settings.push_back(byLayer(line(prof->at), "appArmorProfile: Unconfined", "apparmor"));
  } else if (prof->type == "Localhost") {
    const std::string& local = prof->local;
    if (local.empty()) return bad(prof->at, "appArmorProfile: type Localhost needs localhostProfile");
    proc["apparmorProfile"] = local;
    for (const auto& [path, text] : o_.profiles)
      if (text.find("profile " + local + " ") != std::string::npos || text.find("profile " + local + "{") != std::string::npos)
        pc.apparmorProfile = text;
  } else if (!prof->type.empty() && prof->type != "RuntimeDefault") {
    return bad(prof->at, "appArmorProfile: unknown type '" + prof->type + "' (RuntimeDefault, Localhost or Unconfined)");
  } else {
    proc["apparmorProfile"] = "cri-containerd.apparmor.d";   // containerd's default where AppArmor is enabled
  }
  return true;
}

}  // namespace

std::vector<PodContainer> readPodManifest(const SourceManager& sources, FileId file, const PodOptions& options,
                                          Diagnostics& diags) {
  Reader r(sources, file, options, diags);
  std::vector<PodContainer> out;
  std::vector<std::string> skipped;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(sources.file(file).text);
    for (const auto& d : docs)
      if (!r.document(d, out, skipped)) return {};
  } catch (const YAML::Exception& e) {
    diags.error(Code::E0304, r.at(e.mark), "not a Kubernetes manifest: " + e.msg);
    return {};
  }
  if (out.empty()) {
    diags.error(Code::E0304, r.at(docs.empty() ? YAML::Mark() : docs[0].Mark()),
                "no Pod or pod template in this file (kinds: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)");
    return {};
  }
  for (const auto& s : skipped) out.front().notes.push_back(s + ": no pod template, skipped");
  return out;
}

}  // namespace ward::import
