#include "verify/audit.h"
#include "ir/dump.h"

#include "backend/seccomp/libseccomp_util.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/common/common.h"
#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "base/sha256.h"
#include "import/import.h"
#include "verify/json_positions.h"
#include "base/paths.h"
#include "base/strings.h"
#include "lower/lower.h"

namespace ward::verify {

namespace bpf = backend::seccomp::bpf;
namespace common = backend::common;

namespace {

// ---- small helpers ---------------------------------------------------------------------------------

std::vector<std::string> words(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string baseName(const std::string& path) {
  auto s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

std::string dirName(const std::string& path) {
  auto s = path.find_last_of('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : path.substr(0, s);
}

// A policy name from a file name: "config" (an LXC container directory) takes the directory's name.
std::string nameFor(const std::string& path, const std::string& given) {
  if (!given.empty()) return given;
  std::string b = baseName(path);
  if (b == "config" || b == "config.json") {
    std::string d = baseName(dirName(path));
    if (!d.empty() && d != "." && d != "/") b = d;
  }
  for (const char* ext : {".conf", ".json"})
    if (endsWith(b, ext) && b.size() > std::string_view(ext).size()) b.resize(b.size() - std::string_view(ext).size());
  std::string out;
  for (char c : b) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-';
  return out.empty() ? "audited" : out;
}

// "512M", "1G", "1048576" -> bytes; nullopt for "max", "-1" and garbage.
std::optional<std::uint64_t> parseBytes(std::string_view v) {
  std::string s = trimmed(v);
  if (s.empty() || s == "max" || s[0] == '-') return std::nullopt;
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (n > (~std::uint64_t{0} - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit = lower(s.substr(i));
  std::uint64_t mul = 1;
  if (unit == "k" || unit == "kb" || unit == "kib") mul = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mul = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mul = 1ull << 30;
  else if (!unit.empty()) return std::nullopt;
  return n * mul;
}

// A device rule "c 1:3 rwm", "b *:* m", "a"; nullopt when malformed.
std::optional<ir::DeviceRule> parseDeviceRule(std::string_view text) {
  auto f = words(text);
  ir::DeviceRule r;
  if (f.empty()) return std::nullopt;
  if (f[0] == "a") {
    r.type = 'a';
    r.access = f.size() >= 3 ? f[2] : "rwm";
    return r;
  }
  if (f.size() < 2 || (f[0] != "c" && f[0] != "b")) return std::nullopt;
  r.type = f[0][0];
  auto colon = f[1].find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto num = [](const std::string& s) -> std::optional<std::int64_t> {
    if (s == "*") return -1;
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return std::nullopt;
    return std::stoll(s);
  };
  auto ma = num(f[1].substr(0, colon)), mi = num(f[1].substr(colon + 1));
  if (!ma || !mi) return std::nullopt;
  r.major = *ma;
  r.minor = *mi;
  r.access = f.size() >= 3 ? f[2] : "rwm";
  return r;
}

ir::Action allowAction() {
  ir::Action a;
  a.kind = ir::Action::Kind::Allow;
  a.errnoValue = 0;
  a.errnoName.clear();
  return a;
}

// A one-instruction program: every system call is allowed (no filter at all).
std::string allowAllProgram() {
  bpf::Insn ret;
  ret.code = 0x06;   // BPF_RET | BPF_K
  ret.k = bpf::kRetAllow;
  return bpf::serialize({ret});
}

// ---- the audit context: files in the SourceManager, spans ------------------------------------------------
struct Ctx {
  SourceManager& sm;
  const lxcconf::FileSystem& fs;
  const AuditOptions& opt;
  Audited& out;

  ir::Policy& p() { return out.policy; }

  std::optional<FileId> addFile(const std::string& path, std::string* error) {
    if (auto id = sm.findByPath(path)) return id;
    std::string err;
    auto text = fs.readFile(path, err);
    if (!text) {
      if (error) *error = path + ": " + err;
      return std::nullopt;
    }
    return sm.add(path, path, std::move(*text));
  }
  FileId addText(const std::string& name, std::string text) {
    if (auto id = sm.findByPath(name)) return *id;
    return sm.add(name, name, std::move(text));
  }
  // The whole of a 1-based line (without its terminator).
  Span lineSpan(FileId id, std::uint32_t line) const {
    const auto& f = sm.file(id);
    if (line == 0 || line > f.lineStarts.size()) return {};
    std::uint32_t b = f.lineStarts[line - 1];
    std::uint32_t e = line < f.lineStarts.size() ? f.lineStarts[line] - 1 : static_cast<std::uint32_t>(f.text.size());
    while (e > b && (f.text[e - 1] == '\r' || f.text[e - 1] == '\n')) --e;
    return sm.span(id, b, e);
  }
  Span at(const lxcconf::Location& loc) {
    if (loc.file.empty() || loc.line == 0) return {};
    auto id = sm.findByPath(loc.file);
    if (!id) id = addFile(loc.file, nullptr);
    return id ? lineSpan(*id, loc.line) : Span{};
  }
  // From `offset` to the end of its line.
  Span offsetSpan(FileId id, std::uint32_t offset) const {
    const auto& f = sm.file(id);
    offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(f.text.size()));
    std::uint32_t e = offset;
    while (e < f.text.size() && f.text[e] != '\n' && f.text[e] != '\r') ++e;
    return sm.span(id, offset, e);
  }
  void finishSources() {
    // The config's own rules and sysctls are its mechanism (verify() reads the mechanism); accept_ra is
    // derived from the modelled network as lower/ derives it for ward's own policies.
    p().mechanism.syscallRules = p().syscalls.rules;
    p().mechanism.sysctls = lower::sysctls(p());
    auto& srcs = p().sources;
    srcs.clear();
    for (FileId i = 0; i < sm.size(); ++i) srcs.push_back({sm.displayName(i), sha256Hex(sm.file(i).text)});
  }
  void raw(const std::string& key, const std::string& value, const Span& span) {
    p().lxc.raw.push_back({key, value, span});
  }
  void note(std::string n) { out.notes.push_back(std::move(n)); }
  void error(std::string e) { out.errors.push_back(std::move(e)); }
};

void baseline(ir::Policy& p, const std::string& name, const Span& policySpan) {
  p.name = name;
  p.span = policySpan;
  p.identity = {};
  p.identity.idmapAuto = false;
  p.identity.noNewPrivs = {false, {}};
  p.files.proc = {ir::FsMode::Off, {}};
  p.files.sys = {ir::FsMode::Off, {}};
  p.files.cgroup = {ir::FsMode::Off, {}};
  p.network = {};
  p.network.ipv6RouterAdvertisements = {false, {}};
  p.syscalls = {};
  p.syscalls.defaultAction = {allowAction(), {}};
  p.apparmor.profileName.clear();
  p.mechanism = {};
}

// ---- AppArmor: LXC's profiles, modelled from the files ---------------------------------------------------
struct AaLine {
  std::string text;   // the rule as the verifier's parser should see it
  Span span;
  std::string why;
};

// Rules of the profile `name` in `file`, #include lines inlined (bounded). Rewrites what the verifier's
// small rule model cannot read as written: a bare `file,` (all files) becomes `/** rwlkmix`, and allow
// rules that only permit bind/move/remount mounts (no fstype) are left out (they never let a container
// mount a new filesystem, the only mount need in the catalog).
bool collectRules(Ctx& c, FileId id, int depth, bool inProfile, std::vector<AaLine>& out, std::string* err) {
  if (depth > 8) {
    if (err) *err = "AppArmor includes nested too deeply";
    return false;
  }
  std::string text = c.sm.file(id).text;
  std::istringstream in(text);
  std::uint32_t lineNo = 0;
  int level = inProfile ? 1 : 0;
  for (std::string line; std::getline(in, line);) {
    ++lineNo;
    std::string t = trimmed(line);
    if (t.empty()) continue;
    std::string inc;
    if (startsWith(t, "#include") || startsWith(t, "include ")) {
      auto lt = t.find('<'), gt = t.find('>');
      if (lt != std::string::npos && gt != std::string::npos && gt > lt) inc = t.substr(lt + 1, gt - lt - 1);
      if (inc.empty() || startsWith(inc, "tunables/")) continue;
      if (!inProfile && level == 0) continue;
      std::string path = c.opt.apparmorDir + "/" + inc;
      std::string e;
      auto sub = c.addFile(path, &e);
      if (!sub) {
        if (t.find("if exists") != std::string::npos) continue;
        if (err) *err = e;
        return false;
      }
      if (!collectRules(c, *sub, depth + 1, true, out, err)) return false;
      continue;
    }
    if (t[0] == '#') continue;
    if (auto hash = t.find(" #"); hash != std::string::npos) t = trimmed(t.substr(0, hash));
    if (t.back() == '{') {
      ++level;
      continue;
    }
    if (t == "}") {
      --level;
      continue;
    }
    if (level != 1) continue;
    std::string rule = t;
    if (rule.back() == ',') rule.pop_back();
    rule = trimmed(rule);
    std::string why = c.sm.displayName(id) + ":" + std::to_string(lineNo);
    // `file,` and mount rules with options are read by apparmor_rules as apparmor_parser 3.0.8 compiles
    // them (an options rule with a flag other than bind/move/remount/propagation also allows new mounts).
    out.push_back({rule, c.lineSpan(id, lineNo), why});
  }
  return true;
}

// Finds the file under apparmorDir/lxc that defines `profile NAME`.
std::optional<std::string> findLxcProfile(Ctx& c, const std::string& name) {
  std::string dir = c.opt.apparmorDir + "/lxc";
  std::string err;
  auto list = c.fs.listDirectory(dir, err);
  if (!list) return std::nullopt;
  std::sort(list->begin(), list->end());
  for (const auto& f : *list) {
    std::string path = dir + "/" + f;
    std::string e;
    auto text = c.fs.readFile(path, e);
    if (!text) continue;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      auto w = words(line);
      if (w.size() >= 2 && w[0] == "profile" && w[1] == name) return path;
    }
  }
  return std::nullopt;
}

// Models the LXC AppArmor layer. `profile` is the effective value ("" = unset), `span` its key line.
void lxcApparmor(Ctx& c, const std::string& profile, const Span& span, bool allowNesting) {
  auto& p = c.p();
  std::string shown = profile.empty() ? "(unset)" : profile;
  auto notCounted = [&](const std::string& why) {
    c.note("apparmor: " + why + "; not evaluated, never counted as a block");
    if (span.valid()) {
      c.raw("lxc.apparmor.profile", shown, span);
    } else {
      p.apparmor.flags = {"unconfined"};
      p.apparmor.span = p.span;
    }
  };
  if (c.opt.apparmorEnabled && !*c.opt.apparmorEnabled) {
    notCounted("AppArmor is not enabled on this host, so LXC applies no profile (lxc.apparmor.profile = " + shown + ")");
    return;
  }
  if (profile == "unconfined" || profile == "unchanged") {
    notCounted("lxc.apparmor.profile = " + profile);
    return;
  }
  std::string name = profile.empty() ? "lxc-container-default-cgns" : profile;
  std::vector<AaLine> rules;
  std::string err;
  std::string source;
  if (name == "generated") {
    // LXC writes the generated profile itself: container-base plus a few rules (src/lxc/lsm/apparmor.c).
    std::string base = c.opt.apparmorDir + "/abstractions/lxc/container-base";
    auto id = c.addFile(base, &err);
    if (!id) {
      notCounted("profile generated: " + err);
      return;
    }
    if (!collectRules(c, *id, 0, true, rules, &err)) {
      notCounted("profile generated: " + err);
      return;
    }
    std::string extra = "deny mount fstype=devpts\nmount fstype=cgroup -> /sys/fs/cgroup/**\n"
                        "mount fstype=cgroup2 -> /sys/fs/cgroup/**\n";
    if (!allowNesting) extra += "deny /dev/.lxc/proc/** rw\ndeny /dev/.lxc/sys/** rw\n";
    std::istringstream in(extra);
    for (std::string l; std::getline(in, l);) rules.push_back({l, span, "LXC's generated profile"});
    source = base + " (+ LXC's generated rules)";
  } else {
    auto file = findLxcProfile(c, name);
    if (!file && profile.empty()) {
      name = "lxc-container-default";
      file = findLxcProfile(c, name);
    }
    if (!file) {
      notCounted("profile " + name + " is not one of LXC's profiles under " + c.opt.apparmorDir + "/lxc");
      return;
    }
    auto id = c.addFile(*file, &err);
    if (!id) {
      notCounted("profile " + name + ": " + err);
      return;
    }
    // Files under lxc/ hold one profile each (LXC's layout): the whole file is that profile.
    if (!collectRules(c, *id, 0, false, rules, &err)) {
      notCounted("profile " + name + ": " + err);
      return;
    }
    source = *file;
  }
  std::string profileText = "profile " + name + " flags=(attach_disconnected,mediate_deleted) {\n";
  for (const auto& r : rules) {
    profileText += "  " + r.text + ",\n";
    p.mechanism.apparmorRules.push_back({r.text, r.span, r.why});
  }
  profileText += "}\n";
  p.apparmor.profileName = name;
  p.apparmor.span = span.valid() ? span : p.span;
  c.out.artifacts.push_back({p.name + ".apparmor", profileText});
  c.note(fmt::format("apparmor: profile {}{} modelled from {} ({} rules){}", name,
                     profile.empty() ? " (LXC's default when lxc.apparmor.profile is unset)" : "", source,
                     rules.size(),
                     c.opt.apparmorEnabled ? "" : "; applies only where AppArmor is enabled"));
}

// ---- masked and read-only paths, as the configuration says -------------------------------------------------
// A foreign configuration gets exactly what it says. A /proc (or /sys) family that lacks one of runc's
// defaults (lower::runtimeMaskedPaths) is modelled with `proc off` plus raw keys giving the real mount mode
// and a read-only bind per path. Such a bind blocks writes but not reads: conservative (never a block that is
// not there).
void exactPaths(Ctx& c, const std::vector<std::string>& masked, const std::vector<std::string>& readonly,
                ir::Located<ir::FsMode> proc, ir::Located<ir::FsMode> sys, const Span& pathSpan) {
  auto& p = c.p();
  p.files.proc = proc;
  p.files.sys = sys;
  std::set<std::string> wantM(masked.begin(), masked.end()), wantR(readonly.begin(), readonly.end());
  const auto defM = lower::runtimeMaskedPaths(proc.value, sys.value);
  const auto defR = lower::runtimeReadonlyPaths(proc.value, sys.value);
  auto family = [](const std::string& s, const char* root) { return pathUnder(s, root); };
  auto exact = [&](const char* root) {   // every default of the family is in the configuration
    for (const auto& s : defM) if (family(s, root) && !wantM.count(s)) return false;
    for (const auto& s : defR) if (family(s, root) && !wantR.count(s)) return false;
    return true;
  };
  for (const char* root : {"/proc", "/sys"}) {
    auto& mode = std::string_view(root) == "/proc" ? p.files.proc : p.files.sys;
    if (mode.value == ir::FsMode::Off || exact(root)) continue;
    ir::Located<ir::FsMode> real = mode;
    mode = {ir::FsMode::Off, real.span};
    c.raw("lxc.mount.auto", std::string(root + 1) + ":" + ir::fsModeName(real.value), real.span);
    for (const auto& m : masked)
      if (family(m, root)) c.raw("lxc.mount.entry", "/dev/null " + m.substr(1) + " none bind,ro 0 0", pathSpan);
    for (const auto& r : readonly)
      if (family(r, root)) c.raw("lxc.mount.entry", r + " " + r.substr(1) + " none bind,ro 0 0", pathSpan);
    c.note(fmt::format("mounts: {} modelled without ward's default masks; its masked paths block writes only "
                       "in the model (reads of masked files are reported as reachable)", root));
  }
  // What the model masks: the configuration's paths, except in a family without a mount (or modelled as
  // binds above).
  auto applies = [&](const std::string& s) {
    return !(p.files.proc.value == ir::FsMode::Off && family(s, "/proc")) &&
           !(p.files.sys.value == ir::FsMode::Off && family(s, "/sys"));
  };
  p.mechanism.maskedPaths.clear();
  p.mechanism.readonlyPaths.clear();
  for (const auto& s : wantM) if (applies(s)) p.mechanism.maskedPaths.push_back(s);
  for (const auto& s : wantR) if (applies(s)) p.mechanism.readonlyPaths.push_back(s);
}

// ---- seccomp ---------------------------------------------------------------------------------------------
void setBpf(Ctx& c, std::string bytes) { c.out.artifacts.push_back({c.p().name + ".bpf", std::move(bytes)}); }

void lxcSeccomp(Ctx& c, const std::optional<lxcconf::Entry>& key) {
  auto& p = c.p();
  if (!key || key->value.empty()) {
    setBpf(c, allowAllProgram());
    p.syscalls.defaultAction = {allowAction(), key ? c.at(key->where) : Span{}};
    c.note("seccomp: no lxc.seccomp.profile: every system call is allowed");
    return;
  }
  Span keySpan = c.at(key->where);
  std::string path = key->value;
  if (!path.empty() && path[0] != '/') path = dirName(key->where.file) + "/" + path;
  std::string err;
  auto id = c.addFile(path, &err);
  if (!id) {
    c.error("lxc.seccomp.profile: " + err);
    return;
  }
  import::LxcOptions lo;
  lo.policyName = p.name;
  lo.sourceName = path;
  Diagnostics diags;
  auto imp = import::importLxcSeccomp(c.sm.file(*id).text, lo, diags);
  if (!imp) {
    for (const auto& d : diags.items()) c.error("lxc.seccomp.profile: " + d.message);
    return;
  }
  Diagnostics fd;
  auto filter = backend::seccomp::buildFilter(imp->policy, backend::seccomp::FilterOptions{}, fd);
  if (!filter) {
    for (const auto& d : fd.items()) c.error("lxc.seccomp.profile " + path + ": " + d.message);
    return;
  }
  setBpf(c, filter->bpf);
  p.syscalls = imp->policy.syscalls;
  p.syscalls.defaultAction.span = keySpan;
  p.syscalls.foreignAction.span = keySpan;
  // Each rule points at the profile line naming its system call.
  std::map<std::string, std::uint32_t> lineOf;
  {
    std::istringstream in(c.sm.file(*id).text);
    std::uint32_t n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      auto w = words(line);
      if (!w.empty() && !lineOf.count(w[0])) lineOf[w[0]] = n;
    }
  }
  for (auto& r : p.syscalls.rules) {
    auto it = lineOf.find(r.name);
    if (r.name == "umount2" && !lineOf.count("umount2") && lineOf.count("reject_force_umount"))
      it = lineOf.find("reject_force_umount");
    r.span = it != lineOf.end() ? c.lineSpan(*id, it->second) : keySpan;
  }
  c.note(fmt::format("seccomp: {} compiled with libseccomp ({} rules, default {})", path, p.syscalls.rules.size(),
                     bpf::describe(backend::seccomp::actionValue(p.syscalls.defaultAction.value))));
}

ir::Action ociAction(const std::string& a, std::optional<unsigned> errnoRet) {
  ir::Action out;
  out.errnoValue = 0;
  out.errnoName.clear();
  if (a == "SCMP_ACT_ALLOW") out.kind = ir::Action::Kind::Allow;
  else if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") out.kind = ir::Action::Kind::KillThread;
  else if (a == "SCMP_ACT_KILL_PROCESS") out.kind = ir::Action::Kind::KillProcess;
  else if (a == "SCMP_ACT_TRAP") out.kind = ir::Action::Kind::Trap;
  else if (a == "SCMP_ACT_LOG") out.kind = ir::Action::Kind::Log;
  else if (a == "SCMP_ACT_NOTIFY") out.kind = ir::Action::Kind::Notify;
  else {
    out.kind = ir::Action::Kind::Errno;
    out.errnoValue = a == "SCMP_ACT_TRACE" ? ENOSYS : static_cast<int>(errnoRet.value_or(EPERM));
    out.errnoName = std::to_string(out.errnoValue);
  }
  return out;
}

std::optional<ir::ArgCondition::Op> ociOp(const std::string& op) {
  return backend::seccomp::parseCompareOpName(op);
}

// ---- LXC ---------------------------------------------------------------------------------------------------
// LXC 5 ignores an lxc.include of a directory that does not exist (a path ending in '/', e.g. userns.conf's
// /usr/share/lxc/config/userns.conf.d/ on Debian, which ships no such directory); a missing file is an error.
// lxcconf reports both as errors, so the audit reads through this adapter.
class LxcIncludeFs : public lxcconf::FileSystem {
 public:
  explicit LxcIncludeFs(const lxcconf::FileSystem& inner) : inner_(inner) {
    noFollow = inner.noFollow;
    maxFileBytes = inner.maxFileBytes;
  }
  std::optional<std::string> readFile(const std::string& path, std::string& error) const override {
    return inner_.readFile(path, error);
  }
  bool isDirectory(const std::string& path) const override {
    return inner_.isDirectory(path) || missingDir(path);
  }
  std::optional<std::vector<std::string>> listDirectory(const std::string& path, std::string& error) const override {
    if (!inner_.isDirectory(path) && missingDir(path)) return std::vector<std::string>{};
    return inner_.listDirectory(path, error);
  }
  bool missingDir(const std::string& path) const {
    if (path.empty() || path.back() != '/') return false;
    std::string e;
    return !inner_.listDirectory(path, e) && !inner_.readFile(path, e);
  }

 private:
  const lxcconf::FileSystem& inner_;
};

void auditLxc(Ctx& c, const std::string& path) {
  LxcIncludeFs includeFs(c.fs);
  lxcconf::ParseOptions po;
  po.fs = &includeFs;
  lxcconf::Config cfg = lxcconf::parseFile(path, po);
  for (const auto& pr : cfg.problems()) {
    if (pr.severity == lxcconf::Problem::Severity::Error) c.error(pr.str());
    else c.note("config: " + pr.str());
  }
  if (!cfg.ok()) return;
  for (const auto& f : cfg.files()) {
    std::string err;
    if (includeFs.isDirectory(f)) {
      if (includeFs.missingDir(f)) c.note("config: lxc.include of the missing directory " + f + " ignored (as LXC 5 does)");
      continue;
    }
    if (!c.addFile(f, &err)) c.error(err);
  }
  auto& p = c.p();
  Span top;
  if (auto id = c.sm.findByPath(path)) top = c.lineSpan(*id, 1);
  baseline(p, nameFor(path, c.opt.policyName), top);

  // user namespace
  for (const auto& e : cfg.all("lxc.idmap")) {
    auto f = words(e.value);
    if (f.size() != 4 || (f[0] != "u" && f[0] != "g")) {
      c.error(e.where.str() + ": malformed lxc.idmap '" + e.value + "'");
      continue;
    }
    try {
      ir::IdMap m;
      m.kind = f[0][0];
      m.inside = static_cast<std::uint32_t>(std::stoul(f[1]));
      m.outside = static_cast<std::uint32_t>(std::stoul(f[2]));
      m.count = static_cast<std::uint32_t>(std::stoul(f[3]));
      m.span = c.at(e.where);
      p.identity.idmaps.push_back(m);
    } catch (...) {
      c.error(e.where.str() + ": malformed lxc.idmap '" + e.value + "'");
    }
  }
  bool privileged = p.identity.idmaps.empty();
  p.identity.privileged = privileged;
  if (privileged) {
    p.identity.privilegedReason = "no lxc.idmap";
    if (auto cl = cfg.lastClear("lxc.idmap")) p.identity.privilegedSpan = c.at(*cl);
  }
  if (auto nnp = cfg.get("lxc.no_new_privs"))
    p.identity.noNewPrivs = {trimmed(nnp->value) == "1", c.at(nnp->where)};

  // capabilities
  auto caps = lxcconf::capabilities(cfg, c.opt.lastCap);
  if (caps.both) c.error(path + ": both lxc.cap.keep and lxc.cap.drop are set (LXC refuses to start)");
  for (const auto& u : caps.unknown) c.note("capabilities: unknown capability '" + u + "' ignored");
  Span notDropped = top;
  std::string notDroppedWhy = "no lxc.cap.drop names it";
  if (!caps.viaKeep) {
    auto drops = cfg.all("lxc.cap.drop");
    if (!drops.empty()) {
      notDropped = c.at(drops.back().where);
      notDroppedWhy = "not in lxc.cap.drop";
    } else if (auto cl = cfg.lastClear("lxc.cap.drop")) {
      notDropped = c.at(*cl);
      notDroppedWhy = "lxc.cap.drop cleared";
    }
  }
  std::map<std::string, Span> keepSpan;
  for (const auto& [w, at] : cfg.words("lxc.cap.keep")) keepSpan[lower(w)] = c.at(at);
  for (int n : caps.kept) {
    ir::Capability cap;
    cap.number = n;
    cap.name = common::capabilityName(n);
    if (caps.viaKeep) {
      auto it = keepSpan.find(cap.name);
      if (it == keepSpan.end()) it = keepSpan.find("cap_" + cap.name);
      cap.span = it != keepSpan.end() ? it->second : top;
      cap.derivedFrom = "lxc.cap.keep";
    } else {
      cap.span = notDropped;
      cap.derivedFrom = notDroppedWhy;
    }
    p.capabilities.keep.push_back(cap);
  }
  if (privileged && !caps.viaKeep && static_cast<int>(caps.kept.size()) == c.opt.lastCap + 1) {
    p.capabilities.keepAll = true;
    p.capabilities.keepAllSpan = notDropped;
  }
  p.mechanism.capabilities = p.capabilities.keep;

  // mounts: lxc.mount.auto per family, entries, fstab
  auto am = lxcconf::autoMounts(cfg);
  bool sysAdmin = std::find(caps.kept.begin(), caps.kept.end(), 21) != caps.kept.end();
  auto autoRaw = [&](lxcconf::AutoMode m, const std::optional<lxcconf::Location>& at, std::string family) {
    if (m == lxcconf::AutoMode::Off || !at) return;
    c.raw("lxc.mount.auto", family + ":" + lxcconf::autoModeName(m), c.at(*at));
  };
  autoRaw(am.proc, am.proc_at, "proc");
  autoRaw(am.sys, am.sys_at, "sys");
  if (am.cgroup != lxcconf::AutoMode::Off && am.cgroup_at) {
    lxcconf::AutoMode cm = am.cgroupNoSpec ? (sysAdmin ? lxcconf::AutoMode::Rw : lxcconf::AutoMode::Mixed) : am.cgroup;
    autoRaw(cm, am.cgroup_at, am.cgroupFull ? "cgroup-full" : "cgroup");
  }
  for (const auto& u : am.unknown) c.note("mounts: unknown lxc.mount.auto item '" + u + "'");
  for (const auto& e : cfg.all("lxc.mount.entry")) c.raw("lxc.mount.entry", e.value, c.at(e.where));
  if (auto fstab = cfg.get("lxc.mount.fstab"); fstab && !fstab->value.empty()) {
    std::string err;
    std::string fpath = fstab->value[0] == '/' ? fstab->value : dirName(fstab->where.file) + "/" + fstab->value;
    if (auto id = c.addFile(fpath, &err)) {
      std::istringstream in(c.sm.file(*id).text);
      std::uint32_t n = 0;
      for (std::string line; std::getline(in, line);) {
        ++n;
        std::string t = trimmed(line);
        if (!t.empty() && t[0] != '#') c.raw("lxc.mount.entry", t, c.lineSpan(*id, n));
      }
    } else {
      c.note("mounts: lxc.mount.fstab not read: " + err);
    }
  }
  if (auto ro = cfg.get("lxc.rootfs.options"); ro && !ro->value.empty()) {
    c.raw("lxc.rootfs.options", ro->value, c.at(ro->where));
    if (lxcconf::rootfsReadOnly(ro->value)) p.files.rootReadOnly = {true, c.at(ro->where)};
  }

  // cgroup: devices (v1 keys when the config has them, else v2), limits
  auto v1 = cfg.withPrefix("lxc.cgroup.devices."), v2 = cfg.withPrefix("lxc.cgroup2.devices.");
  const auto& dev = !v1.empty() ? v1 : v2;
  std::string fam = !v1.empty() ? "lxc.cgroup" : "lxc.cgroup2";
  bool denyAll = false;
  for (const auto& e : dev) {
    if (endsWith(e.key, ".deny")) {
      auto r = parseDeviceRule(e.value);
      if (r && r->type == 'a') denyAll = true;
    }
  }
  if (denyAll) {
    for (const auto& e : dev) {
      if (!endsWith(e.key, ".allow")) continue;
      auto r = parseDeviceRule(e.value);
      if (!r) {
        c.note("cgroup: unreadable device rule '" + e.value + "' at " + e.where.str());
        continue;
      }
      r->span = c.at(e.where);
      r->why = e.key + " = " + e.value;
      p.mechanism.deviceRules.push_back(*r);
    }
  } else {
    ir::DeviceRule all;
    all.type = 'a';
    all.access = "rwm";
    auto cl = cfg.lastClear(fam + ".devices.deny");
    all.span = cl ? c.at(*cl) : top;
    all.why = "no " + fam + ".devices.deny = a: the devices cgroup allows every device";
    p.mechanism.deviceRules.push_back(all);
  }
  for (const auto& e : cfg.withPrefix("lxc.cgroup")) {
    std::string k = e.key;
    if (k == "lxc.cgroup.pids.max" || k == "lxc.cgroup2.pids.max" || k == "lxc.cgroup.memory.limit_in_bytes" ||
        k == "lxc.cgroup2.memory.max") {
      c.raw(k, e.value, c.at(e.where));
    } else if (k == "lxc.cgroup.cpu.cfs_quota_us") {
      if (auto v = parseBytes(e.value); v && *v > 0) p.limits.cpuQuotaMicros = ir::Located<std::uint64_t>{*v, c.at(e.where)};
    } else if (k == "lxc.cgroup2.cpu.max") {
      auto f = words(e.value);
      if (!f.empty() && f[0] != "max")
        if (auto q = parseBytes(f[0])) {
          std::uint64_t period = 100000;
          if (f.size() > 1)
            if (auto pp = parseBytes(f[1]); pp && *pp) period = *pp;
          p.limits.cpuQuotaMicros = ir::Located<std::uint64_t>{*q * 100000 / period, c.at(e.where)};
        }
    } else if (k == "lxc.cgroup.cpu.shares") {   // the kernel's scale: shares 1024 = weight 100
      if (auto v = parseBytes(e.value)) p.limits.cpuWeight = ir::Located<std::uint64_t>{common::cpuSharesToWeight(*v), c.at(e.where)};
    } else if (k == "lxc.cgroup2.cpu.weight") {
      if (auto v = parseBytes(e.value)) p.limits.cpuWeight = ir::Located<std::uint64_t>{*v, c.at(e.where)};
    }
  }

  // network, namespaces, sysctls, SELinux
  bool anyNet = false, onlyEmpty = true;
  Span netSpan;
  for (const auto& e : cfg.withPrefix("lxc.net.")) {
    if (endsWith(e.key, ".type")) {
      anyNet = true;
      if (e.value != "empty") {
        onlyEmpty = false;
        if (!netSpan.valid()) netSpan = c.at(e.where);
      }
      c.raw(e.key, e.value, c.at(e.where));
    } else if (endsWith(e.key, ".link")) {
      c.raw(e.key, e.value, c.at(e.where));
    }
  }
  p.network.none = !anyNet || onlyEmpty;
  if (p.network.none) {
    p.network.noneSpan = top;
    c.note(anyNet ? "network: lxc.net.*.type = empty: loopback only" : "network: no lxc.net: an empty network namespace");
  } else {
    bool raOff = false;
    for (const auto& e : cfg.withPrefix("lxc.sysctl.net.ipv6.conf.all.accept_ra")) raOff = trimmed(e.value) == "0";
    if (!raOff) p.network.ipv6RouterAdvertisements = {true, netSpan};
  }
  for (const auto& e : cfg.withPrefix("lxc.namespace.share.")) c.raw(e.key, e.value, c.at(e.where));
  for (const auto& [w, at] : cfg.words("lxc.namespace.keep")) c.raw("lxc.namespace.keep", w, c.at(at));
  for (const auto& e : cfg.withPrefix("lxc.sysctl.")) c.raw(e.key, e.value, c.at(e.where));
  if (auto se = cfg.get("lxc.selinux.context"); se && !se->value.empty())
    c.raw("lxc.selinux.context", se->value, c.at(se->where));

  // seccomp and AppArmor
  lxcSeccomp(c, cfg.get("lxc.seccomp.profile"));
  auto aa = cfg.get("lxc.apparmor.profile");
  auto nesting = cfg.get("lxc.apparmor.allow_nesting");
  lxcApparmor(c, aa ? aa->value : "", aa ? c.at(aa->where) : Span{}, nesting && trimmed(nesting->value) == "1");
  c.note(privileged ? "userns: no lxc.idmap: privileged (container root is host root)"
                    : fmt::format("userns: {} lxc.idmap ranges", p.identity.idmaps.size()));
}

// ---- OCI -----------------------------------------------------------------------------------------------------
void auditOci(Ctx& c, FileId id) {
  const std::string& text = c.sm.file(id).text;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    c.error(c.sm.displayName(id) + ": not a JSON object");
    return;
  }
  JsonPositions pos(text);
  auto& p = c.p();
  auto span = [&](const std::string& pointer) -> Span {
    std::string ptr = pointer;
    while (true) {
      if (auto off = pos.find(ptr)) return c.offsetSpan(id, *off);
      auto s = ptr.find_last_of('/');
      if (s == std::string::npos || ptr.empty()) return c.lineSpan(id, 1);
      ptr = ptr.substr(0, s);
    }
  };
  const std::string name = c.sm.displayName(id);
  baseline(p, nameFor(name, c.opt.policyName), c.lineSpan(id, 1));
  const nlohmann::json empty = nlohmann::json::object();
  const auto& proc = j.contains("process") && j["process"].is_object() ? j["process"] : empty;
  const auto& lin = j.contains("linux") && j["linux"].is_object() ? j["linux"] : empty;

  // namespaces
  std::map<std::string, std::string> ns;   // type -> path ("" = a new one)
  if (lin.contains("namespaces") && lin["namespaces"].is_array())
    for (const auto& n : lin["namespaces"])
      if (n.is_object() && n.contains("type") && n["type"].is_string())
        ns[n["type"].get<std::string>()] = n.value("path", std::string());
  Span nsSpan = span("/linux/namespaces");
  for (const char* t : {"pid", "network", "ipc", "uts", "mount"}) {
    auto it = ns.find(t);
    if (it == ns.end()) c.raw(std::string("lxc.namespace.share.") + t, "host (no " + std::string(t) + " namespace)", nsSpan);
    else if (!it->second.empty()) c.raw(std::string("lxc.namespace.share.") + t, it->second, nsSpan);
  }

  // user namespace, no_new_privs
  bool userns = ns.count("user") > 0;
  if (userns && lin.contains("uidMappings") && lin["uidMappings"].is_array()) {
    for (const char* key : {"uidMappings", "gidMappings"}) {
      if (!lin.contains(key) || !lin[key].is_array()) continue;
      std::size_t i = 0;
      for (const auto& m : lin[key]) {
        ir::IdMap im;
        im.kind = key[0] == 'u' ? 'u' : 'g';
        im.inside = m.value("containerID", 0u);
        im.outside = m.value("hostID", 0u);
        im.count = m.value("size", 0u);
        im.span = span(fmt::format("/linux/{}/{}", key, i++));
        p.identity.idmaps.push_back(im);
      }
    }
  }
  p.identity.privileged = p.identity.idmaps.empty();
  if (p.identity.privileged) {
    p.identity.privilegedReason = userns ? "a user namespace without uidMappings" : "no user namespace";
    p.identity.privilegedSpan = nsSpan;
  }
  if (proc.contains("noNewPrivileges") && proc["noNewPrivileges"].is_boolean())
    p.identity.noNewPrivs = {proc["noNewPrivileges"].get<bool>(), span("/process/noNewPrivileges")};
  else
    p.identity.noNewPrivs = {false, span("/process")};

  // capabilities: the bounding set
  std::vector<std::string> bounding;
  if (proc.contains("capabilities") && proc["capabilities"].is_object() && proc["capabilities"].contains("bounding") &&
      proc["capabilities"]["bounding"].is_array()) {
    std::size_t i = 0;
    for (const auto& cap : proc["capabilities"]["bounding"]) {
      std::string s = cap.is_string() ? cap.get<std::string>() : "";
      bounding.push_back(s);
      std::string n = lower(s);
      if (startsWith(n, "cap_")) n = n.substr(4);
      int num = common::capabilityNumber(n);
      Span sp = span(fmt::format("/process/capabilities/bounding/{}", i++));
      if (num < 0) {
        c.note("capabilities: unknown capability '" + s + "' ignored");
        continue;
      }
      ir::Capability ic;
      ic.name = n;
      ic.number = num;
      ic.span = sp;
      ic.derivedFrom = "process.capabilities.bounding";
      if (std::none_of(p.capabilities.keep.begin(), p.capabilities.keep.end(),
                       [&](const ir::Capability& k) { return k.number == num; }))
        p.capabilities.keep.push_back(ic);
    }
  }
  std::sort(p.capabilities.keep.begin(), p.capabilities.keep.end(),
            [](const ir::Capability& a, const ir::Capability& b) { return a.number < b.number; });
  if (p.identity.privileged && static_cast<int>(std::count_if(p.capabilities.keep.begin(), p.capabilities.keep.end(),
      [&](const ir::Capability& k) { return k.number <= c.opt.lastCap; })) == c.opt.lastCap + 1) {
    p.capabilities.keepAll = true;
    p.capabilities.keepAllSpan = span("/process/capabilities/bounding");
  }
  p.mechanism.capabilities = p.capabilities.keep;

  // mounts
  ir::Located<ir::FsMode> procMode{ir::FsMode::Off, {}}, sysMode{ir::FsMode::Off, {}};
  if (j.contains("mounts") && j["mounts"].is_array()) {
    std::size_t i = 0;
    for (const auto& m : j["mounts"]) {
      Span sp = span(fmt::format("/mounts/{}", i++));
      if (!m.is_object()) continue;
      std::string dest = m.value("destination", std::string()), type = m.value("type", std::string()),
                  src = m.value("source", std::string());
      std::vector<std::string> opts;
      if (m.contains("options") && m["options"].is_array())
        for (const auto& o : m["options"]) opts.push_back(o.is_string() ? o.get<std::string>() : "");
      auto has = [&](const char* o) { return std::find(opts.begin(), opts.end(), o) != opts.end(); };
      bool ro = has("ro");
      bool bind = has("bind") || has("rbind") || type == "bind";
      if (has("shared") || has("rshared")) c.raw("lxc.rootfs.options", "shared (mount " + dest + ")", sp);
      if (dest == "/proc" && type == "proc") {
        procMode = {ro ? ir::FsMode::Ro : ir::FsMode::Rw, sp};
      } else if (dest == "/sys" && type == "sysfs") {
        sysMode = {ro ? ir::FsMode::Ro : ir::FsMode::Rw, sp};
      } else if (dest == "/sys/fs/cgroup" && (type == "cgroup" || type == "cgroup2")) {
        p.files.cgroup = {ro ? ir::FsMode::Ro : ir::FsMode::Rw, sp};
        if (c.opt.cgroupV1 == true) {   // runc mounts the v1 hierarchies on a tmpfs of its own: rw, no size=
          ir::Mount im;
          im.kind = ir::Mount::Kind::Tmpfs;
          im.target = dest;
          im.readOnly = false;
          im.span = sp;
          p.files.mounts.push_back(im);
        }
      } else if (bind) {
        ir::Mount im;
        im.kind = ir::Mount::Kind::Bind;
        im.source = src;
        im.target = dest;
        im.readOnly = ro;
        im.span = sp;
        p.files.mounts.push_back(im);
      } else if (type == "tmpfs") {
        ir::Mount im;
        im.kind = ir::Mount::Kind::Tmpfs;
        im.target = dest;
        im.readOnly = ro;
        im.span = sp;
        for (const auto& o : opts)
          if (startsWith(o, "size=")) im.sizeBytes = parseBytes(o.substr(5)).value_or(1);
        p.files.mounts.push_back(im);
      }
    }
  }
  if (j.contains("root") && j["root"].is_object() && j["root"].value("readonly", false) == true)
    p.files.rootReadOnly = {true, span("/root/readonly")};
  if (auto rp = j.contains("linux") ? lin.value("rootfsPropagation", std::string()) : std::string();
      rp == "shared" || rp == "rshared")
    c.raw("lxc.rootfs.options", rp + " (linux.rootfsPropagation)", span("/linux/rootfsPropagation"));
  std::vector<std::string> masked, readonly;
  for (const auto& [key, list] : {std::pair<const char*, std::vector<std::string>*>{"maskedPaths", &masked},
                                  {"readonlyPaths", &readonly}})
    if (lin.contains(key) && lin[key].is_array())
      for (const auto& s : lin[key])
        if (s.is_string()) list->push_back(s.get<std::string>());
  exactPaths(c, masked, readonly, procMode, sysMode, span("/linux/maskedPaths"));

  // cgroup: devices and limits
  const auto& res = lin.contains("resources") && lin["resources"].is_object() ? lin["resources"] : empty;
  bool denyAll = false;
  if (res.contains("devices") && res["devices"].is_array()) {
    std::size_t i = 0;
    for (const auto& d : res["devices"]) {
      Span sp = span(fmt::format("/linux/resources/devices/{}", i++));
      if (!d.is_object()) continue;
      bool allow = d.value("allow", false);
      std::string type = d.value("type", std::string("a"));
      bool anyDev = !d.contains("major") && !d.contains("minor");
      if (!allow && (type == "a" || type.empty()) && anyDev) {
        denyAll = true;
        p.mechanism.deviceRules.clear();
        continue;
      }
      if (!allow) continue;   // a narrower deny after the blanket one changes nothing in this model
      ir::DeviceRule r;
      r.type = type.empty() ? 'a' : type[0];
      r.major = d.contains("major") && d["major"].is_number_integer() ? d["major"].get<std::int64_t>() : -1;
      r.minor = d.contains("minor") && d["minor"].is_number_integer() ? d["minor"].get<std::int64_t>() : -1;
      r.access = d.value("access", std::string("rwm"));
      r.span = sp;
      r.why = "linux.resources.devices allow";
      p.mechanism.deviceRules.push_back(r);
    }
  }
  if (!denyAll) {
    ir::DeviceRule all;
    all.type = 'a';
    all.access = "rwm";
    all.span = span("/linux/resources");
    all.why = "no blanket deny in linux.resources.devices: every device allowed";
    p.mechanism.deviceRules.insert(p.mechanism.deviceRules.begin(), all);
  }
  if (res.contains("pids") && res["pids"].is_object() && res["pids"].contains("limit") &&
      res["pids"]["limit"].is_number_integer() && res["pids"]["limit"].get<std::int64_t>() > 0)
    p.limits.pids = ir::Located<std::uint64_t>{res["pids"]["limit"].get<std::uint64_t>(), span("/linux/resources/pids/limit")};
  if (res.contains("memory") && res["memory"].is_object() && res["memory"].contains("limit") &&
      res["memory"]["limit"].is_number_integer() && res["memory"]["limit"].get<std::int64_t>() > 0)
    p.limits.memoryMax = ir::Located<std::uint64_t>{res["memory"]["limit"].get<std::uint64_t>(), span("/linux/resources/memory/limit")};
  if (res.contains("cpu") && res["cpu"].is_object()) {
    const auto& cpu = res["cpu"];
    if (cpu.contains("quota") && cpu["quota"].is_number_integer() && cpu["quota"].get<std::int64_t>() > 0) {
      std::uint64_t period = cpu.value("period", std::uint64_t{100000});
      p.limits.cpuQuotaMicros = ir::Located<std::uint64_t>{cpu["quota"].get<std::uint64_t>() * 100000 / (period ? period : 100000),
                                                           span("/linux/resources/cpu/quota")};
    }
    if (cpu.contains("shares") && cpu["shares"].is_number_integer())
      p.limits.cpuWeight = ir::Located<std::uint64_t>{common::cpuSharesToWeight(cpu["shares"].get<std::uint64_t>()),
                                                      span("/linux/resources/cpu/shares")};
  }

  // network: a new network namespace from runc has only loopback
  auto netIt = ns.find("network");
  p.network.none = netIt != ns.end() && netIt->second.empty();
  if (p.network.none) {
    p.network.noneSpan = nsSpan;
    c.note("network: a new network namespace (runc configures no interface): loopback only");
  } else {
    p.network.ipv6RouterAdvertisements = {true, nsSpan};
  }
  if (lin.contains("sysctl") && lin["sysctl"].is_object())
    for (const auto& [k, v] : lin["sysctl"].items())
      if (v.is_string()) p.sysctls.push_back({k, v.get<std::string>(), span("/linux/sysctl/" + k)});
  std::sort(p.sysctls.begin(), p.sysctls.end(), [](const ir::Sysctl& a, const ir::Sysctl& b) { return a.key < b.key; });

  // seccomp: runc's way
  if (lin.contains("seccomp") && lin["seccomp"].is_object()) {
    Span sp = span("/linux/seccomp");
    import::DockerOptions dopt;
    dopt.capabilities = bounding;
    dopt.policyName = p.name;
    dopt.sourceName = name;
    Diagnostics diags;
    auto prof = import::resolveDockerProfile(lin["seccomp"].dump(), dopt, diags);
    std::string err;
    std::optional<std::string> prog = prof ? import::compileLikeRunc(*prof, true, &err) : std::nullopt;
    if (!prof || !prog) {
      for (const auto& d : diags.items()) c.error("linux.seccomp: " + d.message);
      if (!err.empty()) c.error("linux.seccomp: " + err);
      return;
    }
    setBpf(c, *prog);
    p.syscalls.defaultAction = {ociAction(prof->defaultAction, prof->defaultErrnoRet), span("/linux/seccomp/defaultAction")};
    p.syscalls.foreignAction = {p.syscalls.defaultAction.value, sp};
    const auto& orig = lin["seccomp"].contains("syscalls") && lin["seccomp"]["syscalls"].is_array()
                           ? lin["seccomp"]["syscalls"] : nlohmann::json::array();
    for (const auto& r : prof->syscalls) {
      for (const auto& n : r.names) {
        ir::SyscallRule sr;
        sr.name = n;
        sr.action = ociAction(r.action, r.errnoRet);
        for (const auto& a : r.args)
          if (auto op = ociOp(a.op)) {
            ir::ArgCondition ac;
            ac.index = a.index;
            ac.op = *op;
            ac.value = *op == ir::ArgCondition::Op::MaskedEq ? a.valueTwo : a.value;
            ac.mask = *op == ir::ArgCondition::Op::MaskedEq ? a.value : 0;
            sr.conditions.push_back(ac);
          }
        sr.span = sp;
        for (std::size_t i = 0; i < orig.size(); ++i)
          if (orig[i].is_object() && orig[i].contains("names") && orig[i]["names"].is_array() &&
              std::find(orig[i]["names"].begin(), orig[i]["names"].end(), n) != orig[i]["names"].end()) {
            sr.span = span(fmt::format("/linux/seccomp/syscalls/{}", i));
            break;
          }
        p.syscalls.rules.push_back(sr);
      }
    }
    c.note(fmt::format("seccomp: linux.seccomp compiled as runc 1.1 does ({} rules, default {})", p.syscalls.rules.size(),
                       prof->defaultAction));
  } else {
    setBpf(c, allowAllProgram());
    p.syscalls.defaultAction = {allowAction(), span("/linux")};
    c.note("seccomp: no linux.seccomp: every system call is allowed");
  }

  // AppArmor and SELinux: the profile by name
  std::string aaName = proc.value("apparmorProfile", std::string());
  Span aaSpan = aaName.empty() ? span("/process") : span("/process/apparmorProfile");
  p.apparmor.flags = {"unconfined"};
  p.apparmor.span = aaSpan;
  if (aaName.empty() || aaName == "unconfined")
    c.note("apparmor: no process.apparmorProfile: unconfined");
  else if (c.opt.apparmorEnabled && !*c.opt.apparmorEnabled)
    c.note("apparmor: AppArmor is not enabled on this host: profile " + aaName + " is not applied; not evaluated");
  else
    c.note("apparmor: profile " + aaName + " is not modelled (unknown rules); not evaluated, never counted as a block");
  if (proc.contains("selinuxLabel") && proc["selinuxLabel"].is_string())
    c.raw("lxc.selinux.context", proc["selinuxLabel"].get<std::string>(), span("/process/selinuxLabel"));

  // The config itself is what verify() reads for noNewPrivileges and inheritable/ambient capabilities.
  c.out.artifacts.push_back({p.name + ".oci.json", text});
  c.note(p.identity.privileged ? "userns: " + p.identity.privilegedReason + ": privileged (container root is host root)"
                               : fmt::format("userns: {} id mapping ranges", p.identity.idmaps.size()));
}

}  // namespace

Audited auditLxcConfig(SourceManager& sources, const std::string& path, const AuditOptions& options) {
  Audited out;
  lxcconf::FileSystem realFs;
  Ctx c{sources, options.fs ? *options.fs : realFs, options, out};
  auditLxc(c, path);
  c.finishSources();
  return out;
}

Audited auditOciConfig(SourceManager& sources, const std::string& path, const AuditOptions& options) {
  Audited out;
  lxcconf::FileSystem realFs;
  Ctx c{sources, options.fs ? *options.fs : realFs, options, out};
  std::string err;
  auto id = c.addFile(path, &err);
  if (!id) {
    out.errors.push_back(err);
    return out;
  }
  auditOci(c, *id);
  c.finishSources();
  return out;
}

Audited auditOciText(SourceManager& sources, const std::string& displayName, const std::string& text,
                     const AuditOptions& options) {
  Audited out;
  lxcconf::FileSystem realFs;
  Ctx c{sources, options.fs ? *options.fs : realFs, options, out};
  FileId id = c.addText(displayName, text);
  auditOci(c, id);
  c.finishSources();
  return out;
}

std::vector<Finding> verifyAudited(const Audited& audited, const Catalog& catalog, const HostFacts& host) {
  if (!audited.ok()) return {};
  return verifyForeign(audited.policy, audited.artifacts, catalog, host);
}

}  // namespace ward::verify
