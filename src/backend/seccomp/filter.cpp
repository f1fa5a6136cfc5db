#include "backend/seccomp/filter.h"

#include <seccomp.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/libseccomp_util.h"

namespace ward::backend::seccomp {

namespace {

constexpr std::size_t kMaxComplementTerms = 64;

std::string actionText(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return "allow";
    case ir::Action::Kind::Errno: return fmt::format("errno {}", a.errnoValue);
    case ir::Action::Kind::KillProcess: return "kill";
    case ir::Action::Kind::KillThread: return "kill_thread";
    case ir::Action::Kind::Trap: return "trap";
    case ir::Action::Kind::Log: return "log";
    case ir::Action::Kind::Notify: return "notify";
  }
  return "?";
}

// Actions compare by what the kernel does (the errno name is only spelling).
bool sameAction(const ir::Action& a, const ir::Action& b) { return actionValue(a) == actionValue(b); }

// The negation of one condition as a disjunction of alternatives; an alternative with no condition is
// "always true". An empty result means the negation is always false.
std::vector<std::vector<ir::ArgCondition>> negate(const ir::ArgCondition& c) {
  using Op = ir::ArgCondition::Op;
  auto one = [&](Op op) {
    ir::ArgCondition n = c;
    n.op = op;
    return std::vector<std::vector<ir::ArgCondition>>{{n}};
  };
  switch (c.op) {
    case Op::Eq: return one(Op::Ne);
    case Op::Ne: return one(Op::Eq);
    case Op::Lt: return one(Op::Ge);
    case Op::Ge: return one(Op::Lt);
    case Op::Le: return one(Op::Gt);
    case Op::Gt: return one(Op::Le);
    case Op::MaskedEq: {
      if ((c.value & ~c.mask) != 0) return {{}};   // never holds, so its negation always does
      std::vector<std::vector<ir::ArgCondition>> alts;
      for (unsigned bit = 0; bit < 64; ++bit) {    // (arg & m) != v  <=>  some bit of m differs from v
        const std::uint64_t b = std::uint64_t{1} << bit;
        if (!(c.mask & b)) continue;
        ir::ArgCondition n = c;
        n.mask = b;
        n.value = ~c.value & b;
        alts.push_back({n});
      }
      return alts;   // mask 0 and value 0: always true, negation empty (always false)
    }
  }
  return {};
}

// A conjunction libseccomp 2.5 accepts: at most one comparison per argument (identical ones merge).
// Returns false when two different comparisons hit one argument.
bool normalizeConjunction(std::vector<ir::ArgCondition>& conj) {
  std::sort(conj.begin(), conj.end(), [](const ir::ArgCondition& x, const ir::ArgCondition& y) {
    return std::tie(x.index, x.op, x.value, x.mask) < std::tie(y.index, y.op, y.value, y.mask);
  });
  conj.erase(std::unique(conj.begin(), conj.end()), conj.end());
  for (std::size_t i = 1; i < conj.size(); ++i)
    if (conj[i].index == conj[i - 1].index) return false;
  return true;
}

scmp_compare compareOp(ir::ArgCondition::Op op) {
  switch (op) {
    case ir::ArgCondition::Op::Eq: return SCMP_CMP_EQ;
    case ir::ArgCondition::Op::Ne: return SCMP_CMP_NE;
    case ir::ArgCondition::Op::Lt: return SCMP_CMP_LT;
    case ir::ArgCondition::Op::Le: return SCMP_CMP_LE;
    case ir::ArgCondition::Op::Gt: return SCMP_CMP_GT;
    case ir::ArgCondition::Op::Ge: return SCMP_CMP_GE;
    case ir::ArgCondition::Op::MaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

bool holds(const ir::ArgCondition& c, std::uint64_t v) {
  switch (c.op) {
    case ir::ArgCondition::Op::Eq: return v == c.value;
    case ir::ArgCondition::Op::Ne: return v != c.value;
    case ir::ArgCondition::Op::Lt: return v < c.value;
    case ir::ArgCondition::Op::Le: return v <= c.value;
    case ir::ArgCondition::Op::Gt: return v > c.value;
    case ir::ArgCondition::Op::Ge: return v >= c.value;
    case ir::ArgCondition::Op::MaskedEq: return (v & c.mask) == c.value;
  }
  return false;
}

// For syscalls whose fallback relies on libseccomp's rule order (PlannedRule::byOrder), run the exported
// program on argument values around every comparison and check that conditional rules win.
bool verifyOrderedComplements(const std::vector<PlannedRule>& plan, const std::string& bytes,
                              const std::vector<std::uint32_t>& arches, Diagnostics& diags) {
  std::vector<const PlannedRule*> ordered;
  for (const auto& r : plan)
    if (r.byOrder) ordered.push_back(&r);
  if (ordered.empty()) return true;
  std::string error;
  auto program = bpf::parse(bytes, &error);
  if (!program) {
    diags.error("E1001", {}, "exported filter does not parse: " + error);
    return false;
  }
  bool ok = true;
  for (const auto* fb : ordered) {
    std::vector<const PlannedRule*> conds;
    for (const auto& r : plan)
      if (r.name == fb->name && !r.complement) conds.push_back(&r);
    // Probe vectors: all zero; each rule satisfied; each comparison's value and its neighbours.
    std::vector<std::array<std::uint64_t, 6>> probes{{}};
    for (const auto* r : conds) {
      std::array<std::uint64_t, 6> sat{};
      for (const auto& c : r->conditions) {
        std::uint64_t v = c.value;
        if (c.op == ir::ArgCondition::Op::Ne || c.op == ir::ArgCondition::Op::Gt) v = c.value + 1;
        if (c.op == ir::ArgCondition::Op::Lt) v = c.value - 1;
        sat[c.index] = v;
      }
      probes.push_back(sat);
      for (const auto& c : r->conditions) {
        for (std::uint64_t v : {c.value, c.value + 1, c.value - 1, c.value ^ c.mask, std::uint64_t{0}}) {
          auto a = sat;
          a[c.index] = v;
          probes.push_back(a);
          std::array<std::uint64_t, 6> z{};
          z[c.index] = v;
          probes.push_back(z);
        }
      }
    }
    for (auto token : arches) {
      const int nr = seccomp_syscall_resolve_name_arch(token, fb->name.c_str());
      if (nr < 0) continue;
      const bool is32 = token != SCMP_ARCH_X86_64;
      const std::uint32_t audit = token == SCMP_ARCH_X86 ? bpf::kAuditArchI386 : bpf::kAuditArchX86_64;
      for (const auto& args : probes) {
        if (is32 && std::any_of(args.begin(), args.end(), [](std::uint64_t v) { return v > 0xffffffffu; })) continue;
        std::optional<std::uint32_t> want;
        bool ambiguous = false;
        for (const auto* r : conds) {
          bool all = true;
          for (const auto& c : r->conditions) all = all && holds(c, args[c.index]);
          if (!all) continue;
          if (want && *want != actionValue(r->action)) ambiguous = true;
          want = actionValue(r->action);
        }
        if (ambiguous) continue;
        if (!want) want = actionValue(fb->action);
        bpf::Data d;
        d.arch = audit;
        d.nr = nr;
        d.args = args;
        const auto got = bpf::run(*program, d);
        if (got.ret != *want) {
          diags.error("E1001", fb->span,
                      fmt::format("'{}': libseccomp did not order the conditional rules before the rule without "
                                  "conditions (arg values {:#x} {:#x}: got {}, want {}); write the complementary "
                                  "rules explicitly", fb->name, args[0], args[1], bpf::describe(got.ret),
                                  bpf::describe(*want)));
          ok = false;
          break;
        }
      }
      if (!ok) break;
    }
  }
  return ok;
}

}  // namespace

const std::vector<ir::SyscallRule>& effectiveRules(const ir::Policy& policy) {
  return policy.mechanism.lowered ? policy.mechanism.syscallRules : policy.syscalls.rules;
}

std::optional<std::uint32_t> archToken(std::string_view name) {
  if (name == "x86_64" || name == "amd64") return SCMP_ARCH_X86_64;
  if (name == "x86" || name == "i386" || name == "i686") return SCMP_ARCH_X86;
  if (name == "x32") return SCMP_ARCH_X32;
  return std::nullopt;
}

std::uint32_t actionValue(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return SCMP_ACT_ALLOW;
    case ir::Action::Kind::Errno: return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(a.errnoValue));
    case ir::Action::Kind::KillProcess: return SCMP_ACT_KILL_PROCESS;
    case ir::Action::Kind::KillThread: return SCMP_ACT_KILL_THREAD;
    case ir::Action::Kind::Trap: return SCMP_ACT_TRAP;
    case ir::Action::Kind::Log: return SCMP_ACT_LOG;
    case ir::Action::Kind::Notify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

bool existsOnArch(std::string_view syscall, std::uint32_t token) {
  const std::string name(syscall);
  const int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
  if (nr >= 0) return true;
  // libseccomp's pseudo numbers: -100..-299 are socketcall(2)/ipc(2) multiplexed calls (real on x86),
  // -10000 and below mean "not on this arch", -1 is __NR_SCMP_ERROR (unknown name).
  return nr < -1 && nr > -10000;
}

std::optional<std::vector<PlannedRule>> planRules(const ir::Policy& policy, Diagnostics& diags) {
  const auto& rules = effectiveRules(policy);
  const ir::Action& def = policy.syscalls.defaultAction.value;
  bool ok = true;

  // Group by syscall name, keeping the (deterministic) order in which names first appear.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ir::SyscallRule*>> byName;
  for (const auto& r : rules) {
    auto [it, inserted] = byName.try_emplace(r.name);
    if (inserted) order.push_back(r.name);
    it->second.push_back(&r);
  }

  std::vector<PlannedRule> plan;
  for (const auto& name : order) {
    const auto& group = byName[name];
    if (seccomp_syscall_resolve_name(name.c_str()) == __NR_SCMP_ERROR) {
      diags.error("E1001", group.front()->span, fmt::format("libseccomp does not know the system call '{}'", name));
      ok = false;
      continue;
    }
    const ir::SyscallRule* uncond = nullptr;
    std::vector<const ir::SyscallRule*> conds;
    bool groupOk = true;
    for (const auto* r : group) {
      if (r->conditions.size() > 6) {
        diags.error("E1001", r->span, fmt::format("'{}': more than 6 argument conditions", name));
        groupOk = false;
        continue;
      }
      for (const auto& c : r->conditions) {
        if (c.index > 5) {
          diags.error("E1001", c.span.valid() ? c.span : r->span, fmt::format("'{}': argument index {} (0..5)", name, c.index));
          groupOk = false;
        }
      }
      if (r->conditions.empty()) {
        if (uncond && !sameAction(uncond->action, r->action)) {
          auto& d = diags.error("E1001", r->span,
                                fmt::format("'{}' is both {} and {} without conditions", name,
                                            actionText(uncond->action), actionText(r->action)));
          d.notes.push_back({uncond->span, "the other rule"});
          groupOk = false;
        }
        if (!uncond) uncond = r;
      } else {
        conds.push_back(r);
      }
    }
    if (!groupOk) {
      ok = false;
      continue;
    }
    const ir::Action fallback = uncond ? uncond->action : def;
    // Conditional rules that repeat what the syscall gets anyway add nothing.
    std::vector<const ir::SyscallRule*> effective;
    for (const auto* r : conds)
      if (!sameAction(r->action, fallback)) effective.push_back(r);

    for (const auto* r : effective) {
      PlannedRule p{r->name, r->action, r->conditions, r->span, false, false};
      if (!normalizeConjunction(p.conditions)) {
        diags.error("E1001", r->span,
                    fmt::format("'{}': two different comparisons of one argument in one rule (libseccomp "
                                "accepts one per argument)", name));
        ok = false;
        continue;
      }
      plan.push_back(std::move(p));
    }
    if (!uncond || sameAction(fallback, def)) continue;
    if (effective.empty()) {
      plan.push_back({name, fallback, {}, uncond->span, false, false});
      continue;
    }
    // fallback applies where no conditional rule matches: the complement of their disjunction, in DNF.
    std::vector<std::vector<ir::ArgCondition>> terms{{}};
    bool expressible = true;
    for (const auto* r : effective) {
      // not(c1 and c2 ...) = not c1 or not c2 ...
      std::vector<std::vector<ir::ArgCondition>> alts;
      bool alwaysTrue = false;
      for (const auto& c : r->conditions) {
        for (auto& alt : negate(c)) {
          if (alt.empty()) alwaysTrue = true;
          alts.push_back(std::move(alt));
        }
      }
      if (alwaysTrue) continue;   // this rule can never match; it does not narrow the fallback
      std::vector<std::vector<ir::ArgCondition>> next;
      for (const auto& t : terms) {
        for (const auto& alt : alts) {
          auto conj = t;
          conj.insert(conj.end(), alt.begin(), alt.end());
          if (!normalizeConjunction(conj)) {
            expressible = false;
            continue;
          }
          next.push_back(std::move(conj));
        }
      }
      terms = std::move(next);
      if (!expressible || terms.size() > kMaxComplementTerms) {
        expressible = false;
        break;
      }
    }
    if (!expressible) {
      // Fall back on libseccomp's ordering: within one syscall it tests higher argument numbers first and,
      // on one argument, NE/LT/LE/EQ before GE. An always-true `argK >= 0` on the lowest argument the
      // conditional rules test therefore comes last. buildFilter() verifies the result.
      unsigned k = 5;
      for (const auto* r : effective)
        for (const auto& c : r->conditions) k = std::min(k, c.index);
      ir::ArgCondition always;
      always.index = k;
      always.op = ir::ArgCondition::Op::Ge;
      always.value = 0;
      always.span = uncond->span;
      PlannedRule p{name, fallback, {always}, uncond->span, true, true};
      plan.push_back(std::move(p));
      continue;
    }
    for (auto& t : terms) plan.push_back({name, fallback, std::move(t), uncond->span, true, false});
  }
  if (!ok) return std::nullopt;
  return plan;
}

std::optional<Filter> buildFilter(const ir::Policy& policy, const FilterOptions& options, Diagnostics& diags) {
  const auto& sc = policy.syscalls;
  auto plan = planRules(policy, diags);
  if (!plan) return std::nullopt;

  if (sc.defaultAction.value.kind == ir::Action::Kind::Notify) {
    diags.error("E1001", sc.defaultAction.span, "the default action cannot be notify");
    return std::nullopt;
  }
  if (sc.foreignAction.value.kind == ir::Action::Kind::Allow || sc.foreignAction.value.kind == ir::Action::Kind::Log ||
      sc.foreignAction.value.kind == ir::Action::Kind::Notify) {
    diags.error("E1001", sc.foreignAction.span, "the action for foreign architectures must block (never an unfiltered path)");
    return std::nullopt;
  }
  std::vector<std::uint32_t> arches;
  for (const auto& a : sc.arches) {
    auto t = archToken(a);
    if (!t) {
      diags.error("E1001", sc.defaultAction.span, fmt::format("unsupported architecture '{}' (x86_64, x86, x32)", a));
      return std::nullopt;
    }
    if (std::find(arches.begin(), arches.end(), *t) == arches.end()) arches.push_back(*t);
  }
  if (arches.empty()) {
    diags.error("E1001", sc.defaultAction.span, "no architecture to filter");
    return std::nullopt;
  }

  auto fail = [&](const Span& span, std::string what) -> std::optional<Filter> {
    diags.error("E1001", span, std::move(what));
    return std::nullopt;
  };

  CtxPtr ctx(seccomp_init(actionValue(sc.defaultAction.value)));
  if (!ctx) return fail(sc.defaultAction.span, "libseccomp rejected the default action");
  scmp_filter_ctx c = ctx.get();
  int rc = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, actionValue(sc.foreignAction.value));
  if (rc < 0) return fail(sc.foreignAction.span, fmt::format("libseccomp rejected the foreign action: {}", std::strerror(-rc)));
  // The runtime sets no_new_privs itself (or not); the exported program does not depend on it.
  seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
  rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, static_cast<std::uint32_t>(options.optimize));
  if (rc < 0) return fail({}, fmt::format("libseccomp rejected optimize level {}: {}", options.optimize, std::strerror(-rc)));

  // seccomp_init gave us the native arch (x86_64 on the hosts ward supports).
  const std::uint32_t native = seccomp_arch_native();
  if (std::find(arches.begin(), arches.end(), native) == arches.end()) {
    // Add the first wanted arch before dropping the native one (a filter needs at least one arch).
    if ((rc = seccomp_arch_add(c, arches.front())) < 0) return fail({}, fmt::format("seccomp_arch_add: {}", std::strerror(-rc)));
    if ((rc = seccomp_arch_remove(c, native)) < 0) return fail({}, fmt::format("seccomp_arch_remove: {}", std::strerror(-rc)));
  }
  for (auto t : arches) {
    if (seccomp_arch_exist(c, t) == 0) continue;
    if ((rc = seccomp_arch_add(c, t)) < 0) return fail({}, fmt::format("seccomp_arch_add: {}", std::strerror(-rc)));
  }
  const bool has32 = std::find(arches.begin(), arches.end(), static_cast<std::uint32_t>(SCMP_ARCH_X86)) != arches.end() ||
                     std::find(arches.begin(), arches.end(), static_cast<std::uint32_t>(SCMP_ARCH_X32)) != arches.end();

  bool ok = true;
  for (const auto& r : *plan) {
    bool anywhere = false;
    for (auto t : arches) anywhere = anywhere || existsOnArch(r.name, t);
    if (!anywhere) continue;   // e.g. an x86-only call in an x86_64-only filter
    std::vector<scmp_arg_cmp> cmps;
    for (const auto& cond : r.conditions) {
      if (has32 && (cond.value > 0xffffffffu || cond.mask > 0xffffffffu)) {
        diags.error("E1001", cond.span.valid() ? cond.span : r.span,
                    fmt::format("'{}': value {:#x} does not fit the 32-bit arguments of x86/x32 (libseccomp would "
                                "compare only the low 32 bits)", r.name, std::max(cond.value, cond.mask)));
        ok = false;
        continue;
      }
      scmp_arg_cmp cmp{};
      cmp.arg = cond.index;
      cmp.op = compareOp(cond.op);
      if (cond.op == ir::ArgCondition::Op::MaskedEq) {
        cmp.datum_a = cond.mask;
        cmp.datum_b = cond.value;
      } else {
        cmp.datum_a = cond.value;
      }
      cmps.push_back(cmp);
    }
    if (!ok) continue;
    const int nr = seccomp_syscall_resolve_name(r.name.c_str());
    rc = seccomp_rule_add_array(c, actionValue(r.action), nr, static_cast<unsigned>(cmps.size()), cmps.data());
    if (rc < 0) {
      diags.error("E1001", r.span, fmt::format("libseccomp rejected the rule for '{}' ({}): {}", r.name,
                                               actionText(r.action), std::strerror(-rc)));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;

  std::string error;
  auto bpfBytes = exportFilter(c, false, &error);
  if (!bpfBytes) return fail({}, error);
  if (!verifyOrderedComplements(*plan, *bpfBytes, arches, diags)) return std::nullopt;
  auto pfcText = exportFilter(c, true, &error);
  if (!pfcText) return fail({}, error);
  return Filter{std::move(*bpfBytes), std::move(*pfcText)};
}

}  // namespace ward::backend::seccomp
