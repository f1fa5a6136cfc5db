// P.docker.json: the OCI seccomp object (seccomp::ociSeccomp) of a copy of the policy in which every system
// call libseccomp knows is decided by a rule of its own.
//
// Why: Docker 20.10 drops defaultErrnoRet without a word (a profile whose default is ENOSYS returns EPERM
// under Docker, ENOSYS under Podman), and runc skips any rule whose action equals the default it ends up
// with. With EPERM as the engine's default, the policy's own EPERM rules would be skipped, and an x86
// socketcall(2) rule that is skipped no longer absorbs the copies libseccomp makes of socket() rules
// (seccomp/filter.h). So the default is SCMP_ACT_TRACE, which no rule uses and both engines keep: the kernel
// answers it with ENOSYS when no tracer asked for seccomp events (kernel/seccomp.c), the decision of ward's
// own default. Each known call the policy leaves to an errno default gets an explicit rule with that errno,
// so only numbers libseccomp does not know reach the TRACE default.
#include <nlohmann/json.hpp>

#include <set>

#include "backend/engines/model.h"
#include "backend/seccomp/libseccomp_util.h"
#include "backend/seccomp/oci_json.h"

namespace ward::backend::engines {

namespace {

// An errno no rule uses, so that planRules drops none of the explicit rules as "the default's".
constexpr int kPlaceholderErrno = 4095;

ir::Policy explicitDefaults(const ir::Policy& policy) {
  ir::Policy copy = policy;
  const auto& def = policy.syscalls.defaultAction;
  std::set<std::string> decided;
  for (const auto& r : copy.mechanism.syscallRules)
    if (r.conditions.empty()) decided.insert(r.name);
  for (const auto& name : seccomp::knownSyscallNames(policy.syscalls.arches)) {
    if (decided.count(name)) continue;
    ir::SyscallRule r;
    r.name = name;
    r.action = def.value;
    r.span = def.span;
    r.derivedFrom = "the default action, written out (engines may not honour defaultErrnoRet)";
    copy.mechanism.syscallRules.push_back(std::move(r));
  }
  copy.syscalls.defaultAction.value = {ir::Action::Kind::Errno, kPlaceholderErrno, "placeholder"};
  return copy;
}

}  // namespace

std::string dockerSeccompJson(const ir::Policy& policy, bool commentFields, int indent) {
  using nlohmann::json;
  const auto& def = policy.syscalls.defaultAction.value;
  json out;
  if (def.kind == ir::Action::Kind::Errno) {
    out = seccomp::ociSeccomp(explicitDefaults(policy));
    out["defaultAction"] = "SCMP_ACT_TRACE";
    out.erase("defaultErrnoRet");
  } else {
    out = seccomp::ociSeccomp(policy);
  }
  if (!commentFields)
    for (auto& e : out["syscalls"]) e.erase("comment");
  return out.dump(indent, ' ', false, json::error_handler_t::strict);
}

}  // namespace ward::backend::engines
