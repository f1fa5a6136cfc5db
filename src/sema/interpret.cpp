// Section interpretation: one ast::Section -> contributions to a Level, with every name, unit and value
// checked. See docs/language.md for the meaning of each statement.
#include <algorithm>
#include <set>

#include "sema/internal.h"
#include "sema/names.h"
#include "sema/units.h"

namespace ward::sema::detail {

namespace {

using ast::Value;
using VK = ast::Value::Kind;

std::string q(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string m = closest(word, candidates);
  return m.empty() ? std::string{} : "; did you mean " + q(m) + "?";
}

std::string kindName(VK k) {
  switch (k) {
    case VK::Ident: return "a name";
    case VK::String: return "a string";
    case VK::Integer: return "an integer";
    case VK::Decimal: return "a decimal number";
    case VK::Quantity: return "a quantity";
    case VK::Group: return "a syscall group";
    case VK::Device: return "a device number";
    case VK::Range: return "a range";
  }
  return "a value";
}

// The statement's terms after the verb, across all clauses.
struct Args {
  const ast::Statement* st = nullptr;
  std::vector<const ast::Term*> terms;
};

Args argsOf(const ast::Statement& st) {
  Args a;
  a.st = &st;
  bool first = true;
  for (const auto& c : st.clauses)
    for (const auto& t : c.terms) {
      if (first) { first = false; continue; }
      a.terms.push_back(&t);
    }
  return a;
}

class Interp {
 public:
  Interp(const Groups& g, Level& l, Diagnostics& d) : groups_(g), level_(l), diags_(d) {}

  void section(const ast::Section& s);

 private:
  const Groups& groups_;
  Level& level_;
  Diagnostics& diags_;

  Diagnostic& err(Code code, const Span& sp, std::string msg) { return diags_.error(code, sp, std::move(msg)); }

  void single(const std::string& key, std::string what, std::string canon, Span sp,
              std::function<void(ir::Policy&)> apply) {
    setSingle(level_, key, Single{std::move(what), std::move(canon), sp, std::move(apply)}, diags_);
  }

  // ---- value helpers ----
  bool noCall(const ast::Term& t) {
    if (t.isCall) {
      err(Code::E0304, t.span, q(t.head.text) + " takes no argument conditions here");
      return false;
    }
    return true;
  }
  const Value* want(const ast::Term* t, VK kind, const char* what, const Span& stmt) {
    if (!t) {
      err(Code::E0305, stmt, std::string("missing ") + what);
      return nullptr;
    }
    if (!noCall(*t)) return nullptr;
    if (t->head.kind != kind) {
      err(Code::E0304, t->head.span, std::string("expected ") + what + ", found " + kindName(t->head.kind));
      return nullptr;
    }
    return &t->head;
  }
  bool noMore(const Args& a, std::size_t used) {
    if (a.terms.size() > used) {
      err(Code::E0305, a.terms[used]->span, "this statement does not take " + kindName(a.terms[used]->head.kind) +
                                            " " + q(a.terms[used]->head.text) + " here (is a ';' missing?)");
      return false;
    }
    return true;
  }
  bool noAssign(const ast::Statement& st) {
    if (st.assigned) {
      err(Code::E0304, st.assigned->span, "this statement takes no `= value`");
      return false;
    }
    return true;
  }
  std::optional<std::uint64_t> integer(const Value& v) {
    if (v.kind != VK::Integer) {
      err(Code::E0304, v.span, "expected an integer, found " + kindName(v.kind));
      return std::nullopt;
    }
    Num n = parseInteger(v.text);
    if (n.error == NumError::Overflow) {
      err(Code::E0303, v.span, q(v.text) + " does not fit in 64 bits");
      return std::nullopt;
    }
    if (!n.ok()) {
      err(Code::E0304, v.span, q(v.text) + " is not a valid integer");
      return std::nullopt;
    }
    return n.value;
  }
  std::optional<bool> onOff(const Args& a, const char* what) {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "`on` or `off`", a.st->span);
    if (!v) return std::nullopt;
    noMore(a, 1);
    if (v->text == "on") return true;
    if (v->text == "off") return false;
    err(Code::E0304, v->span, std::string(what) + " takes `on` or `off`, not " + q(v->text));
    return std::nullopt;
  }
  std::optional<std::uint64_t> bytes(const Value& v) {
    if (v.kind != VK::Integer && v.kind != VK::Quantity && v.kind != VK::Decimal) {
      err(Code::E0304, v.span, "expected a size such as `512MiB`, found " + kindName(v.kind));
      return std::nullopt;
    }
    Num n = parseBytes(v.text, v.kind == VK::Quantity ? v.unit : "");
    switch (n.error) {
      case NumError::None: return n.value;
      case NumError::BadUnit:
        err(Code::E0302, v.span, "unknown size unit " + q(v.unit) + suggest(v.unit, sizeUnits()) +
                                 " (units: B, KiB, MiB, GiB, TiB, K, M, G, KB, MB, GB)");
        return std::nullopt;
      case NumError::Overflow:
        err(Code::E0303, v.span, q(v.text + v.unit) + " is more than 2^64-1 bytes");
        return std::nullopt;
      case NumError::NotWhole:
        err(Code::E0301, v.span, q(v.text + v.unit) + " is not a whole number of bytes");
        return std::nullopt;
      case NumError::Syntax: break;
    }
    err(Code::E0304, v.span, q(v.text + v.unit) + " is not a valid size");
    return std::nullopt;
  }
  bool absolutePath(const Value& v, const char* what) {
    if (v.text.empty() || v.text[0] != '/') {
      err(Code::E0502, v.span, std::string(what) + " " + q(v.text) + " is relative; write an absolute path");
      return false;
    }
    std::size_t i = 0;
    while (i <= v.text.size()) {
      std::size_t j = v.text.find('/', i);
      if (j == std::string::npos) j = v.text.size();
      if (v.text.compare(i, j - i, "..") == 0 && j - i == 2) {
        err(Code::E0503, v.span, std::string(what) + " " + q(v.text) + " has a `..` component");
        return false;
      }
      i = j + 1;
    }
    return true;
  }
  std::optional<ir::Action> errnoAction(const Value& v) {
    ir::Action a{ir::Action::Kind::Errno, 0, ""};
    if (v.kind == VK::Integer) {
      auto n = integer(v);
      if (!n) return std::nullopt;
      if (*n < 1 || *n > static_cast<std::uint64_t>(names::kMaxErrno)) {
        err(Code::E0301, v.span, "errno " + v.text + " is out of range (1..4095)");
        return std::nullopt;
      }
      a.errnoValue = static_cast<int>(*n);
      if (const auto* e = names::findErrno(a.errnoValue)) a.errnoName = std::string(e->name);
      return a;
    }
    if (v.kind != VK::Ident) {
      err(Code::E0304, v.span, "expected an errno name or number, found " + kindName(v.kind));
      return std::nullopt;
    }
    const auto* e = names::findErrno(v.text);
    if (!e) {
      err(Code::E0205, v.span, "unknown errno " + q(v.text) + suggest(v.text, names::errnoNames()));
      return std::nullopt;
    }
    a.errnoValue = e->number;
    a.errnoName = std::string(e->name);
    return a;
  }

  // ---- sections ----
  void identity(const ast::Statement& st, const std::string& verb);
  void files(const ast::Statement& st, const std::string& verb);
  void mounts(const ast::Statement& st, const std::string& verb);
  void devices(const ast::Statement& st, const std::string& verb);
  void network(const ast::Statement& st, const std::string& verb);
  void capabilities(const ast::Statement& st, const std::string& verb);
  void syscalls(const ast::Statement& st, const std::string& verb);
  void limits(const ast::Statement& st, const std::string& verb);
  void sysctl(const ast::Statement& st);
  void selinux(const ast::Statement& st, const std::string& verb);
  void apparmor(const ast::Statement& st, const std::string& verb);
  void lxc(const ast::Statement& st, const std::string& verb);
  void verify(const ast::Statement& st, const std::string& verb);

  std::optional<ir::Action> action(const Args& a, std::size_t from, std::size_t& used, const Span& where);
  std::vector<std::vector<ir::ArgCondition>> conditions(const std::string& syscall, const ast::Term& t, bool& ok);
  std::optional<std::uint64_t> orValue(const std::vector<Value>& vs, const std::string& syscall);
  std::optional<ir::Capability> capability(const Value& v);
};

// ---------------------------------------------------------------------------------------------------
void Interp::section(const ast::Section& s) {
  const std::string& name = s.name.text;
  const auto& sections = names::sectionNames();
  if (std::find(sections.begin(), sections.end(), name) == sections.end()) {
    err(Code::E0201, s.name.span, "unknown section " + q(name) + suggest(name, sections));
    return;
  }
  if (name == "selinux" || name == "apparmor") level_.presence.emplace(name, s.span);
  for (const auto& st : s.statements) {
    if (st.clauses.empty() || st.clauses[0].terms.empty()) continue;
    const ast::Term& head = st.clauses[0].terms[0];
    if (name == "sysctl") { sysctl(st); continue; }
    if (head.head.kind != VK::Ident) {
      err(Code::E0206, head.span, "expected a statement name in " + q(name) + ", found " + kindName(head.head.kind));
      continue;
    }
    const std::string& verb = head.head.text;
    const auto& verbs = names::sectionVerbs(name);
    if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) {
      if (name == "limits")
        err(Code::E0209, head.head.span, "unknown limit " + q(verb) + suggest(verb, verbs));
      else
        err(Code::E0206, head.head.span, "unknown statement " + q(verb) + " in " + q(name) + suggest(verb, verbs));
      continue;
    }
    if (head.isCall && name != "syscalls") {
      err(Code::E0304, head.span, q(verb) + " takes no argument conditions");
      continue;
    }
    if (name == "identity") identity(st, verb);
    else if (name == "files") files(st, verb);
    else if (name == "mounts") mounts(st, verb);
    else if (name == "devices") devices(st, verb);
    else if (name == "network") network(st, verb);
    else if (name == "capabilities") capabilities(st, verb);
    else if (name == "syscalls") syscalls(st, verb);
    else if (name == "limits") limits(st, verb);
    else if (name == "selinux") selinux(st, verb);
    else if (name == "apparmor") apparmor(st, verb);
    else if (name == "lxc") lxc(st, verb);
    else if (name == "verify") verify(st, verb);
  }
}

// ---- identity --------------------------------------------------------------------------------------
void Interp::identity(const ast::Statement& st, const std::string& verb) {
  Args a = argsOf(st);
  if (!noAssign(st)) return;
  if (verb == "no_new_privs") {
    auto b = onOff(a, "no_new_privs");
    if (!b) return;
    Span sp = st.span;
    bool v = *b;
    single("identity.no_new_privs", "`no_new_privs`", v ? "on" : "off", sp,
           [v, sp](ir::Policy& p) { p.identity.noNewPrivs = {v, sp}; });
    return;
  }
  if (verb == "privileged") {
    const Value* r = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "a reason string", st.span);
    if (!r) return;
    if (!noMore(a, 1)) return;
    std::string reason = r->text;
    if (reason.find_first_not_of(" \t") == std::string::npos) {
      err(Code::E0501, r->span, "`privileged` needs a reason: say why this container runs without a user namespace");
      return;
    }
    Span sp = st.span;
    single("identity.privileged", "`privileged`", reason, sp, [reason, sp](ir::Policy& p) {
      p.identity.privileged = true;
      p.identity.privilegedReason = reason;
      p.identity.privilegedSpan = sp;
    });
    return;
  }
  // idmap auto | none | uid IN OUT COUNT | gid IN OUT COUNT. The maps written in one body form one value.
  const Value* kind = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "`auto`, `none`, `uid` or `gid`", st.span);
  if (!kind) return;
  Span sp = st.span;
  if (kind->text == "auto" || kind->text == "none") {
    if (!noMore(a, 1)) return;
    bool isAuto = kind->text == "auto";
    auto it = level_.singles.find("identity.idmap");
    if (it != level_.singles.end()) {
      auto& d = err(it->second.canon == "auto" || it->second.canon == "none" ? Code::E0402 : Code::E0405, sp,
                    "`idmap " + kind->text + "` contradicts the idmap already set in this policy");
      d.notes.push_back({it->second.span, "idmap set here"});
      return;
    }
    single("identity.idmap", "`idmap`", kind->text, sp, [isAuto, sp](ir::Policy& p) {
      p.identity.idmapAuto = isAuto;
      p.identity.idmaps.clear();
    });
    return;
  }
  if (kind->text != "uid" && kind->text != "gid") {
    err(Code::E0304, kind->span, "idmap takes `auto`, `none`, `uid` or `gid`, not " + q(kind->text) +
                                 suggest(kind->text, {"auto", "none", "uid", "gid"}));
    return;
  }
  std::uint32_t nums[3] = {0, 0, 0};
  for (std::size_t i = 0; i < 3; ++i) {
    const Value* v = want(i + 1 < a.terms.size() ? a.terms[i + 1] : nullptr, VK::Integer,
                          "idmap numbers: inside outside count", st.span);
    if (!v) return;
    auto n = integer(*v);
    if (!n) return;
    if (*n > 0xffffffffULL || (i == 2 && *n == 0)) {
      err(Code::E0301, v->span, "idmap value " + v->text + " is out of range (" + (i == 2 ? "1" : "0") + "..4294967295)");
      return;
    }
    nums[i] = static_cast<std::uint32_t>(*n);
  }
  if (!noMore(a, 4)) return;
  if (std::uint64_t{nums[0]} + nums[2] > 0x100000000ULL || std::uint64_t{nums[1]} + nums[2] > 0x100000000ULL) {
    err(Code::E0301, sp, "idmap range runs past 4294967295");
    return;
  }
  ir::IdMap m{kind->text == "uid" ? 'u' : 'g', nums[0], nums[1], nums[2], sp};
  std::string text = std::string(1, m.kind) + ":" + std::to_string(m.inside) + ":" + std::to_string(m.outside) +
                     ":" + std::to_string(m.count);
  auto it = level_.singles.find("identity.idmap");
  if (it != level_.singles.end()) {
    if (it->second.canon == "auto" || it->second.canon == "none") {
      auto& d = err(Code::E0405, sp, "an explicit idmap contradicts `idmap " + it->second.canon + "`");
      d.notes.push_back({it->second.span, "set here"});
      return;
    }
    // Add this map to the body's map set.
    Single s = it->second;
    s.canon += "," + text;
    auto prev = s.apply;
    s.apply = [prev, m](ir::Policy& p) {
      prev(p);
      p.identity.idmaps.push_back(m);
    };
    it->second = std::move(s);
    return;
  }
  single("identity.idmap", "`idmap`", text, sp, [m](ir::Policy& p) {
    p.identity.idmapAuto = false;
    p.identity.idmaps.clear();
    p.identity.idmaps.push_back(m);
  });
}

// ---- files -----------------------------------------------------------------------------------------
void Interp::files(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  bool owner = verb == "owner";
  bool deny = verb == "deny";
  unsigned access = 0;
  std::size_t i = 0;
  auto modeBit = [&](const std::string& w) -> unsigned {
    if (w == "read") return ir::kRead;
    if (w == "write") return deny ? unsigned{ir::kWrite} : unsigned{ir::kRead | ir::kWrite};
    if (w == "append") return ir::kAppend;
    if (w == "exec") return ir::kExec;
    if (w == "link") return ir::kLink;
    if (w == "lock") return ir::kLock;
    return 0;
  };
  if (!owner && !deny) access = modeBit(verb);
  // Leading mode words (after owner/deny, or extra modes after the verb).
  while (i < a.terms.size() && a.terms[i]->head.kind == VK::Ident) {
    const auto& w = a.terms[i]->head;
    unsigned bit = modeBit(w.text);
    if (!bit) {
      err(Code::E0304, w.span, "unknown file access " + q(w.text) +
                               suggest(w.text, {"read", "write", "append", "exec", "link", "lock"}));
      return;
    }
    access |= bit;
    ++i;
  }
  if (deny && access == 0) access = ir::kRead | ir::kWrite | ir::kAppend | ir::kExec | ir::kLink | ir::kLock;
  if (access == 0) {
    err(Code::E0305, st.span, "`owner` needs an access: `owner write \"/path\";`");
    return;
  }
  if (i == a.terms.size()) {
    err(Code::E0305, st.span, "missing path: `" + verb + " \"/path\";`");
    return;
  }
  for (; i < a.terms.size(); ++i) {
    const Value* v = want(a.terms[i], VK::String, "a path string", st.span);
    if (!v) continue;
    if (!absolutePath(*v, "file path")) continue;
    level_.fileRules.push_back(ir::FileRule{v->text, access, deny, owner, v->span});
  }
}

// ---- mounts ----------------------------------------------------------------------------------------
void Interp::mounts(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "proc" || verb == "sys" || verb == "cgroup") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a mode: ro, mixed, rw or off", sp);
    if (!v || !noMore(a, 1)) return;
    ir::FsMode m;
    if (v->text == "ro") m = ir::FsMode::Ro;
    else if (v->text == "mixed") m = ir::FsMode::Mixed;
    else if (v->text == "rw") m = ir::FsMode::Rw;
    else if (v->text == "off") m = ir::FsMode::Off;
    else {
      err(Code::E0304, v->span, q(verb) + " takes ro, mixed, rw or off, not " + q(v->text) +
                                suggest(v->text, {"ro", "mixed", "rw", "off"}));
      return;
    }
    std::string which = verb;
    single("mounts." + verb, q(verb), v->text, sp, [which, m, sp](ir::Policy& p) {
      auto& f = which == "proc" ? p.files.proc : which == "sys" ? p.files.sys : p.files.cgroup;
      f = {m, sp};
    });
    return;
  }
  ir::Mount mt;
  mt.span = sp;
  std::size_t i = 0;
  if (verb == "bind") {
    const Value* src = want(a.terms.size() > 0 ? a.terms[0] : nullptr, VK::String, "the host path", sp);
    if (!src) return;
    const Value* at = want(a.terms.size() > 1 ? a.terms[1] : nullptr, VK::Ident, "`at`", sp);
    if (!at) return;
    if (at->text != "at") {
      err(Code::E0304, at->span, "expected `at` between the host path and the container path");
      return;
    }
    const Value* dst = want(a.terms.size() > 2 ? a.terms[2] : nullptr, VK::String, "the container path", sp);
    if (!dst) return;
    if (!absolutePath(*src, "mount source") || !absolutePath(*dst, "mount target")) return;
    mt.kind = ir::Mount::Kind::Bind;
    mt.source = src->text;
    mt.target = dst->text;
    i = 3;
  } else {  // tmpfs
    const Value* dst = want(a.terms.size() > 0 ? a.terms[0] : nullptr, VK::String, "the container path", sp);
    if (!dst || !absolutePath(*dst, "mount target")) return;
    mt.kind = ir::Mount::Kind::Tmpfs;
    mt.target = dst->text;
    mt.readOnly = false;  // a tmpfs is writable unless it says ro
    i = 1;
  }
  std::optional<Span> roSpan, rwSpan;
  for (; i < a.terms.size(); ++i) {
    const Value* w = want(a.terms[i], VK::Ident, "a mount option", sp);
    if (!w) return;
    const std::string& o = w->text;
    if (mt.kind == ir::Mount::Kind::Tmpfs && (o == "size" || o == "mode")) {
      if (i + 1 >= a.terms.size()) {
        err(Code::E0305, w->span, q(o) + " needs a value");
        return;
      }
      const Value& v = a.terms[++i]->head;
      if (o == "size") {
        auto b = bytes(v);
        if (!b) return;
        mt.sizeBytes = *b;
      } else {
        auto n = integer(v);
        if (!n) return;
        if (*n > 07777) {
          err(Code::E0301, v.span, "mode " + v.text + " is out of range (0..0o7777)");
          return;
        }
        mt.mode = static_cast<std::uint32_t>(*n);
      }
      continue;
    }
    if (o == "ro") { mt.readOnly = true; roSpan = w->span; }
    else if (o == "rw") { mt.readOnly = false; rwSpan = w->span; }
    else if (o == "noexec") mt.noexec = true;
    else if (o == "exec") mt.noexec = false;
    else if (o == "nosuid") mt.nosuid = true;
    else if (o == "suid") mt.nosuid = false;
    else if (o == "nodev") mt.nodev = true;
    else if (o == "dev") mt.nodev = false;
    else if (o == "optional") mt.optional = true;
    else {
      std::vector<std::string> opts = {"ro", "rw", "noexec", "exec", "nosuid", "suid", "nodev", "dev", "optional"};
      if (mt.kind == ir::Mount::Kind::Tmpfs) { opts.push_back("size"); opts.push_back("mode"); }
      err(Code::E0304, w->span, "unknown mount option " + q(o) + suggest(o, opts));
      return;
    }
  }
  if (roSpan && rwSpan) {
    auto& d = err(Code::E0405, *rwSpan, "a mount cannot be both `ro` and `rw`");
    d.notes.push_back({*roSpan, "`ro` here"});
    return;
  }
  std::string canon = (mt.kind == ir::Mount::Kind::Bind ? "bind " + mt.source : std::string("tmpfs")) +
                      (mt.readOnly ? " ro" : " rw") + (mt.noexec ? " noexec" : "") + (mt.nosuid ? "" : " suid") +
                      (mt.nodev ? "" : " dev") + (mt.optional ? " optional" : "") +
                      (mt.sizeBytes ? " size " + std::to_string(*mt.sizeBytes) : "") +
                      (mt.mode ? " mode " + std::to_string(*mt.mode) : "");
  single("mounts.at:" + mt.target, "the mount at " + q(mt.target), canon, sp,
         [mt](ir::Policy& p) { p.files.mounts.push_back(mt); });
}

// ---- devices ---------------------------------------------------------------------------------------
void Interp::devices(const ast::Statement& st, const std::string&) {
  if (!noAssign(st)) return;
  // Each clause is one device: [allow] [char|block MAJ:MIN] ["path"] ACCESS
  for (std::size_t c = 0; c < st.clauses.size(); ++c) {
    const auto& cl = st.clauses[c];
    std::vector<const ast::Term*> t;
    for (std::size_t k = c == 0 ? 1 : 0; k < cl.terms.size(); ++k) t.push_back(&cl.terms[k]);
    ir::Device d;
    d.span = cl.span;
    std::size_t i = 0;
    bool explicitNumbers = false;
    if (i < t.size() && t[i]->head.kind == VK::Ident && (t[i]->head.text == "char" || t[i]->head.text == "block")) {
      d.type = t[i]->head.text == "char" ? 'c' : 'b';
      ++i;
      const Value* dv = want(i < t.size() ? t[i] : nullptr, VK::Device, "major:minor", cl.span);
      if (!dv) continue;
      auto colon = dv->text.find(':');
      auto part = [&](std::string_view s, std::int64_t& out) {
        if (s == "*") { out = -1; return true; }
        Num n = parseInteger(s);
        if (!n.ok() || n.value > 0xfffff) return false;
        out = static_cast<std::int64_t>(n.value);
        return true;
      };
      if (colon == std::string::npos || !part(std::string_view(dv->text).substr(0, colon), d.major) ||
          !part(std::string_view(dv->text).substr(colon + 1), d.minor)) {
        err(Code::E0301, dv->span, "device number " + q(dv->text) + " is out of range");
        continue;
      }
      explicitNumbers = true;
      ++i;
    }
    if (i < t.size() && t[i]->head.kind == VK::String) {
      const Value& pv = t[i]->head;
      if (!absolutePath(pv, "device path")) continue;
      d.path = pv.text;
      if (!explicitNumbers) {
        const auto* node = names::findDeviceNode(pv.text);
        if (!node) {
          std::vector<std::string> known;
          for (const auto& n : names::deviceNodes()) known.emplace_back(n.path);
          err(Code::E0210, pv.span, "unknown device node " + q(pv.text) + suggest(pv.text, known) +
                                    " (give its numbers: `allow char MAJOR:MINOR \"" + pv.text + "\" rw;`)");
          continue;
        }
        d.type = node->type;
        d.major = node->major;
        d.minor = node->minor;
        explicitNumbers = true;
      }
      ++i;
    }
    if (!explicitNumbers) {
      err(Code::E0305, cl.span, "a device needs a known node path or `char|block MAJOR:MINOR`");
      continue;
    }
    const Value* acc = want(i < t.size() ? t[i] : nullptr, VK::Ident, "an access: r, w, m (e.g. rw)", cl.span);
    if (!acc) continue;
    bool okAccess = !acc->text.empty();
    for (char ch : acc->text) {
      if (ch == 'r') d.read = true;
      else if (ch == 'w') d.write = true;
      else if (ch == 'm') d.mknod = true;
      else okAccess = false;
    }
    if (!okAccess) {
      err(Code::E0304, acc->span, "device access " + q(acc->text) + " is not a combination of r, w and m");
      continue;
    }
    if (i + 1 < t.size()) {
      err(Code::E0305, t[i + 1]->span, "unexpected value after the device access");
      continue;
    }
    level_.devices.push_back(d);
  }
}

// ---- network ---------------------------------------------------------------------------------------
void Interp::network(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "none" || verb == "raw" || verb == "packet" || verb == "netlink") {
    if (!noMore(a, 0)) return;
    std::string v = verb;
    single("network." + verb, q(verb), "on", sp, [v, sp](ir::Policy& p) {
      if (v == "none") { p.network.none = true; p.network.noneSpan = sp; }
      else if (v == "raw") p.network.raw = sp;
      else if (v == "packet") p.network.packet = sp;
      else p.network.netlink = sp;
    });
    return;
  }
  if (verb == "unix" || verb == "ipv6" || verb == "ipv6_router_advertisements") {
    auto b = onOff(a, verb.c_str());
    if (!b) return;
    bool v = *b;
    std::string w = verb;
    single("network." + verb, q(verb), v ? "on" : "off", sp, [w, v, sp](ir::Policy& p) {
      if (w == "unix") p.network.unix = ir::Located<bool>{v, sp};
      else if (w == "ipv6") p.network.ipv6 = v;
      else p.network.ipv6RouterAdvertisements = {v, sp};
    });
    return;
  }
  if (verb == "bridge") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "a bridge name string", sp);
    if (!v || !noMore(a, 1)) return;
    if (v->text.empty() || v->text.size() > 15 || v->text.find_first_of("/ \t:") != std::string::npos) {
      err(Code::E0304, v->span, "bridge name " + q(v->text) + " is not a valid interface name (1..15 characters, no '/', ':' or spaces)");
      return;
    }
    std::string name = v->text;
    single("network.bridge", "`bridge`", name, sp,
           [name, sp](ir::Policy& p) { p.network.bridge = ir::Located<std::string>{name, sp}; });
    return;
  }
  // listen / connect PROTO [HOST] PORTS...
  ir::Endpoint e;
  e.span = sp;
  const Value* proto = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a protocol: tcp, udp or sctp", sp);
  if (!proto) return;
  if (proto->text == "tcp") e.proto = ir::Endpoint::Proto::Tcp;
  else if (proto->text == "udp") e.proto = ir::Endpoint::Proto::Udp;
  else if (proto->text == "sctp") e.proto = ir::Endpoint::Proto::Sctp;
  else {
    err(Code::E0304, proto->span, "unknown protocol " + q(proto->text) + suggest(proto->text, {"tcp", "udp", "sctp"}));
    return;
  }
  std::size_t i = 1;
  if (verb == "connect" && i < a.terms.size() && a.terms[i]->head.kind == VK::String) {
    e.host = a.terms[i]->head.text;
    if (e.host.empty()) {
      err(Code::E0304, a.terms[i]->head.span, "empty host name");
      return;
    }
    ++i;
  }
  bool ok = true;
  for (; i < a.terms.size(); ++i) {
    const Value& v = a.terms[i]->head;
    if (!noCall(*a.terms[i])) { ok = false; continue; }
    std::uint64_t lo = 0, hi = 0;
    if (v.kind == VK::Integer) {
      Num n = parseInteger(v.text);
      if (!n.ok()) n.value = 0;
      lo = hi = n.value;
    } else if (v.kind == VK::Range) {
      auto dash = v.text.find('-');
      Num n1 = parseInteger(v.text.substr(0, dash));
      Num n2 = dash == std::string::npos ? Num{0, NumError::Syntax} : parseInteger(v.text.substr(dash + 1));
      lo = n1.ok() ? n1.value : 0;
      hi = n2.ok() ? n2.value : 0;
      if (lo > hi && lo <= 65535 && hi >= 1) {
        err(Code::E0301, v.span, "port range " + q(v.text) + " is empty (first port above last)");
        ok = false;
        continue;
      }
    } else {
      err(Code::E0304, v.span, "expected a port or port range, found " + kindName(v.kind));
      ok = false;
      continue;
    }
    if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
      err(Code::E0301, v.span, "port " + q(v.text) + " is out of range (1..65535)");
      ok = false;
      continue;
    }
    e.ports.push_back(ir::PortRange{static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi), v.span});
  }
  if (!ok) return;
  if (verb == "listen" && e.ports.empty()) {
    err(Code::E0305, sp, "`listen` needs at least one port: `listen tcp 80;`");
    return;
  }
  (verb == "listen" ? level_.listen : level_.connect).push_back(std::move(e));
}

// ---- capabilities ----------------------------------------------------------------------------------
std::optional<ir::Capability> Interp::capability(const Value& v) {
  const names::CapabilityInfo* c = nullptr;
  if (v.kind == VK::Integer) {
    Num n = parseInteger(v.text);
    if (n.ok() && n.value <= 40) c = names::findCapability(static_cast<int>(n.value));
    if (!c) {
      err(Code::E0203, v.span, "capability number " + v.text + " is out of range (0..40)");
      return std::nullopt;
    }
  } else if (v.kind == VK::Ident) {
    c = names::findCapability(v.text);
    if (!c) {
      std::string lower;
      for (char ch : v.text) lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      if (lower.rfind("cap_", 0) == 0 && names::findCapability(lower.substr(4))) {
        err(Code::E0203, v.span, "write capabilities without the cap_ prefix: " + q(lower.substr(4)));
        return std::nullopt;
      }
      err(Code::E0203, v.span, "unknown capability " + q(v.text) + suggest(lower, names::capabilityNames()));
      return std::nullopt;
    }
  } else {
    err(Code::E0304, v.span, "expected a capability name, found " + kindName(v.kind));
    return std::nullopt;
  }
  return ir::Capability{std::string(c->name), c->number, v.span, ""};
}

void Interp::capabilities(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  if (a.terms.empty()) {
    err(Code::E0305, st.span, q(verb) + " needs at least one capability");
    return;
  }
  if (verb == "keep" && a.terms[0]->head.kind == VK::Ident && a.terms[0]->head.text == "all") {
    if (!noMore(a, 1)) return;
    Span sp = st.span;
    single("capabilities.keep_all", "`keep all`", "all", sp, [sp](ir::Policy& p) {
      p.capabilities.keepAll = true;
      p.capabilities.keepAllSpan = sp;
    });
    return;
  }
  for (const auto* t : a.terms) {
    if (!noCall(*t)) continue;
    auto c = capability(t->head);
    if (!c) continue;
    auto& mine = verb == "keep" ? level_.keep : level_.drop;
    auto& other = verb == "keep" ? level_.drop : level_.keep;
    auto contra = std::find_if(other.begin(), other.end(), [&](const ir::Capability& x) { return x.name == c->name; });
    if (contra != other.end()) {
      auto& d = err(Code::E0405, c->span, "capability " + q(c->name) + " is both kept and dropped in this policy");
      d.notes.push_back({contra->span, verb == "keep" ? "dropped here" : "kept here"});
      continue;
    }
    mine.push_back(*c);
  }
}

// ---- syscalls --------------------------------------------------------------------------------------
std::optional<ir::Action> Interp::action(const Args& a, std::size_t from, std::size_t& used, const Span& where) {
  const Value* v = want(from < a.terms.size() ? a.terms[from] : nullptr, VK::Ident,
                        "an action: allow, errno NAME, kill, kill_thread, trap or log", where);
  if (!v) return std::nullopt;
  used = from + 1;
  using AK = ir::Action::Kind;
  if (v->text == "allow") return ir::Action{AK::Allow, 0, ""};
  if (v->text == "kill" || v->text == "kill_process") return ir::Action{AK::KillProcess, 0, ""};
  if (v->text == "kill_thread") return ir::Action{AK::KillThread, 0, ""};
  if (v->text == "trap") return ir::Action{AK::Trap, 0, ""};
  if (v->text == "log") return ir::Action{AK::Log, 0, ""};
  if (v->text == "errno" || v->text == "deny") {
    bool isDeny = v->text == "deny";
    if (isDeny && (from + 1 >= a.terms.size() || a.terms[from + 1]->head.text != "errno"))
      return ir::Action{AK::Errno, 1, "EPERM"};
    if (isDeny) ++from;
    if (from + 1 >= a.terms.size()) {
      err(Code::E0305, where, "`errno` needs a name or number (errno EPERM)");
      return std::nullopt;
    }
    used = from + 2;
    return errnoAction(a.terms[from + 1]->head);
  }
  err(Code::E0304, v->span, "unknown action " + q(v->text) +
                            suggest(v->text, {"allow", "errno", "deny", "kill", "kill_thread", "trap", "log"}));
  return std::nullopt;
}

std::optional<std::uint64_t> Interp::orValue(const std::vector<Value>& vs, const std::string& syscall) {
  std::uint64_t out = 0;
  bool ok = true;
  for (const auto& v : vs) {
    if (v.kind == VK::Integer) {
      auto n = integer(v);
      if (!n) { ok = false; continue; }
      out |= *n;
    } else if (v.kind == VK::Ident) {
      auto c = names::findConstant(v.text);
      if (!c) {
        err(Code::E0208, v.span, "unknown constant " + q(v.text) + (syscall.empty() ? "" : " in " + q(syscall)) +
                                 suggest(v.text, names::constantNames()));
        ok = false;
        continue;
      }
      out |= *c;
    } else {
      err(Code::E0304, v.span, "expected an integer or a constant, found " + kindName(v.kind));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

// Returns the alternatives (OR) of condition sets (AND) that the term's conditions stand for. A masked
// `!=` becomes one alternative per bit of the mask (libseccomp has only masked equality).
std::vector<std::vector<ir::ArgCondition>> Interp::conditions(const std::string& syscall, const ast::Term& t, bool& ok) {
  std::vector<std::vector<ir::ArgCondition>> alts{{}};
  ok = true;
  for (const auto& c : t.conditions) {
    if (c.arg.kind != VK::Ident) {
      err(Code::E0208, c.arg.span, "expected an argument name (arg0..arg5 or a parameter name)");
      ok = false;
      continue;
    }
    auto idx = names::argumentIndex(syscall, c.arg.text);
    if (!idx) {
      std::vector<std::string> cands = names::syscallParams(syscall);
      for (int k = 0; k < 6; ++k) cands.push_back("arg" + std::to_string(k));
      const auto& params = names::syscallParams(syscall);
      std::string known;
      for (const auto& p : params) known += (known.empty() ? "" : ", ") + p;
      err(Code::E0208, c.arg.span, "unknown argument " + q(c.arg.text) + " of " + q(syscall) +
                                   suggest(c.arg.text, cands) +
                                   (known.empty() ? " (use arg0..arg5)" : " (parameters: " + known + ")"));
      ok = false;
      continue;
    }
    auto value = orValue(c.value, syscall);
    std::optional<std::uint64_t> mask;
    if (!c.mask.empty()) mask = orValue(c.mask, syscall);
    if (!value || (!c.mask.empty() && !mask)) { ok = false; continue; }
    using Op = ir::ArgCondition::Op;
    std::vector<std::vector<ir::ArgCondition>> choice;  // alternatives for this one condition
    ir::ArgCondition ac;
    ac.index = *idx;
    ac.span = c.span;
    if (!mask) {
      static const std::map<std::string, Op> ops = {{"==", Op::Eq}, {"!=", Op::Ne}, {"<", Op::Lt},
                                                    {"<=", Op::Le}, {">", Op::Gt},  {">=", Op::Ge}};
      auto it = ops.find(c.op);
      if (it == ops.end()) {
        err(Code::E0306, c.opSpan, "unknown comparison " + q(c.op));
        ok = false;
        continue;
      }
      ac.op = it->second;
      ac.value = *value;
      choice.push_back({ac});
    } else if (c.op == "==") {
      ac.op = Op::MaskedEq;
      ac.mask = *mask;
      ac.value = *value;
      if ((*value & ~*mask) != 0) {
        err(Code::E0306, c.span, "this condition can never hold: the value has bits outside the mask");
        ok = false;
        continue;
      }
      choice.push_back({ac});
    } else if (c.op == "!=") {
      if ((*value & ~*mask) != 0 || *mask == 0) {
        choice.push_back({});  // always true: (arg & mask) can never equal a value with bits outside it
      } else {
        for (int b = 0; b < 64; ++b) {
          std::uint64_t bit = std::uint64_t{1} << b;
          if (!(*mask & bit)) continue;
          ir::ArgCondition one = ac;
          one.op = Op::MaskedEq;
          one.mask = bit;
          one.value = (*value & bit) ^ bit;  // this bit differs from the value's bit
          choice.push_back({one});
        }
      }
    } else {
      err(Code::E0306, c.opSpan, "a masked condition can only use == or != (libseccomp compares masked values for equality)");
      ok = false;
      continue;
    }
    std::vector<std::vector<ir::ArgCondition>> next;
    for (const auto& alt : alts)
      for (const auto& ch : choice) {
        auto combined = alt;
        combined.insert(combined.end(), ch.begin(), ch.end());
        next.push_back(std::move(combined));
      }
    alts = std::move(next);
    if (alts.size() > 256) {
      err(Code::E0306, t.span, "these conditions expand to more than 256 seccomp rules");
      ok = false;
      return {};
    }
  }
  return alts;
}

void Interp::syscalls(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "default" || verb == "foreign") {
    std::size_t used = 0;
    auto act = action(a, 0, used, sp);
    if (!act || !noMore(a, used)) return;
    ir::Action ac = *act;
    bool def = verb == "default";
    single(def ? "syscalls.default" : "syscalls.foreign", def ? "the default action" : "the foreign-arch action",
           actionText(ac), sp, [def, ac, sp](ir::Policy& p) {
             (def ? p.syscalls.defaultAction : p.syscalls.foreignAction) = {ac, sp};
           });
    return;
  }
  if (verb == "arch") {
    if (a.terms.empty()) {
      err(Code::E0305, sp, "`arch` needs at least one architecture: x86_64, x86, x32");
      return;
    }
    std::set<std::string> seen;
    for (const auto* t : a.terms) {
      const Value* v = want(t, VK::Ident, "an architecture", sp);
      if (!v) return;
      auto c = names::canonicalArch(v->text);
      if (!c) {
        err(Code::E0212, v->span, "unknown architecture " + q(v->text) + suggest(v->text, names::archNames()) +
                                  " (ward knows x86_64, x86 and x32)");
        return;
      }
      seen.insert(*c);
    }
    std::vector<std::string> arches{"x86_64"};  // the native arch is always first
    for (const auto& n : names::archNames())
      if (n != "x86_64" && seen.count(n)) arches.push_back(n);
    std::string canon;
    for (const auto& x : arches) canon += (canon.empty() ? "" : ",") + x;
    single("syscalls.arch", "`arch`", canon, sp, [arches](ir::Policy& p) { p.syscalls.arches = arches; });
    return;
  }
  // allow / deny / kill / kill_thread / trap / log TARGETS... [errno E]
  using AK = ir::Action::Kind;
  ir::Action act;
  if (verb == "allow") act = {AK::Allow, 0, ""};
  else if (verb == "deny") act = {AK::Errno, 1, "EPERM"};
  else if (verb == "kill") act = {AK::KillProcess, 0, ""};
  else if (verb == "kill_thread") act = {AK::KillThread, 0, ""};
  else if (verb == "trap") act = {AK::Trap, 0, ""};
  else act = {AK::Log, 0, ""};
  std::size_t n = a.terms.size();
  for (std::size_t i = 0; i < a.terms.size(); ++i) {
    if (a.terms[i]->head.kind == VK::Ident && a.terms[i]->head.text == "errno" && !a.terms[i]->isCall) {
      if (verb != "deny") {
        err(Code::E0304, a.terms[i]->span, "`errno` goes with `deny` (`deny NAME errno EPERM;`), not with " + q(verb));
        return;
      }
      if (i + 2 != a.terms.size()) {
        err(Code::E0305, a.terms[i]->span, "`errno NAME` must end the statement");
        return;
      }
      auto e = errnoAction(a.terms[i + 1]->head);
      if (!e) return;
      act = *e;
      n = i;
      break;
    }
  }
  if (n == 0) {
    err(Code::E0305, sp, q(verb) + " needs at least one system call or @group");
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ast::Term& t = *a.terms[i];
    if (t.head.kind == VK::Group) {
      if (!noCall(t)) continue;
      auto it = groups_.expanded.find(t.head.text);
      if (it == groups_.expanded.end()) {
        err(Code::E0204, t.head.span, "unknown syscall group " + q(t.head.text) + suggest(t.head.text, groups_.names()) +
                                      (groups_.expanded.empty() ? " (no groups are defined; import \"std/syscalls\")" : ""));
        continue;
      }
      for (const auto& name : it->second) {
        ir::SyscallRule r;
        r.name = name;
        r.action = act;
        r.span = t.span;
        r.viaGroup = t.head.text;
        addRule(level_, std::move(r), diags_);
      }
      continue;
    }
    if (t.head.kind != VK::Ident) {
      err(Code::E0304, t.head.span, "expected a system call or @group, found " + kindName(t.head.kind));
      continue;
    }
    const std::string& name = t.head.text;
    if (!names::findSyscall(name)) {
      err(Code::E0202, t.head.span, "unknown system call " + q(name) + suggest(name, names::syscallNames()) +
                                    " (not known to libseccomp on x86_64, x86 or x32)");
      continue;
    }
    bool ok = true;
    auto alts = conditions(name, t, ok);
    if (!ok) continue;
    for (auto& conds : alts) {
      ir::SyscallRule r;
      r.name = name;
      r.action = act;
      r.conditions = std::move(conds);
      r.span = t.span;
      addRule(level_, std::move(r), diags_);
    }
  }
}

// ---- limits ----------------------------------------------------------------------------------------
void Interp::limits(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  const auto* info = names::findLimit(verb);
  using K = names::LimitInfo::Kind;
  std::string key = "limits." + verb;
  std::string what = "limit " + q(verb);
  auto first = [&](const char* desc) -> const ast::Term* {
    if (a.terms.empty()) {
      err(Code::E0305, sp, q(verb) + " needs " + desc);
      return nullptr;
    }
    return noCall(*a.terms[0]) ? a.terms[0] : nullptr;
  };
  auto setU64 = [&](std::uint64_t v, std::optional<ir::Located<std::uint64_t>> ir::Limits::*field) {
    single(key, what, std::to_string(v), sp, [v, sp, field](ir::Policy& p) {
      p.limits.*field = ir::Located<std::uint64_t>{v, sp};
    });
  };
  auto count = [&](const Value& v) -> std::optional<std::uint64_t> {
    if (v.kind == VK::Quantity) {
      err(Code::E0302, v.span, q(verb) + " is a count and takes no unit (found " + q(v.unit) + ")");
      return std::nullopt;
    }
    return integer(v);
  };
  switch (info->kind) {
    case K::Bytes: {
      const ast::Term* t = first("a size (512MiB)");
      if (!t || !noMore(a, 1)) return;
      auto b = bytes(t->head);
      if (!b) return;
      setU64(*b, verb == "memory" ? &ir::Limits::memoryMax : verb == "memory.high" ? &ir::Limits::memoryHigh
                                                                                     : &ir::Limits::swapMax);
      return;
    }
    case K::Count: {
      const ast::Term* t = first("a number");
      if (!t || !noMore(a, 1)) return;
      auto n = count(t->head);
      if (!n) return;
      setU64(*n, verb == "pids" ? &ir::Limits::pids
                 : verb == "pty" ? &ir::Limits::ptyMax
                 : verb == "inotify.instances" ? &ir::Limits::inotifyInstances
                                               : &ir::Limits::inotifyWatches);
      return;
    }
    case K::Weight: {
      const ast::Term* t = first("a weight (1..10000)");
      if (!t || !noMore(a, 1)) return;
      auto n = count(t->head);
      if (!n) return;
      if (*n < 1 || *n > 10000) {
        err(Code::E0301, t->head.span, q(verb) + " " + t->head.text + " is out of range (1..10000)");
        return;
      }
      setU64(*n, verb == "cpu.weight" ? &ir::Limits::cpuWeight : &ir::Limits::ioWeight);
      return;
    }
    case K::Cpu: {
      const ast::Term* t = first("a number of CPUs (1.5)");
      if (!t || !noMore(a, 1)) return;
      const Value& v = t->head;
      if (v.kind != VK::Integer && v.kind != VK::Decimal) {
        err(v.kind == VK::Quantity ? Code::E0302 : Code::E0304, v.span, "`cpu` takes a number of CPUs such as 1.5, found " + kindName(v.kind));
        return;
      }
      Num n = parseCpuQuota(v.text);
      if (n.error == NumError::Overflow) {
        err(Code::E0303, v.span, "cpu " + v.text + " overflows");
        return;
      }
      if (n.error == NumError::NotWhole) {
        err(Code::E0301, v.span, "cpu " + v.text + " is finer than 0.00001 CPU (1 microsecond per 100ms period)");
        return;
      }
      if (!n.ok()) {
        err(Code::E0304, v.span, q(v.text) + " is not a number of CPUs");
        return;
      }
      if (n.value < 1000) {
        err(Code::E0301, v.span, "cpu " + v.text + " is below the kernel's minimum quota (0.01 CPU)");
        return;
      }
      setU64(n.value, &ir::Limits::cpuQuotaMicros);
      return;
    }
    case K::String: {  // cpuset
      const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "a CPU list string (\"0-1\")", sp);
      if (!v || !noMore(a, 1)) return;
      if (v->text.empty() || v->text.find_first_not_of("0123456789,-") != std::string::npos) {
        err(Code::E0304, v->span, "cpuset " + q(v->text) + " is not a CPU list such as \"0-3,6\"");
        return;
      }
      std::string s = v->text;
      single(key, what, s, sp, [s, sp](ir::Policy& p) { p.limits.cpuset = ir::Located<std::string>{s, sp}; });
      return;
    }
    case K::DeviceBps: {
      if (a.terms.size() != 2) {
        err(Code::E0305, sp, q(verb) + " takes a device and a rate: " + verb + " \"8:0\" 10MiB;");
        return;
      }
      const Value& dv = a.terms[0]->head;
      if ((dv.kind != VK::String && dv.kind != VK::Device) || dv.text.find(':') == std::string::npos ||
          dv.text.find('*') != std::string::npos ||
          !parseInteger(dv.text.substr(0, dv.text.find(':'))).ok() ||
          !parseInteger(dv.text.substr(dv.text.find(':') + 1)).ok()) {
        err(Code::E0304, dv.span, "expected a block device as \"major:minor\" (\"8:0\")");
        return;
      }
      auto b = bytes(a.terms[1]->head);
      if (!b) return;
      ir::IoBps io{dv.text, verb == "io.write_bps", *b, sp};
      single(key + ":" + dv.text, what + " on " + q(dv.text), std::to_string(*b), sp,
             [io](ir::Policy& p) { p.limits.ioBps.push_back(io); });
      return;
    }
    case K::Hugetlb: {
      if (a.terms.size() != 2) {
        err(Code::E0305, sp, "`hugetlb` takes a page size and a limit: hugetlb 2MB 0;");
        return;
      }
      const Value& pv = a.terms[0]->head;
      // Page sizes use the kernel's naming (2MB, 1GB are binary sizes); KiB/MiB/GiB are accepted too.
      std::uint64_t mult = 0;
      if (pv.kind == VK::Quantity) {
        if (pv.unit == "KB" || pv.unit == "KiB" || pv.unit == "K") mult = 1;
        else if (pv.unit == "MB" || pv.unit == "MiB" || pv.unit == "M") mult = 1024;
        else if (pv.unit == "GB" || pv.unit == "GiB" || pv.unit == "G") mult = 1024 * 1024;
      }
      Num pn = parseInteger(pv.text);
      if (!mult || !pn.ok() || pn.value == 0) {
        err(pv.kind == VK::Quantity && !mult ? Code::E0302 : Code::E0304, pv.span,
            "expected a huge page size such as 2MB or 1GB");
        return;
      }
      std::uint64_t kib = pn.value * mult;
      std::string name = kib % (1024 * 1024) == 0 ? std::to_string(kib / (1024 * 1024)) + "GB"
                         : kib % 1024 == 0        ? std::to_string(kib / 1024) + "MB"
                                                  : std::to_string(kib) + "KB";
      auto b = bytes(a.terms[1]->head);
      if (!b) return;
      ir::Hugetlb h{name, *b, sp};
      single(key + ":" + name, "hugetlb " + q(name), std::to_string(*b), sp,
             [h](ir::Policy& p) { p.limits.hugetlb.push_back(h); });
      return;
    }
    case K::RlimitBytes:
    case K::RlimitCount: {
      if (a.terms.empty() || a.terms.size() > 2) {
        err(Code::E0305, sp, q(verb) + " takes one value (soft = hard) or two (soft hard)");
        return;
      }
      std::uint64_t v[2] = {0, 0};
      for (std::size_t i = 0; i < a.terms.size(); ++i) {
        if (!noCall(*a.terms[i])) return;
        const Value& x = a.terms[i]->head;
        if (x.kind == VK::Ident && (x.text == "unlimited" || x.text == "infinity")) {
          v[i] = ir::kUnlimited;
          continue;
        }
        auto n = info->kind == K::RlimitBytes ? bytes(x) : count(x);
        if (!n) return;
        if (*n == ir::kUnlimited) {
          err(Code::E0303, x.span, "this value is reserved for `unlimited`");
          return;
        }
        v[i] = *n;
      }
      if (a.terms.size() == 1) v[1] = v[0];
      if (v[0] > v[1]) {
        err(Code::E0301, a.terms[0]->head.span, "the soft limit is above the hard limit");
        return;
      }
      ir::Rlimit r{verb, v[0], v[1], sp};
      single(key, what, std::to_string(v[0]) + " " + std::to_string(v[1]), sp,
             [r](ir::Policy& p) { p.limits.rlimits.push_back(r); });
      return;
    }
  }
}

// ---- sysctl ----------------------------------------------------------------------------------------
void Interp::sysctl(const ast::Statement& st) {
  const ast::Term& head = st.clauses[0].terms[0];
  if (st.clauses.size() != 1 || st.clauses[0].terms.size() != 1 || head.head.kind != VK::Ident || head.isCall) {
    err(Code::E0304, st.span, "a sysctl statement is `key = value;` (net.ipv4.ip_forward = 0;)");
    return;
  }
  const std::string& key = head.head.text;
  if (!st.assigned) {
    err(Code::E0305, st.span, "sysctl " + q(key) + " needs a value: `" + key + " = VALUE;`");
    return;
  }
  if (key.find('.') == std::string::npos || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string::npos) {
    err(Code::E0207, head.head.span, q(key) + " is not a sysctl key (dotted, like net.ipv4.ip_forward)");
    return;
  }
  if (!names::sysctlIsNamespaced(key)) {
    err(Code::E0504, head.head.span, "sysctl " + q(key) +
                                     " is not namespaced: setting it in a container changes it for the whole host "
                                     "(allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.hostname, "
                                     "kernel.domainname, fs.mqueue.*)");
    return;
  }
  const Value& v = *st.assigned;
  if (v.kind == VK::Group || v.kind == VK::Device) {
    err(Code::E0304, v.span, "a sysctl value is a number, a word or a string");
    return;
  }
  std::string value = v.text + (v.kind == VK::Quantity ? v.unit : "");
  if (v.kind == VK::Integer) {
    Num n = parseInteger(v.text);
    if (n.error == NumError::Overflow) {
      err(Code::E0303, v.span, q(v.text) + " does not fit in 64 bits");
      return;
    }
    if (n.ok()) value = std::to_string(n.value);
  }
  ir::Sysctl s{key, value, st.span};
  single("sysctl:" + key, "sysctl " + q(key), value, st.span, [s](ir::Policy& p) { p.sysctls.push_back(s); });
}

// ---- selinux ---------------------------------------------------------------------------------------
void Interp::selinux(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "categories") {
    if (a.terms.empty()) {
      err(Code::E0305, sp, "`categories` needs `auto` or a list (c12, c345)");
      return;
    }
    if (a.terms[0]->head.kind == VK::Ident && a.terms[0]->head.text == "auto") {
      if (!noMore(a, 1)) return;
      single("selinux.categories", "selinux `categories`", "auto", sp, [sp](ir::Policy& p) {
        p.selinux.categoriesAuto = true;
        p.selinux.categories.clear();
      });
      return;
    }
    std::set<std::uint32_t> cats;
    for (const auto* t : a.terms) {
      if (!noCall(*t)) return;
      const Value& v = t->head;
      std::string digits = v.kind == VK::Ident && v.text.size() > 1 && v.text[0] == 'c' ? v.text.substr(1)
                           : v.kind == VK::Integer ? v.text : std::string{};
      Num n = digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ? Num{0, NumError::Syntax}
                                                                                           : parseInteger(digits);
      if (!n.ok()) {
        err(Code::E0304, v.span, "expected a category such as c12, found " + q(v.text));
        return;
      }
      if (n.value > 1023) {
        err(Code::E0301, v.span, "category " + q(v.text) + " is out of range (c0..c1023)");
        return;
      }
      cats.insert(static_cast<std::uint32_t>(n.value));
    }
    std::vector<std::uint32_t> list(cats.begin(), cats.end());
    std::string canon;
    for (auto c : list) canon += (canon.empty() ? "c" : ",c") + std::to_string(c);
    single("selinux.categories", "selinux `categories`", canon, sp, [list](ir::Policy& p) {
      p.selinux.categoriesAuto = false;
      p.selinux.categories = list;
    });
    return;
  }
  if (a.terms.empty()) {
    err(Code::E0305, sp, "selinux " + q(verb) + " needs a value");
    return;
  }
  const Value& v = a.terms[0]->head;
  if ((v.kind != VK::Ident && v.kind != VK::String) || a.terms[0]->isCall || v.text.empty()) {
    err(Code::E0304, v.span, "selinux " + q(verb) + " takes a name such as system_u");
    return;
  }
  if (!noMore(a, 1)) return;
  std::string val = v.text;
  std::string w = verb;
  single("selinux." + verb, "selinux " + q(verb), val, sp, [w, val](ir::Policy& p) {
    (w == "user" ? p.selinux.user : w == "role" ? p.selinux.role : w == "type" ? p.selinux.type : p.selinux.level) = val;
  });
}

// ---- apparmor --------------------------------------------------------------------------------------
void Interp::apparmor(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "profile") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "a profile name string", sp);
    if (!v || !noMore(a, 1)) return;
    if (v->text.empty() || v->text.find_first_of(" \t\n\"{},") != std::string::npos) {
      err(Code::E0304, v->span, "AppArmor profile name " + q(v->text) + " may not be empty or contain spaces, quotes, braces or commas");
      return;
    }
    std::string name = v->text;
    single("apparmor.profile", "apparmor `profile`", name, sp, [name](ir::Policy& p) { p.apparmor.profileName = name; });
    return;
  }
  if (verb == "nesting") {
    auto b = onOff(a, "nesting");
    if (!b) return;
    bool v = *b;
    single("apparmor.nesting", "apparmor `nesting`", v ? "on" : "off", sp,
           [v, sp](ir::Policy& p) { p.apparmor.nesting = {v, sp}; });
    return;
  }
  if (verb == "flags") {
    static const std::vector<std::string> known = {"attach_disconnected", "chroot_relative", "complain",
                                                   "mediate_deleted",     "namespace_relative", "no_attach_disconnected",
                                                   "unconfined",          "enforce",  "kill", "audit"};
    if (a.terms.empty()) {
      err(Code::E0305, sp, "`flags` needs at least one flag");
      return;
    }
    for (const auto* t : a.terms) {
      const Value* v = want(t, VK::Ident, "an AppArmor flag", sp);
      if (!v) continue;
      if (std::find(known.begin(), known.end(), v->text) == known.end()) {
        err(Code::E0304, v->span, "unknown AppArmor profile flag " + q(v->text) + suggest(v->text, known));
        continue;
      }
      level_.apparmorFlags.push_back(v->text);
    }
    return;
  }
  // rule "raw text,"
  if (a.terms.empty()) {
    err(Code::E0305, sp, "`rule` needs the rule text as a string");
    return;
  }
  for (const auto* t : a.terms) {
    const Value* v = want(t, VK::String, "the rule text as a string", sp);
    if (!v) continue;
    std::string text = v->text;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    if (text.empty() || text.back() != ',' || text.find('\n') != std::string::npos) {
      auto& d = err(Code::E0304, v->span, "a raw AppArmor rule is one line ending with ','");
      if (!text.empty() && text.back() != ',') d.fixes.push_back({v->span, "\"" + text + ",\""});
      continue;
    }
    level_.apparmorRaw.push_back({text, v->span});
  }
}

// ---- lxc -------------------------------------------------------------------------------------------
void Interp::lxc(const ast::Statement& st, const std::string& verb) {
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "set") {
    const Value* k = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "an lxc key string", sp);
    if (!k || !noMore(a, 1)) return;
    if (!st.assigned) {
      err(Code::E0305, sp, "`set` needs a value: set \"lxc.key\" = \"value\";");
      return;
    }
    if (k->text.rfind("lxc.", 0) != 0 || k->text.find_first_of(" \t\n=") != std::string::npos) {
      err(Code::E0304, k->span, "raw LXC keys start with `lxc.` and contain no spaces or '='");
      return;
    }
    const Value& v = *st.assigned;
    if (v.kind == VK::Group || v.text.find('\n') != std::string::npos) {
      err(Code::E0304, v.span, "an LXC value is one line of text");
      return;
    }
    level_.lxcRaw.push_back(ir::LxcRaw{k->text, v.text + (v.kind == VK::Quantity ? v.unit : ""), sp});
    return;
  }
  if (!noAssign(st)) return;
  static const std::vector<std::string> hookTypes = {"autodev", "clone", "destroy", "mount", "post-stop",
                                                     "pre-mount", "pre-start", "start", "start-host", "stop"};
  const Value* type = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a hook type (pre-start, ...)", sp);
  if (!type) return;
  if (std::find(hookTypes.begin(), hookTypes.end(), type->text) == hookTypes.end()) {
    err(Code::E0304, type->span, "unknown LXC hook type " + q(type->text) + suggest(type->text, hookTypes));
    return;
  }
  const Value* path = want(a.terms.size() > 1 ? a.terms[1] : nullptr, VK::String, "the hook program path", sp);
  if (!path || !noMore(a, 2) || !absolutePath(*path, "hook path")) return;
  level_.hooks.push_back(ir::LxcHook{type->text, path->text, sp});
}

// ---- verify ----------------------------------------------------------------------------------------
void Interp::verify(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "fail_on") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "critical, high or medium", sp);
    if (!v || !noMore(a, 1)) return;
    if (v->text != "critical" && v->text != "high" && v->text != "medium") {
      err(Code::E0304, v->span, "`fail_on` takes critical, high or medium, not " + q(v->text) +
                                suggest(v->text, {"critical", "high", "medium"}));
      return;
    }
    std::string s = v->text;
    single("verify.fail_on", "`fail_on`", s, sp,
           [s, sp](ir::Policy& p) { p.verify.failOn = ir::Located<std::string>{s, sp}; });
    return;
  }
  const Value* id = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a finding id (ESC-...)", sp);
  if (!id) return;
  const Value* reason = want(a.terms.size() > 1 ? a.terms[1] : nullptr, VK::String, "a reason string", sp);
  if (!reason || !noMore(a, 2)) return;
  if (reason->text.find_first_not_of(" \t") == std::string::npos) {
    err(Code::E0305, reason->span, "`accept` needs a reason");
    return;
  }
  ir::Accept acc{id->text, reason->text, sp};
  single("verify.accept:" + id->text, "`accept " + id->text + "`", reason->text, sp,
         [acc](ir::Policy& p) { p.verify.accepts.push_back(acc); });
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
namespace {
std::size_t osaDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}
}  // namespace

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string m = closestMatch(word, candidates);
  if (!m.empty() || word.size() > 64) return m;
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::size_t best = limit + 1;
  for (const auto& c : candidates) {
    if (c.size() > word.size() + limit || word.size() > c.size() + limit) continue;
    std::size_t d = osaDistance(word, c);
    if (d < best) { best = d; m = c; }
  }
  return best <= limit ? m : std::string{};
}

namespace {
auto condKey(const ir::ArgCondition& c) { return std::tuple(c.index, static_cast<int>(c.op), c.value, c.mask); }
}  // namespace

void canonicalize(ir::SyscallRule& r) {
  std::stable_sort(r.conditions.begin(), r.conditions.end(),
                   [](const ir::ArgCondition& a, const ir::ArgCondition& b) { return condKey(a) < condKey(b); });
  r.conditions.erase(std::unique(r.conditions.begin(), r.conditions.end()), r.conditions.end());
}

bool sameConditions(const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.conditions == b.conditions; }

bool ruleLess(const ir::SyscallRule& a, const ir::SyscallRule& b) {
  if (a.name != b.name) return a.name < b.name;
  if (a.conditions.size() != b.conditions.size()) return a.conditions.size() < b.conditions.size();
  for (std::size_t i = 0; i < a.conditions.size(); ++i)
    if (condKey(a.conditions[i]) != condKey(b.conditions[i])) return condKey(a.conditions[i]) < condKey(b.conditions[i]);
  auto ak = std::tuple(static_cast<int>(a.action.kind), a.action.errnoValue);
  auto bk = std::tuple(static_cast<int>(b.action.kind), b.action.errnoValue);
  return ak < bk;
}

void setSingle(Level& level, const std::string& key, Single s, Diagnostics& diags) {
  auto it = level.singles.find(key);
  if (it != level.singles.end()) {
    auto& d = diags.error(Code::E0402, s.span, s.what + " is set twice in this policy");
    d.notes.push_back({it->second.span, "first set here"});
    return;
  }
  level.singles.emplace(key, std::move(s));
}

void addRule(Level& level, ir::SyscallRule rule, Diagnostics& diags) {
  canonicalize(rule);
  auto& positions = level.ruleIndex[rule.name];
  for (std::size_t pos : positions) {
    const auto& r = level.rules[pos];
    if (!sameConditions(r, rule)) continue;
    if (r.action == rule.action) return;  // duplicate: keep the first
    bool allowVsDeny = (r.action.kind == ir::Action::Kind::Allow) != (rule.action.kind == ir::Action::Kind::Allow);
    std::string cond = rule.conditions.empty() ? "" : " (with the same argument conditions)";
    auto& d = diags.error(Code::E0403, rule.span,
                          allowVsDeny ? "system call " + std::string("`") + rule.name + "` is both allowed and denied" + cond
                                      : "system call `" + rule.name + "` gets two actions" + cond + ": " +
                                            actionText(r.action) + " and " + actionText(rule.action));
    std::string via = r.viaGroup.empty() ? "" : " (through " + r.viaGroup + ")";
    d.notes.push_back({r.span, actionText(r.action) + " here" + via});
    return;
  }
  positions.push_back(level.rules.size());
  level.rules.push_back(std::move(rule));
}

void mergeSameLevel(Level& into, const Level& from, Diagnostics& diags) {
  for (const auto& [k, s] : from.singles) setSingle(into, k, s, diags);
  for (const auto& [k, s] : from.presence) into.presence.emplace(k, s);
  auto cat = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  cat(into.fileRules, from.fileRules);
  cat(into.devices, from.devices);
  cat(into.listen, from.listen);
  cat(into.connect, from.connect);
  for (const auto& c : from.keep) {
    auto contra = std::find_if(into.drop.begin(), into.drop.end(), [&](const ir::Capability& x) { return x.name == c.name; });
    if (contra != into.drop.end()) {
      auto& d = diags.error(Code::E0405, c.span, "capability `" + c.name + "` is both kept and dropped in this policy");
      d.notes.push_back({contra->span, "dropped here"});
      continue;
    }
    into.keep.push_back(c);
  }
  for (const auto& c : from.drop) {
    auto contra = std::find_if(into.keep.begin(), into.keep.end(), [&](const ir::Capability& x) { return x.name == c.name; });
    if (contra != into.keep.end()) {
      auto& d = diags.error(Code::E0405, c.span, "capability `" + c.name + "` is both kept and dropped in this policy");
      d.notes.push_back({contra->span, "kept here"});
      continue;
    }
    into.drop.push_back(c);
  }
  for (const auto& r : from.rules) addRule(into, r, diags);
  cat(into.apparmorFlags, from.apparmorFlags);
  cat(into.apparmorRaw, from.apparmorRaw);
  cat(into.lxcRaw, from.lxcRaw);
  cat(into.hooks, from.hooks);
}

void interpretSection(const ast::Section& section, const Groups& groups, Level& level, Diagnostics& diags) {
  Interp(groups, level, diags).section(section);
}

}  // namespace ward::sema::detail
