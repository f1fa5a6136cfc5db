// Observations -> the learned policy's text (docs/learn.md, "What is learned, and how it is generalised").
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/capabilities.h"
#include "base/strings.h"
#include "import/ward_writer.h"
#include "sema/names.h"
#include "learn/learn.h"
#include "syntax/parse.h"
#include "verify/apparmor_rules.h"

namespace ward::learn {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kMemoryFloor = 64 * kMiB;
constexpr std::uint64_t kPidsFloor = 32;
constexpr std::size_t kFilesPerDirectory = 4;   // distinct files read in one directory before DIR/* is written

// The calls whose argument values are learned, the condition that matches one value, and the errno the
// values not seen get.
struct ArgRule {
  const char* name;
  unsigned index;
  std::uint64_t mask;
  const char* errnoName;
  int errnoValue;
};
constexpr ArgRule kArgRules[] = {
    {"clone", 0, 0, "EPERM", 1},        {"ioctl", 1, 0xffffffffu, "ENOTTY", 25},
    {"personality", 0, 0xffffffffu, "EPERM", 1}, {"prctl", 0, 0xffffffffu, "EINVAL", 22},
    {"unshare", 0, 0, "EPERM", 1},
};

// A capability the base keeps, and the calls through which a workload exercises it. A capability whose
// calls the run never made is dropped (inferred from the calls; the kernel's own checks are not observed).
struct CapabilityUse {
  const char* capability;
  std::vector<std::string> calls;
};
const std::vector<CapabilityUse>& capabilityUses() {
  static const std::vector<CapabilityUse> uses = {
      {"chown", {"chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32"}},
      {"fowner", {"chmod", "fchmod", "fchmodat", "fchmodat2", "utime", "utimes", "utimensat", "futimesat",
                  "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
                  "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32"}},
      {"fsetid", {"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                  "chown32", "fchown32", "lchown32"}},
      {"kill", {"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"}},
      {"setgid", {"setgid", "setregid", "setresgid", "setfsgid", "setgroups", "setgid32", "setregid32",
                  "setresgid32", "setfsgid32", "setgroups32"}},
      {"setuid", {"setuid", "setreuid", "setresuid", "setfsuid", "setuid32", "setreuid32", "setresuid32",
                  "setfsuid32"}},
  };
  return uses;
}

const std::string kRuntimeNote = "not seen: the container runtime's call after the filter is in place (";

const ArgRule* argRuleOf(const std::string& name) {
  for (const auto& a : kArgRules)
    if (name == a.name) return &a;
  return nullptr;
}

ir::ArgCondition argCondition(const ArgRule& spec, std::uint64_t value) {
  ir::ArgCondition c;
  c.index = spec.index;
  c.op = spec.mask ? ir::ArgCondition::Op::MaskedEq : ir::ArgCondition::Op::Eq;
  c.mask = spec.mask;
  c.value = value;
  return c;
}

bool permissive(const ir::Action& a) { return a.kind == ir::Action::Kind::Allow || a.kind == ir::Action::Kind::Log; }

std::uint64_t pow2ceil(std::uint64_t v) {
  std::uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::string sizeText(std::uint64_t bytes) {
  if (bytes % (1024 * kMiB) == 0) return fmt::format("{}GiB", bytes / (1024 * kMiB));
  return fmt::format("{}MiB", bytes / kMiB);
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// ---- files ----------------------------------------------------------------------------------------------
struct FileRule {
  std::string verb;
  std::string path;
  Evidence evidence;
};

unsigned verbAccess(const std::string& verb) {
  if (verb == "read") return ir::kRead;
  if (verb == "write") return ir::kWrite;
  if (verb == "append") return ir::kAppend;
  if (verb == "exec") return ir::kExec;
  return ir::kLink;
}

// What the rules grant a path: write implies read and append.
unsigned granted(const std::vector<ir::FileRule>& rules, const std::string& path) {
  unsigned covered = 0;
  for (const auto& r : rules) {
    if (r.deny || r.owner || !verify::aa::globMatch(r.path, path)) continue;
    covered |= r.access;
    if (r.access & ir::kWrite) covered |= ir::kRead | ir::kAppend;
  }
  return covered;
}

bool denied(const std::vector<ir::FileRule>& rules, const std::string& path, unsigned access) {
  for (const auto& r : rules)
    if (r.deny && (r.access == 0 || (r.access & access)) && verify::aa::globMatch(r.path, path)) return true;
  return false;
}

// /proc/1234/... -> /proc/*/...: a process's own directory under another pid next time.
std::string generalisePid(const std::string& path) {
  if (!startsWith(path, "/proc/")) return path;
  const auto end = path.find('/', 6);
  const std::string comp = path.substr(6, end == std::string::npos ? std::string::npos : end - 6);
  if (comp.empty() || !std::all_of(comp.begin(), comp.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return path;
  return "/proc/*" + (end == std::string::npos ? std::string() : path.substr(end));
}

std::vector<std::string> verbsOf(unsigned access) {
  std::vector<std::string> v;
  if (access & ir::kWrite) v.push_back("write");
  else if (access & ir::kAppend) v.push_back("append");
  else if (access & ir::kRead) v.push_back("read");
  if (access & ir::kExec) v.push_back("exec");
  if (access & ir::kLink) v.push_back("link");
  return v;
}

std::string directoryOf(const std::string& path) { return path.substr(0, path.rfind('/')); }

// The generalisation rule (docs/learn.md): exact paths, except that a directory in which the run created a
// file gets DIR/* for write (new names are not stable: temporaries, pids), and a directory of which the run
// read at least kFilesPerDirectory files gets DIR/* for read. `*` never crosses a `/`: no rule grants more
// than one directory the run really used. What the base already grants is left out; what it denies is noted.
std::vector<FileRule> fileRules(const Observations& obs, const ir::Policy& base, std::vector<std::string>& notes) {
  std::map<std::pair<std::string, std::string>, FileRule> exact;           // (verb, path)
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> byDir;   // (verb, dir) -> paths
  std::set<std::string> createdIn;
  for (const auto& [raw, use] : obs.files) {
    const std::string path = generalisePid(raw);
    for (const auto& verb : verbsOf(use.access)) {
      const unsigned acc = verbAccess(verb);
      if (denied(base.files.rules, path, acc)) {
        notes.push_back(fmt::format("{} {}: denied by the base ({})", verb, path, evidenceText(use.evidence)));
        continue;
      }
      if ((acc & ~granted(base.files.rules, path)) == 0) continue;
      auto& r = exact[{verb, path}];
      r.verb = verb;
      r.path = path;
      r.evidence.merge(use.evidence);
      if (path.back() != '/' && path.find('*') == std::string::npos) byDir[{verb, directoryOf(path)}].push_back(path);
      if (use.created && verb == "write") createdIn.insert(directoryOf(path));
    }
  }
  for (const auto& [key, paths] : byDir) {
    const auto& [verb, dir] = key;
    const bool created = verb == "write" && createdIn.count(dir);
    if (!created && (verb != "read" || paths.size() < kFilesPerDirectory)) continue;
    FileRule glob{verb, dir + "/*", {}};
    for (const auto& p : paths) {
      glob.evidence.merge(exact[{verb, p}].evidence);
      exact.erase({verb, p});
    }
    exact[{verb, glob.path}].evidence.merge(glob.evidence);
    exact[{verb, glob.path}].verb = verb;
    exact[{verb, glob.path}].path = glob.path;
  }
  std::vector<FileRule> out;
  for (const auto& [key, r] : exact) {   // drop what another learned rule already covers
    const unsigned acc = verbAccess(r.verb);
    bool covered = false;
    for (const auto& [k2, o] : exact) {
      if (&o == &r || o.path == r.path || o.path.find('*') == std::string::npos) continue;
      const unsigned oacc = verbAccess(o.verb) | (o.verb == "write" ? ir::kRead | ir::kAppend : 0u);
      if ((acc & ~oacc) == 0 && verify::aa::globMatch(o.path, r.path)) covered = true;
    }
    if (!covered) out.push_back(r);
  }
  return out;
}

std::vector<std::string> filesSection(const Observations& obs, const ir::Policy& base, std::vector<std::string>& notes) {
  std::vector<std::string> lines;
  for (const auto& r : fileRules(obs, base, notes))
    lines.push_back(fmt::format("{} {};  // {}", r.verb, quoted(r.path), evidenceText(r.evidence)));
  for (const auto& [what, ev] : obs.deniedFiles) notes.push_back(fmt::format("{} ({})", what, evidenceText(ev)));
  return lines;
}

// ---- network --------------------------------------------------------------------------------------------
std::vector<std::string> networkSection(const Observations& obs, const std::string& run) {
  std::vector<std::string> lines;
  const auto used = [&](const char* f) { return obs.families.count(f) > 0; };
  const bool inet = used("inet") || used("inet6");
  if (!inet && !used("netlink") && !used("packet") && obs.endpoints.empty()) {
    lines.push_back(fmt::format("none;  // no inet, inet6, netlink or packet socket in the run; {}", run));
    return lines;
  }
  for (const auto& [endpoint, ev] : obs.endpoints) lines.push_back(fmt::format("{};  // {}", endpoint, evidenceText(ev)));
  if (!obs.endpoints.empty() && !used("inet6")) lines.push_back(fmt::format("ipv6 off;  // no inet6 socket in the run; {}", run));
  if (!used("unix")) lines.push_back(fmt::format("unix off;  // no unix socket in the run; {}", run));
  if (used("netlink")) lines.push_back(fmt::format("netlink;  // {}", evidenceText(obs.families.at("netlink"))));
  if (inet && obs.endpoints.empty())
    lines.push_back("// inet sockets were opened but never listened or connected: no statement declares the family");
  for (const auto& [socket, ev] : obs.sockets) lines.push_back(fmt::format("// socket {}: {}", socket, evidenceText(ev)));
  return lines;
}

// ---- capabilities and limits ----------------------------------------------------------------------------
std::vector<std::string> capabilitiesSection(const Observations& obs, const ir::Policy& base, const std::string& run) {
  std::vector<std::string> lines;
  for (const auto& use : capabilityUses()) {
    const bool kept = std::any_of(base.capabilities.keep.begin(), base.capabilities.keep.end(),
                                  [&](const ir::Capability& c) { return c.name == use.capability; });
    // The container runtime's calls after the filter count too: it makes them under the same bound.
    const bool exercised = std::any_of(use.calls.begin(), use.calls.end(), [&](const std::string& c) {
      return obs.syscalls.count(c) > 0 || obs.runtime.count(c) > 0;
    });
    if (kept && !exercised)
      lines.push_back(fmt::format("drop {};  // not exercised: none of {} in the run; {}", use.capability,
                                  fmt::join(use.calls.begin(), use.calls.begin() + std::min<std::size_t>(3, use.calls.size()), "/"),
                                  run));
  }
  return lines;
}

std::vector<std::string> limitsSection(const Observations& obs, const ir::Policy& base, const std::string& run) {
  std::vector<std::string> lines;
  if (obs.peakMemory > 0) {
    const std::uint64_t want = std::max(kMemoryFloor, pow2ceil(2 * obs.peakMemory));
    if (!base.limits.memoryMax || want < base.limits.memoryMax->value)
      lines.push_back(fmt::format("memory {};  // peak {} bytes resident; 2 x peak rounded up to a power of two, at "
                                  "least 64MiB; {}", sizeText(want), obs.peakMemory, run));
  }
  if (obs.peakTasks > 0) {
    const std::uint64_t want = std::max(kPidsFloor, pow2ceil(2 * obs.peakTasks));
    if (!base.limits.pids || want < base.limits.pids->value)
      lines.push_back(fmt::format("pids {};  // peak {} tasks; 2 x peak rounded up to a power of two, at least {}; {}",
                                  want, obs.peakTasks, kPidsFloor, run));
  }
  return lines;
}

// ---- syscalls -------------------------------------------------------------------------------------------
std::vector<std::string> learnedArches(const Observations& obs) {
  std::set<std::string> seen;
  for (const auto& [name, ev] : obs.syscalls) seen.insert(ev.arches.begin(), ev.arches.end());
  std::vector<std::string> out{"x86_64"};
  for (const char* a : {"x86", "x32"})
    if (seen.count(a)) out.push_back(a);
  return out;
}

// `deny NAME errno E;` and one `allow NAME(argN == V);` per value seen, then per value the container runtime
// passed after its filter was in place (observed by `ward learn --lxc`; for prctl, LXC's known values too).
void argumentRules(import::WardWriter& w, const ArgRule& spec, const Evidence* ev, const Observations& obs,
                   std::map<std::string, std::string>& runtime) {
  const ir::Action allow{ir::Action::Kind::Allow, 0, ""};
  w.addEntry({spec.name}, {ir::Action::Kind::Errno, spec.errnoValue, spec.errnoName}, {{}},
             ev ? "values not seen in the run; " + evidenceText(*ev, true) : std::string("not seen in the run"), true);
  const auto valuesOf = [&](const auto& m) {
    auto it = m.find(spec.name);
    return it == m.end() ? std::map<std::uint64_t, Evidence>{} : it->second;
  };
  const auto values = valuesOf(obs.args);
  const auto runtimeValues = valuesOf(obs.runtimeArgs);
  for (const auto& [value, vev] : values) w.addEntry({spec.name}, allow, {{argCondition(spec, value)}}, evidenceText(vev), true);
  for (const auto& [value, vev] : runtimeValues)
    if (!values.count(value)) w.addEntry({spec.name}, allow, {{argCondition(spec, value)}}, kRuntimeSeen + evidenceText(vev), true);
  if (std::string(spec.name) == "prctl")   // LXC: PR_SET_PDEATHSIG and PR_SET_NO_NEW_PRIVS after the filter
    for (std::uint64_t v : {1u, 38u})
      if (!values.count(v) && !runtimeValues.count(v))
        w.addEntry({spec.name}, allow, {{argCondition(spec, v)}}, kRuntimeNote + runtime["prctl"] + ")", true);
}

void syscallsSection(import::WardWriter& w, const Observations& obs, const ir::Policy& base) {
  const ir::Action allow{ir::Action::Kind::Allow, 0, ""};
  ir::Action unused = base.syscalls.defaultAction.value;
  w.setArches(learnedArches(obs));
  if (permissive(unused)) {   // a base that allows what it does not mention: the learned policy does not
    unused = {ir::Action::Kind::Errno, 38, "ENOSYS"};
    w.setDefault(unused, true);
  } else {
    w.setDefault(unused, false);
  }
  // What the container runtime calls after installing the filter stays allowed, stated as such: what a run
  // under the runtime saw it call (obs.runtime), and sema's W0004 list of what runtimes are known to call.
  std::map<std::string, std::string> runtime;
  for (const auto& rs : names::runtimeSyscalls()) runtime[std::string(rs.name)] = std::string(rs.why);
  for (const auto& [name, why] : runtime) {
    if (obs.syscalls.count(name) || argRuleOf(name)) continue;
    const auto seen = obs.runtime.find(name);
    w.addEntry({name}, allow, {{}}, seen != obs.runtime.end() ? kRuntimeSeen + evidenceText(seen->second, true)
                                                              : kRuntimeNote + why + ")", true);
  }
  for (const auto& [name, ev] : obs.runtime)
    if (!obs.syscalls.count(name) && !runtime.count(name) && !argRuleOf(name))
      w.addEntry({name}, allow, {{}}, kRuntimeSeen + evidenceText(ev, true), true);
  for (const auto& [name, ev] : obs.syscalls) {
    if (const ArgRule* spec = argRuleOf(name)) argumentRules(w, *spec, &ev, obs, runtime);
    else w.addEntry({name}, allow, {{}}, evidenceText(ev, true), true);
  }
  for (const auto& spec : kArgRules)   // made by the runtime only (prctl: always, for LXC's known values)
    if (!obs.syscalls.count(spec.name) && (obs.runtime.count(spec.name) || std::string(spec.name) == "prctl"))
      argumentRules(w, spec, nullptr, obs, runtime);
  std::set<std::string> baseAllows;
  for (const auto& r : base.syscalls.rules)
    if (permissive(r.action) && !obs.syscalls.count(r.name) && !obs.runtime.count(r.name) && !runtime.count(r.name))
      baseAllows.insert(r.name);
  if (!baseAllows.empty())
    w.syscallLine(fmt::format("// The base allows these; the run did not make them ({}):",
                              unused.kind == ir::Action::Kind::Errno ? "errno " + unused.errnoName
                                                                      : import::WardWriter::actionVerb(unused)));
  std::vector<std::string> chunk;
  for (auto it = baseAllows.begin(); it != baseAllows.end(); ++it) {
    chunk.push_back(*it);
    if (chunk.size() == 8 || std::next(it) == baseAllows.end()) {
      w.addEntry(chunk, unused, {{}}, "", false);
      chunk.clear();
    }
  }
  for (const auto& [what, ev] : obs.refused)
    w.syscallLine(fmt::format("// refused by the base, not learned: {}: {}", what, evidenceText(ev, true)));
}

}  // namespace

std::string evidenceText(const Evidence& e, bool withArches) {
  std::string out = fmt::format("seen {}", e.count);
  if (withArches && !e.arches.empty()) {
    std::vector<std::string> arches;
    for (const char* a : {"x86_64", "x86", "x32"})
      if (e.arches.count(a)) arches.push_back(a);
    out += fmt::format(" on {}", fmt::join(arches, " "));
  }
  out += fmt::format(", first {}, {} {}", e.first.empty() ? "?" : e.first, e.runs.size() > 1 ? "runs" : "run",
                     fmt::join(e.runs, " "));
  return out;
}

std::string render(const Observations& obs, const Base& base, const RenderOptions& options) {
  const std::string run = fmt::format("{} {}", obs.runs.size() > 1 ? "runs" : "run", fmt::join(obs.runs, " "));
  import::WardWriter w(options.policyName, "learned");
  for (const auto& h : options.header) w.header(h);
  w.extends(base.spec.module, base.spec.alias + "." + base.spec.policy);
  std::vector<std::string> notes;
  w.section("files", filesSection(obs, base.policy, notes));
  for (const auto& n : notes) w.header("not learned: " + n);
  w.section("network", networkSection(obs, run));
  w.section("capabilities", capabilitiesSection(obs, base.policy, run));
  w.section("limits", limitsSection(obs, base.policy, run));
  syscallsSection(w, obs, base.policy);
  const std::string text = w.text();
  // The canonical layout, so that `ward fmt --check` passes on what learn writes.
  SourceManager sources;
  Diagnostics diags;
  const FileId id = sources.add("learned.ward", "learned.ward", text);
  const ast::File file = syntax::parse(sources, id, diags);
  return diags.hasErrors() ? text : syntax::format(sources, file);
}

}  // namespace ward::learn
