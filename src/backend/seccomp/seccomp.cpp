#include "backend/seccomp/seccomp.h"
#include "backend/seccomp/libseccomp_util.h"

#include <seccomp.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "backend/seccomp/filter.h"

namespace ward::backend::seccomp {

namespace {

// LXC 5.0's v2 parser (src/lxc/seccomp.c) knows kill (SCMP_ACT_KILL, i.e. kill-thread), errno N, allow,
// trap and notify. It has no kill-process and no log action: kill-process becomes `kill` (the offending
// thread dies by SIGSYS, the call never runs) and log becomes `allow` (log is "allow and audit"; only the
// audit record is lost). Both are said in a comment in the file.
std::string lxcAction(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return "allow";
    case ir::Action::Kind::Errno: return fmt::format("errno {}", a.errnoValue);
    case ir::Action::Kind::KillProcess: return "kill";
    case ir::Action::Kind::KillThread: return "kill";
    case ir::Action::Kind::Trap: return "trap";
    case ir::Action::Kind::Log: return "allow";
    case ir::Action::Kind::Notify: return "notify";
  }
  return "kill";
}


std::string lxcSection(const std::string& arch) {
  if (arch == "x86" || arch == "i386") return "[x86]";   // LXC knows [x86], not [i386]
  return "[" + arch + "]";
}

std::string actionNote(const ir::Action& a) {
  if (a.kind == ir::Action::Kind::KillProcess) return " (kill-process: LXC only has kill, which kills the thread)";
  if (a.kind == ir::Action::Kind::Log) return " (log: LXC has no log action; allowed without the audit record)";
  if (a.kind == ir::Action::Kind::Errno && !a.errnoName.empty()) return " (" + a.errnoName + ")";
  return "";
}

}  // namespace

std::string lxcSeccomp(const ir::Policy& policy, const std::vector<PlannedRule>& plan) {
  const auto& sc = policy.syscalls;
  const ir::Action& def = sc.defaultAction.value;
  std::string out = "2\n";
  // LXC: `allowlist ACTION` = ACTION for unlisted calls; `denylist` = unlisted calls allowed.
  out += def.kind == ir::Action::Kind::Allow ? "denylist allow\n" : "allowlist " + lxcAction(def) + "\n";
  out += fmt::format("# ward seccomp policy '{}' (generated; edit the .ward source instead)\n", policy.name);
  const std::string defWhere = policy.where(sc.defaultAction.span);
  out += fmt::format("# default: {}{}{}\n", lxcAction(def), actionNote(def), defWhere.empty() ? "" : ", " + defWhere);
  out += "# other architectures: LXC applies its own bad-architecture action (kill)\n";
  out += "# LXC adds every rule below to all of x86_64, x86 and x32 whatever its section; the sections list\n";
  out += "# the rules that exist on each architecture\n";
  const bool x86 = std::any_of(sc.arches.begin(), sc.arches.end(), [](const std::string& a) {
    return archToken(a) == std::optional<std::uint32_t>(SCMP_ARCH_X86);
  });
  if (x86 && std::any_of(plan.begin(), plan.end(), [](const PlannedRule& r) { return !x86Multiplexer(r.name).empty(); })) {
    out += "# x86: LXC adds no rule there for the calls libseccomp multiplexes through socketcall/ipc (socket,\n";
    out += "# bind, ..., semget, ...), so their direct i386 system calls get the default action under LXC (the .bpf\n";
    out += "# applies their rules there); socketcall and ipc get their own rules\n";
  }
  for (const auto& arch : sc.arches) {
    auto token = archToken(arch);
    if (!token) continue;
    out += lxcSection(arch) + "\n";
    for (const auto& r : plan) {
      if (!existsOnArch(r.name, *token)) continue;
      std::string where = policy.where(r.span);
      if (where.empty()) where = "(no source)";
      out += "# " + where + (r.complement ? " (where no conditional rule for " + r.name + " matches)" : "") +
             actionNote(r.action) + "\n";
      std::string line = r.name + " " + lxcAction(r.action);
      for (const auto& c : r.conditions) {
        // [index,value,op] and, for masked equality, [index,value,SCMP_CMP_MASKED_EQ,mask]:
        // LXC builds SCMP_CMP(index, op, mask, value), i.e. (arg & mask) == value.
        if (c.op == ir::ArgCondition::Op::MaskedEq)
          line += fmt::format(" [{},{},{},{}]", c.index, c.value, compareOpName(c.op), c.mask);
        else
          line += fmt::format(" [{},{},{}]", c.index, c.value, compareOpName(c.op));
      }
      out += line + "\n";
    }
  }
  return out;
}

std::vector<Artifact> emit(const lower::Lowered& lowered, const Options& /*options*/, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  try {
    if (policy.name.empty()) {
      diags.error(Code::E1001, policy.span, "the policy has no name");
      return {};
    }
    auto filter = buildFilter(policy, FilterOptions{}, diags);
    if (!filter) return {};
    auto plan = planRules(policy, diags);
    if (!plan) return {};
    std::vector<Artifact> out;
    out.push_back({policy.name + ".bpf", std::move(filter->bpf)});
    out.push_back({policy.name + ".pfc", std::move(filter->pfc)});
    out.push_back({policy.name + ".lxc.seccomp", lxcSeccomp(policy, *plan)});
    return out;
  } catch (const std::exception& e) {
    diags.error(Code::E1001, policy.span, std::string("seccomp backend: ") + e.what());
    return {};
  }
}

}  // namespace ward::backend::seccomp
