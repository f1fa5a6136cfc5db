// The handlers of the selinux and apparmor sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

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

}  // namespace ward::sema::detail
