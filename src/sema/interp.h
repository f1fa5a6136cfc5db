#pragma once
// The section interpreter of sema (internal): one ast::Section -> contributions to a Level, with every name,
// unit and value checked. Its handlers are declared once, with the sections and statements they accept,
// in statements.def; interpret.cpp holds the dispatch and the Level operations, sections_*.cpp the handlers
// (a few sections each). See docs/language.md for the meaning of each statement.
#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sema/internal.h"
#include "sema/names.h"
#include "sema/units.h"

namespace ward::sema::detail {

using ast::Value;
using VK = ast::Value::Kind;

inline std::string q(std::string_view s) { return "`" + std::string(s) + "`"; }

inline std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string m = closest(word, candidates);
  return m.empty() ? std::string{} : "; did you mean " + q(m) + "?";
}

inline std::string kindName(VK k) {
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

inline Args argsOf(const ast::Statement& st) {
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

  void verifyBaseline(const Args& a, Span sp);   // verify { baseline "FILE" [POLICY]; }

  // ---- sections: one handler per WARD_SECTION of statements.def, Interp::<id> (sections_*.cpp) ----
  using Handler = void (Interp::*)(const ast::Statement& st, const std::string& verb);
#define WARD_SECTION(id, doc) void id(const ast::Statement& st, const std::string& verb);
#include "sema/statements.def"
  static Handler handler(std::string_view section);   // nullptr for a section statements.def lacks

  // limits (sections_limits.cpp): one function per kind of limit.
  struct LimitStmt;
  const ast::Term* limitValue(const LimitStmt& l, const char* desc);
  void setLimit(const LimitStmt& l, std::uint64_t v, std::optional<ir::Located<std::uint64_t>> ir::Limits::*field);
  std::optional<std::uint64_t> limitCountValue(const LimitStmt& l, const Value& v);
  void limitBytes(const LimitStmt& l);
  void limitCount(const LimitStmt& l);
  void limitWeight(const LimitStmt& l);
  void limitCpu(const LimitStmt& l);
  void limitCpuset(const LimitStmt& l);
  void limitDeviceBps(const LimitStmt& l);
  void limitHugetlb(const LimitStmt& l);
  void limitRlimit(const LimitStmt& l, bool inBytes);

  // network (sections_network.cpp)
  void networkEndpoint(const Args& a, const std::string& verb, const Span& sp);
  std::optional<ir::PortRange> portRange(const ast::Term& t);
  // identity, mounts (sections_identity.cpp)
  void identityIdmap(const Args& a, const ast::Statement& st);
  void mountsFs(const Args& a, const std::string& verb, const Span& sp);
  void mountsRoot(const Args& a, const Span& sp);
  bool mountOptions(const Args& a, std::size_t i, ir::Mount& mt, const Span& sp);
  // syscalls (sections_syscalls.cpp)
  void syscallsFallback(const Args& a, const std::string& verb, const Span& sp);
  void syscallsArch(const Args& a, const Span& sp);
  void syscallsRules(const Args& a, const std::string& verb, const Span& sp);
  void syscallTarget(const ast::Term& t, const ir::Action& act);
  std::optional<ir::Action> action(const Args& a, std::size_t from, std::size_t& used, const Span& where);
  std::optional<std::vector<std::vector<ir::ArgCondition>>> conditionChoices(const std::string& syscall,
                                                                            const ast::Condition& c, unsigned idx);
  std::vector<std::vector<ir::ArgCondition>> conditions(const std::string& syscall, const ast::Term& t, bool& ok);
  std::optional<std::uint64_t> orValue(const std::vector<Value>& vs, const std::string& syscall);
  std::optional<ir::Capability> capability(const Value& v);
};

}  // namespace ward::sema::detail
