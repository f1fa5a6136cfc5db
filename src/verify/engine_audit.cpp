#include "verify/engine_audit.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>

#include "base/strings.h"
#include "verify/json_positions.h"

namespace ward::verify {

namespace {

using nlohmann::json;

// From `offset` to the end of its line.
Span lineFrom(const SourceManager& sm, FileId id, std::uint32_t offset) {
  const auto& t = sm.file(id).text;
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(t.size()));
  std::uint32_t e = offset;
  while (e < t.size() && t[e] != '\n' && t[e] != '\r') ++e;
  return sm.span(id, offset, e);
}

// A member's string value, "" when absent or not a string (inspect outputs differ between engines).
std::string member(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

bool hasLayer(const Finding& f, Layer l) {
  return std::any_of(f.layers.begin(), f.layers.end(), [&](const LayerVerdict& v) { return v.layer == l; });
}

bool capabilityRuleNames(const Finding& f, std::string cap) {
  std::transform(cap.begin(), cap.end(), cap.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (startsWith(cap, "cap_")) cap = cap.substr(4);
  for (const auto& v : f.layers)
    if (v.layer == Layer::Capabilities && v.rule.find(cap) != std::string::npos) return true;
  return false;
}

// One engine option and the findings it explains.
struct Setting {
  std::string pointer;   // in the inspect output
  std::string option;    // "--privileged"
  std::function<bool(const Finding&)> explains;
};

std::vector<Setting> settings(const json& c, const std::string& engine) {
  std::vector<Setting> out;
  const json empty = json::object();
  const json& h = c.contains("HostConfig") && c["HostConfig"].is_object() ? c["HostConfig"] : empty;
  auto str = [&](const char* k) { return member(h, k); };
  auto num = [&](const char* k) { return h.contains(k) && h[k].is_number() ? h[k].get<std::int64_t>() : 0; };
  auto is = [](std::string id) { return [id](const Finding& f) { return f.id == id; }; };
  const std::string hc = "/0/HostConfig/";

  // The engine's own socket, bound in (-v /run/docker.sock:...): the container drives the engine.
  auto isSocket = [](const std::string& s) { return s.find(".sock") != std::string::npos; };
  auto sockFinding = [](const Finding& f) { return f.id == "DEV-RUNTIME-SOCK" || f.id == "ESC-HOSTPATH"; };
  if (h.contains("Binds") && h["Binds"].is_array())
    for (std::size_t i = 0; i < h["Binds"].size(); ++i)
      if (h["Binds"][i].is_string() && isSocket(h["Binds"][i].get<std::string>()))
        out.push_back({hc + "Binds/" + std::to_string(i), "-v " + h["Binds"][i].get<std::string>(), sockFinding});
  if (c.contains("Mounts") && c["Mounts"].is_array())
    for (std::size_t i = 0; i < c["Mounts"].size(); ++i)
      if (isSocket(member(c["Mounts"][i], "Source")))
        out.push_back({"/0/Mounts/" + std::to_string(i), "--mount source=" + member(c["Mounts"][i], "Source"), sockFinding});

  if (num("PidsLimit") <= 0) out.push_back({hc + "PidsLimit", "no --pids-limit", is("RES-PIDS")});
  if (num("Memory") <= 0) out.push_back({hc + "Memory", "no --memory", is("RES-MEM")});
  if (num("NanoCpus") <= 0 && num("CpuQuota") <= 0 && num("CpuShares") <= 0)
    out.push_back({hc + "NanoCpus", "no --cpus or --cpu-shares", is("RES-CPU")});
  for (const char* mode : {"PidMode", "NetworkMode", "IpcMode", "UTSMode", "UsernsMode"})
    if (str(mode) == "host") {
      std::string flag = mode;
      flag = "--" + std::string(1, static_cast<char>(std::tolower(flag[0]))) + flag.substr(1, flag.size() - 5) + "=host";
      std::transform(flag.begin(), flag.end(), flag.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      out.push_back({hc + mode, flag, is("NS-HOST-NS")});
    }
  if (h.contains("CapAdd") && h["CapAdd"].is_array())
    for (std::size_t i = 0; i < h["CapAdd"].size(); ++i)
      if (h["CapAdd"][i].is_string()) {
        const std::string cap = h["CapAdd"][i].get<std::string>();
        out.push_back({hc + "CapAdd/" + std::to_string(i), "--cap-add " + cap,
                       [cap](const Finding& f) { return capabilityRuleNames(f, cap); }});
      }
  bool nnp = false;
  if (h.contains("SecurityOpt") && h["SecurityOpt"].is_array())
    for (std::size_t i = 0; i < h["SecurityOpt"].size(); ++i) {
      if (!h["SecurityOpt"][i].is_string()) continue;
      std::string o = h["SecurityOpt"][i].get<std::string>();
      std::replace(o.begin(), o.end(), ':', '=');
      const std::string ptr = hc + "SecurityOpt/" + std::to_string(i), flag = "--security-opt " + h["SecurityOpt"][i].get<std::string>();
      if (startsWith(o, "no-new-privileges")) nnp = o.find("false") == std::string::npos;
      if (o == "seccomp=unconfined") out.push_back({ptr, flag, [](const Finding& f) { return hasLayer(f, Layer::Seccomp); }});
      if (o == "apparmor=unconfined") out.push_back({ptr, flag, [](const Finding& f) { return hasLayer(f, Layer::Apparmor); }});
      if (o == "systempaths=unconfined") out.push_back({ptr, flag, [](const Finding& f) { return hasLayer(f, Layer::Mount); }});
    }
  if (h.contains("Privileged") && h["Privileged"].is_boolean() && h["Privileged"].get<bool>())
    out.push_back({hc + "Privileged", "--privileged", [](const Finding&) { return true; }});
  if (!nnp) out.push_back({hc + "SecurityOpt", "no --security-opt no-new-privileges", is("CAP-NNP")});
  if (str("UsernsMode").empty())
    out.push_back({hc + "UsernsMode", engine == "docker" ? "no user namespace (dockerd --userns-remap)" : "no --userns",
                   [](const Finding& f) {   // NS-HOST-NS too where the namespace it names is the user one
                     return f.id == "NS-PRIVILEGED" ||
                            (f.id == "NS-HOST-NS" && std::any_of(f.layers.begin(), f.layers.end(), [](const LayerVerdict& v) {
                               return v.rule.find("user namespace") != std::string::npos;
                             }));
                   }});
  return out;
}

}  // namespace

InspectFacts readInspect(const std::string& inspectText) {
  InspectFacts f;
  auto j = json::parse(inspectText, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty() || !j[0].is_object()) {
    f.error = "not an inspect output (a JSON array of one object)";
    return f;
  }
  f.id = member(j[0], "Id");
  f.staticDir = member(j[0], "StaticDir");
  if (f.id.empty()) f.error = "the inspect output has no Id";
  return f;
}

Audited auditEngineContainer(SourceManager& sources, const EngineContainer& c, FileId* inspectFile,
                             const AuditOptions& options) {
  AuditOptions o = options;
  if (o.policyName.empty()) o.policyName = c.engine + ":" + c.name;
  Audited a = auditOciText(sources, c.configPath, c.configText, o);
  const FileId id = sources.add(c.engine + ":" + c.name + " (inspect)", c.engine + ":" + c.name, c.inspectText);
  if (inspectFile) *inspectFile = id;
  a.notes.push_back(c.engine + " " + c.name + ": audited " + c.configPath + ", the OCI config.json " + c.engine +
                    " handed to runc; findings an option explains are located in its inspect output");
  return a;
}

void locateAtEngineSettings(const SourceManager& sources, FileId inspectFile, const std::string& engine,
                            std::vector<Finding>& findings) {
  const std::string& inspect = sources.file(inspectFile).text;
  auto j = json::parse(inspect, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty() || !j[0].is_object()) return;
  const auto all = settings(j[0], engine);
  JsonPositions pos(inspect);
  for (auto& f : findings) {
    if (f.status != Status::Open && f.status != Status::BlockedByOneLayer) continue;
    const auto it = std::find_if(all.begin(), all.end(), [&](const Setting& s) { return s.explains(f); });
    if (it == all.end()) {
      f.notes.push_back(engine + "'s default: no option of this container sets it");
      continue;
    }
    std::string ptr = it->pointer;
    std::optional<std::uint32_t> at;
    while (!(at = pos.find(ptr)) && ptr.find('/') != std::string::npos) ptr = ptr.substr(0, ptr.rfind('/'));
    if (!at) continue;
    f.notes.push_back("opened by " + it->option + " (was at " + f.file + ":" + std::to_string(f.span.line) + ")");
    f.span = lineFrom(sources, inspectFile, *at);
    f.file = sources.displayName(inspectFile);
  }
}

namespace {

bool explains(const import::PodSetting& s, const Finding& f) {
  if (s.all || std::find(s.ids.begin(), s.ids.end(), f.id) != s.ids.end()) return true;
  if (!s.capability.empty()) return capabilityRuleNames(f, s.capability);
  const auto layer = s.layer.empty() ? std::nullopt : parseLayer(s.layer);
  return (layer || !s.rule.empty()) && std::any_of(f.layers.begin(), f.layers.end(), [&](const LayerVerdict& v) {
           return (!layer || v.layer == *layer) && !v.blocks && (!s.layerNotEvaluated || !v.evaluated) &&
                  v.rule.find(s.rule) != std::string::npos;
         });
}

}  // namespace

Audited auditPodContainer(SourceManager& sources, const import::PodContainer& c, const std::string& suffix,
                          const AuditOptions& options) {
  AuditOptions o = options;
  o.policyName = c.pod + "/" + c.name;
  Audited a = auditOciText(sources, "kube:" + o.policyName + " (config.json)" + suffix, c.config, o);
  if (!a.ok()) return a;
  ir::Policy& p = a.policy;
  auto dropNote = [&](const char* prefix) {
    a.notes.erase(std::remove_if(a.notes.begin(), a.notes.end(), [&](const std::string& n) { return startsWith(n, prefix); }),
                  a.notes.end());
  };
  if (p.network.none) {   // the pod sandbox's namespace: the CNI plugin gives it an interface
    p.network.none = false;
    p.network.ipv6RouterAdvertisements = {true, p.network.noneSpan};
    dropNote("network:");
    a.notes.push_back("network: the pod's network namespace, with the interface its CNI plugin gives it");
  }
  if (!c.seccompJudged) {
    a.artifacts.erase(std::remove_if(a.artifacts.begin(), a.artifacts.end(),
                                     [&](const backend::Artifact& x) { return x.fileName == p.name + ".bpf"; }),
                      a.artifacts.end());
    dropNote("seccomp:");
  }
  if (!c.apparmorProfile.empty()) {
    a.artifacts.push_back({p.name + ".apparmor", c.apparmorProfile});
    p.apparmor.flags.clear();
    dropNote("apparmor:");
    a.notes.push_back("apparmor: the Localhost profile from --profiles-dir, as written");
  }
  for (const auto& n : c.notes) a.notes.push_back(n);
  for (auto& n : a.notes) n = o.policyName + ": " + n;
  return a;
}

void locateAtPodSettings(const SourceManager& sources, const import::PodContainer& c, std::vector<Finding>& findings) {
  for (auto& f : findings) {
    const bool opened = f.status == Status::Open || f.status == Status::BlockedByOneLayer;
    const auto it = opened ? std::find_if(c.settings.begin(), c.settings.end(), [&](const import::PodSetting& s) { return explains(s, f); })
                           : c.settings.end();
    if (it != c.settings.end()) {
      f.notes.push_back("opened by " + it->setting + " (container " + c.name + ")");
      f.span = it->at;
    } else {
      if (opened) f.notes.push_back("the runtime's default: no setting of container " + c.name + " changes it");
      f.span = c.at;
    }
    f.file = sources.displayName(c.at.file);
    for (auto& v : f.layers)   // the config.json is ward's model, no file the user has: its lines are not shown
      if (v.span.file != c.at.file) {
        v.span = {};
        v.file.clear();
      }
  }
}

}  // namespace ward::verify
