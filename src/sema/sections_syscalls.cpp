// The handlers of the syscalls (actions, argument conditions, rules) sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

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
// The alternatives one condition stands for (`A & M != V` is one masked-equality rule per bit of M), or
// nullopt when it is reported.
std::optional<std::vector<std::vector<ir::ArgCondition>>> Interp::conditionChoices(const std::string& syscall,
                                                                                    const ast::Condition& c,
                                                                                    unsigned idx) {
  auto value = orValue(c.value, syscall);
  std::optional<std::uint64_t> mask;
  if (!c.mask.empty()) mask = orValue(c.mask, syscall);
  if (!value || (!c.mask.empty() && !mask)) return std::nullopt;
  using Op = ir::ArgCondition::Op;
  std::vector<std::vector<ir::ArgCondition>> choice;  // alternatives for this one condition
  ir::ArgCondition ac;
  ac.index = idx;
  ac.span = c.span;
  if (!mask) {
    static const std::map<std::string, Op> ops = {{"==", Op::Eq}, {"!=", Op::Ne}, {"<", Op::Lt},
                                                  {"<=", Op::Le}, {">", Op::Gt},  {">=", Op::Ge}};
    auto it = ops.find(c.op);
    if (it == ops.end()) {
      err(Code::E0306, c.opSpan, "unknown comparison " + q(c.op));
      return std::nullopt;
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
      return std::nullopt;
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
    return std::nullopt;
  }
  return choice;
}

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
    auto choices = conditionChoices(syscall, c, *idx);
    if (!choices) {
      ok = false;
      continue;
    }
    const auto& choice = *choices;
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
  const Args a = argsOf(st);
  if (verb == "default" || verb == "foreign") return syscallsFallback(a, verb, st.span);
  if (verb == "arch") return syscallsArch(a, st.span);
  syscallsRules(a, verb, st.span);
}

// default / foreign ACTION
void Interp::syscallsFallback(const Args& a, const std::string& verb, const Span& sp) {
  std::size_t used = 0;
  auto act = action(a, 0, used, sp);
  if (!act || !noMore(a, used)) return;
  ir::Action ac = *act;
  bool def = verb == "default";
  single(def ? "syscalls.default" : "syscalls.foreign", def ? "the default action" : "the foreign-arch action",
         actionText(ac), sp, [def, ac, sp](ir::Policy& p) {
           (def ? p.syscalls.defaultAction : p.syscalls.foreignAction) = {ac, sp};
         });
}

// arch NAMES
void Interp::syscallsArch(const Args& a, const Span& sp) {
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
}

// allow / deny / kill / kill_thread / trap / log TARGETS... [errno E]
void Interp::syscallsRules(const Args& a, const std::string& verb, const Span& sp) {
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
  for (std::size_t i = 0; i < n; ++i) syscallTarget(*a.terms[i], act);
}

// One target of a rule: a @group (every call it expands to) or a call, with or without conditions.
void Interp::syscallTarget(const ast::Term& t, const ir::Action& act) {
  if (t.head.kind == VK::Group) {
    if (!noCall(t)) return;
    auto it = groups_.expanded.find(t.head.text);
    if (it == groups_.expanded.end()) {
      err(Code::E0204, t.head.span, "unknown syscall group " + q(t.head.text) + suggest(t.head.text, groups_.names()) +
                                    (groups_.expanded.empty() ? " (no groups are defined; import \"std/syscalls\")" : ""));
      return;
    }
    for (const auto& name : it->second) {
      ir::SyscallRule r;
      r.name = name;
      r.action = act;
      r.span = t.span;
      r.viaGroup = t.head.text;
      addRule(level_, std::move(r), diags_);
    }
    return;
  }
  if (t.head.kind != VK::Ident) {
    err(Code::E0304, t.head.span, "expected a system call or @group, found " + kindName(t.head.kind));
    return;
  }
  const std::string& name = t.head.text;
  if (!names::findSyscall(name)) {
    err(Code::E0202, t.head.span, "unknown system call " + q(name) + suggest(name, names::syscallNames()) +
                                  " (not known to libseccomp on x86_64, x86 or x32)");
    return;
  }
  bool ok = true;
  auto alts = conditions(name, t, ok);
  if (!ok) return;
  for (auto& conds : alts) {
    ir::SyscallRule r;
    r.name = name;
    r.action = act;
    r.conditions = std::move(conds);
    r.span = t.span;
    addRule(level_, std::move(r), diags_);
  }
}

}  // namespace ward::sema::detail
