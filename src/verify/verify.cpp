#include "verify/verify.h"
#include "ir/dump.h"

#include "backend/seccomp/filter.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <seccomp.h>

#include "backend/common/common.h"
#include "backend/seccomp/bpf_interp.h"
#include "base/paths.h"
#include "lxcconf/lxcconf.h"
#include "verify/apparmor_rules.h"
#include "base/strings.h"

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



std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

const backend::Artifact* artifact(const std::vector<backend::Artifact>& artifacts, const std::string& name) {
  for (const auto& a : artifacts)
    if (a.fileName == name) return &a;
  return nullptr;
}

// ---- the model: the policy as it ships, raw lxc keys applied ---------------------------------------
struct Bind {
  std::string source, target, fstype;
  bool readOnly = true, bind = true, sized = false;
  Span span;
  std::string why;
};

struct Model {
  const ir::Policy& p;
  HostFacts host;
  // seccomp
  std::optional<std::vector<bpf::Insn>> program;
  std::string seccompNote;   // why seccomp is not evaluated
  Span seccompSpan;
  // capabilities
  bool keepAll = false;
  Span keepAllSpan;
  std::vector<ir::Capability> caps;
  // apparmor
  std::vector<aa::Rule> aaRules;
  bool aaEvaluated = false;
  std::string aaNote;
  Span aaSpan;
  // filesystems
  ir::Located<ir::FsMode> proc, sys, cgroup;
  ir::Located<bool> rootReadOnly;   // `root ro`, or an lxc.rootfs.options with ro
  std::string rootWhy;
  std::string procWhy, sysWhy, cgroupWhy;
  std::vector<std::string> masked, readonly;
  std::vector<Bind> binds;
  // devices, sysctls
  std::vector<ir::DeviceRule> devices;
  std::vector<common::Setting> sysctls;
  // raw keys and runtime facts
  std::optional<ir::Located<bool>> rawNoNewPrivs;
  std::vector<std::pair<Span, std::string>> hostNamespaces, sharedPropagation;
  std::optional<ir::Located<std::string>> rawBridge;
  std::optional<ir::Located<std::string>> rawSelinuxType;
  std::optional<ir::Located<std::string>> rawPids, rawMemory;
  std::optional<nlohmann::json> oci;

  explicit Model(const ir::Policy& policy) : p(policy) {}

  std::string where(const Span& s) const { return p.where(s); }
  Span orPolicy(const Span& s) const { return s.valid() ? s : p.span; }
};

void applyRawKeys(Model& m) {
  for (const auto& raw : m.p.lxc.raw) {
    const std::string& k = raw.key;
    const std::string& v = raw.value;
    std::string text = "raw `" + k + " = " + v + "`";
    if (k == "lxc.apparmor.profile") {
      m.aaEvaluated = false;
      m.aaNote = text + " replaces ward's AppArmor profile";
      m.aaSpan = raw.span;
    } else if (k == "lxc.seccomp.profile") {
      m.program.reset();
      m.seccompNote = text + " replaces ward's seccomp filter";
      m.seccompSpan = raw.span;
    } else if (k == "lxc.cap.keep") {
      for (const auto& c : words(v)) {
        std::string name = c;
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (startsWith(name, "cap_")) name = name.substr(4);
        if (name == "none") continue;
        ir::Capability cap;
        cap.name = name;
        cap.number = common::capabilityNumber(name);
        cap.span = raw.span;
        cap.derivedFrom = text;
        m.caps.push_back(cap);
      }
    } else if (k == "lxc.mount.auto") {
      for (const auto& w : words(v)) {
        auto colon = w.find(':');
        std::string what = w.substr(0, colon), mode = colon == std::string::npos ? "" : w.substr(colon + 1);
        auto set = [&](ir::Located<ir::FsMode>& target, std::string& why) {
          ir::FsMode fm = mode == "rw" ? ir::FsMode::Rw : mode == "ro" ? ir::FsMode::Ro : ir::FsMode::Mixed;
          if (mode.find("force") != std::string::npos) fm = ir::FsMode::Rw;
          target = {fm, raw.span};
          why = text;
        };
        if (what == "proc") set(m.proc, m.procWhy);
        else if (what == "sys") set(m.sys, m.sysWhy);
        else if (what == "cgroup" || what == "cgroup-full") set(m.cgroup, m.cgroupWhy);
      }
    } else if (k == "lxc.mount.entry") {
      auto f = words(v);
      if (f.size() >= 4) {
        Bind b;
        b.source = f[0];
        b.target = f[1].empty() || f[1][0] == '/' ? f[1] : "/" + f[1];
        b.fstype = f[2];
        std::set<std::string> opts;
        std::string cur;
        for (char c : f[3] + ",") {
          if (c == ',') {
            opts.insert(cur);
            cur.clear();
          } else {
            cur += c;
          }
        }
        b.bind = opts.count("bind") || opts.count("rbind");
        b.readOnly = opts.count("ro") > 0;
        b.sized = std::any_of(opts.begin(), opts.end(), [](const std::string& o) { return startsWith(o, "size="); });
        b.span = raw.span;
        b.why = text;
        m.binds.push_back(b);
        if (opts.count("shared") || opts.count("rshared")) m.sharedPropagation.emplace_back(raw.span, text);
      }
    } else if (k == "lxc.rootfs.options") {
      if (v.find("shared") != std::string::npos) m.sharedPropagation.emplace_back(raw.span, text);
      m.rootReadOnly = {lxcconf::rootfsReadOnly(v), raw.span};   // the raw key replaces ward's own
      m.rootWhy = text;
    } else if (k == "lxc.cgroup.devices.allow" || k == "lxc.cgroup2.devices.allow") {
      auto f = words(v);
      ir::DeviceRule d;
      d.span = raw.span;
      d.why = text;
      if (!f.empty() && f[0] == "a") {
        d.type = 'a';
        d.access = "rwm";
        m.devices.push_back(d);
      } else if (f.size() >= 3 && (f[0] == "c" || f[0] == "b")) {
        d.type = f[0][0];
        auto mm = common::parseDevice(f[1]);
        if (f[1] == "*:*") mm = std::make_pair(std::int64_t{-1}, std::int64_t{-1});
        if (mm) {
          d.major = mm->first;
          d.minor = mm->second;
          d.access = f[2];
          m.devices.push_back(d);
        }
      }
    } else if (k == "lxc.cgroup.pids.max" || k == "lxc.cgroup2.pids.max") {
      m.rawPids = ir::Located<std::string>{v, raw.span};
    } else if (k == "lxc.cgroup.memory.limit_in_bytes" || k == "lxc.cgroup2.memory.max") {
      m.rawMemory = ir::Located<std::string>{v, raw.span};
    } else if (k == "lxc.no_new_privs") {
      m.rawNoNewPrivs = ir::Located<bool>{v == "1", raw.span};
    } else if (startsWith(k, "lxc.net.") && k.size() > 5 && k.substr(k.size() - 5) == ".type" && v == "none") {
      m.hostNamespaces.emplace_back(raw.span, text + " shares the host's network namespace");
    } else if (startsWith(k, "lxc.namespace.share.") || k == "lxc.namespace.keep") {
      m.hostNamespaces.emplace_back(raw.span, text + " shares a namespace with the host or another container");
    } else if (startsWith(k, "lxc.net.") && k.size() > 5 && k.substr(k.size() - 5) == ".link") {
      m.rawBridge = ir::Located<std::string>{v, raw.span};
    } else if (startsWith(k, "lxc.sysctl.")) {
      m.sysctls.push_back({k.substr(11), v, raw.span, text});
    } else if (k == "lxc.selinux.context") {
      auto parts = v;  // user:role:type:level
      std::vector<std::string> f;
      std::string cur;
      for (char c : parts + ":") {
        if (c == ':') {
          f.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
      m.rawSelinuxType = ir::Located<std::string>{f.size() >= 3 ? f[2] : v, raw.span};
    }
  }
}

Model buildModel(const ir::Policy& p, const std::vector<backend::Artifact>& artifacts, bool lowered) {
  Model m(p);
  // seccomp: the exported program
  if (const auto* a = artifact(artifacts, p.name + ".bpf")) {
    std::string err;
    m.program = bpf::parse(a->content, &err);
    if (!m.program) m.seccompNote = p.name + ".bpf is not a valid seccomp program: " + err;
  } else {
    m.seccompNote = "no " + p.name + ".bpf among the artifacts: seccomp not evaluated";
  }
  m.seccompSpan = p.syscalls.defaultAction.span;
  // capabilities
  auto sets = common::capabilitySets(p, common::kKnownLastCap);
  m.keepAll = sets.all || p.capabilities.keepAll;
  m.keepAllSpan = p.capabilities.keepAllSpan;
  m.caps = sets.keep;
  // apparmor: the profile as shipped, else the lowered rules
  std::vector<std::string> flags = p.apparmor.flags;
  if (const auto* a = artifact(artifacts, p.name + ".apparmor")) {
    std::vector<std::string> profileFlags;
    m.aaRules = aa::parseProfile(a->content, &profileFlags);
    flags.insert(flags.end(), profileFlags.begin(), profileFlags.end());
    for (auto& r : m.aaRules) {  // provenance from the lowered rule with the same text
      for (const auto& lr : p.mechanism.apparmorRules) {
        std::string t = lr.text;
        while (!t.empty() && (t.back() == ',' || t.back() == ' ')) t.pop_back();
        if (t == r.text) {
          r.span = lr.span;
          break;
        }
      }
      if (!r.span.valid())
        for (const auto& raw : p.apparmor.rawRules) {
          std::string t = raw.value;
          while (!t.empty() && (t.back() == ',' || t.back() == ' ')) t.pop_back();
          if (t == r.text) r.span = raw.span;
        }
    }
    m.aaEvaluated = true;
  } else if (lowered) {
    for (const auto& lr : p.mechanism.apparmorRules)
      if (auto r = aa::parseRule(lr.text)) {
        r->span = lr.span;
        m.aaRules.push_back(*r);
      }
    for (const auto& raw : p.apparmor.rawRules)
      if (auto r = aa::parseRule(raw.value)) {
        r->span = raw.span;
        m.aaRules.push_back(*r);
      }
    m.aaEvaluated = true;
    m.aaNote = "from the lowered rules (no " + p.name + ".apparmor among the artifacts)";
  } else {
    m.aaNote = "no AppArmor profile: the policy is not lowered and no " + p.name + ".apparmor was given";
  }
  for (const auto& f : flags)
    if (f == "complain" || f == "unconfined" || f == "kill_unconfined_disabled") {
      m.aaEvaluated = false;
      m.aaNote = "the profile is in " + f + " mode: it logs, it does not block";
      m.aaSpan = p.apparmor.span;
    }
  // filesystems
  m.proc = p.files.proc;
  m.sys = p.files.sys;
  m.cgroup = p.files.cgroup;
  m.rootReadOnly = p.files.rootReadOnly;
  m.masked = p.mechanism.maskedPaths;
  m.readonly = p.mechanism.readonlyPaths;
  for (const auto& mt : p.files.mounts) {
    Bind b;
    b.source = mt.source;
    b.target = mt.target;
    b.bind = mt.kind == ir::Mount::Kind::Bind;
    b.fstype = b.bind ? "none" : "tmpfs";
    b.readOnly = mt.readOnly;
    b.sized = mt.sizeBytes.has_value();
    b.span = mt.span;
    b.why = b.bind ? "bind \"" + mt.source + "\" \"" + mt.target + "\"" + (mt.readOnly ? " ro" : " rw")
                   : "tmpfs \"" + mt.target + "\"";
    m.binds.push_back(b);
  }
  m.devices = common::deviceAllowList(p);
  m.sysctls = p.mechanism.sysctls;
  if (const auto* a = artifact(artifacts, p.name + ".oci.json")) {
    auto j = nlohmann::json::parse(a->content, nullptr, false);
    if (!j.is_discarded()) m.oci = std::move(j);
  }
  applyRawKeys(m);
  return m;
}

LayerVerdict verdict(const Model& m, Layer layer, bool blocks, std::string rule, const Span& span) {
  LayerVerdict v;
  v.layer = layer;
  v.blocks = blocks;
  v.rule = std::move(rule);
  v.span = span;
  if (span.valid() && span.file < m.p.sources.size()) v.file = m.p.sources[span.file].displayName;
  return v;
}

LayerVerdict notEvaluated(const Model& m, Layer layer, std::string why, const Span& span) {
  LayerVerdict v = verdict(m, layer, false, std::move(why), span);
  v.evaluated = false;
  return v;
}

// ---- seccomp --------------------------------------------------------------------------------------
struct Arch {
  const char* name;
  std::uint32_t scmp;
  std::uint32_t audit;
  bool wide;   // 64-bit registers (the int32 variant applies)
};
const std::vector<Arch>& arches() {
  static const std::vector<Arch> a{{"x86_64", SCMP_ARCH_X86_64, bpf::kAuditArchX86_64, true},
                                   {"x86", SCMP_ARCH_X86, bpf::kAuditArchI386, false},
                                   {"x32", SCMP_ARCH_X32, bpf::kAuditArchX86_64, true}};
  return a;
}

std::optional<std::int32_t> syscallNumber(const Arch& a, const std::string& name) {
  // The same numbers the filter decides on (on x86 the socket and ipc calls at their direct numbers).
  auto nr = backend::seccomp::syscallNumberOn(name, a.scmp);
  if (!nr || *nr < 0) return std::nullopt;   // not on this arch
  std::uint32_t n = static_cast<std::uint32_t>(*nr);
  if (a.scmp == SCMP_ARCH_X32) n |= bpf::kX32SyscallBit;
  return static_cast<std::int32_t>(n);
}

bool refuses(std::uint32_t ret) {
  std::uint32_t action = ret & bpf::kRetActionFull;
  return action == bpf::kRetKillProcess || action == bpf::kRetKillThread || action == bpf::kRetTrap ||
         action == bpf::kRetErrno;
}

std::string callText(const SyscallNeed& n) {
  std::string s = n.name + "(";
  for (std::size_t i = 0; i < n.args.size(); ++i)
    s += (i ? ", " : "") + fmt::format("arg{}={}", n.args[i].first, hex(n.args[i].second));
  return s + ")";
}

bool conditionHolds(const ir::ArgCondition& c, const std::array<std::uint64_t, 6>& args) {
  std::uint64_t a = args[c.index < 6 ? c.index : 0];
  switch (c.op) {
    case ir::ArgCondition::Op::Eq: return a == c.value;
    case ir::ArgCondition::Op::Ne: return a != c.value;
    case ir::ArgCondition::Op::Lt: return a < c.value;
    case ir::ArgCondition::Op::Le: return a <= c.value;
    case ir::ArgCondition::Op::Gt: return a > c.value;
    case ir::ArgCondition::Op::Ge: return a >= c.value;
    case ir::ArgCondition::Op::MaskedEq: return (a & c.mask) == c.value;
  }
  return false;
}

// The policy statement that lets a call through: a matching allow rule, else the default action.
Span allowingSpan(const Model& m, const std::string& name, const std::array<std::uint64_t, 6>& args) {
  const auto& rules = m.p.mechanism.syscallRules;
  for (const auto& r : rules) {
    if (r.name != name || r.action.kind == ir::Action::Kind::Errno ||
        r.action.kind == ir::Action::Kind::KillProcess || r.action.kind == ir::Action::Kind::KillThread ||
        r.action.kind == ir::Action::Kind::Trap)
      continue;
    if (std::all_of(r.conditions.begin(), r.conditions.end(),
                    [&](const ir::ArgCondition& c) { return conditionHolds(c, args); }))
      return r.span;
  }
  return m.p.syscalls.defaultAction.span;
}

struct CallResult {
  bool reachable = false;
  std::string text;   // "ERRNO(1) on x86_64, x86" / "ALLOW on x86"
  Span span;
};

CallResult runCall(const Model& m, const SyscallNeed& n) {
  std::map<std::string, std::vector<std::string>> byAction;   // action -> arches
  CallResult out;
  for (const auto& a : arches()) {
    if (!n.arches.empty() && std::find(n.arches.begin(), n.arches.end(), a.name) == n.arches.end()) continue;
    auto nr = syscallNumber(a, n.name);
    if (!nr) continue;
    std::vector<std::array<std::uint64_t, 6>> variants(1);
    for (const auto& [i, v] : n.args) variants[0][i] = a.wide ? v : (v & 0xffffffffu);
    if (a.wide)
      for (unsigned i : n.int32Args) {
        auto hi = variants[0];
        hi[i] |= 0xffffffff00000000ull;
        variants.push_back(hi);
      }
    for (const auto& args : variants) {
      bpf::Data d;
      d.nr = *nr;
      d.arch = a.audit;
      d.args = args;
      auto r = bpf::run(*m.program, d);
      std::uint32_t ret = r.ok ? r.ret : bpf::kRetKillProcess;
      std::string label = a.name;
      if (&args != &variants[0]) label += " (high bits set)";
      byAction[bpf::describe(ret)].push_back(label);
      if (!refuses(ret) && !out.reachable) {
        out.reachable = true;
        out.span = allowingSpan(m, n.name, args);
      }
    }
  }
  if (byAction.empty()) {
    out.text = "not a system call on the filtered architectures";
    return out;
  }
  std::string s;
  for (const auto& [action, list] : byAction) {
    if (!s.empty()) s += "; ";
    s += action + " on ";
    for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
  }
  out.text = s;
  return out;
}

LayerVerdict evalSeccomp(const Model& m, const Guard& g) {
  if (!m.program) return notEvaluated(m, Layer::Seccomp, m.seccompNote, m.seccompSpan);
  if (g.check == "all-arches-covered") {
    // Calls a hardened filter refuses natively must be refused on every other entry point too, and
    // foreign architectures must never be allowed.
    static const std::vector<SyscallNeed> probes = [] {
      std::vector<SyscallNeed> v;
      for (const char* n : {"kexec_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
                            "bpf", "keyctl", "add_key", "mount", "umount2", "pivot_root", "swapon", "reboot",
                            "ptrace", "perf_event_open", "userfaultfd", "setns", "iopl", "ioperm",
                            "settimeofday", "io_uring_setup", "fsopen", "move_mount", "open_tree"})
        v.push_back(SyscallNeed{n, {}, {}, {}});
      v.push_back(SyscallNeed{"unshare", {{0, 0x10000000}}, {}, {}});
      return v;
    }();
    for (const auto& n : probes) {
      SyscallNeed native = n;
      native.arches = {"x86_64"};
      if (runCall(m, native).reachable) continue;   // not refused natively: nothing to compare
      for (const char* other : {"x86", "x32"}) {
        SyscallNeed o = n;
        o.arches = {other};
        auto r = runCall(m, o);
        if (r.reachable)
          return verdict(m, Layer::Seccomp, false,
                         callText(n) + " is refused on x86_64 but reaches the kernel: " + r.text,
                         m.orPolicy(r.span));
      }
    }
    for (std::uint32_t foreign : {0xC00000B7u /*aarch64*/, 0x40000028u /*arm*/, 0x80000016u /*s390x*/}) {
      bpf::Data d;
      d.arch = foreign;
      d.nr = 0;
      auto r = bpf::run(*m.program, d);
      if (r.ok && !refuses(r.ret))
        return verdict(m, Layer::Seccomp, false,
                       fmt::format("a foreign architecture ({:#x}) gets {}", foreign, bpf::describe(r.ret)),
                       m.orPolicy(m.p.syscalls.foreignAction.span));
    }
    return verdict(m, Layer::Seccomp, true,
                   "x86_64, x86 and x32 refuse the same calls; other architectures are killed",
                   m.orPolicy(m.p.syscalls.foreignAction.span));
  }
  std::string blockedText, openText;
  Span openSpan;
  for (const auto& n : g.syscalls) {
    auto r = runCall(m, n);
    std::string t = callText(n) + " -> " + r.text;
    if (r.reachable) {
      if (openText.empty()) openSpan = r.span;
      openText += (openText.empty() ? "" : "; ") + t;
    } else {
      blockedText += (blockedText.empty() ? "" : "; ") + t;
    }
  }
  if (!openText.empty()) return verdict(m, Layer::Seccomp, false, openText, m.orPolicy(openSpan));
  return verdict(m, Layer::Seccomp, true, blockedText, m.orPolicy(m.p.syscalls.defaultAction.span));
}

// ---- capabilities ---------------------------------------------------------------------------------
LayerVerdict evalCapabilities(const Model& m, const Guard& g) {
  if (g.check == "not-keep-all") {
    if (m.keepAll) return verdict(m, Layer::Capabilities, false, "keep all", m.orPolicy(m.keepAllSpan));
    return verdict(m, Layer::Capabilities, true, fmt::format("{} capabilities kept, not all", m.caps.size()),
                   m.p.span);
  }
  if (m.keepAll)
    return verdict(m, Layer::Capabilities, false, "keep all (includes " + g.capabilities.front() + ")",
                   m.orPolicy(m.keepAllSpan));
  for (const auto& want : g.capabilities)
    for (const auto& c : m.caps)
      if (c.name == want) {
        std::string why = "keeps " + c.name + (c.derivedFrom.empty() ? "" : " (derived from " + c.derivedFrom + ")");
        return verdict(m, Layer::Capabilities, false, why, m.orPolicy(c.span));
      }
  std::string list;
  for (const auto& c : g.capabilities) list += (list.empty() ? "" : ", ") + c;
  return verdict(m, Layer::Capabilities, true, "drops " + list, m.p.span);
}

// ---- apparmor -------------------------------------------------------------------------------------
LayerVerdict evalApparmor(const Model& m, const Guard& g) {
  if (m.host.apparmorEnabled == false)
    return notEvaluated(m, Layer::Apparmor, "AppArmor is not enabled on this host: no profile is applied",
                        m.orPolicy(m.p.apparmor.span));
  if (!m.aaEvaluated) return notEvaluated(m, Layer::Apparmor, m.aaNote, m.orPolicy(m.aaSpan));
  std::string blockedText;
  Span blockSpan;
  for (const auto& n : g.apparmor) {
    aa::Decision d;
    std::string what;
    switch (n.kind) {
      case AppArmorNeed::Kind::File:
        d = aa::fileAccess(m.aaRules, n.path, n.access);
        what = n.access + " " + n.path;
        break;
      case AppArmorNeed::Kind::Mount:
        d = aa::mountAccess(m.aaRules, n.fstype, n.target);
        what = "mount fstype=" + n.fstype + (n.target.empty() ? "" : " -> " + n.target);
        break;
      case AppArmorNeed::Kind::Network:
        d = aa::networkAccess(m.aaRules, n.family, n.type);
        what = "network " + n.family + (n.type.empty() ? "" : " " + n.type);
        break;
      case AppArmorNeed::Kind::Capability:
        d = aa::capabilityAccess(m.aaRules, n.capability);
        what = "capability " + n.capability;
        break;
    }
    if (d.granted) {
      std::string rule = what + " is granted" + (d.by ? " by `" + d.by->text + ",`" : "");
      return verdict(m, Layer::Apparmor, false, rule, m.orPolicy(d.by ? d.by->span : m.p.apparmor.span));
    }
    std::string t = what + (d.by ? " denied by `" + d.by->text + ",`" : " not granted by any rule");
    if (!blockSpan.valid() && d.by) blockSpan = d.by->span;
    blockedText += (blockedText.empty() ? "" : "; ") + t;
  }
  return verdict(m, Layer::Apparmor, true, blockedText, m.orPolicy(blockSpan));
}

// ---- mount ----------------------------------------------------------------------------------------
bool isSensitiveSource(const std::string& src) {
  static const std::vector<std::string> roots{"/", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sys",
                                              "/usr", "/var", "/var/lib", "/run", "/var/run", "/root", "/home"};
  // Directories whose every file is a credential of the node or of other pods, so any part of them is:
  // the kubelet's (every pod's secrets and service account tokens, its own client certificate) and the
  // cluster's kubeconfigs (admin.conf on a control-plane node).
  static const std::vector<std::string> credentials{"/var/lib/kubelet", "/etc/kubernetes"};
  std::string s = src;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return std::find(roots.begin(), roots.end(), s) != roots.end() ||
         std::any_of(credentials.begin(), credentials.end(), [&](const std::string& c) { return pathUnder(s, c); });
}

bool isRuntimeSocket(const std::string& src) {
  static const std::vector<std::string> sockets{
      "/var/run/docker.sock", "/run/docker.sock", "/run/containerd", "/var/run/containerd", "/var/lib/lxd",
      "/var/snap/lxd/common/lxd", "/var/lib/incus", "/run/podman", "/var/run/podman", "/run/crio",
      "/var/run/crio", "/run/docker", "/var/run/docker", "/run/lxd", "/run/incus"};
  return std::any_of(sockets.begin(), sockets.end(), [&](const std::string& s) { return pathUnder(src, s); }) ||
         std::any_of(sockets.begin(), sockets.end(), [&](const std::string& s) { return pathUnder(s, src) && src != "/"; });
}

LayerVerdict evalPath(const Model& m, const PathNeed& n) {
  bool write = n.access == "w";
  for (const auto& mp : m.masked)
    if (pathUnder(n.path, mp)) return verdict(m, Layer::Mount, true, "masked: " + mp, m.p.span);
  if (write)
    for (const auto& rp : m.readonly)
      if (pathUnder(n.path, rp)) return verdict(m, Layer::Mount, true, "read-only: " + rp, m.p.span);
  // The deepest bind or tmpfs over the path decides.
  const Bind* best = nullptr;
  for (const auto& b : m.binds)
    if (pathUnder(n.path, b.target) && (!best || b.target.size() >= best->target.size())) best = &b;
  if (best) {
    if (write && best->readOnly) return verdict(m, Layer::Mount, true, best->why + " (read-only)", best->span);
    return verdict(m, Layer::Mount, false, best->why, best->span);
  }
  auto mode = [&](const ir::Located<ir::FsMode>& fm, const char* what, const std::string& why) {
    std::string text = why.empty() ? fmt::format("{} {}{}", what, ir::fsModeName(fm.value), fm.span.valid() ? "" : " (default)")
                                   : why;
    return std::make_pair(text, m.orPolicy(fm.span));
  };
  if (pathUnder(n.path, "/proc")) {
    auto [text, span] = mode(m.proc, "proc", m.procWhy);
    switch (m.proc.value) {
      case ir::FsMode::Off: return verdict(m, Layer::Mount, true, text + ": /proc is not mounted", span);
      case ir::FsMode::Ro: return verdict(m, Layer::Mount, write, text + (write ? ": read-only" : ""), span);
      case ir::FsMode::Mixed: {
        bool ro = (pathUnder(n.path, "/proc/sys") && !pathUnder(n.path, "/proc/sys/net")) || n.path == "/proc/sysrq-trigger";
        bool blocks = write && ro;
        return verdict(m, Layer::Mount, blocks, text + (blocks ? ": /proc/sys and sysrq-trigger read-only" : ""), span);
      }
      case ir::FsMode::Rw: return verdict(m, Layer::Mount, false, text + ": all of /proc writable", span);
    }
  }
  if (pathUnder(n.path, "/sys/fs/cgroup")) {
    auto [text, span] = mode(m.cgroup, "cgroup", m.cgroupWhy);
    switch (m.cgroup.value) {
      case ir::FsMode::Off: return verdict(m, Layer::Mount, true, text + ": not mounted", span);
      case ir::FsMode::Ro: return verdict(m, Layer::Mount, write, text, span);
      case ir::FsMode::Mixed:
        return verdict(m, Layer::Mount, false, text + ": the container's own cgroup is writable", span);
      case ir::FsMode::Rw: return verdict(m, Layer::Mount, false, text, span);
    }
  }
  if (pathUnder(n.path, "/sys")) {
    auto [text, span] = mode(m.sys, "sys", m.sysWhy);
    switch (m.sys.value) {
      case ir::FsMode::Off: return verdict(m, Layer::Mount, true, text + ": /sys is not mounted", span);
      case ir::FsMode::Ro: return verdict(m, Layer::Mount, write, text + (write ? ": read-only" : ""), span);
      case ir::FsMode::Mixed: {
        bool blocks = write && !pathUnder(n.path, "/sys/devices/virtual/net");
        return verdict(m, Layer::Mount, blocks, text + (blocks ? ": read-only outside the container's net devices" : ""), span);
      }
      case ir::FsMode::Rw: return verdict(m, Layer::Mount, false, text + ": /sys writable", span);
    }
  }
  // The root file system: a read-only root blocks a write (ward's `root ro`, OCI root.readonly, LXC's
  // lxc.rootfs.options = ro); what a writable root lets the container do there is not the mount layer's
  // to judge.
  if (write && m.rootReadOnly.value)
    return verdict(m, Layer::Mount, true,
                   (m.rootWhy.empty() ? std::string("root ro") : m.rootWhy) + ": the root file system is read-only",
                   m.orPolicy(m.rootReadOnly.span));
  LayerVerdict v = notEvaluated(m, Layer::Mount, n.path + " is on the container's root filesystem", m.p.span);
  return v;
}

LayerVerdict evalMount(const Model& m, const Guard& g) {
  if (g.check == "no-sensitive-bind" || g.check == "no-runtime-socket-bind") {
    bool sock = g.check == "no-runtime-socket-bind";
    for (const auto& b : m.binds)
      if (b.bind && (sock ? isRuntimeSocket(b.source) : isSensitiveSource(b.source)))
        return verdict(m, Layer::Mount, false, b.why, b.span);
    return verdict(m, Layer::Mount, true,
                   sock ? "no runtime socket is bound in" : "no sensitive host directory is bound in", m.p.span);
  }
  if (g.check == "tmpfs-bounded") {
    for (const auto& b : m.binds)
      if (!b.bind && b.fstype == "tmpfs" && !b.readOnly && !b.sized)
        return verdict(m, Layer::Mount, false, b.why + " has no size", b.span);
    return verdict(m, Layer::Mount, true, "every writable tmpfs has a size", m.p.span);
  }
  std::string blocked;
  Span span;
  bool any = false;
  for (const auto& n : g.paths) {
    auto v = evalPath(m, n);
    if (!v.evaluated) continue;
    any = true;
    if (!v.blocks) {
      v.rule = (n.access == "w" ? "writable " : "readable ") + n.path + ": " + v.rule;
      return v;
    }
    if (!span.valid()) span = v.span;
    blocked += (blocked.empty() ? "" : "; ") + n.path + ": " + v.rule;
  }
  if (!any) return notEvaluated(m, Layer::Mount, "the paths are not under /proc or /sys", m.p.span);
  return verdict(m, Layer::Mount, true, blocked, span);
}

// ---- cgroup ---------------------------------------------------------------------------------------
LayerVerdict evalCgroup(const Model& m, const Guard& g) {
  const auto& L = m.p.limits;
  if (g.check == "pids-limit") {
    if (m.rawPids)
      return verdict(m, Layer::Cgroup, m.rawPids->value != "max", "raw pids.max = " + m.rawPids->value, m.rawPids->span);
    if (L.pids) return verdict(m, Layer::Cgroup, true, fmt::format("pids {}", L.pids->value), L.pids->span);
    return verdict(m, Layer::Cgroup, false, "no `limits { pids N; }`", m.p.span);
  }
  if (g.check == "memory-limit") {
    if (m.rawMemory)
      return verdict(m, Layer::Cgroup, m.rawMemory->value != "max" && m.rawMemory->value != "-1",
                     "raw memory limit = " + m.rawMemory->value, m.rawMemory->span);
    if (L.memoryMax) return verdict(m, Layer::Cgroup, true, "memory " + common::quantity(L.memoryMax->value), L.memoryMax->span);
    return verdict(m, Layer::Cgroup, false, "no `limits { memory N; }`", m.p.span);
  }
  if (g.check == "cpu-limit") {
    if (L.cpuQuotaMicros) return verdict(m, Layer::Cgroup, true, fmt::format("cpu quota {}us per 100ms", L.cpuQuotaMicros->value), L.cpuQuotaMicros->span);
    // A weight guards only below the default (100, = cpu.shares 1024): at the default or above, a busy
    // container gets at least the share of each of the host's own services.
    if (L.cpuWeight)
      return verdict(m, Layer::Cgroup, L.cpuWeight->value < 100,
                     fmt::format("cpu weight {}{}", L.cpuWeight->value, L.cpuWeight->value < 100 ? " (below the default 100)" : " (not below the default 100) and no cpu quota"),
                     L.cpuWeight->span);
    return verdict(m, Layer::Cgroup, false, "no cpu quota, no cpu weight below the default", m.p.span);
  }
  if (g.check == "inotify-limit") {
    if (L.inotifyInstances) return verdict(m, Layer::Cgroup, true, fmt::format("inotify.instances {}", L.inotifyInstances->value), L.inotifyInstances->span);
    return verdict(m, Layer::Cgroup, false, "no inotify.instances limit", m.p.span);
  }
  std::string blocked;
  for (const auto& n : g.devices) {
    for (const auto& r : m.devices) {
      bool typeOk = r.type == 'a' || r.type == n.type;
      bool majorOk = n.major < 0 || r.major < 0 || r.major == n.major;
      bool minorOk = n.minor < 0 || r.minor < 0 || r.minor == n.minor;
      bool accessOk = std::all_of(n.access.begin(), n.access.end(),
                                  [&](char c) { return r.access.find(c) != std::string::npos; });
      if (typeOk && majorOk && minorOk && accessOk)
        return verdict(m, Layer::Cgroup, false, "devices allow `" + common::deviceRuleText(r) + "`" +
                                                    (r.why.empty() ? "" : " (" + r.why + ")"),
                       m.orPolicy(r.span));
    }
    blocked += (blocked.empty() ? "" : "; ") +
               fmt::format("{} {}:{} {} not in the devices allow-list", n.type,
                           n.major < 0 ? "*" : std::to_string(n.major), n.minor < 0 ? "*" : std::to_string(n.minor),
                           n.access);
  }
  return verdict(m, Layer::Cgroup, true, blocked, m.p.span);
}

// ---- userns, selinux, sysctl, runtime -----------------------------------------------------------------
LayerVerdict evalUserns(const Model& m, const Guard& g) {
  const auto& id = m.p.identity;
  if (id.privileged)
    return verdict(m, Layer::Userns, false,
                   "privileged: container root is host root" +
                       (id.privilegedReason.empty() ? std::string() : " (\"" + id.privilegedReason + "\")"),
                   m.orPolicy(id.privilegedSpan));
  if (g.check == "isolated-idmap") {
    for (const auto& map : id.idmaps)
      if (!id.idmapAuto && map.outside == 0)
        return verdict(m, Layer::Userns, false, "the idmap maps host id 0 into the container", m.orPolicy(map.span));
    return verdict(m, Layer::Userns, true,
                   id.idmapAuto ? "idmap auto (overlaps between policies: ward verify A B ...)" : "explicit idmap",
                   m.p.span);
  }
  return verdict(m, Layer::Userns, true, id.idmapAuto ? "idmap auto: container root is an unprivileged host id"
                                                      : "explicit idmap: container root is an unprivileged host id",
                 m.orPolicy(id.idmaps.empty() ? Span{} : id.idmaps.front().span));
}

LayerVerdict evalSelinux(const Model& m, const Guard&) {
  if (m.host.selinuxEnabled == false)
    return notEvaluated(m, Layer::Selinux, "SELinux is not enabled on this host: no label is applied",
                        m.orPolicy(m.p.selinux.span));
  static const std::set<std::string> unconfined{"spc_t", "unconfined_t", "unconfined_service_t", "kernel_t",
                                                "super_t", "container_runtime_t"};
  if (m.rawSelinuxType)
    return verdict(m, Layer::Selinux, !unconfined.count(m.rawSelinuxType->value),
                   "raw lxc.selinux.context type " + m.rawSelinuxType->value, m.rawSelinuxType->span);
  if (!m.p.selinux.enabled) return verdict(m, Layer::Selinux, false, "no selinux section", m.p.span);
  bool confined = !unconfined.count(m.p.selinux.type);
  return verdict(m, Layer::Selinux, confined,
                 "type " + m.p.selinux.type + (confined ? " (confined)" : " (unconfined)"), m.orPolicy(m.p.selinux.span));
}

LayerVerdict evalSysctl(const Model& m, const Guard& g) {
  if (g.check == "no-accept-ra") {
    for (const auto& s : m.sysctls)
      if (startsWith(s.key, "net.ipv6.conf.") && s.key.size() > 10 &&
          s.key.substr(s.key.size() - 10) == ".accept_ra" && (s.value == "1" || s.value == "2"))
        return verdict(m, Layer::Sysctl, false, s.key + " = " + s.value + (s.why.empty() ? "" : " (" + s.why + ")"),
                       m.orPolicy(s.span));
    if (m.p.network.ipv6RouterAdvertisements.value)
      return verdict(m, Layer::Sysctl, false, "ipv6 router advertisements accepted",
                     m.orPolicy(m.p.network.ipv6RouterAdvertisements.span));
    return verdict(m, Layer::Sysctl, true, "router advertisements not accepted (accept_ra 0)",
                   m.orPolicy(m.p.network.ipv6RouterAdvertisements.span));
  }
  for (const auto& n : g.sysctls)
    for (const auto& s : m.sysctls)
      if (s.key == n.key && std::find(n.opens.begin(), n.opens.end(), s.value) != n.opens.end())
        return verdict(m, Layer::Sysctl, false, s.key + " = " + s.value, m.orPolicy(s.span));
  std::string keys;
  for (const auto& n : g.sysctls) keys += (keys.empty() ? "" : ", ") + n.key;
  return verdict(m, Layer::Sysctl, true, "not set: " + keys + " keep the kernel default", m.p.span);
}

LayerVerdict evalRuntime(const Model& m, const Guard& g) {
  const auto& p = m.p;
  if (g.check == "no-new-privs") {
    if (m.rawNoNewPrivs)
      return verdict(m, Layer::Runtime, m.rawNoNewPrivs->value,
                     std::string("raw lxc.no_new_privs = ") + (m.rawNoNewPrivs->value ? "1" : "0"), m.rawNoNewPrivs->span);
    if (m.oci && m.oci->contains("process") && (*m.oci)["process"].contains("noNewPrivileges") &&
        (*m.oci)["process"]["noNewPrivileges"].is_boolean() && !(*m.oci)["process"]["noNewPrivileges"].get<bool>())
      return verdict(m, Layer::Runtime, false, p.name + ".oci.json: process.noNewPrivileges false",
                     m.orPolicy(p.identity.noNewPrivs.span));
    bool on = p.identity.noNewPrivs.value;
    return verdict(m, Layer::Runtime, on, on ? "no_new_privs on" : "no_new_privs off", m.orPolicy(p.identity.noNewPrivs.span));
  }
  if (g.check == "inheritable-empty") {
    if (m.oci && m.oci->contains("process") && (*m.oci)["process"].contains("capabilities")) {
      const auto& caps = (*m.oci)["process"]["capabilities"];
      for (const char* set : {"inheritable", "ambient"})
        if (caps.contains(set) && caps[set].is_array() && !caps[set].empty())
          return verdict(m, Layer::Runtime, false, p.name + ".oci.json: process.capabilities." + set + " is not empty", p.span);
    }
    return verdict(m, Layer::Runtime, true, "no inheritable or ambient capabilities", p.span);
  }
  if (g.check == "no-host-namespaces" || g.check == "no-host-namespaces-or-userns") {
    if (!m.hostNamespaces.empty())
      return verdict(m, Layer::Runtime, false, m.hostNamespaces.front().second, m.hostNamespaces.front().first);
    // NS-HOST-NS counts the user namespace too: a privileged container has none of its own.
    if (g.check == "no-host-namespaces-or-userns" && p.identity.privileged)
      return verdict(m, Layer::Runtime, false, "privileged: the container shares the host's user namespace",
                     m.orPolicy(p.identity.privilegedSpan));
    return verdict(m, Layer::Runtime, true,
                   g.check == "no-host-namespaces" ? "own pid, network, ipc, uts and mount namespaces"
                                                   : "own user, pid, network, ipc, uts and mount namespaces",
                   p.span);
  }
  if (g.check == "no-shared-propagation") {
    if (!m.sharedPropagation.empty())
      return verdict(m, Layer::Runtime, false, m.sharedPropagation.front().second, m.sharedPropagation.front().first);
    return verdict(m, Layer::Runtime, true, "no shared mount propagation", p.span);
  }
  if (g.check == "no-lxcfs-rw") {
    for (const auto& b : m.binds)
      if (b.bind && pathUnder(b.source, "/var/lib/lxcfs") && !b.readOnly)
        return verdict(m, Layer::Runtime, false, b.why, b.span);
    return verdict(m, Layer::Runtime, true, "no read-write LXCFS bind", p.span);
  }
  if (g.check == "dedicated-bridge") {
    if (m.rawBridge)
      return verdict(m, Layer::Runtime, false, "raw lxc.net link " + m.rawBridge->value + " (shared unless dedicated)",
                     m.rawBridge->span);
    if (p.network.bridge)
      return verdict(m, Layer::Runtime, true, "bridge \"" + p.network.bridge->value + "\"", p.network.bridge->span);
    return verdict(m, Layer::Runtime, false,
                   "no `network { bridge ...; }`: the container joins whatever bridge its LXC config names", p.span);
  }
  return notEvaluated(m, Layer::Runtime, "unknown check " + g.check, p.span);
}

LayerVerdict evalGuard(const Model& m, const Guard& g) {
  switch (g.layer) {
    case Layer::Seccomp: return evalSeccomp(m, g);
    case Layer::Capabilities: return evalCapabilities(m, g);
    case Layer::Apparmor: return evalApparmor(m, g);
    case Layer::Selinux: return evalSelinux(m, g);
    case Layer::Userns: return evalUserns(m, g);
    case Layer::Cgroup: return evalCgroup(m, g);
    case Layer::Mount: return evalMount(m, g);
    case Layer::Sysctl: return evalSysctl(m, g);
    case Layer::Runtime: return evalRuntime(m, g);
    case Layer::Host: return notEvaluated(m, Layer::Host, g.note, Span{});
  }
  return notEvaluated(m, g.layer, "unknown layer", Span{});
}

int openPriority(Layer l) {
  switch (l) {
    case Layer::Runtime: return 0;
    case Layer::Userns: return 1;
    case Layer::Capabilities: return 2;
    case Layer::Mount: return 3;
    case Layer::Cgroup: return 4;
    case Layer::Sysctl: return 5;
    case Layer::Apparmor: return 6;
    case Layer::Seccomp: return 7;
    case Layer::Selinux: return 8;
    case Layer::Host: return 9;
  }
  return 9;
}

// A verdict located at a statement (a grant, a bind, a kept capability) rather than at the policy's own
// header, which stands for something the policy leaves out. A finding points at the statement that
// opens it when there is one, so that a child's line is named, not its parent's or its header.
bool isStatement(const Model& m, const LayerVerdict& v) { return v.span.valid() && !(v.span == m.p.span); }

bool opensEarlier(const Model& m, const LayerVerdict& a, const LayerVerdict& b) {
  if (isStatement(m, a) != isStatement(m, b)) return isStatement(m, a);
  return openPriority(a.layer) < openPriority(b.layer);
}

void applyAccept(const ir::Policy& p, Finding& f) {
  for (const auto& a : p.verify.accepts) {
    if (a.id != f.id) continue;
    if (f.status == Status::Open || f.status == Status::BlockedByOneLayer) {
      f.underlying = f.status;
      f.status = Status::Accepted;
      f.acceptReason = a.reason;
      f.notes.push_back(std::string("would be ") + statusName(f.underlying) + ": " + f.message);
      f.message = "accepted: " + a.reason;
      f.span = a.span;
      f.file = a.span.valid() && a.span.file < p.sources.size() ? p.sources[a.span.file].displayName : "";
    } else {
      f.notes.push_back(std::string("`accept ") + f.id + "` is not needed: the entry is " + statusName(f.status));
    }
    return;
  }
}

Finding judge(const Model& m, const Entry& e) {
  Finding f;
  f.id = e.id;
  f.title = e.title;
  f.policy = m.p.name;
  f.severity = e.severity;
  f.span = m.p.span;
  for (const auto& cond : e.appliesIf)
    if (cond == "network" && m.p.network.none) {
      f.status = f.underlying = Status::NotApplicable;
      f.message = "not applicable: the policy has no network (`network { none; }`)";
      return f;
    }
  std::set<Layer> evaluable, blocking;
  for (const auto& g : e.guards) {
    auto v = evalGuard(m, g);
    if (v.evaluated) {
      evaluable.insert(v.layer);
      if (v.blocks) blocking.insert(v.layer);
    }
    f.layers.push_back(std::move(v));
  }
  const VersionVerdict versions = judgeVersions(e, m.host);
  using VS = VersionVerdict::State;
  if (versions.state == VS::NotInstalled || versions.state == VS::NotVulnerable || versions.state == VS::OtherRuntime) {
    f.status = f.underlying = Status::NotApplicable;
    f.message = "not vulnerable here: " + versions.why;
    return f;
  }
  bool onlyHost = std::all_of(e.guards.begin(), e.guards.end(), [](const Guard& g) { return g.layer == Layer::Host; });
  if (onlyHost && versions.state == VS::Vulnerable) {
    f.status = f.underlying = Status::Open;
    f.message = "open: vulnerable here (" + versions.why + ") and no layer of a policy blocks it: " + versions.upgrade;
    return f;
  }
  if (onlyHost) {
    f.status = f.underlying = Status::NotApplicable;
    f.message = "not applicable to a policy: " + (e.guards.empty() ? std::string("no guards") : e.guards.front().note);
    return f;
  }
  if (blocking.empty() && versions.state == VS::NotJudged && e.component != "config" && !e.affected.empty()) {
    // A bug of a version, judged without a host: whether it is open depends on what runs where the
    // container will; --this-host (and the hook) judge it for this host.
    f.status = f.underlying = Status::NotApplicable;
    f.message = "not judged without a host: no layer blocks it where " + e.component + " is " + affectedText(e) +
                " (--this-host judges this host)";
    return f;
  }
  if (blocking.empty()) {
    f.status = Status::Open;
    const LayerVerdict* opener = nullptr;
    for (const auto& v : f.layers)
      if (v.layer != Layer::Host && !v.blocks && v.span.valid() &&
          (!opener || opensEarlier(m, v, *opener)))
        opener = &v;
    if (opener) {
      f.span = opener->span;
      f.file = opener->file;
    }
    std::string why;
    for (const auto& v : f.layers)
      if (v.layer != Layer::Host && why.size() < 400)
        why += (why.empty() ? "" : "; ") + std::string(layerName(v.layer)) + ": " + v.rule;
    f.message = "open: no layer blocks it (" + why + ")";
    if (versions.state == VS::Vulnerable) f.message += "; vulnerable here (" + versions.why + "): " + versions.upgrade;
  } else if (blocking.size() == 1 && evaluable.size() >= 2) {
    f.status = Status::BlockedByOneLayer;
    for (const auto& v : f.layers)
      if (v.blocks) {
        f.message = std::string("blocked by ") + layerName(v.layer) + " only (" + v.rule + ")";
        break;
      }
    // Point at what left the other layers open: a statement that grants it before a missing one.
    const LayerVerdict* opener = nullptr;
    for (const auto& v : f.layers)
      if (!v.blocks && v.evaluated && v.span.valid() && (!opener || (isStatement(m, v) && !isStatement(m, *opener))))
        opener = &v;
    if (opener) {
      f.span = opener->span;
      f.file = opener->file;
    }
  } else {
    f.status = Status::Blocked;
    std::string list;
    for (Layer l : blocking) list += (list.empty() ? "" : ", ") + std::string(layerName(l));
    f.message = "blocked by " + list;
  }
  if (versions.state == VS::Vulnerable && f.status != Status::Open)
    f.notes.push_back("vulnerable here (" + versions.why + "), blocked by the policy; " + versions.upgrade);
  if (f.file.empty() && f.span.valid() && f.span.file < m.p.sources.size())
    f.file = m.p.sources[f.span.file].displayName;
  f.underlying = f.status;
  return f;
}

struct IdSpan {
  char kind;
  std::uint64_t first, count;
};

std::vector<IdSpan> shippedIdmaps(const Compiled& c) {
  std::vector<IdSpan> out;
  const ir::Policy& p = *c.policy;
  if (p.identity.privileged) return {{'u', 0, 65536}, {'g', 0, 65536}};
  if (c.artifacts)
    if (const auto* a = artifact(*c.artifacts, p.name + ".lxc.conf")) {
      std::istringstream in(a->content);
      for (std::string line; std::getline(in, line);) {
        auto f = words(line);
        if (f.size() >= 6 && f[0] == "lxc.idmap" && f[1] == "=" && (f[2] == "u" || f[2] == "g")) {
          try {
            out.push_back({f[2][0], std::stoull(f[4]), std::stoull(f[5])});
          } catch (...) {
          }
        }
      }
      if (!out.empty()) return out;
    }
  for (const auto& r : common::idmaps(p, "", "")) out.push_back({r.kind, r.outside, r.count});
  return out;
}

}  // namespace

const char* statusName(Status s) {
  switch (s) {
    case Status::Blocked: return "blocked";
    case Status::BlockedByOneLayer: return "blocked-by-one-layer";
    case Status::Open: return "open";
    case Status::Accepted: return "accepted";
    case Status::NotApplicable: return "n/a";
  }
  return "open";
}

namespace {

std::vector<Finding> judgeAll(const ir::Policy& p, bool lowered, const std::vector<backend::Artifact>& artifacts,
                              const Catalog& catalog, const HostFacts& host) {
  Model m = buildModel(p, artifacts, lowered);
  m.host = host;
  std::vector<Finding> out;
  out.reserve(catalog.entries.size());
  for (const auto& e : catalog.entries) {
    Finding f = judge(m, e);
    applyAccept(p, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<Finding> verify(const lower::Lowered& lowered, const std::vector<backend::Artifact>& artifacts,
                            const Catalog& catalog, const HostFacts& host) {
  return judgeAll(lowered.policy(), true, artifacts, catalog, host);
}

std::vector<Finding> verifyForeign(const ir::Policy& modelled, const std::vector<backend::Artifact>& artifacts,
                                   const Catalog& catalog, const HostFacts& host) {
  return judgeAll(modelled, false, artifacts, catalog, host);
}

std::vector<Finding> verifyAcross(const std::vector<Compiled>& policies, const Catalog& catalog) {
  std::vector<Finding> out;
  auto make = [&](const std::string& id, const Compiled& a, const Compiled& b, std::string message, Span span) {
    const Entry* e = catalog.find(id);
    if (!e) return;
    Finding f;
    f.id = id;
    f.title = e->title;
    f.severity = e->severity;
    f.policy = a.policy->name + " + " + b.policy->name;
    f.status = f.underlying = Status::Open;
    f.message = std::move(message);
    f.span = span.valid() ? span : a.policy->span;
    if (f.span.valid() && f.span.file < a.policy->sources.size()) f.file = a.policy->sources[f.span.file].displayName;
    for (const ir::Policy* p : {a.policy, b.policy})
      for (const auto& acc : p->verify.accepts)
        if (acc.id == id && f.status == Status::Open) {
          f.status = Status::Accepted;
          f.acceptReason = acc.reason;
          f.notes.push_back("accepted in " + p->name + ": " + acc.reason);
        }
    out.push_back(std::move(f));
  };
  for (std::size_t i = 0; i < policies.size(); ++i)
    for (std::size_t j = i + 1; j < policies.size(); ++j) {
      const auto &a = policies[i], &b = policies[j];
      if (!a.policy || !b.policy) continue;
      // Two `idmap auto` containers never share ids: the registry hands each name its own range (or fails
      // with E1204 when the pool is exhausted). In a check-only run the ranges are placeholders anyway.
      const bool bothAuto = a.policy->identity.idmapAuto && b.policy->identity.idmapAuto &&
                            !a.policy->identity.privileged && !b.policy->identity.privileged;
      auto ma = bothAuto ? std::vector<IdSpan>{} : shippedIdmaps(a);
      auto mb = bothAuto ? std::vector<IdSpan>{} : shippedIdmaps(b);
      std::string overlap;
      for (const auto& x : ma)
        for (const auto& y : mb)
          if (x.kind == y.kind && x.first < y.first + y.count && y.first < x.first + x.count && overlap.empty()) {
            std::uint64_t lo = std::max(x.first, y.first), hi = std::min(x.first + x.count, y.first + y.count) - 1;
            overlap = fmt::format("{} and {} both map host {}ids {}-{}", a.policy->name, b.policy->name,
                                  x.kind == 'u' ? "u" : "g", lo, hi);
          }
      if (!overlap.empty()) {
        Span s = a.policy->identity.idmaps.empty() ? a.policy->span : a.policy->identity.idmaps.front().span;
        make("NS-SHARED-IDMAP", a, b, "open: " + overlap + ": ulimits such as nproc are shared", s);
        make("RES-INOTIFY", a, b, "open: " + overlap + ": inotify instances are shared", s);
      }
      auto bridge = [](const ir::Policy& p) -> std::string {
        for (const auto& raw : p.lxc.raw)
          if (startsWith(raw.key, "lxc.net.") && raw.key.size() > 5 && raw.key.substr(raw.key.size() - 5) == ".link")
            return raw.value;
        return p.network.bridge ? p.network.bridge->value : "";
      };
      std::string ba = bridge(*a.policy), bb = bridge(*b.policy);
      if (!ba.empty() && ba == bb && !a.policy->network.none && !b.policy->network.none)
        make("NET-L2-SPOOF", a, b,
             "open: " + a.policy->name + " and " + b.policy->name + " share bridge \"" + ba + "\"",
             a.policy->network.bridge ? a.policy->network.bridge->span : a.policy->span);
    }
  return out;
}

Level effectiveFailOn(const ir::Policy& policy, std::optional<Level> commandLine) {
  if (commandLine) return *commandLine;
  if (policy.verify.failOn)
    if (auto l = parseLevel(policy.verify.failOn->value)) return *l;
  return Level::Critical;
}

bool failsGate(const Finding& f, Level threshold) {
  return f.status == Status::Open && static_cast<int>(f.severity) >= static_cast<int>(threshold);
}

bool failsGate(const std::vector<Finding>& findings, Level threshold) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return failsGate(f, threshold); });
}

std::vector<ir::Accept> unknownAccepts(const ir::Policy& policy, const Catalog& catalog) {
  std::vector<ir::Accept> out;
  for (const auto& a : policy.verify.accepts)
    if (a.selector.empty() && !catalog.find(a.id)) out.push_back(a);   // DIFF-WIDER accepts are the gate's
  return out;
}

Counts count(const std::vector<Finding>& findings) {
  Counts c;
  for (const auto& f : findings) switch (f.status) {
      case Status::Blocked: ++c.blocked; break;
      case Status::BlockedByOneLayer: ++c.oneLayer; break;
      case Status::Open: ++c.open; break;
      case Status::Accepted: ++c.accepted; break;
      case Status::NotApplicable: ++c.notApplicable; break;
    }
  return c;
}

}  // namespace ward::verify
