#pragma once
// `ward verify --lxd [INSTANCE...]`: the verifier on what LXD really applies to its instances. For each
// instance (all of them when none is named): GET /1.0/instances/NAME (the expanded config), the liblxc
// config LXD generated at the last start (LOGDIR/NAME/lxc.conf, which names the seccomp policy
// STATE/security/seccomp/NAME) audited as any LXC config is (verify/audit.h), then every finding moved to
// the LXD key that causes it, in a source that shows the expanded config as `lxc config show --expanded`
// does ("lxd:NAME"), with the lxc.conf line in a note. Across instances, and against ward's own id range
// registry: maps that share host ids (NS-SHARED-IDMAP, RES-INOTIFY), located at the instance's
// security.idmap.isolated.
// Library code: nothing is printed; unreadable instances are errors in the result.
#include <string>
#include <vector>

#include "base/source.h"
#include "lxd/client.h"
#include "verify/audit.h"
#include "verify/catalog.h"
#include "verify/verify.h"

namespace ward::lxd {

struct AuditRequest {
  std::vector<std::string> instances;   // empty: every instance LXD has
  Paths paths;
  std::string wardStateDir = "/var/lib/ward";   // ward's id range registry, compared with LXD's maps
  verify::AuditOptions audit;
  verify::HostFacts host;
};

struct AuditResult {
  std::vector<verify::Finding> findings;
  std::vector<std::string> notes;    // how each instance was read, one line each
  std::vector<std::string> errors;   // an instance or the API could not be read
};

AuditResult auditInstances(SourceManager& sources, const AuditRequest& request, const verify::Catalog& catalog);

// The LXD key that sets an LXC key of LXD's generated config (lxc.cgroup.pids.max -> limits.processes,
// lxc.prlimit.nofile -> limits.kernel.nofile, lxc.idmap -> security.idmap.isolated, ...); "" when LXD sets it
// on its own (no key of the instance's config causes it).
std::string lxdKeyFor(std::string_view lxcKey);
// For a finding with no line of its own (something missing): the LXD key that would provide it.
std::string lxdKeyForEntry(std::string_view entryId);

}  // namespace ward::lxd
