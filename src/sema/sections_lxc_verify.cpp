// The handlers of the lxc and verify sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

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
  if (verb == "baseline") {
    verifyBaseline(a, sp);
    return;
  }
  const Value* id = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a finding id (ESC-...)", sp);
  if (!id) return;
  // accept DIFF-WIDER "LAYER: WHAT" "reason": a widening against the baseline, named as the gate prints it.
  const bool widening = id->text == "DIFF-WIDER" || id->text == "DIFF-POSSIBLY-WIDER";
  const std::size_t r = widening ? 2 : 1;
  const Value* selector = nullptr;
  if (widening) {
    selector = want(a.terms.size() > 1 ? a.terms[1] : nullptr, VK::String,
                    "the widening it accepts, as printed (\"capabilities: keeps sys_admin\", or a layer)", sp);
    if (!selector) return;
  }
  const Value* reason = want(a.terms.size() > r ? a.terms[r] : nullptr, VK::String, "a reason string", sp);
  if (!reason || !noMore(a, r + 1)) return;
  if (reason->text.find_first_not_of(" \t") == std::string::npos) {
    err(Code::E0305, reason->span, "`accept` needs a reason");
    return;
  }
  ir::Accept acc{id->text, reason->text, sp, selector ? selector->text : std::string()};
  const std::string key = id->text + (selector ? " " + selector->text : std::string());
  single("verify.accept:" + key, "`accept " + key + "`", reason->text, sp,
         [acc](ir::Policy& p) { p.verify.accepts.push_back(acc); });
}

void Interp::verifyBaseline(const Args& a, Span sp) {
  const Value* path = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "the baseline's file (\"main.ward\")", sp);
  if (!path) return;
  const Value* policy = nullptr;
  if (a.terms.size() > 1) {
    policy = want(a.terms[1], VK::Ident, "the baseline's policy name", sp);
    if (!policy) return;
  }
  if (!noMore(a, policy ? 2 : 1)) return;
  if (path->text.empty()) {
    err(Code::E0304, path->span, "`baseline` needs a file");
    return;
  }
  ir::Baseline b{path->text, policy ? policy->text : std::string(), sp};
  single("verify.baseline", "`baseline`", b.path + " " + b.policy, sp, [b](ir::Policy& p) { p.verify.baseline = b; });
}

}  // namespace ward::sema::detail
