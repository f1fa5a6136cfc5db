#include "backend/seccomp/oci_json.h"
#include "backend/seccomp/libseccomp_util.h"

#include <map>
#include <tuple>
#include <vector>

#include "backend/seccomp/filter.h"

namespace ward::backend::seccomp {

namespace {

const char* ociArch(const std::string& a) {
  if (a == "x86_64") return "SCMP_ARCH_X86_64";
  if (a == "x86" || a == "i386") return "SCMP_ARCH_X86";
  if (a == "x32") return "SCMP_ARCH_X32";
  return nullptr;
}

}  // namespace

nlohmann::json ociSeccomp(const ir::Policy& policy) {
  using nlohmann::json;
  json out = json::object();
  const auto& sc = policy.syscalls;
  out["defaultAction"] = actionName(sc.defaultAction.value);
  if (sc.defaultAction.value.kind == ir::Action::Kind::Errno) out["defaultErrnoRet"] = sc.defaultAction.value.errnoValue;
  json arches = json::array();
  for (const auto& a : sc.arches)
    if (const char* name = ociArch(a)) arches.push_back(name);
  out["architectures"] = arches;

  Diagnostics ignored;
  auto plan = planRules(policy, ignored);
  json syscalls = json::array();
  if (plan) {
    // Entries with the same action, arguments and source line share one entry (names in rule order), except
    // that socketcall and ipc come first: runc adds every entry to one libseccomp context for all arches, and
    // on x86 libseccomp copies each rule for socket(), bind(), semget() ... onto socketcall/ipc(call == N);
    // an unconditional socketcall/ipc rule added before them absorbs those copies, as in ward's own filter
    // (otherwise runc's x86 filter lets socketcall follow the copies, or libseccomp refuses conflicting ones).
    std::vector<const PlannedRule*> ordered;
    for (const auto& r : *plan)
      if (r.name == "socketcall" || r.name == "ipc") ordered.push_back(&r);
    for (const auto& r : *plan)
      if (r.name != "socketcall" && r.name != "ipc") ordered.push_back(&r);
    std::map<std::string, std::size_t> index;
    for (const auto* rp : ordered) {
      const auto& r = *rp;
      json args = json::array();
      for (const auto& c : r.conditions) {
        json arg = {{"index", c.index}, {"op", compareOpName(c.op)}};
        if (c.op == ir::ArgCondition::Op::MaskedEq) {   // runc: (arg & value) == valueTwo
          arg["value"] = c.mask;
          arg["valueTwo"] = c.value;
        } else {
          arg["value"] = c.value;
          arg["valueTwo"] = 0;
        }
        args.push_back(std::move(arg));
      }
      const std::string comment = policy.where(r.span);
      const std::string key = std::string(actionName(r.action)) + "/" + std::to_string(r.action.errnoValue) + "/" +
                              args.dump() + "/" + comment;
      auto it = index.find(key);
      if (it != index.end()) {
        syscalls[it->second]["names"].push_back(r.name);
        continue;
      }
      json entry = {{"names", json::array({r.name})}, {"action", actionName(r.action)}};
      if (r.action.kind == ir::Action::Kind::Errno) entry["errnoRet"] = r.action.errnoValue;
      if (!args.empty()) entry["args"] = std::move(args);
      if (!comment.empty()) entry["comment"] = comment;
      index.emplace(key, syscalls.size());
      syscalls.push_back(std::move(entry));
    }
  }
  out["syscalls"] = std::move(syscalls);
  return out;
}

}  // namespace ward::backend::seccomp
