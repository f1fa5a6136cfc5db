// `ward import compose FILE SERVICE`: one service of a Compose file as the `docker run` options it means
// (cap_add -> --cap-add, mem_limit and deploy.resources.limits.memory -> --memory, a long-syntax bind volume
// -> --mount type=bind,...), imported by importRunOptions exactly as `ward import docker-run` imports a
// command line. Each statement's comment names the key and its file:line. Keys that change nothing ward
// models (image, ports, environment ...) are listed in the header; a key it does not know, bad YAML or a
// value of the wrong shape is an error located at the key, never silently dropped.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "import/import.h"

namespace ward::import {

namespace {

// Keys that change nothing ward models (or that a policy says elsewhere).
const std::set<std::string>& ignoredKeys() {
  static const std::set<std::string> s = {
      "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "restart",
      "container_name", "hostname", "domainname", "labels", "logging", "depends_on", "networks", "healthcheck",
      "working_dir", "stdin_open", "tty", "init", "stop_signal", "stop_grace_period", "extra_hosts", "dns",
      "dns_search", "platform", "profiles", "secrets", "configs", "links", "pull_policy",
      "mac_address", "shm_size", "group_add", "annotations", "scale", "runtime"};
  return s;
}

// A service key that is one docker run option per value.
const std::vector<std::pair<std::string, std::string>>& optionKeys() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"cap_add", "--cap-add"},     {"cap_drop", "--cap-drop"},          {"security_opt", "--security-opt"},
      {"pids_limit", "--pids-limit"}, {"mem_limit", "--memory"},         {"memswap_limit", "--memory-swap"},
      {"cpus", "--cpus"},           {"cpu_shares", "--cpu-shares"},      {"cpuset", "--cpuset-cpus"},
      {"devices", "--device"},      {"device_cgroup_rules", "--device-cgroup-rule"},
      {"tmpfs", "--tmpfs"},         {"network_mode", "--network"},       {"pid", "--pid"},
      {"ipc", "--ipc"},             {"uts", "--uts"},                    {"userns_mode", "--userns"},
      {"user", "--user"},           {"blkio_config", ""}};
  return v;
}

class Reader {
 public:
  Reader(const SourceManager& sm, FileId f, Diagnostics& d) : sm_(sm), f_(f), d_(d) {}

  Span at(const YAML::Mark& m) const {
    const auto size = static_cast<std::uint32_t>(sm_.file(f_).text.size());
    const auto b = m.pos < 0 ? 0u : std::min(static_cast<std::uint32_t>(m.pos), size);
    return sm_.span(f_, b, std::min(b + 1, size));
  }
  bool bad(const YAML::Node& n, const std::string& message) {
    d_.error(Code::E0304, at(n.Mark()), message);
    return false;
  }

  // Every key of the service.
  bool service(const YAML::Node& svc) {
    if (!svc.IsMap()) return bad(svc, "compose service: expected a mapping of keys");
    for (const auto& kv : svc) {
      const std::string key = kv.first.Scalar();
      if (!key_(kv.first, key, kv.second)) return false;
    }
    return true;
  }

  std::vector<RunOption> options;
  std::vector<std::string> ignored;

 private:
  const SourceManager& sm_;
  FileId f_;
  Diagnostics& d_;

  void add(const std::string& opt, const std::string& value, const std::string& key, const YAML::Node& n) {
    const Span s = at(n.Mark());
    options.push_back({opt, value, key + (value.empty() ? "" : ": " + value) + " (" + sm_.displayName(f_) + ":" +
                                         std::to_string(s.line) + ")", s});
  }
  bool scalar(const YAML::Node& n, const std::string& key) {
    return n.IsScalar() || bad(n, "compose " + key + ": expected a single value");
  }

  bool key_(const YAML::Node& keyNode, const std::string& key, const YAML::Node& v) {
    if (ignoredKeys().count(key) || startsWith(key, "x-")) {
      ignored.push_back(key);
      return true;
    }
    if (key == "privileged") {
      if (!scalar(v, key)) return false;
      if (v.Scalar() == "true") add("--privileged", "", key, keyNode);
      else if (v.Scalar() != "false") return bad(v, "compose privileged: expected true or false");
      return true;
    }
    if (key == "read_only") {
      if (!scalar(v, key)) return false;
      if (v.Scalar() == "true") add("--read-only", "", key, keyNode);
      else if (v.Scalar() != "false") return bad(v, "compose read_only: expected true or false");
      return true;
    }
    if (key == "sysctls") return pairs(v, key, "--sysctl");
    if (key == "ulimits") return ulimits(v);
    if (key == "volumes") return volumes(v);
    if (key == "deploy") return deploy(v);
    const auto& ok = optionKeys();
    const auto it = std::find_if(ok.begin(), ok.end(), [&](const auto& p) { return p.first == key; });
    if (it == ok.end()) return bad(keyNode, "compose service key '" + key + "' is not known to `ward import compose`");
    if (it->second.empty()) {
      ignored.push_back(key);
      return true;
    }
    if (v.IsSequence()) {
      for (const auto& e : v)
        if (!scalar(e, key)) return false;
        else add(it->second, e.Scalar(), key, e);
      return true;
    }
    if (!scalar(v, key)) return false;
    add(it->second, v.Scalar(), key, v);
    return true;
  }

  // sysctls: a mapping, or a list of KEY=VALUE.
  bool pairs(const YAML::Node& v, const std::string& key, const std::string& opt) {
    if (v.IsMap()) {
      for (const auto& kv : v)
        if (!scalar(kv.second, key)) return false;
        else add(opt, kv.first.Scalar() + "=" + kv.second.Scalar(), key, kv.first);
      return true;
    }
    if (!v.IsSequence()) return bad(v, "compose " + key + ": expected a mapping or a list of KEY=VALUE");
    for (const auto& e : v)
      if (!scalar(e, key)) return false;
      else add(opt, e.Scalar(), key, e);
    return true;
  }

  // ulimits: NAME: N, or NAME: {soft: N, hard: M}.
  bool ulimits(const YAML::Node& v) {
    if (!v.IsMap()) return bad(v, "compose ulimits: expected a mapping");
    for (const auto& kv : v) {
      const YAML::Node& l = kv.second;
      std::string value;
      if (l.IsScalar()) {
        value = l.Scalar();
      } else if (l.IsMap() && l["soft"] && l["hard"] && l["soft"].IsScalar() && l["hard"].IsScalar()) {
        value = l["soft"].Scalar() + ":" + l["hard"].Scalar();
      } else {
        return bad(l, "compose ulimits " + kv.first.Scalar() + ": expected N or {soft: N, hard: M}");
      }
      add("--ulimit", kv.first.Scalar() + "=" + value, "ulimits", kv.first);
    }
    return true;
  }

  // volumes: the short syntax is -v's; the long syntax a --mount.
  bool volumes(const YAML::Node& v) {
    if (!v.IsSequence()) return bad(v, "compose volumes: expected a list");
    for (const auto& e : v) {
      if (e.IsScalar()) {
        add("-v", e.Scalar(), "volumes", e);
        continue;
      }
      if (!e.IsMap()) return bad(e, "compose volumes: expected SRC:DST[:MODE] or a mapping");
      std::string spec;
      for (const char* k : {"type", "source", "target"})
        if (e[k] && e[k].IsScalar()) spec += std::string(spec.empty() ? "" : ",") + k + "=" + e[k].Scalar();
      if (e["read_only"] && e["read_only"].IsScalar() && e["read_only"].Scalar() == "true") spec += ",readonly";
      if (e["tmpfs"] && e["tmpfs"]["size"] && e["tmpfs"]["size"].IsScalar()) spec += ",tmpfs-size=" + e["tmpfs"]["size"].Scalar();
      if (!e["target"]) return bad(e, "compose volumes: a long-syntax volume needs a target");
      add("--mount", spec, "volumes", e);
    }
    return true;
  }

  // deploy.resources.limits: cpus, memory, pids (the rest of deploy is the orchestrator's).
  bool deploy(const YAML::Node& v) {
    if (!v.IsMap()) return bad(v, "compose deploy: expected a mapping");
    const YAML::Node limits = v["resources"] && v["resources"].IsMap() ? v["resources"]["limits"] : YAML::Node();
    if (!limits) return true;
    if (!limits.IsMap()) return bad(limits, "compose deploy.resources.limits: expected a mapping");
    for (const auto& kv : limits) {
      const std::string k = kv.first.Scalar();
      const std::string opt = k == "cpus" ? "--cpus" : k == "memory" ? "--memory" : k == "pids" ? "--pids-limit" : "";
      if (opt.empty()) return bad(kv.first, "compose deploy.resources.limits." + k + ": not known to `ward import compose`");
      if (!scalar(kv.second, "deploy.resources.limits." + k)) return false;
      add(opt, kv.second.Scalar(), "deploy.resources.limits." + k, kv.second);
    }
    return true;
  }
};

}  // namespace

std::optional<Imported> importCompose(const SourceManager& sources, FileId file, const std::string& service,
                                      const std::string& policyName, Diagnostics& diags) {
  Reader r(sources, file, diags);
  YAML::Node root;
  try {
    root = YAML::Load(sources.file(file).text);
  } catch (const YAML::Exception& e) {
    diags.error(Code::E0304, r.at(e.mark), "not a Compose file: " + e.msg);
    return std::nullopt;
  }
  if (!root.IsMap() || !root["services"] || !root["services"].IsMap()) {
    r.bad(root, "not a Compose file: expected a mapping with `services:`");
    return std::nullopt;
  }
  const YAML::Node services = root["services"];
  if (!services[service]) {
    std::string names;
    for (const auto& kv : services) names += (names.empty() ? "" : ", ") + kv.first.Scalar();
    r.bad(services, "compose file has no service '" + service + "' (it has: " + names + ")");
    return std::nullopt;
  }
  const YAML::Node svc = services[service];
  try {
    if (!r.service(svc)) return std::nullopt;
  } catch (const YAML::Exception& e) {
    diags.error(Code::E0304, r.at(e.mark), "compose service " + service + ": " + e.msg);
    return std::nullopt;
  }
  RunSource source;
  source.tool = "compose";
  source.command = "compose";
  source.policyName = policyName;
  if (svc.IsMap() && svc["image"] && svc["image"].IsScalar()) source.image = svc["image"].Scalar();
  source.header = "// Imported by `ward import compose` from service '" + service + "' of " + sources.displayName(file) +
                  ".\n// std/base's unprivileged container, plus what the service gave the container. Tighten from here;\n"
                  "// `ward check` says what is open.\n";
  if (!r.ignored.empty()) {
    source.header += "// note: keys that change nothing ward models:";
    for (const auto& k : r.ignored) source.header += " " + k;
    source.header += "\n";
  }
  return importRunOptions(r.options, source, diags);
}

}  // namespace ward::import
