#pragma once
// Intent -> mechanism, in one place. lower() fills Policy::mechanism from the rest of the policy:
//  - capabilities: the kept set ("keep all" expanded) plus derived needs (net_bind_service for listen
//    ports < 1024, net_raw for raw/packet sockets, mknod for devices with `m`), each with provenance;
//  - syscall rules: the policy's rules plus derived ones (socket() domain/type rules from network statements,
//    mknod rules from devices) with `derivedFrom` set;
//  - AppArmor rules: file rules, network rules, capability rules, mount and deny rules for the policy's
//    proc/sys/cgroup modes, device node rules; the profile name ("ward-<policy>" unless the policy names one);
//  - devices cgroup allow-list: a safe default set plus the policy's devices;
//  - masked and read-only paths (runc's lists, for the policy's proc and sys modes);
//  - sysctls: the policy's plus the derived accept_ra pair.
// Deterministic: the same policy always lowers to the same mechanism, in the same order.
//
// The result is a Lowered: a policy that went through lower(). Only lower() makes one, and the backends
// (backend::emit) accept nothing else, so "was this policy lowered?" is a question the compiler answers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::lower {

class Lowered;
namespace testing { struct LoweredPeer; }   // tests/support/lowered.h: tests of one backend alone
// Lowers `policy`. On error (an internal failure: E2003; an unusable rule: E1xxx) diagnostics get it and
// the result is nullopt.
std::optional<Lowered> lower(ir::Policy policy, Diagnostics& diags);

class Lowered {
 public:
  const ir::Policy& policy() const { return policy_; }
  const ir::Mechanism& mechanism() const { return policy_.mechanism; }
  const ir::Policy* operator->() const { return &policy_; }
  const std::string& name() const { return policy_.name; }
  operator const ir::Policy&() const { return policy_; }   // a lowered policy is a policy (never the reverse)

 private:
  explicit Lowered(ir::Policy policy) : policy_(std::move(policy)) {}
  friend std::optional<Lowered> lower(ir::Policy policy, Diagnostics& diags);
  friend struct testing::LoweredPeer;
  ir::Policy policy_;
};

// ---- runc's masked and read-only paths (one table: lower/masks.cpp) ----------------------------------
// What a container with these proc and sys modes gets: /proc paths unless `proc off`, /sys paths unless
// `sys off`; /proc/sys and /proc/sysrq-trigger are not read-only with `proc rw`. Sorted.
std::vector<std::string> runtimeMaskedPaths(ir::FsMode proc, ir::FsMode sys);
std::vector<std::string> runtimeReadonlyPaths(ir::FsMode proc, ir::FsMode sys);
// A masked path that is a directory (masked with a read-only tmpfs rather than /dev/null): the directories
// of the table above, and any path written with a trailing '/'.
bool isDirectoryMask(std::string_view path);

// The sysctls a policy gets: its own plus net.ipv6.conf.{all,default}.accept_ra from
// ipv6_router_advertisements (unless `network none`), sorted by key, the policy's values winning. A reader
// of a foreign config models that config's network and calls this too.
std::vector<ir::Setting> sysctls(const ir::Policy& policy);

// The AppArmor profile name a policy gets when it names none.
std::string defaultProfileName(const std::string& policyName);

}  // namespace ward::lower
