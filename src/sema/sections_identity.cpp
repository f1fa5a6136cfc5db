// The handlers of the identity, files, mounts and devices sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

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
  identityIdmap(a, st);
}

// idmap auto | none | uid IN OUT COUNT | gid IN OUT COUNT. The maps written in one body form one value.
void Interp::identityIdmap(const Args& a, const ast::Statement& st) {
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
  if (verb == "proc" || verb == "sys" || verb == "cgroup") return mountsFs(a, verb, sp);
  if (verb == "root") return mountsRoot(a, sp);
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
  if (!mountOptions(a, i, mt, sp)) return;
  std::string canon = (mt.kind == ir::Mount::Kind::Bind ? "bind " + mt.source : std::string("tmpfs")) +
                      (mt.readOnly ? " ro" : " rw") + (mt.noexec ? " noexec" : "") + (mt.nosuid ? "" : " suid") +
                      (mt.nodev ? "" : " dev") + (mt.optional ? " optional" : "") +
                      (mt.sizeBytes ? " size " + std::to_string(*mt.sizeBytes) : "") +
                      (mt.mode ? " mode " + std::to_string(*mt.mode) : "");
  single("mounts.at:" + mt.target, "the mount at " + q(mt.target), canon, sp,
         [mt](ir::Policy& p) { p.files.mounts.push_back(mt); });
}

// proc / sys / cgroup ro|mixed|rw|off
void Interp::mountsFs(const Args& a, const std::string& verb, const Span& sp) {
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
}

// root ro|rw
void Interp::mountsRoot(const Args& a, const Span& sp) {
  const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "`ro` or `rw`", sp);
  if (!v || !noMore(a, 1)) return;
  if (v->text != "ro" && v->text != "rw") {
    err(Code::E0304, v->span, "`root` takes ro or rw, not " + q(v->text) + suggest(v->text, {"ro", "rw"}));
    return;
  }
  const bool ro = v->text == "ro";
  single("mounts.root", "`root`", v->text, sp, [ro, sp](ir::Policy& p) { p.files.rootReadOnly = {ro, sp}; });
}

// The options after a bind or tmpfs mount's paths, from term `i` on; false when one is reported.
bool Interp::mountOptions(const Args& a, std::size_t i, ir::Mount& mt, const Span& sp) {
  std::optional<Span> roSpan, rwSpan;
  for (; i < a.terms.size(); ++i) {
    const Value* w = want(a.terms[i], VK::Ident, "a mount option", sp);
    if (!w) return false;
    const std::string& o = w->text;
    if (mt.kind == ir::Mount::Kind::Tmpfs && (o == "size" || o == "mode")) {
      if (i + 1 >= a.terms.size()) {
        err(Code::E0305, w->span, q(o) + " needs a value");
        return false;
      }
      const Value& v = a.terms[++i]->head;
      if (o == "size") {
        auto b = bytes(v);
        if (!b) return false;
        mt.sizeBytes = *b;
      } else {
        auto n = integer(v);
        if (!n) return false;
        if (*n > 07777) {
          err(Code::E0301, v.span, "mode " + v.text + " is out of range (0..0o7777)");
          return false;
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
      return false;
    }
  }
  if (roSpan && rwSpan) {
    auto& d = err(Code::E0405, *rwSpan, "a mount cannot be both `ro` and `rw`");
    d.notes.push_back({*roSpan, "`ro` here"});
    return false;
  }
  return true;
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

}  // namespace ward::sema::detail
