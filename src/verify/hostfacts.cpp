#include "verify/hostfacts.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "base/strings.h"

namespace ward::verify {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's order of a non-digit character: '~' first (before the end), the end, letters, then the rest.
int order(char c) {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp over string_views (characters beyond the end read as '\0').
int verrevcmp(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int firstDiff = 0;
    while ((i < a.size() && !isDigit(a[i])) || (j < b.size() && !isDigit(b[j]))) {
      int ac = order(at(a, i)), bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i, ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      ++i, ++j;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

struct Parts {
  unsigned long epoch = 0;
  std::string_view upstream, revision;
};

Parts split(std::string_view v) {
  Parts p;
  v = trim(v);
  auto colon = v.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      std::all_of(v.begin(), v.begin() + static_cast<long>(colon), isDigit)) {
    for (char c : v.substr(0, colon)) p.epoch = std::min<unsigned long>(p.epoch * 10 + static_cast<unsigned long>(c - '0'), 1000000000UL);
    v = v.substr(colon + 1);
  }
  auto dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    p.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  p.upstream = v;
  return p;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gunzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return {};
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0 && out.size() < (64u << 20)) out.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return out;
}

}  // namespace

std::string rangeText(const VersionRange& r) {
  return (r.introduced.empty() ? std::string() : ">= " + r.introduced + ", ") + "< " + r.fixed;
}

std::string affectedText(const Entry& e) {
  std::string out;
  for (const auto& r : e.affected) out += (out.empty() ? "" : " or ") + rangeText(r);
  return out;
}

int compareVersions(std::string_view a, std::string_view b) {
  Parts x = split(a), y = split(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = verrevcmp(x.upstream, y.upstream)) return c;
  return verrevcmp(x.revision, y.revision);
}

std::string upstreamVersion(std::string_view packageVersion) {
  std::string_view up = split(packageVersion).upstream;
  if (auto really = up.find("+really"); really != std::string_view::npos) up = up.substr(really + 7);  // 3.1.0+really3.0.4
  // A repacked source keeps the upstream version: 1.1.5+ds1, 1.6.20~ds1, 20.10.24+dfsg1, 2.0+repack1.
  for (std::string_view tag : {"ds", "dfsg", "repack"}) {
    for (char sep : {'+', '~'}) {
      std::string marker = std::string(1, sep) + std::string(tag);
      auto at = up.rfind(marker);
      if (at == std::string_view::npos) continue;
      std::string_view rest = up.substr(at + marker.size());
      if (std::all_of(rest.begin(), rest.end(), [](char c) { return isDigit(c) || c == '.'; })) up = up.substr(0, at);
    }
  }
  return std::string(up);
}

std::string catalogVersion(std::string_view v) {
  std::string out(trim(v));
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '-' && isAlpha(out[i + 1])) out[i] = '~';
  return out;
}

std::string kernelVersion(std::string_view procVersion) {
  static const std::regex debian(R"( Debian ([0-9][0-9A-Za-z.+~:-]*))");
  static const std::regex release(R"(^Linux version ([0-9]+(\.[0-9]+)*))");
  std::string text(procVersion);
  std::smatch m;
  if (std::regex_search(text, m, debian)) return m[1];
  if (std::regex_search(text, m, release)) return m[1];
  return {};
}

std::map<std::string, std::string> parseDpkgStatus(std::string_view text) {
  std::map<std::string, std::string> out;
  std::istringstream in{std::string(text)};
  std::string package, version, status;
  bool statusFormat = false;
  auto flush = [&] {
    if (!package.empty() && !version.empty() && status == "install ok installed") out[package] = version;
    package.clear(), version.clear(), status.clear();
  };
  for (std::string line; std::getline(in, line);) {
    std::string_view l = trimRight(line);
    if (l.empty()) {
      flush();
      continue;
    }
    if (startsWith(l, "Package:")) statusFormat = true, package = trimmed(l.substr(8));
    else if (startsWith(l, "Version:")) version = trimmed(l.substr(8));
    else if (startsWith(l, "Status:")) status = trimmed(l.substr(7));
    else if (!statusFormat && l.find('\t') != std::string_view::npos) {   // dpkg-query -W
      auto tab = l.find('\t');
      std::string name = trimmed(l.substr(0, tab)), v = trimmed(l.substr(tab + 1));
      name = name.substr(0, name.find(':'));   // runc:amd64
      if (!name.empty() && !v.empty()) out[name] = v;
    }
  }
  flush();
  return out;
}

std::set<std::string> cvesNamed(std::string_view changelog) {
  static const std::regex cve(R"([Cc][Vv][Ee]-[0-9]{4}-[0-9]{4,7})");
  std::set<std::string> out;
  std::string text(changelog);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), cve); it != std::sregex_iterator(); ++it) {
    std::string id = it->str();
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::toupper(c); });
    out.insert(id);
  }
  return out;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& componentPackages() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> table{
      {"runc", {"runc"}},
      {"crun", {"crun"}},
      {"lxc", {"lxc", "liblxc1", "liblxc-common"}},
      {"lxd", {"lxd"}},
      {"containerd", {"containerd", "containerd.io"}},
      {"cri-o", {"cri-o"}},
      {"docker", {"docker.io", "docker-ce", "moby-engine"}},
      {"podman", {"podman"}},
      {"buildah", {"buildah"}},
      {"buildkit", {"docker-buildx-plugin", "golang-github-moby-buildkit-dev"}},
      {"nvidia-container-toolkit", {"nvidia-container-toolkit", "nvidia-container-toolkit-base"}},
  };
  return table;
}

std::optional<HostFacts> parseHostFacts(std::string_view text, std::vector<std::string>& errors) {
  using nlohmann::json;
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    errors.push_back("host facts: not a JSON object");
    return std::nullopt;
  }
  HostFacts h;
  h.components.emplace();
  std::map<std::string, std::string> packages;
  std::map<std::string, std::set<std::string>> fixes;
  std::size_t before = errors.size();
  for (const auto& [key, v] : doc.items()) {
    if ((key == "apparmor" || key == "selinux") && v.is_boolean()) {
      (key == "apparmor" ? h.apparmorEnabled : h.selinuxEnabled) = v.get<bool>();
    } else if (key == "kernel" && v.is_string()) {
      (*h.components)["kernel"] = Installed{"kernel", "uname", v.get<std::string>(), {}};
    } else if (key == "packages" && v.is_object()) {
      for (const auto& [name, p] : v.items()) {
        if (!p.is_object() || !p.contains("version") || !p.at("version").is_string()) {
          errors.push_back("host facts: package \"" + name + "\" needs {\"version\": \"...\"}");
          continue;
        }
        packages[name] = p.at("version").get<std::string>();
        if (p.contains("fixes") && p.at("fixes").is_array())
          for (const auto& c : p.at("fixes"))
            if (c.is_string()) fixes[name].insert(c.get<std::string>());
      }
    } else {
      errors.push_back("host facts: unknown or mistyped key \"" + key + "\"");
    }
  }
  if (errors.size() != before) return std::nullopt;
  Components c = components("", packages, [](const std::string&) { return std::string(); });
  for (auto& [name, inst] : c) {
    inst.fixedCves = fixes[inst.package];
    (*h.components)[name] = inst;
  }
  return h;
}

Components readHostComponents(const std::string& root) {
  std::string base = root.empty() || root == "/" ? std::string() : std::string(trimRight(root, "/"));
  std::string status = readAll(base + "/var/lib/dpkg/status");
  return components(readAll(base + "/proc/version"), parseDpkgStatus(status), [&](const std::string& pkg) {
    std::string doc = base + "/usr/share/doc/" + pkg + "/changelog.Debian";
    std::string text = gunzipFile(doc + ".gz");
    return text.empty() ? readAll(doc) : text;
  });
}

const std::vector<std::string>& lxcEngines() {
  static const std::vector<std::string> e{"lxc", "lxd"};
  return e;
}
const std::vector<std::string>& ociEngines() {
  static const std::vector<std::string> e{"runc", "crun", "containerd", "cri-o", "docker", "podman", "buildah", "buildkit"};
  return e;
}

VersionVerdict judgeVersions(const Entry& entry, const HostFacts& facts) {
  VersionVerdict v;
  const auto& host = facts.components;
  if (!host || entry.component == "config" || entry.affected.empty()) return v;
  auto listed = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), entry.component) != list.end();
  };
  if (!facts.engines.empty() && (listed(lxcEngines()) || listed(ociEngines())) && !listed(facts.engines)) {
    v.state = VersionVerdict::State::OtherRuntime;
    std::string list;
    for (const auto& e : facts.engines) list += (list.empty() ? "" : ", ") + e;
    v.why = "a " + entry.component + " bug, and this container runs under " + list;
    return v;
  }
  auto it = host->find(entry.component);
  if (it == host->end()) {
    if (entry.component == "kernel") return v;   // the kernel's version could not be read
    v.state = VersionVerdict::State::NotInstalled;
    v.why = "no " + entry.component + " installed";
    return v;
  }
  const Installed& in = it->second;
  const std::string name = entry.component + " " + in.version;
  bool allNamed = !entry.cves.empty() && std::all_of(entry.cves.begin(), entry.cves.end(), [&](const std::string& c) {
    return in.fixedCves.count(c) > 0;
  });
  if (allNamed) {
    v.state = VersionVerdict::State::NotVulnerable;
    std::string list;
    for (const auto& c : entry.cves) list += (list.empty() ? "" : ", ") + c;
    v.why = name + " fixed " + list + " (its package changelog names it)";
    return v;
  }
  const std::string installed = upstreamVersion(in.version);
  std::string fixedList;
  for (const auto& r : entry.affected) {
    fixedList += (fixedList.empty() ? "" : ", ") + r.fixed;
    bool afterStart = r.introduced.empty() || compareVersions(installed, catalogVersion(r.introduced)) >= 0;
    if (afterStart && compareVersions(installed, catalogVersion(r.fixed)) < 0) {
      v.state = VersionVerdict::State::Vulnerable;
      v.why = name + " is affected (" + rangeText(r) + ")";
      v.upgrade = "upgrade " + entry.component + " to " + r.fixed;
      return v;
    }
  }
  v.state = VersionVerdict::State::NotVulnerable;
  v.why = name + " is not affected (fixed in " + fixedList + ")";
  return v;
}

}  // namespace ward::verify
