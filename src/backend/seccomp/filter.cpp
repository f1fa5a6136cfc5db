#include "backend/seccomp/filter.h"
#include "ir/dump.h"

#include <linux/filter.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/bpf_opt.h"
#include "backend/seccomp/filter_cache.h"
#include "backend/seccomp/libseccomp_util.h"

namespace ward::backend::seccomp {

namespace {

constexpr std::size_t kMaxComplementTerms = 64;

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

// What the plan says for one syscall on one argument vector: a matching conditional rule, else a matching
// complement, else the default. nullopt when conditional rules with different actions match (libseccomp's
// choice among overlapping rules is its own; nothing to check there).
std::optional<std::uint32_t> planDecision(const std::vector<const PlannedRule*>& rules,
                                          const std::array<std::uint64_t, 6>& args, std::uint32_t def) {
  auto matches = [&](const PlannedRule& r) {
    return std::all_of(r.conditions.begin(), r.conditions.end(), [&](const ir::ArgCondition& c) { return holds(c, args[c.index]); });
  };
  std::optional<std::uint32_t> want;
  for (const auto* r : rules) {
    if (r->complement || !matches(*r)) continue;
    if (want && *want != actionValue(r->action)) return std::nullopt;
    want = actionValue(r->action);
  }
  if (want) return want;
  for (const auto* r : rules)
    if (r->complement && matches(*r)) return actionValue(r->action);
  return def;
}

// Argument vectors around every comparison of the rules: all zero; each rule satisfied; each comparison's
// value and its neighbours, alone and within the satisfying vector.
std::vector<std::array<std::uint64_t, 6>> probeArgs(const std::vector<const PlannedRule*>& rules) {
  std::vector<std::array<std::uint64_t, 6>> probes{{}};
  for (const auto* r : rules) {
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
  return probes;
}

constexpr int kX86Socketcall = 102;   // socketcall(2) on i386
constexpr int kX86Ipc = 117;          // ipc(2) on i386

// Runs the exported program where the filter depends on libseccomp doing what ward expects, and compares
// with the plan:
//  - syscalls whose fallback relies on libseccomp's rule order (PlannedRule::byOrder), on every arch;
//  - on x86, every call libseccomp multiplexes (on its direct number) and socketcall/ipc themselves (on
//    every call number, with and without ipc's version bits), which must get their own rule, not a copy.
bool verifyDecisions(const std::vector<PlannedRule>& plan, const std::string& bytes, const std::vector<std::uint32_t>& arches,
                     std::uint32_t def, Diagnostics& diags) {
  std::map<std::string, std::vector<const PlannedRule*>> byName;
  for (const auto& r : plan) byName[r.name].push_back(&r);
  std::set<std::string> ordered;
  for (const auto& r : plan)
    if (r.byOrder) ordered.insert(r.name);
  const bool hasX86 = std::find(arches.begin(), arches.end(), static_cast<std::uint32_t>(SCMP_ARCH_X86)) != arches.end();
  if (ordered.empty() && !hasX86) return true;
  std::string error;
  auto program = bpf::parse(bytes, &error);
  if (!program) {
    diags.error(Code::E1001, {}, "exported filter does not parse: " + error);
    return false;
  }
  // One check: a syscall name, the arch, the number and the argument vectors to try.
  auto check = [&](const std::string& name, std::uint32_t token, int nr,
                   const std::vector<std::array<std::uint64_t, 6>>& probes) {
    static const std::vector<const PlannedRule*> none;
    auto it = byName.find(name);
    const auto& rules = it == byName.end() ? none : it->second;
    const bool is32 = token != SCMP_ARCH_X86_64;
    const std::uint32_t audit = token == SCMP_ARCH_X86 ? bpf::kAuditArchI386 : bpf::kAuditArchX86_64;
    for (const auto& args : probes) {
      if (is32 && std::any_of(args.begin(), args.end(), [](std::uint64_t v) { return v > 0xffffffffu; })) continue;
      const auto want = planDecision(rules, args, def);
      if (!want) continue;
      bpf::Data d;
      d.arch = audit;
      d.nr = nr;
      d.args = args;
      const auto got = bpf::run(*program, d);
      if (got.ret == *want) continue;
      const Span span = rules.empty() ? Span{} : rules.front()->span;
      if (ordered.count(name))
        diags.error(Code::E1001, span,
                    fmt::format("'{}': libseccomp did not order the conditional rules before the rule without "
                                "conditions (arg values {:#x} {:#x}: got {}, want {}); write the complementary "
                                "rules explicitly", name, args[0], args[1], bpf::describe(got.ret), bpf::describe(*want)));
      else
        diags.error(Code::E1001, span,
                    fmt::format("'{}' on x86 (number {}): the exported filter returns {} for arguments {:#x} {:#x}, "
                                "the policy says {} (libseccomp's socketcall/ipc rewriting)", name, nr,
                                bpf::describe(got.ret), args[0], args[1], bpf::describe(*want)));
      return false;
    }
    return true;
  };
  for (auto token : arches) {
    for (const auto& name : ordered) {
      const auto nr = syscallNumberOn(name, token);
      if (nr && !check(name, token, *nr, probeArgs(byName[name]))) return false;
    }
    if (token != SCMP_ARCH_X86) continue;
    for (const auto& [name, rules] : byName) {
      if (ordered.count(name) || x86Multiplexer(name).empty()) continue;
      const auto nr = syscallNumberOn(name, token);
      if (nr && !check(name, token, *nr, probeArgs(rules))) return false;
    }
    for (const auto& [mux, nr, calls] : {std::tuple{std::string("socketcall"), kX86Socketcall, 20u},
                                         std::tuple{std::string("ipc"), kX86Ipc, 24u}}) {
      std::vector<const PlannedRule*> own;
      if (auto it = byName.find(mux); it != byName.end()) own = it->second;
      auto probes = probeArgs(own);
      for (std::uint64_t call = 0; call <= calls + 1; ++call) {
        probes.push_back({call, 0, 0, 0, 0, 0});
        probes.push_back({call, 1, 2, 3, 4, 5});
        probes.push_back({call | 0x10000u, 0, 0, 0, 0, 0});   // ipc: the version in the upper 16 bits
      }
      if (!check(mux, token, nr, probes)) return false;
    }
  }
  return true;
}

// libseccomp resolves a name by scanning its table with strcmp; the backends ask for the same few hundred
// names for every policy (and several times each), so the answers are kept per (arch, name). Arch 0 is
// seccomp_syscall_resolve_name's native numbering.
int resolveName(std::uint32_t token, const std::string& name) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::vector<std::pair<std::uint32_t, int>>> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto& answers = known[name];
  for (const auto& [t, nr] : answers)
    if (t == token) return nr;
  const int nr = token == 0 ? seccomp_syscall_resolve_name(name.c_str()) : seccomp_syscall_resolve_name_arch(token, name.c_str());
  answers.emplace_back(token, nr);
  return nr;
}

// The i386 numbers of the calls libseccomp multiplexes through socketcall(2)/ipc(2) on x86
// (arch/x86/entry/syscalls/syscall_32.tbl: the socket calls since Linux 4.3, SysV IPC since 5.1). accept,
// send, recv, semop and semtimedop have none: on i386 they exist only behind the multiplexer.
struct X86Direct {
  std::string_view name;
  int nr;
};
constexpr X86Direct kX86Direct[] = {
    {"socket", 359},      {"socketpair", 360}, {"bind", 361},        {"connect", 362},  {"listen", 363},
    {"accept4", 364},     {"getsockopt", 365}, {"setsockopt", 366},  {"getsockname", 367},
    {"getpeername", 368}, {"sendto", 369},     {"sendmsg", 370},     {"recvfrom", 371}, {"recvmsg", 372},
    {"shutdown", 373},    {"recvmmsg", 337},   {"sendmmsg", 345},    {"semget", 393},   {"semctl", 394},
    {"shmget", 395},      {"shmctl", 396},     {"shmat", 397},       {"shmdt", 398},    {"msgget", 399},
    {"msgsnd", 400},      {"msgrcv", 401},     {"msgctl", 402},
};

// libseccomp's textual form of an action in PFC output ("action ERRNO(38);"), taken from libseccomp itself.
std::optional<std::string> pfcActionLine(std::uint32_t action, std::string* error) {
  CtxPtr ctx(seccomp_init(action));
  if (!ctx) {
    if (error) *error = "seccomp_init refused the action";
    return std::nullopt;
  }
  auto text = exportFilter(ctx.get(), true, error);
  if (!text) return std::nullopt;
  const std::string marker = "# default action\n";
  const auto at = text->rfind(marker);
  if (at == std::string::npos) {
    if (error) *error = "no default action in libseccomp's PFC text";
    return std::nullopt;
  }
  auto line = text->substr(at + marker.size(), text->find('\n', at + marker.size()) - (at + marker.size()));
  line.erase(0, line.find_first_not_of(' '));
  return line;
}

// Writes the policy's default action over the placeholder: every `ret placeholder` of the program and every
// "action <placeholder>;" of the PFC text. The placeholder is an action no rule uses, so nothing else changes.
bool writeBackDefault(std::string& bytes, std::string& pfc, std::uint32_t placeholder, std::uint32_t def, std::string* error) {
  if (bytes.size() % 8 != 0) {
    if (error) *error = "exported program size is not a multiple of 8";
    return false;
  }
  std::size_t rets = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 8) {
    std::uint16_t code = 0;
    std::uint32_t k = 0;
    std::memcpy(&code, bytes.data() + at, sizeof code);
    std::memcpy(&k, bytes.data() + at + 4, sizeof k);
    if (code != (BPF_RET | BPF_K) || k != placeholder) continue;
    std::memcpy(bytes.data() + at + 4, &def, sizeof def);
    ++rets;
  }
  auto from = pfcActionLine(placeholder, error);
  auto to = from ? pfcActionLine(def, error) : std::nullopt;
  if (!from || !to) return false;
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = pfc.find(*from, at)) != std::string::npos; at += to->size(), ++lines) pfc.replace(at, from->size(), *to);
  if (rets == 0 || lines == 0) {
    if (error) *error = "the placeholder default action is missing from the exported filter";
    return false;
  }
  return true;
}

}  // namespace

const std::vector<ir::SyscallRule>& effectiveRules(const ir::Policy& policy) {
  return policy.mechanism.syscallRules;
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

std::string_view x86Multiplexer(std::string_view syscall) {
  const std::string name(syscall);
  // libseccomp's pseudo numbers on x86: -100..-199 are socketcall(2) calls, -200..-299 ipc(2) calls.
  const int nr = resolveName(SCMP_ARCH_X86, name);
  if (nr <= -100 && nr > -200) return "socketcall";
  if (nr <= -200 && nr > -300) return "ipc";
  return {};
}

std::optional<int> syscallNumberOn(std::string_view syscall, std::uint32_t token) {
  const std::string name(syscall);
  const int nr = resolveName(token, name);
  if (nr >= 0) return nr;
  // -10000 and below mean "not on this arch", -1 is __NR_SCMP_ERROR (unknown name).
  if (token != SCMP_ARCH_X86 || x86Multiplexer(syscall).empty()) return std::nullopt;
  for (const auto& d : kX86Direct)
    if (d.name == syscall) return d.nr;
  return std::nullopt;
}

bool existsOnArch(std::string_view syscall, std::uint32_t token) { return syscallNumberOn(syscall, token).has_value(); }

std::optional<std::vector<PlannedRule>> planRules(const ir::Policy& policy, Diagnostics& diags) {
  const std::string key = planKey(effectiveRules(policy), policy.syscalls.defaultAction.value);
  if (auto hit = cachedPlan(key)) return hit;
  auto plan = planRulesUncached(policy, diags);
  if (plan) rememberPlan(key, *plan);
  return plan;
}

std::optional<std::vector<PlannedRule>> planRulesUncached(const ir::Policy& policy, Diagnostics& diags) {
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
    if (resolveName(0, name) == __NR_SCMP_ERROR) {
      diags.error(Code::E1001, group.front()->span, fmt::format("libseccomp does not know the system call '{}'", name));
      ok = false;
      continue;
    }
    const ir::SyscallRule* uncond = nullptr;
    std::vector<const ir::SyscallRule*> conds;
    bool groupOk = true;
    for (const auto* r : group) {
      if (r->conditions.size() > 6) {
        diags.error(Code::E1001, r->span, fmt::format("'{}': more than 6 argument conditions", name));
        groupOk = false;
        continue;
      }
      for (const auto& c : r->conditions) {
        if (c.index > 5) {
          diags.error(Code::E1001, c.span.valid() ? c.span : r->span, fmt::format("'{}': argument index {} (0..5)", name, c.index));
          groupOk = false;
        }
      }
      if (r->conditions.empty()) {
        if (uncond && !sameAction(uncond->action, r->action)) {
          auto& d = diags.error(Code::E1001, r->span,
                                fmt::format("'{}' is both {} and {} without conditions", name,
                                            ir::actionText(uncond->action), ir::actionText(r->action)));
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
        diags.error(Code::E1001, r->span,
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
    // Not for a masked comparison of several bits: its negation is one alternative per bit (32 rules of
    // two tests each for `request & 0xffffffff == TIOCSTI`), where the ordered fallback below costs one test.
    std::vector<std::vector<ir::ArgCondition>> terms{{}};
    bool expressible = std::none_of(effective.begin(), effective.end(), [](const ir::SyscallRule* r) {
      return std::any_of(r->conditions.begin(), r->conditions.end(), [](const ir::ArgCondition& c) {
        return c.op == ir::ArgCondition::Op::MaskedEq && std::popcount(c.mask) > 1;
      });
    });
    for (const auto* r : effective) {
      if (!expressible) break;
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
    diags.error(Code::E1001, sc.defaultAction.span, "the default action cannot be notify");
    return std::nullopt;
  }
  if (sc.foreignAction.value.kind == ir::Action::Kind::Allow || sc.foreignAction.value.kind == ir::Action::Kind::Log ||
      sc.foreignAction.value.kind == ir::Action::Kind::Notify) {
    diags.error(Code::E1001, sc.foreignAction.span, "the action for foreign architectures must block (never an unfiltered path)");
    return std::nullopt;
  }
  std::vector<std::uint32_t> arches;
  for (const auto& a : sc.arches) {
    auto t = archToken(a);
    if (!t) {
      diags.error(Code::E1001, sc.defaultAction.span, fmt::format("unsupported architecture '{}' (x86_64, x86, x32)", a));
      return std::nullopt;
    }
    if (std::find(arches.begin(), arches.end(), *t) == arches.end()) arches.push_back(*t);
  }
  if (arches.empty()) {
    diags.error(Code::E1001, sc.defaultAction.span, "no architecture to filter");
    return std::nullopt;
  }
  auto has = [&](std::uint32_t t) { return std::find(arches.begin(), arches.end(), t) != arches.end(); };
  const bool has32 = has(SCMP_ARCH_X86) || has(SCMP_ARCH_X32);
  const std::uint32_t def = actionValue(sc.defaultAction.value);
  const std::uint32_t foreign = actionValue(sc.foreignAction.value);
  const std::string key = filterKey(*plan, arches, def, foreign, options);
  if (auto hit = cachedFilter(key)) return hit;

  auto fail = [&](const Span& span, std::string what) -> std::optional<Filter> {
    diags.error(Code::E1001, span, std::move(what));
    return std::nullopt;
  };

  // Comparisons, checked once for every arch.
  bool ok = true;
  std::vector<std::vector<scmp_arg_cmp>> cmps(plan->size());
  for (std::size_t i = 0; i < plan->size(); ++i) {
    const auto& r = (*plan)[i];
    if (std::none_of(arches.begin(), arches.end(), [&](std::uint32_t t) { return existsOnArch(r.name, t); }))
      continue;   // e.g. an x86-only call in an x86_64-only filter: added nowhere
    for (const auto& cond : r.conditions) {
      if (has32 && (cond.value > 0xffffffffu || cond.mask > 0xffffffffu)) {
        diags.error(Code::E1001, cond.span.valid() ? cond.span : r.span,
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
      cmps[i].push_back(cmp);
    }
  }
  if (!ok) return std::nullopt;

  // x86: socketcall/ipc go in first, without conditions, with the policy's own action for them (or the
  // default), so that they absorb the copies libseccomp makes of every rule for a multiplexed call.
  struct Absorb {
    std::string name;
    std::uint32_t action;
    const PlannedRule* own;   // the policy's rule for it, if any
  };
  std::vector<Absorb> absorb;
  if (has(SCMP_ARCH_X86)) {
    for (const std::string mux : {"socketcall", "ipc"}) {
      std::vector<std::string> members;
      const PlannedRule* own = nullptr;
      const PlannedRule* conditional = nullptr;
      for (const auto& r : *plan) {
        if (r.name == mux) (r.conditions.empty() ? own : conditional) = &r;
        if (x86Multiplexer(r.name) == mux && existsOnArch(r.name, SCMP_ARCH_X86) &&
            std::find(members.begin(), members.end(), r.name) == members.end())
          members.push_back(r.name);
      }
      if (members.empty()) continue;
      if (conditional) {
        std::string list;
        for (const auto& m : members) list += (list.empty() ? "" : ", ") + m;
        diags.error(Code::E1001, conditional->span,
                    fmt::format("on x86, {} cannot have conditional rules next to rules for {}: libseccomp copies "
                                "every rule for those calls onto {}(call == N); write {} without conditions (its "
                                "arguments are behind a pointer anyway)", mux, list, mux, mux));
        return std::nullopt;
      }
      absorb.push_back({mux, own ? actionValue(own->action) : def, own});
    }
  }

  // libseccomp refuses rules whose action is the default: build with a placeholder default when the
  // filter needs one, and write the real default back after the export.
  bool needPlaceholder = std::any_of(absorb.begin(), absorb.end(), [&](const Absorb& a) { return a.action == def; });
  for (const auto& r : *plan) needPlaceholder = needPlaceholder || actionValue(r.action) == def;
  std::uint32_t ctxDefault = def;
  if (needPlaceholder) {
    std::set<std::uint32_t> used{def, foreign};
    for (const auto& r : *plan) used.insert(actionValue(r.action));
    for (std::uint32_t e = 4094; e > 0 && ctxDefault == def; --e)   // libseccomp takes errno values < 4095
      if (!used.count(SCMP_ACT_ERRNO(e))) ctxDefault = SCMP_ACT_ERRNO(e);
    if (ctxDefault == def) return fail(sc.defaultAction.span, "no errno value is free for the placeholder default action");
  }

  // One context per arch, with identical attributes (seccomp_merge requires the same default action).
  const std::uint32_t native = seccomp_arch_native();
  std::vector<CtxPtr> ctxs;
  for (auto t : arches) {
    CtxPtr ctx(seccomp_init(ctxDefault));
    if (!ctx) return fail(sc.defaultAction.span, "libseccomp rejected the default action");
    scmp_filter_ctx c = ctx.get();
    int rc = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, foreign);
    if (rc < 0) return fail(sc.foreignAction.span, fmt::format("libseccomp rejected the foreign action: {}", std::strerror(-rc)));
    // The runtime sets no_new_privs itself (or not); the exported program does not depend on it.
    seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
    rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, static_cast<std::uint32_t>(options.optimize));
    if (rc < 0) return fail({}, fmt::format("libseccomp rejected optimize level {}: {}", options.optimize, std::strerror(-rc)));
    // seccomp_init gave us the native arch (x86_64 on the hosts ward supports): swap it for this one.
    if (t != native) {
      if ((rc = seccomp_arch_add(c, t)) < 0) return fail({}, fmt::format("seccomp_arch_add: {}", std::strerror(-rc)));
      if ((rc = seccomp_arch_remove(c, native)) < 0) return fail({}, fmt::format("seccomp_arch_remove: {}", std::strerror(-rc)));
    }
    ctxs.push_back(std::move(ctx));
  }

  // Rules, per arch. Numbers are given in native numbering; libseccomp translates them by name.
  std::set<const PlannedRule*> reported;
  auto add = [&](scmp_filter_ctx c, std::uint32_t token, const PlannedRule& r, std::uint32_t action,
                 const std::vector<scmp_arg_cmp>& args) {
    const int nr = resolveName(0, r.name);
    const int rc = seccomp_rule_add_array(c, action, nr, static_cast<unsigned>(args.size()), args.data());
    if (rc >= 0) return;
    ok = false;
    if (!reported.insert(&r).second) return;
    const char* arch = token == SCMP_ARCH_X86 ? "x86" : token == SCMP_ARCH_X32 ? "x32" : "x86_64";
    diags.error(Code::E1001, r.span, fmt::format("libseccomp rejected the rule for '{}' ({}) on {}: {}", r.name,
                                             ir::actionText(r.action), arch, std::strerror(-rc)));
  };
  for (std::size_t a = 0; a < arches.size(); ++a) {
    const std::uint32_t token = arches[a];
    scmp_filter_ctx c = ctxs[a].get();
    if (token == SCMP_ARCH_X86) {
      for (const auto& m : absorb) {
        PlannedRule stand{m.name, sc.defaultAction.value, {}, sc.defaultAction.span, false, false};
        add(c, token, m.own ? *m.own : stand, m.action, {});
      }
    }
    for (std::size_t i = 0; i < plan->size(); ++i) {
      const auto& r = (*plan)[i];
      if (!existsOnArch(r.name, token)) continue;   // e.g. an x86-only call in the x86_64 context
      if (token == SCMP_ARCH_X86 &&
          std::any_of(absorb.begin(), absorb.end(), [&](const Absorb& m) { return m.own == &r; }))
        continue;   // already in
      add(c, token, r, actionValue(r.action), cmps[i]);
    }
  }
  if (!ok) return std::nullopt;
  for (std::size_t a = 1; a < ctxs.size(); ++a) {
    const int rc = seccomp_merge(ctxs[0].get(), ctxs[a].get());
    if (rc < 0) return fail({}, fmt::format("seccomp_merge: {}", std::strerror(-rc)));
    (void)ctxs[a].release();   // seccomp_merge released the merged context
  }

  std::string error;
  auto bpfBytes = exportFilter(ctxs[0].get(), false, &error);
  if (!bpfBytes) return fail({}, error);
  auto pfcText = exportFilter(ctxs[0].get(), true, &error);
  if (!pfcText) return fail({}, error);
  if (ctxDefault != def && !writeBackDefault(*bpfBytes, *pfcText, ctxDefault, def, &error)) return fail({}, error);
  if (options.simplify) {
    auto program = bpf::parse(*bpfBytes, &error);
    if (!program) return fail({}, "libseccomp's program does not parse: " + error);
    *bpfBytes = bpf::serialize(bpf::simplify(*program));
  }
  if (!verifyDecisions(*plan, *bpfBytes, arches, def, diags)) return std::nullopt;
  Filter built{std::move(*bpfBytes), std::move(*pfcText)};
  rememberFilter(key, built);
  return built;
}

}  // namespace ward::backend::seccomp
