#pragma once
// An LXC seccomp policy's rules as LXC hands them to libseccomp (src/lxc/seccomp.c: seccomp_init with the
// default action, then one seccomp_rule_add_exact per rule on x86_64, x86 and x32), as a resolved profile
// for import::compileLikeRunc, which makes the same libseccomp calls. The rules are the importer's parse of
// the file as written (Imported::policy.syscalls.rules, before lowering), so the comparison tests what ward
// does with them after the parse: the .ward text, sema, lowering and ward's own BPF.
//
// Header-only: used by test_import and by tests/tools/ward-seccomp-compare.
#include <seccomp.h>

#include <string>

#include "import/import.h"
#include "ir/policy.h"

namespace ward::lxc_original {

inline std::string scmpActionName(const ir::Action& a) {
  switch (a.kind) {
    case ir::Action::Kind::Allow: return "SCMP_ACT_ALLOW";
    case ir::Action::Kind::Errno: return "SCMP_ACT_ERRNO";
    case ir::Action::Kind::KillProcess: return "SCMP_ACT_KILL_PROCESS";
    case ir::Action::Kind::KillThread: return "SCMP_ACT_KILL_THREAD";
    case ir::Action::Kind::Trap: return "SCMP_ACT_TRAP";
    case ir::Action::Kind::Log: return "SCMP_ACT_LOG";
    case ir::Action::Kind::Notify: return "SCMP_ACT_NOTIFY";
  }
  return "SCMP_ACT_KILL_THREAD";
}

inline std::string scmpOpName(ir::ArgCondition::Op op) {
  switch (op) {
    case ir::ArgCondition::Op::Eq: return "SCMP_CMP_EQ";
    case ir::ArgCondition::Op::Ne: return "SCMP_CMP_NE";
    case ir::ArgCondition::Op::Lt: return "SCMP_CMP_LT";
    case ir::ArgCondition::Op::Le: return "SCMP_CMP_LE";
    case ir::ArgCondition::Op::Gt: return "SCMP_CMP_GT";
    case ir::ArgCondition::Op::Ge: return "SCMP_CMP_GE";
    case ir::ArgCondition::Op::MaskedEq: return "SCMP_CMP_MASKED_EQ";
  }
  return "SCMP_CMP_EQ";
}

// The imported policy's written rules (syscalls.rules, not the lowered mechanism) as a runc-style profile.
inline import::DockerProfile asProfile(const ir::Policy& imported) {
  import::DockerProfile p;
  const auto& def = imported.syscalls.defaultAction.value;
  p.defaultAction = scmpActionName(def);
  if (def.kind == ir::Action::Kind::Errno) p.defaultErrnoRet = static_cast<unsigned>(def.errnoValue);
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  for (const auto& r : imported.syscalls.rules) {
    import::DockerRule d;
    d.names = {r.name};
    d.action = scmpActionName(r.action);
    if (r.action.kind == ir::Action::Kind::Errno) d.errnoRet = static_cast<unsigned>(r.action.errnoValue);
    for (const auto& c : r.conditions) {
      import::DockerArg a;
      a.index = c.index;
      a.op = scmpOpName(c.op);
      // libseccomp's SCMP_CMP_MASKED_EQ takes (mask, value); the others (value).
      if (c.op == ir::ArgCondition::Op::MaskedEq) a.value = c.mask, a.valueTwo = c.value;
      else a.value = c.value;
      d.args.push_back(a);
    }
    p.syscalls.push_back(std::move(d));
  }
  return p;
}

}  // namespace ward::lxc_original
