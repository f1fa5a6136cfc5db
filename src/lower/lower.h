#pragma once
// Intent -> mechanism, in one place. lower() fills Policy::mechanism from the rest of the policy:
//  - capabilities: the kept set plus derived needs (net_bind_service for listen ports < 1024, net_raw for
//    raw/packet sockets, mknod for devices with `m`), each with provenance;
//  - syscall rules: the policy's rules plus derived ones (socket() domain/type rules from network statements,
//    mknod rules from devices) with `derivedFrom` set;
//  - AppArmor rules: file rules, network rules, capability rules, mount and deny rules for the policy's
//    proc/sys/cgroup modes, device node rules;
//  - devices cgroup allow-list: a safe default set plus the policy's devices;
//  - masked and read-only paths.
// Deterministic: the same policy always lowers to the same mechanism, in the same order.
#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::lower {

void lower(ir::Policy& policy, Diagnostics& diags);

}  // namespace ward::lower
