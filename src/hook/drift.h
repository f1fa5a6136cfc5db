#pragma once
// Drift: what a container's effective LXC config (its file plus every lxc.include) does differently from
// the policy's compiled snippet (P.lxc.conf) in a way that weakens confinement. The snippet is the
// policy's truth; anything it sets itself (including the policy's own `lxc { set ... }` keys) is never
// drift. Checked:
//   - the snippet is not included at all;
//   - seccomp: another lxc.seccomp.profile (or none);
//   - LSMs: another lxc.apparmor.profile (unconfined called out), allow_incomplete, nesting turned on,
//     another lxc.selinux.context; lxc.no_new_privs off;
//   - capabilities: every capability kept that the snippet does not keep (e.g. lxc.cap.drop cleared or an
//     lxc.cap.keep added after the include), and lxc.cap.keep together with lxc.cap.drop;
//   - id maps: a map of the policy that is missing, or a map the policy does not have;
//   - limits: every cgroup (v1 and v2) value, prlimit and sysctl of the snippet must be in effect with its
//     value; device rules beyond the snippet's allow-list; the snippet's masking mount entries must remain;
//   - raw keys that reopen an escape: lxc.mount.auto more permissive than the snippet (proc:rw, sys:rw,
//     cgroup:rw, cgroup-full), mount entries of proc/sysfs read-write or of kernel filesystems, binds of the
//     host's root or of sensitive host paths read-write, a network of type none (the host's network
//     namespace) or any network with `network none`, lxc.namespace.share.* and lxc.namespace.keep.
// Pure: no I/O (the caller parses both configs with lxcconf).
#include <string>
#include <vector>

#include "lxcconf/lxcconf.h"

namespace ward::hook {

struct Drift {
  lxcconf::Location where;   // the line that causes it (empty file when it is an absence)
  std::string message;       // one line, no trailing period, e.g. "lxc.cap.drop cleared: keeps sys_admin ..."
  std::string str() const;   // "file:line: message" (or just the message)
};

struct DriftOptions {
  std::string policyName;
  std::string snippetPath;   // the installed P.lxc.conf the container must include
  int lastCap = 40;          // the running kernel's cap_last_cap
};

std::vector<Drift> checkDrift(const lxcconf::Config& effective, const lxcconf::Config& snippet,
                              const DriftOptions& options);

}  // namespace ward::hook
