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

#include "backend/seccomp/libseccomp_util.h"
#include "import/import.h"
#include "ir/policy.h"

namespace ward::lxc_original {

// The imported policy's written rules (syscalls.rules, not the lowered mechanism) as a runc-style profile.
inline import::DockerProfile asProfile(const ir::Policy& imported) {
  import::DockerProfile p;
  const auto& def = imported.syscalls.defaultAction.value;
  p.defaultAction = backend::seccomp::actionName(def);
  if (def.kind == ir::Action::Kind::Errno) p.defaultErrnoRet = static_cast<unsigned>(def.errnoValue);
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  for (const auto& r : imported.syscalls.rules) {
    import::DockerRule d;
    d.names = {r.name};
    d.action = backend::seccomp::actionName(r.action);
    if (r.action.kind == ir::Action::Kind::Errno) d.errnoRet = static_cast<unsigned>(r.action.errnoValue);
    for (const auto& c : r.conditions) {
      import::DockerArg a;
      a.index = c.index;
      a.op = backend::seccomp::compareOpName(c.op);
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
