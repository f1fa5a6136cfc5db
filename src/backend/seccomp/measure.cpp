#include "backend/seccomp/measure.h"

#include <seccomp.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "backend/seccomp/filter.h"
#include "backend/seccomp/libseccomp_util.h"

namespace ward::backend::seccomp {

namespace {

// Adds one syscall's rules to a context (see plainLibseccompBpf).
void addPlainRules(scmp_filter_ctx ctx, const std::string& name, const std::vector<const ir::SyscallRule*>& group,
                   std::uint32_t def) {
  const int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) return;
  const ir::SyscallRule* uncond = nullptr;
  unsigned lowest = 5;
  bool conditional = false;
  for (const auto* r : group) {
    if (r->conditions.empty()) {
      if (!uncond) uncond = r;
      continue;
    }
    for (const auto& c : r->conditions) lowest = std::min(lowest, c.index);
  }
  const std::uint32_t fallback = uncond ? actionValue(uncond->action) : def;
  for (const auto* r : group) {
    if (r->conditions.empty() || actionValue(r->action) == fallback) continue;
    std::vector<scmp_arg_cmp> cmps;
    for (const auto& c : r->conditions) {
      scmp_arg_cmp a{};
      a.arg = c.index;
      a.op = compareOp(c.op);
      a.datum_a = c.op == ir::ArgCondition::Op::MaskedEq ? c.mask : c.value;
      a.datum_b = c.op == ir::ArgCondition::Op::MaskedEq ? c.value : 0;
      cmps.push_back(a);
    }
    if (seccomp_rule_add_array(ctx, actionValue(r->action), nr, static_cast<unsigned>(cmps.size()), cmps.data()) == 0)
      conditional = true;
  }
  if (!uncond || fallback == def) return;
  if (!conditional) {
    seccomp_rule_add_array(ctx, fallback, nr, 0, nullptr);
    return;
  }
  scmp_arg_cmp always{};
  always.arg = lowest;
  always.op = SCMP_CMP_GE;
  seccomp_rule_add_array(ctx, fallback, nr, 1, &always);
}

}  // namespace

std::optional<std::string> plainLibseccompBpf(const ir::Policy& policy, std::string* error) {
  const auto& sc = policy.syscalls;
  const std::uint32_t def = actionValue(sc.defaultAction.value);
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ir::SyscallRule*>> byName;
  for (const auto& r : effectiveRules(policy)) {
    auto [it, fresh] = byName.try_emplace(r.name);
    if (fresh) order.push_back(r.name);
    it->second.push_back(&r);
  }
  std::vector<CtxPtr> ctxs;
  const std::uint32_t native = seccomp_arch_native();
  for (const auto& a : sc.arches) {
    auto token = archToken(a);
    if (!token) continue;
    CtxPtr ctx(seccomp_init(def));
    if (!ctx) {
      if (error) *error = "seccomp_init refused the default action";
      return std::nullopt;
    }
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, actionValue(sc.foreignAction.value));
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (*token != native && (seccomp_arch_add(ctx.get(), *token) < 0 || seccomp_arch_remove(ctx.get(), native) < 0)) {
      if (error) *error = std::string("cannot set the architecture ") + a;
      return std::nullopt;
    }
    for (const auto& name : order) addPlainRules(ctx.get(), name, byName[name], def);
    ctxs.push_back(std::move(ctx));
  }
  if (ctxs.empty()) {
    if (error) *error = "no architecture";
    return std::nullopt;
  }
  for (std::size_t i = 1; i < ctxs.size(); ++i) {
    if (seccomp_merge(ctxs[0].get(), ctxs[i].get()) < 0) {
      if (error) *error = "seccomp_merge failed";
      return std::nullopt;
    }
    (void)ctxs[i].release();
  }
  return exportFilter(ctxs[0].get(), false, error);
}

std::vector<Args> probeArgsFor(const std::vector<const ir::SyscallRule*>& rules, bool wide) {
  std::vector<Args> out{Args{}};
  for (const auto* r : rules) {
    Args sat{};
    for (const auto& c : r->conditions) {
      std::uint64_t v = c.value;
      if (c.op == ir::ArgCondition::Op::Ne || c.op == ir::ArgCondition::Op::Gt) v = c.value + 1;
      if (c.op == ir::ArgCondition::Op::Lt) v = c.value - 1;
      sat[c.index] = v;
    }
    out.push_back(sat);
    for (const auto& c : r->conditions) {
      for (std::uint64_t v : {c.value, c.value + 1, c.value - 1, c.value ^ c.mask, c.mask, std::uint64_t{0},
                              c.value | (std::uint64_t{1} << 32), ~std::uint64_t{0}}) {
        Args a = sat;
        a[c.index] = v;
        out.push_back(a);
        Args z{};
        z[c.index] = v;
        out.push_back(z);
      }
    }
  }
  if (!wide) {
    auto lo = [](std::uint64_t v) { return v > 0xffffffffu; };
    out.erase(std::remove_if(out.begin(), out.end(), [&](const Args& a) { return std::any_of(a.begin(), a.end(), lo); }),
              out.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const std::vector<AbiId>& x86Abis() {
  static const std::vector<AbiId> v = {{"x86_64", SCMP_ARCH_X86_64, bpf::kAuditArchX86_64, 0},
                                       {"x86", SCMP_ARCH_X86, bpf::kAuditArchI386, 0},
                                       {"x32", SCMP_ARCH_X32, bpf::kAuditArchX86_64, bpf::kX32SyscallBit}};
  return v;
}

void forEachProbe(const std::vector<bpf::Insn>& program, const std::vector<ir::SyscallRule>& rules, const AbiId& abi,
                  const std::function<void(const Probe&)>& each) {
  std::map<std::string, std::vector<const ir::SyscallRule*>> byName;
  for (const auto& r : rules) byName[r.name].push_back(&r);
  std::map<int, std::string> names;   // kernel number (without the x32 bit) -> name
  for (int nr = 0; nr < 1024; ++nr) {
    char* n = seccomp_syscall_resolve_num_arch(abi.scmpArch, static_cast<int>(static_cast<std::uint32_t>(nr) | abi.nrBit));
    names[nr] = n ? n : "";
    std::free(n);
  }
  for (const auto& [name, group] : byName) {
    (void)group;
    if (auto nr = syscallNumberOn(name, abi.scmpArch)) names[static_cast<int>(static_cast<std::uint32_t>(*nr) & ~abi.nrBit)] = name;
  }
  const bool wide = abi.scmpArch == SCMP_ARCH_X86_64;
  static const std::vector<const ir::SyscallRule*> none;
  for (const auto& [nr, name] : names) {
    auto it = byName.find(name);
    Probe p;
    p.name = name;
    p.nr = static_cast<int>(static_cast<std::uint32_t>(nr) | abi.nrBit);
    for (const auto& args : probeArgsFor(it == byName.end() ? none : it->second, wide)) {
      bpf::Data d;
      d.arch = abi.audit;
      d.nr = p.nr;
      d.args = args;
      p.args = args;
      p.result = bpf::run(program, d);
      each(p);
    }
  }
}

WorstAllowed worstAllowedPath(const std::vector<bpf::Insn>& program, const std::vector<ir::SyscallRule>& rules,
                              const AbiId& abi, const std::function<bool(const std::string&)>& counts) {
  WorstAllowed w;
  forEachProbe(program, rules, abi, [&](const Probe& p) {
    if (counts && !counts(p.name)) return;
    if (p.result.ret != bpf::kRetAllow || p.result.executed <= w.insns) return;
    w.insns = p.result.executed;
    w.name = p.name;
    w.args = p.args;
  });
  return w;
}

bool comparableWithPlainBuild(const std::string& name, const AbiId& abi) {
  if (abi.scmpArch != SCMP_ARCH_X86) return true;
  return x86Multiplexer(name).empty() && name != "socketcall" && name != "ipc";
}

}  // namespace ward::backend::seccomp
