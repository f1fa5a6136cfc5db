#include "lxd/audit.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "backend/common/idmap_list.h"
#include "base/strings.h"

namespace ward::lxd {

namespace {

// The expanded config as `lxc config show --expanded` prints it, one key a line (multi-line values as
// literal blocks), and the line of each key.
struct Shown {
  std::string text;
  std::map<std::string, std::uint32_t> lineOf;
  std::uint32_t header = 1;
};

Shown show(const std::string& name, const nlohmann::json& instance) {
  Shown s;
  std::string profiles;
  const nlohmann::json list = instance.value("profiles", nlohmann::json::array());
  for (const auto& p : list)
    if (p.is_string()) profiles += (profiles.empty() ? "" : ", ") + p.get<std::string>();
  s.text = fmt::format("# LXD instance {} (profiles: {}): expanded config\n", name, profiles);
  std::uint32_t line = 2;
  const nlohmann::json expanded = instance.value("expanded_config", nlohmann::json::object());
  for (const auto& [key, value] : expanded.items()) {
    const std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    s.lineOf[key] = line;
    if (v.find('\n') == std::string::npos) {
      s.text += fmt::format("{}: {}\n", key, v);
      ++line;
      continue;
    }
    s.text += key + ": |\n";
    ++line;
    std::size_t pos = 0;
    while (pos <= v.size()) {
      std::size_t eol = v.find('\n', pos);
      if (eol == std::string::npos) eol = v.size();
      s.text += "  " + v.substr(pos, eol - pos) + "\n";
      ++line;
      pos = eol + 1;
    }
  }
  return s;
}

Span keySpan(SourceManager& sources, FileId file, const Shown& s, const std::string& key) {
  auto it = s.lineOf.find(key);
  const std::uint32_t line = it == s.lineOf.end() ? s.header : it->second;
  const std::uint32_t begin = sources.file(file).lineStarts.at(line - 1);
  const auto length = static_cast<std::uint32_t>(sources.lineText(file, line).size());
  return sources.span(file, begin, begin + std::max<std::uint32_t>(1, length));
}

// Moves a finding to the LXD key that causes it, keeping the liblxc line in a note.
void relocate(SourceManager& sources, verify::Finding& f, FileId shownId, const Shown& shown,
              std::optional<FileId> confId, std::uint32_t rawFrom, const nlohmann::json& config) {
  std::string key;
  if (confId && f.span.valid() && f.span.file == *confId) {
    const std::string line(trim(sources.lineText(*confId, f.span.line)));
    const std::string lxcKey(trim(line.substr(0, line.find('='))));
    key = f.span.line >= rawFrom ? "raw.lxc" : lxdKeyFor(lxcKey);
    if (lxcKey == "lxc.seccomp.profile" && config.contains("raw.seccomp")) key = "raw.seccomp";
    f.notes.push_back(fmt::format("{}:{}: {}", sources.file(*confId).displayName, f.span.line, line));
  } else if (f.span.valid() && f.span.file < sources.size() && f.span.file != shownId) {
    const std::string& from = sources.file(f.span.file).displayName;
    key = from.find("/security/seccomp/") != std::string::npos
              ? (config.contains("raw.seccomp") ? "raw.seccomp" : "security.syscalls.deny")
              : lxdKeyForEntry(f.id);
    f.notes.push_back(fmt::format("{}:{}", from, f.span.line));
  } else {
    key = lxdKeyForEntry(f.id);
  }
  if (!key.empty() && !shown.lineOf.count(key)) f.notes.push_back("not set: " + key);
  f.span = keySpan(sources, shownId, shown, key);
  f.file = sources.file(shownId).displayName;
}

std::optional<FileId> fileOf(const SourceManager& sources, const std::string& path) { return sources.findByPath(path); }

// The first line after LXD's own lines: raw.lxc comes after lxc.rootfs.path (docs/lxd.md, "raw.lxc").
std::uint32_t rawLxcFrom(const SourceManager& sources, std::optional<FileId> conf) {
  if (!conf) return ~0u;
  const std::string& text = sources.file(*conf).text;
  std::uint32_t line = 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (startsWith(std::string_view(text).substr(pos, eol - pos), "lxc.rootfs.path")) return line + 1;
    ++line;
    pos = eol + 1;
  }
  return ~0u;
}

// ward's registered ranges as audited policies, so that verifyAcross compares them with LXD's maps.
std::vector<ir::Policy> registryPolicies(const std::string& stateDir, std::vector<std::string>& notes) {
  std::vector<ir::Policy> out;
  std::string error;
  auto entries = backend::common::listIdRanges(stateDir, error);
  if (!entries) {
    notes.push_back("ward's id range registry not compared: " + error);
    return out;
  }
  for (const auto& [name, slot] : *entries) {
    ir::Policy p;
    p.name = "ward:" + name;
    p.identity.idmapAuto = false;
    p.identity.idmaps = {{'u', 0, slot.uid, backend::common::kIdRangeSize, {}},
                         {'g', 0, slot.gid, backend::common::kIdRangeSize, {}}};
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

std::string lxdKeyFor(std::string_view k) {
  if (startsWith(k, "lxc.prlimit.")) return "limits.kernel." + std::string(k.substr(12));
  if (startsWith(k, "lxc.cgroup.pids.") || startsWith(k, "lxc.cgroup2.pids.")) return "limits.processes";
  if (startsWith(k, "lxc.cgroup.memory.") || startsWith(k, "lxc.cgroup2.memory.")) return "limits.memory";
  if (startsWith(k, "lxc.cgroup.cpu") || startsWith(k, "lxc.cgroup2.cpu")) return "limits.cpu.allowance";
  if (k == "lxc.idmap") return "security.idmap.isolated";
  if (startsWith(k, "lxc.cap.")) return "security.privileged";
  if (k == "lxc.seccomp.profile") return "security.syscalls.deny_default";
  if (startsWith(k, "lxc.apparmor.")) return "raw.apparmor";
  if (k == "lxc.mount.auto" || startsWith(k, "lxc.mount.entry")) return "raw.lxc";   // LXD has no key: the fix goes there
  return {};
}

std::string lxdKeyForEntry(std::string_view id) {
  if (id == "RES-PIDS") return "limits.processes";
  if (id == "RES-MEM") return "limits.memory";
  if (id == "RES-CPU") return "limits.cpu.allowance";
  if (id == "NS-SHARED-IDMAP" || id == "RES-INOTIFY") return "security.idmap.isolated";
  if (id == "NS-PRIVILEGED") return "security.privileged";
  if (startsWith(id, "SYS-") || startsWith(id, "DEV-") || id == "NS-USERNS-NEST") return "raw.seccomp";
  if (startsWith(id, "CAP-") || startsWith(id, "MNT-") || startsWith(id, "ESC-")) return "raw.lxc";
  return {};
}

AuditResult auditInstances(SourceManager& sources, const AuditRequest& request, const verify::Catalog& catalog) {
  AuditResult out;
  Client client(request.paths.socket());
  std::vector<std::string> names = request.instances;
  if (names.empty()) {
    Response r = client.get("/1.0/instances");
    if (!r.ok()) {
      out.errors.push_back(r.error);
      return out;
    }
    for (const auto& url : r.metadata)
      if (url.is_string()) names.push_back(std::filesystem::path(url.get<std::string>()).filename().string());
  }
  std::vector<verify::Audited> audits;
  std::vector<std::pair<FileId, Shown>> shownOf;
  for (const auto& name : names) {
    Response r = client.get("/1.0/instances/" + name);
    if (!r.ok()) {
      out.errors.push_back(name + ": " + r.error);
      continue;
    }
    Shown shown = show(name, r.metadata);
    const FileId shownId = sources.add("lxd:" + name, "lxd:" + name, shown.text);
    const std::string conf = request.paths.logDir + "/" + name + "/lxc.conf";
    verify::AuditOptions ao = request.audit;
    ao.policyName = name;
    verify::Audited a = verify::auditLxcConfig(sources, conf, ao);
    if (!a.ok()) {
      for (const auto& e : a.errors)
        out.errors.push_back(fmt::format("{}: {} (LXD writes it when the instance starts)", name, e));
      continue;
    }
    out.notes.push_back(fmt::format("{}: {} ({}), {}", name, conf, r.metadata.value("status", "?"),
                                    r.metadata.value("profiles", nlohmann::json::array()).dump()));
    const auto confId = fileOf(sources, conf);
    const std::uint32_t rawFrom = rawLxcFrom(sources, confId);
    const nlohmann::json config = r.metadata.value("expanded_config", nlohmann::json::object());
    for (auto f : verify::verifyAudited(a, catalog, request.host)) {
      relocate(sources, f, shownId, shown, confId, rawFrom, config);
      out.findings.push_back(std::move(f));
    }
    shownOf.push_back({shownId, std::move(shown)});
    audits.push_back(std::move(a));
  }
  // Shared maps: between instances, and between an instance and ward's registry.
  std::vector<ir::Policy> ward = registryPolicies(request.wardStateDir, out.notes);
  std::vector<verify::Compiled> all;
  for (const auto& a : audits) all.push_back({&a.policy, &a.artifacts});
  static const std::vector<backend::Artifact> none;
  for (const auto& p : ward) all.push_back({&p, &none});
  for (auto f : verify::verifyAcross(all, catalog)) {
    const std::string first = f.policy.substr(0, f.policy.find(" + "));
    for (std::size_t i = 0; i < audits.size(); ++i)
      if (audits[i].policy.name == first) {
        f.span = keySpan(sources, shownOf[i].first, shownOf[i].second, "security.idmap.isolated");
        f.file = sources.file(shownOf[i].first).displayName;
        if (!shownOf[i].second.lineOf.count("security.idmap.isolated"))
          f.notes.push_back("not set: security.idmap.isolated (every such instance maps LXD's whole range)");
      }
    out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace ward::lxd
