// Derived seccomp rules: socket() by address family and type from the network section, mknod()/mknodat()
// from devices with `m`.
//
// Derived rules never overlap other rules for the same system call: libseccomp keeps an unconditional
// rule over conditional ones, and a shorter condition chain over a longer one with a different action,
// silently. So when the policy allows socket() unconditionally, that rule is *replaced* by a partition
// of socket()'s first two arguments (every value falls in exactly one rule):
//   - allow each declared family (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET);
//   - AF_INET/AF_INET6 without `raw`: allow every type but SOCK_RAW (four masked rules on type & 0xf),
//     SOCK_RAW gets EPERM, what the kernel itself answers without net_raw;
//   - every other family gets EAFNOSUPPORT, the errno programs already expect for a family the kernel
//     lacks (IPv6 fallback, optional netlink). The undeclared families below AF_MAX are covered by aligned
//     masked blocks, the rest by `domain >= AF_MAX`.
// `network { families any; }` derives nothing: socket() is decided by the syscalls section alone (an
// imported seccomp profile says this, so that its compiled filter decides as the original does).
// socketcall(2) on i386 multiplexes socket() behind a pointer seccomp cannot read: its rules are left as
// written, and the AppArmor network rules are the layer that filters families there.
#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "lower/internal.h"

namespace ward::lower::detail {
namespace {

using ir::Action;
using ir::ArgCondition;
using ir::SyscallRule;

bool permissive(const Action& a) { return a.kind == Action::Kind::Allow || a.kind == Action::Kind::Log; }

ArgCondition eq(unsigned index, std::uint64_t value, const Span& span) {
  ArgCondition c;
  c.index = index;
  c.op = ArgCondition::Op::Eq;
  c.value = value;
  c.span = span;
  return c;
}

ArgCondition masked(unsigned index, std::uint64_t mask, std::uint64_t value, const Span& span) {
  ArgCondition c;
  c.index = index;
  c.op = ArgCondition::Op::MaskedEq;
  c.mask = mask;
  c.value = value;
  c.span = span;
  return c;
}

Action errnoAction(int value, const char* name) { return {Action::Kind::Errno, value, name}; }

const char* familyName(int af) {
  switch (af) {
    case kAfUnix: return "AF_UNIX";
    case kAfInet: return "AF_INET";
    case kAfInet6: return "AF_INET6";
    case kAfNetlink: return "AF_NETLINK";
    case kAfPacket: return "AF_PACKET";
  }
  return "";
}

struct Family {
  int af;
  Span span;
  std::string why;
  bool typeFilter;   // AF_INET/AF_INET6 without `raw`: refuse SOCK_RAW
};

std::vector<Family> declaredFamilies(const ir::Policy& p, const Span& socketSpan) {
  const auto& n = p.network;
  std::vector<Family> out;
  if (!n.unix || n.unix->value) {
    if (n.unix)
      out.push_back({kAfUnix, n.unix->span, "network unix on", false});
    else
      out.push_back({kAfUnix, socketSpan, "network: unix sockets (on by default)", false});
  }
  if (!n.none) {
    const ir::Endpoint* first = nullptr;
    std::string verb;
    if (!n.listen.empty()) first = &n.listen.front(), verb = "listen";
    else if (!n.connect.empty()) first = &n.connect.front(), verb = "connect";
    Span span;
    std::string why;
    if (first) {
      span = first->span;
      why = "network " + verb + " " + endpointText(*first, nullptr);
    } else if (n.raw) {
      span = *n.raw;
      why = "network raw";
    }
    if (first || n.raw) {
      const bool filter = !n.raw.has_value();
      out.push_back({kAfInet, span, why, filter});
      if (n.ipv6) out.push_back({kAfInet6, span, why, filter});
    }
  }
  if (n.netlink) out.push_back({kAfNetlink, *n.netlink, "network netlink", false});
  if (n.packet) out.push_back({kAfPacket, *n.packet, "network packet", false});
  std::sort(out.begin(), out.end(), [](const Family& a, const Family& b) { return a.af < b.af; });
  return out;
}

std::string familyRange(int lo, int hi) {
  return lo == hi ? fmt::format("address family {}", lo) : fmt::format("address families {}-{}", lo, hi);
}

// The negation of one comparison as one comparison (masked comparisons have none).
std::optional<ArgCondition> negate(const ArgCondition& c) {
  ArgCondition n = c;
  switch (c.op) {
    case ArgCondition::Op::Eq: n.op = ArgCondition::Op::Ne; return n;
    case ArgCondition::Op::Ne: n.op = ArgCondition::Op::Eq; return n;
    case ArgCondition::Op::Lt: n.op = ArgCondition::Op::Ge; return n;
    case ArgCondition::Op::Le: n.op = ArgCondition::Op::Gt; return n;
    case ArgCondition::Op::Gt: n.op = ArgCondition::Op::Le; return n;
    case ArgCondition::Op::Ge: n.op = ArgCondition::Op::Lt; return n;
    case ArgCondition::Op::MaskedEq: return std::nullopt;
  }
  return std::nullopt;
}

// A conditional socket() rule the policy wrote next to an unconditional allow, e.g.
// `deny socket(domain == AF_NETLINK, protocol == NETLINK_AUDIT)`: one family, at most one more condition.
struct Refinement {
  std::uint64_t family;
  std::optional<ArgCondition> extra;
};

std::optional<Refinement> refinementOf(const SyscallRule& r) {
  Refinement out{0, std::nullopt};
  bool family = false;
  for (const auto& c : r.conditions) {
    if (c.index == 0 && c.op == ArgCondition::Op::Eq && !family) {
      out.family = c.value;
      family = true;
    } else if (c.index != 0 && !out.extra) {
      out.extra = c;
    } else {
      return std::nullopt;
    }
  }
  if (!family || out.family >= static_cast<std::uint64_t>(kAfMax)) return std::nullopt;
  return out;
}

bool deriveSocket(const ir::Policy& policy, std::vector<SyscallRule>& rules, Diagnostics& diags) {
  if (policy.network.familiesAny) return true;   // `families any`: socket() rules stand as written
  std::vector<const SyscallRule*> conditional;
  const SyscallRule* uncond = nullptr;
  for (const auto& r : rules) {
    if (r.name != "socket") continue;
    if (!r.conditions.empty()) conditional.push_back(&r);
    else if (!uncond) uncond = &r;
  }
  Action allow;
  Span span;
  if (uncond) {
    if (!permissive(uncond->action)) return true;   // socket() is denied outright
    allow = uncond->action;
    span = uncond->span;
  } else {
    // Only conditional rules: the policy filters families itself; they stand as written.
    if (!conditional.empty()) return true;
    const auto& d = policy.syscalls.defaultAction;
    if (!permissive(d.value)) return true;          // socket() falls to a denying default
    allow = d.value;
    span = d.span.valid() ? d.span : policy.span;
  }
  if (!span.valid()) span = policy.span;

  // The policy's own conditional rules refine the unconditional allow for one family each; they keep
  // precedence, and the derived cells of that family are narrowed to what they leave.
  std::map<std::uint64_t, std::vector<Refinement>> refined;
  for (const auto* r : conditional) {
    auto ref = refinementOf(*r);
    if (!ref) {
      diags.warning(Code::W0003, r->span,
                    "this socket() rule is not one family plus at most one more condition, so ward cannot "
                    "combine it with the families the network section declares; socket() rules are used as "
                    "written and the seccomp filter does not restrict address families (AppArmor still does)");
      return false;
    }
    refined[ref->family].push_back(*ref);
  }

  std::vector<SyscallRule> cells;
  auto add = [&](Action action, std::vector<ArgCondition> conds, const Span& s, std::string why) {
    SyscallRule r;
    r.name = "socket";
    r.action = std::move(action);
    r.conditions = std::move(conds);
    r.span = s;
    r.derivedFrom = std::move(why);
    cells.push_back(std::move(r));
  };

  const auto families = declaredFamilies(policy, span);
  if (families.empty() && refined.empty()) {
    std::erase_if(rules, [](const SyscallRule& r) { return r.name == "socket"; });
    add(errnoAction(kEafnosupport, "EAFNOSUPPORT"), {}, span,
        "network: no statement declares a socket family (EAFNOSUPPORT)");
    for (auto& c : cells) rules.push_back(std::move(c));
    return true;
  }
  for (const auto& f : families) {
    const std::string fam = familyName(f.af);
    if (!f.typeFilter) {
      add(allow, {eq(0, f.af, f.span)}, f.span, f.why + " (" + fam + ")");
      continue;
    }
    // type & 0xf != SOCK_RAW (3), as disjoint masked blocks: 8-15, 4-7, 0-1, 2.
    static constexpr std::pair<std::uint64_t, std::uint64_t> kNotRaw[] = {{0x8, 0x8}, {0xc, 0x4}, {0xe, 0x0},
                                                                           {0xf, 0x2}};
    for (const auto& [mask, value] : kNotRaw)
      add(allow, {eq(0, f.af, f.span), masked(1, mask, value, f.span)}, f.span,
          f.why + " (" + fam + ", any type but SOCK_RAW)");
    add(errnoAction(kEperm, "EPERM"), {eq(0, f.af, f.span), masked(1, 0xf, kSockRaw, f.span)}, f.span,
        "network: no `raw` statement (" + fam + " SOCK_RAW refused with EPERM)");
  }
  // Every undeclared family below AF_MAX, in aligned blocks (a refined family stands alone); then
  // everything at or above AF_MAX.
  auto gap = [&](int from, int to) {   // inclusive
    int x = from;
    while (x <= to) {
      int size = 1;
      while ((x & (size * 2 - 1)) == 0 && x + size * 2 - 1 <= to) size *= 2;
      std::vector<ArgCondition> c;
      if (size == 1) c.push_back(eq(0, static_cast<std::uint64_t>(x), span));
      // A 32-bit mask: socket()'s domain is an int, and x86/x32 filters compare 32 bits only.
      else c.push_back(masked(0, 0xffffffffu & ~static_cast<std::uint64_t>(size - 1), static_cast<std::uint64_t>(x), span));
      add(errnoAction(kEafnosupport, "EAFNOSUPPORT"), std::move(c), span,
          "network: " + familyRange(x, x + size - 1) + " not declared (EAFNOSUPPORT)");
      x += size;
    }
  };
  std::vector<int> singles;   // declared and refined families: gaps go around them
  for (const auto& f : families) singles.push_back(f.af);
  for (const auto& [fam, refs] : refined) singles.push_back(static_cast<int>(fam));
  std::sort(singles.begin(), singles.end());
  singles.erase(std::unique(singles.begin(), singles.end()), singles.end());
  int lo = 0;
  for (int s : singles) {
    if (s > lo) gap(lo, s - 1);
    if (std::none_of(families.begin(), families.end(), [&](const Family& f) { return f.af == s; })) gap(s, s);
    lo = s + 1;
  }
  if (lo < kAfMax) gap(lo, kAfMax - 1);
  ArgCondition ge;
  ge.index = 0;
  ge.op = ArgCondition::Op::Ge;
  ge.value = kAfMax;
  ge.span = span;
  add(errnoAction(kEafnosupport, "EAFNOSUPPORT"), {ge}, span,
      fmt::format("network: address families {} and above are unknown (EAFNOSUPPORT)", kAfMax));

  // Narrow the cells of each refined family to what the policy's own rules leave.
  for (const auto& [famKey, refs] : refined) {
    const auto fam = famKey;   // a lambda may not capture a structured binding before C++20 in clang 14
    auto ofFamily = [&](const SyscallRule& r) {
      return !r.conditions.empty() && r.conditions[0].index == 0 && r.conditions[0].op == ArgCondition::Op::Eq &&
             r.conditions[0].value == fam;
    };
    const bool whole = std::any_of(refs.begin(), refs.end(), [](const Refinement& x) { return !x.extra; });
    if (whole) {   // the policy decides the whole family
      std::erase_if(cells, ofFamily);
      continue;
    }
    std::optional<ArgCondition> rest = refs.size() == 1 ? negate(*refs[0].extra) : std::nullopt;
    bool ok = rest.has_value();
    for (auto& c : cells) {
      if (!ok || !ofFamily(c)) continue;
      if (std::any_of(c.conditions.begin(), c.conditions.end(),
                      [&](const ArgCondition& x) { return x.index == rest->index; })) {
        ok = false;
        break;
      }
      c.conditions.push_back(*rest);
    }
    if (!ok) {
      diags.warning(Code::W0003, span,
                    fmt::format("the socket() rules for address family {} cannot be combined with the families "
                                "the network section declares; socket() rules are used as written and the "
                                "seccomp filter does not restrict address families (AppArmor still does)",
                                fam));
      return false;
    }
  }
  std::erase_if(rules, [](const SyscallRule& r) { return r.name == "socket" && r.conditions.empty(); });
  for (auto& c : cells) rules.push_back(std::move(c));
  return true;
}

// The kernel's encoding of dev_t in mknod(2)'s unsigned int argument (new_encode_dev).
std::uint64_t encodeDev(std::uint64_t major, std::uint64_t minor) {
  return (minor & 0xff) | (major << 8) | ((minor & ~std::uint64_t{0xff}) << 12);
}

void deriveMknod(const ir::Policy& policy, std::vector<SyscallRule>& rules) {
  if (permissive(policy.syscalls.defaultAction.value)) return;
  for (const char* name : {"mknod", "mknodat"}) {
    // Any rule for the call (allow, deny or conditional) means the policy decided; derived rules would
    // overlap it.
    if (std::any_of(rules.begin(), rules.end(), [&](const SyscallRule& r) { return r.name == name; }))
      continue;
    const unsigned modeArg = std::string_view(name) == "mknod" ? 1 : 2;
    std::vector<SyscallRule> added;
    for (const auto& d : policy.devices) {
      if (!d.mknod) continue;
      std::vector<ArgCondition> c;
      c.push_back(masked(modeArg, 0170000, d.type == 'b' ? 0060000 : 0020000, d.span));
      if (d.major >= 0 && d.major < 4096) {
        if (d.minor >= 0)
          c.push_back(eq(modeArg + 1, encodeDev(static_cast<std::uint64_t>(d.major),
                                                static_cast<std::uint64_t>(d.minor)), d.span));
        else
          c.push_back(masked(modeArg + 1, 0xfff00, static_cast<std::uint64_t>(d.major) << 8, d.span));
      }
      SyscallRule r;
      r.name = name;
      r.action = {Action::Kind::Allow, 0, ""};
      r.conditions = std::move(c);
      r.span = d.span;
      r.derivedFrom = "devices " + deviceText(d);
      bool dup = std::any_of(added.begin(), added.end(),
                             [&](const SyscallRule& o) { return o.conditions == r.conditions; });
      if (!dup) added.push_back(std::move(r));
    }
    for (auto& r : added) rules.push_back(std::move(r));
  }
}

// Within one argument, by value first, so that socket()'s families read in numeric order.
auto conditionKey(const ArgCondition& c) { return std::make_tuple(c.index, c.value, static_cast<int>(c.op), c.mask); }

bool ruleLess(const SyscallRule& a, const SyscallRule& b) {
  if (a.name != b.name) return a.name < b.name;
  return std::lexicographical_compare(
      a.conditions.begin(), a.conditions.end(), b.conditions.begin(), b.conditions.end(),
      [](const ArgCondition& x, const ArgCondition& y) { return conditionKey(x) < conditionKey(y); });
}

}  // namespace

void lowerSyscalls(ir::Policy& policy, Diagnostics& diags) {
  std::vector<SyscallRule> rules = policy.syscalls.rules;
  deriveSocket(policy, rules, diags);
  deriveMknod(policy, rules);
  std::stable_sort(rules.begin(), rules.end(), ruleLess);
  policy.mechanism.syscallRules = std::move(rules);
}

}  // namespace ward::lower::detail
