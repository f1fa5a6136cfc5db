#include "verify/catalog.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <seccomp.h>

#include "backend/common/common.h"

namespace ward::verify {

namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A number written as JSON number or as a string ("0x5412", "17", "0o1777").
std::optional<std::uint64_t> number(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    auto i = v.get<std::int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<std::uint64_t>(i);
  }
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  int base = 10;
  std::size_t start = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, start = 2;
  else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) base = 8, start = 2;
  if (start >= s.size()) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = start; i < s.size(); ++i) {
    int d;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (value > (~std::uint64_t{0} - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base))
      return std::nullopt;
    value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return value;
}

std::vector<std::string> strings(const json& obj, const char* key, std::vector<std::string>& errors,
                                 const std::string& where) {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  const json& v = obj.at(key);
  if (!v.is_array()) {
    errors.push_back(where + ": \"" + key + "\" must be an array of strings");
    return out;
  }
  for (const auto& s : v) {
    if (!s.is_string()) {
      errors.push_back(where + ": \"" + key + "\" must be an array of strings");
      return {};
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::string str(const json& obj, const char* key) {
  if (!obj.contains(key) || !obj.at(key).is_string()) return {};
  return obj.at(key).get<std::string>();
}

// "b *:* rw" / "c 1:1 r"
std::optional<DeviceNeed> parseDeviceNeed(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string type, mm, access;
  if (!(in >> type >> mm >> access)) return std::nullopt;
  if (type != "c" && type != "b") return std::nullopt;
  auto colon = mm.find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto part = [](const std::string& s) -> std::optional<std::int64_t> {
    if (s == "*") return -1;
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    return std::stoll(s);
  };
  auto major = part(mm.substr(0, colon)), minor = part(mm.substr(colon + 1));
  if (!major || !minor) return std::nullopt;
  if (access.empty() || access.find_first_not_of("rwm") != std::string::npos) return std::nullopt;
  DeviceNeed d;
  d.type = type[0];
  d.major = *major;
  d.minor = *minor;
  d.access = access;
  return d;
}

bool parseGuard(const json& g, Guard& out, std::vector<std::string>& errors, const std::string& where) {
  if (!g.is_object()) {
    errors.push_back(where + ": a guard must be an object");
    return false;
  }
  auto layer = parseLayer(str(g, "layer"));
  if (!layer) {
    errors.push_back(where + ": unknown layer \"" + str(g, "layer") + "\"");
    return false;
  }
  out.layer = *layer;
  out.check = str(g, "check");
  out.note = str(g, "note");
  bool hasAny = g.contains("any");
  if (*layer == Layer::Host) {
    if (out.note.empty()) errors.push_back(where + ": a host guard needs a \"note\"");
    return !out.note.empty();
  }
  if (out.check.empty() == !hasAny) {
    errors.push_back(where + ": a " + layerName(*layer) + " guard needs exactly one of \"check\" and \"any\"");
    return false;
  }
  if (!out.check.empty()) {
    const auto& known = knownChecks(*layer);
    if (std::find(known.begin(), known.end(), out.check) == known.end()) {
      errors.push_back(where + ": unknown " + std::string(layerName(*layer)) + " check \"" + out.check + "\"");
      return false;
    }
    return true;
  }
  const json& any = g.at("any");
  if (!any.is_array() || any.empty()) {
    errors.push_back(where + ": \"any\" must be a non-empty array");
    return false;
  }
  for (const auto& a : any) {
    switch (*layer) {
      case Layer::Seccomp: {
        if (!a.is_object() || str(a, "syscall").empty()) {
          errors.push_back(where + ": a seccomp alternative needs \"syscall\"");
          return false;
        }
        SyscallNeed n;
        n.name = str(a, "syscall");
        if (a.contains("args")) {
          if (!a.at("args").is_object()) {
            errors.push_back(where + ": \"args\" must map an index to a value");
            return false;
          }
          for (const auto& [k, v] : a.at("args").items()) {
            auto value = number(v);
            if (k.size() != 1 || k[0] < '0' || k[0] > '5' || !value) {
              errors.push_back(where + ": bad argument \"" + k + "\" of " + n.name);
              return false;
            }
            n.args.emplace_back(static_cast<unsigned>(k[0] - '0'), *value);
          }
        }
        n.arches = strings(a, "arches", errors, where);
        if (a.contains("int32")) {
          for (const auto& i : a.at("int32")) {
            if (!i.is_number_unsigned() || i.get<unsigned>() > 5) {
              errors.push_back(where + ": \"int32\" lists argument indexes 0..5");
              return false;
            }
            n.int32Args.push_back(i.get<unsigned>());
          }
        }
        out.syscalls.push_back(std::move(n));
        break;
      }
      case Layer::Capabilities:
        if (!a.is_string()) {
          errors.push_back(where + ": capabilities alternatives are names");
          return false;
        }
        out.capabilities.push_back(lower(a.get<std::string>()));
        break;
      case Layer::Apparmor: {
        AppArmorNeed n;
        if (a.contains("file")) {
          n.kind = AppArmorNeed::Kind::File;
          n.path = str(a, "file");
          n.access = str(a, "access");
        } else if (a.contains("mount")) {
          n.kind = AppArmorNeed::Kind::Mount;
          n.fstype = str(a, "mount");
          n.target = str(a, "target");
        } else if (a.contains("network")) {
          n.kind = AppArmorNeed::Kind::Network;
          n.family = str(a, "network");
          n.type = str(a, "type");
        } else if (a.contains("capability")) {
          n.kind = AppArmorNeed::Kind::Capability;
          n.capability = lower(str(a, "capability"));
        } else {
          errors.push_back(where + ": an apparmor alternative is one of file, mount, network, capability");
          return false;
        }
        out.apparmor.push_back(std::move(n));
        break;
      }
      case Layer::Mount: {
        PathNeed n{str(a, "path"), str(a, "access")};
        if (n.path.empty() || n.path[0] != '/' || (n.access != "r" && n.access != "w")) {
          errors.push_back(where + ": a mount alternative is {\"path\": absolute, \"access\": \"r\"|\"w\"}");
          return false;
        }
        out.paths.push_back(std::move(n));
        break;
      }
      case Layer::Cgroup: {
        auto d = a.is_object() ? parseDeviceNeed(str(a, "device")) : std::nullopt;
        if (!d) {
          errors.push_back(where + ": a cgroup alternative is {\"device\": \"b|c MAJOR:MINOR rwm\"}");
          return false;
        }
        out.devices.push_back(*d);
        break;
      }
      case Layer::Sysctl: {
        SysctlNeed n;
        n.key = str(a, "key");
        n.opens = strings(a, "opens", errors, where);
        if (n.key.empty() || n.opens.empty()) {
          errors.push_back(where + ": a sysctl alternative is {\"key\": ..., \"opens\": [values]}");
          return false;
        }
        out.sysctls.push_back(std::move(n));
        break;
      }
      default:
        errors.push_back(where + ": the " + std::string(layerName(*layer)) + " layer takes only \"check\"");
        return false;
    }
  }
  return true;
}

// component, affected, year, needs, source.
void parseVersions(const json& e, Entry& out, std::vector<std::string>& errors, const std::string& where) {
  if (e.contains("component")) out.component = str(e, "component");
  out.needs = strings(e, "needs", errors, where);
  out.source = str(e, "source");
  if (e.contains("year")) {
    if (!e.at("year").is_number_unsigned()) errors.push_back(where + ": \"year\" must be a number");
    else out.year = e.at("year").get<int>();
  }
  if (!e.contains("affected")) return;
  if (!e.at("affected").is_array()) {
    errors.push_back(where + ": \"affected\" must be an array of {\"introduced\", \"fixed\"}");
    return;
  }
  for (const auto& r : e.at("affected")) {
    if (!r.is_object() || str(r, "fixed").empty()) {
      errors.push_back(where + ": an affected range needs \"fixed\" (and may have \"introduced\")");
      return;
    }
    out.affected.push_back({str(r, "introduced"), str(r, "fixed")});
  }
}

bool parseEntry(const json& e, Entry& out, std::vector<std::string>& errors, const std::string& file) {
  if (!e.is_object()) {
    errors.push_back(file + ": an entry must be an object");
    return false;
  }
  out.id = str(e, "id");
  std::string where = file + ": " + (out.id.empty() ? std::string("entry without id") : out.id);
  std::size_t before = errors.size();
  if (out.id.empty()) errors.push_back(where + ": \"id\" is required");
  out.title = str(e, "title");
  out.category = str(e, "category");
  auto sev = parseLevel(str(e, "severity"));
  if (!sev) errors.push_back(where + ": severity must be critical, high or medium");
  else out.severity = *sev;
  out.cves = strings(e, "cves", errors, where);
  out.summary = str(e, "summary");
  out.preconditions = strings(e, "preconditions", errors, where);
  out.appliesIf = strings(e, "appliesIf", errors, where);
  for (const auto& a : out.appliesIf)
    if (a != "network") errors.push_back(where + ": unknown appliesIf \"" + a + "\"");
  out.fix = str(e, "fix");
  out.references = strings(e, "references", errors, where);
  out.probe = str(e, "probe");
  out.origin = file;
  parseVersions(e, out, errors, where);
  if (!e.contains("guards") || !e.at("guards").is_array()) {
    errors.push_back(where + ": \"guards\" must be an array");
  } else {
    for (const auto& g : e.at("guards")) {
      Guard guard;
      if (parseGuard(g, guard, errors, where)) out.guards.push_back(std::move(guard));
    }
  }
  return errors.size() == before;
}

}  // namespace

const char* levelName(Level l) {
  switch (l) {
    case Level::Medium: return "medium";
    case Level::High: return "high";
    case Level::Critical: return "critical";
  }
  return "high";
}

std::optional<Level> parseLevel(std::string_view s) {
  std::string l = lower(s);
  if (l == "medium" || l == "med" || l == "m") return Level::Medium;
  if (l == "high" || l == "h") return Level::High;
  if (l == "critical" || l == "crit" || l == "c") return Level::Critical;
  return std::nullopt;
}

const std::vector<Layer>& allLayers() {
  static const std::vector<Layer> layers{Layer::Seccomp, Layer::Capabilities, Layer::Apparmor, Layer::Selinux,
                                         Layer::Userns,  Layer::Cgroup,       Layer::Mount,    Layer::Sysctl,
                                         Layer::Runtime, Layer::Host};
  return layers;
}

const char* layerName(Layer l) {
  switch (l) {
    case Layer::Seccomp: return "seccomp";
    case Layer::Capabilities: return "capabilities";
    case Layer::Apparmor: return "apparmor";
    case Layer::Selinux: return "selinux";
    case Layer::Userns: return "userns";
    case Layer::Cgroup: return "cgroup";
    case Layer::Mount: return "mount";
    case Layer::Sysctl: return "sysctl";
    case Layer::Runtime: return "runtime";
    case Layer::Host: return "host";
  }
  return "host";
}

std::optional<Layer> parseLayer(std::string_view s) {
  for (Layer l : allLayers())
    if (s == layerName(l)) return l;
  return std::nullopt;
}

const std::vector<std::string>& knownChecks(Layer layer) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> seccomp{"all-arches-covered"};
  static const std::vector<std::string> caps{"not-keep-all"};
  static const std::vector<std::string> selinux{"confined"};
  static const std::vector<std::string> userns{"unprivileged", "isolated-idmap"};
  static const std::vector<std::string> cgroup{"pids-limit", "memory-limit", "cpu-limit", "inotify-limit"};
  static const std::vector<std::string> mount{"no-sensitive-bind", "no-runtime-socket-bind", "tmpfs-bounded"};
  static const std::vector<std::string> sysctl{"no-accept-ra"};
  static const std::vector<std::string> runtime{"no-new-privs",         "inheritable-empty", "no-host-namespaces",
                                                "no-host-namespaces-or-userns",
                                                "no-shared-propagation", "no-lxcfs-rw",       "dedicated-bridge"};
  switch (layer) {
    case Layer::Seccomp: return seccomp;
    case Layer::Capabilities: return caps;
    case Layer::Selinux: return selinux;
    case Layer::Userns: return userns;
    case Layer::Cgroup: return cgroup;
    case Layer::Mount: return mount;
    case Layer::Sysctl: return sysctl;
    case Layer::Runtime: return runtime;
    default: return none;
  }
}

const std::vector<std::string>& knownComponents() {
  static const std::vector<std::string> names{"config", "kernel",  "runc",   "crun",       "lxc",
                                              "lxd",    "containerd", "cri-o", "docker",  "podman",
                                              "buildah", "buildkit", "nvidia-container-toolkit"};
  return names;
}

const std::vector<std::string>& knownNeeds() {
  static const std::vector<std::string> kinds{"capability", "syscall", "mount", "userns-root", "path",
                                              "image",      "exec",    "api",   "hook",        "device"};
  return kinds;
}

std::vector<const Entry*> findByCve(const Catalog& catalog, std::string_view cve) {
  std::vector<const Entry*> out;
  std::string wanted = lower(cve);
  for (const auto& e : catalog.entries)
    for (const auto& c : e.cves)
      if (lower(c) == wanted) {
        out.push_back(&e);
        break;
      }
  return out;
}

CatalogCounts countBy(const Catalog& catalog) {
  CatalogCounts c;
  for (const auto& e : catalog.entries) {
    ++c.byComponent[e.component];
    ++c.byYear[e.year];
  }
  return c;
}

const Entry* Catalog::find(std::string_view id) const {
  for (const auto& e : entries)
    if (e.id == id) return &e;
  return nullptr;
}

std::vector<std::string> Catalog::ids() const {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

bool parseCatalog(std::string_view displayName, std::string_view text, Catalog& into,
                  std::vector<std::string>& errors) {
  const std::string file(displayName);
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    errors.push_back(file + ": not valid JSON");
    return false;
  }
  if (!doc.is_object() || str(doc, "format") != "ward-escape-catalog/1") {
    errors.push_back(file + ": not a ward escape catalog (\"format\": \"ward-escape-catalog/1\" is required)");
    return false;
  }
  if (!doc.contains("entries") || !doc.at("entries").is_array()) {
    errors.push_back(file + ": \"entries\" must be an array");
    return false;
  }
  std::vector<Entry> parsed;
  std::set<std::string> seen;
  std::size_t before = errors.size();
  for (const auto& e : doc.at("entries")) {
    Entry entry;
    if (!parseEntry(e, entry, errors, file)) continue;
    if (!seen.insert(entry.id).second) {
      errors.push_back(file + ": " + entry.id + ": duplicate id in one file");
      continue;
    }
    parsed.push_back(std::move(entry));
  }
  if (errors.size() != before) return false;
  for (auto& entry : parsed) {
    if (const Entry* earlier = into.find(entry.id)) {
      into.notes.push_back(entry.id + " in " + earlier->origin + " shadows the entry in " + file);
      continue;
    }
    into.entries.push_back(std::move(entry));
  }
  into.files.push_back(file);
  return true;
}

Catalog loadCatalog(const std::vector<std::string>& searchPath, std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  Catalog catalog;
  std::set<std::string> visited;   // the same directory twice on the path (installed == source tree)
  for (const auto& dir : searchPath) {
    std::error_code ec;
    fs::path cat = fs::path(dir) / "catalog";
    if (!fs::is_directory(cat, ec)) continue;
    fs::path canonical = fs::weakly_canonical(cat, ec);
    if (!visited.insert(ec ? cat.string() : canonical.string()).second) continue;
    std::vector<fs::path> files;
    for (const auto& de : fs::directory_iterator(cat, ec))
      if (de.path().extension() == ".json" && de.is_regular_file(ec)) files.push_back(de.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        errors.push_back(f.string() + ": cannot be read");
        continue;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      parseCatalog(f.string(), ss.str(), catalog, errors);
    }
  }
  return catalog;
}

namespace {
void validateVersions(const Entry& e, std::vector<std::string>& problems) {
  const std::string w = e.id + ": ";
  const auto& comps = knownComponents();
  if (std::find(comps.begin(), comps.end(), e.component) == comps.end())
    problems.push_back(w + "unknown component \"" + e.component + "\"");
  if (e.component != "config" && e.affected.empty())
    problems.push_back(w + "a versioned component (" + e.component + ") needs \"affected\" ranges");
  if (e.component == "config" && !e.affected.empty())
    problems.push_back(w + "\"affected\" needs a versioned component");
  if (e.component != "config" && e.cves.empty()) problems.push_back(w + "a versioned entry names its CVE ids");
  if (e.year != 0 && (e.year < 1999 || e.year > 2030)) problems.push_back(w + "implausible year");
  if (!e.cves.empty() && e.year == 0) problems.push_back(w + "an entry with CVE ids has a year");
  if (!e.source.empty() && e.source.rfind("https://", 0) != 0)
    problems.push_back(w + "\"source\" is an https URL");
  for (const auto& n : e.needs) {
    std::string kind = n.substr(0, n.find(':'));
    const auto& kinds = knownNeeds();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      problems.push_back(w + "unknown need \"" + n + "\"");
  }
  for (const auto& r : e.affected)
    for (const std::string* v : {&r.introduced, &r.fixed})
      if (!v->empty() && (!std::isdigit(static_cast<unsigned char>((*v)[0])) ||
                          v->find_first_of(" ,<>=") != std::string::npos))
        problems.push_back(w + "a version is written as digits and dots: \"" + *v + "\"");
}
}  // namespace

std::vector<std::string> validate(const Catalog& catalog) {
  std::vector<std::string> problems;
  std::set<std::string> ids;
  const auto& capNames = backend::common::capabilityNames();
  auto knownCap = [&](const std::string& c) {
    return std::find(capNames.begin(), capNames.end(), c) != capNames.end();
  };
  auto knownSyscall = [](const std::string& name) {
    for (std::uint32_t arch : std::initializer_list<std::uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32})
      if (seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR) return true;
    return false;
  };
  for (const auto& e : catalog.entries) {
    const std::string w = e.id + ": ";
    if (!ids.insert(e.id).second) problems.push_back(w + "duplicate id");
    bool idOk = !e.id.empty() && e.id.size() <= 40 && std::isupper(static_cast<unsigned char>(e.id[0]));
    for (char c : e.id)
      if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
        idOk = false;
    if (!idOk) problems.push_back(w + "ids are upper-case letters, digits and '-'");
    if (e.title.empty()) problems.push_back(w + "no title");
    if (e.fix.empty()) problems.push_back(w + "no fix hint");
    if (e.summary.empty()) problems.push_back(w + "no summary");
    if (e.guards.empty()) problems.push_back(w + "no guards");
    for (const auto& cve : e.cves)
      if (cve.rfind("CVE-", 0) != 0 || cve.size() < 13) problems.push_back(w + "malformed CVE id " + cve);
    validateVersions(e, problems);
    for (const auto& g : e.guards) {
      for (const auto& s : g.syscalls) {
        if (!knownSyscall(s.name)) problems.push_back(w + "unknown system call " + s.name);
        for (const auto& a : s.arches)
          if (a != "x86_64" && a != "x86" && a != "x32") problems.push_back(w + "unknown arch " + a);
      }
      for (const auto& c : g.capabilities)
        if (!knownCap(c)) problems.push_back(w + "unknown capability " + c);
      for (const auto& a : g.apparmor) {
        if (a.kind == AppArmorNeed::Kind::Capability && !knownCap(a.capability))
          problems.push_back(w + "unknown capability " + a.capability);
        if (a.kind == AppArmorNeed::Kind::File &&
            (a.path.empty() || a.path[0] != '/' || a.access.empty() ||
             a.access.find_first_not_of("rwaxlk") != std::string::npos))
          problems.push_back(w + "an apparmor file need is an absolute path with access letters rwaxlk");
        if (a.kind == AppArmorNeed::Kind::Mount && a.fstype.empty())
          problems.push_back(w + "an apparmor mount need names an fstype");
        if (a.kind == AppArmorNeed::Kind::Network && a.family.empty())
          problems.push_back(w + "an apparmor network need names a family");
      }
    }
  }
  return problems;
}

}  // namespace ward::verify
