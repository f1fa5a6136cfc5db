#pragma once
// The verifier: for every catalog entry, which layers of a compiled policy block it.
//
// It judges what ships, not only the source: seccomp decisions come from running the generated P.bpf with
// the in-tree BPF interpreter for x86_64, i386 and x32 and the argument values the technique uses;
// capabilities from the computed sets (backend/common); AppArmor from the generated profile P.apparmor
// (or Policy::mechanism.apparmorRules when it is not among the artifacts); the devices allow-list, masked
// and read-only paths, sysctls and id maps from the same functions the LXC and OCI backends use; plus the
// policy's mounts, proc/sys/cgroup modes, limits, network and raw lxc keys (which override the rest).
//
// Pure: no printing, no exits, no state. Renderers are in report.h.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "ir/policy.h"
#include "verify/catalog.h"
#include "verify/hostfacts.h"

namespace ward::verify {

enum class Status {
  Blocked,             // two or more layers block it (or the only layer that can)
  BlockedByOneLayer,   // blocked, but by one layer of several that could: a defence-in-depth warning
  Open,                // no layer blocks it
  Accepted,            // open or one-layer, silenced by `verify { accept ID "reason"; }` (still reported)
  NotApplicable,       // the policy cannot express it (kernel/runtime versions) or it needs what the
                       // policy does not have (a network)
};
const char* statusName(Status s);   // "blocked", "blocked-by-one-layer", "open", "accepted", "n/a"

struct LayerVerdict {
  Layer layer = Layer::Host;
  bool blocks = false;
  bool evaluated = true;   // false: could not be judged (no artifact, replaced by a raw key, host note)
  std::string rule;        // the concrete rule that blocks, or what lets the technique through
  Span span;               // the policy statement behind `rule`, when known
  std::string file;        // display name of span.file ("" when the span is invalid)
};

struct Finding {
  std::string id;
  std::string title;
  std::string policy;              // the policy's name (verifyAcross: "a + b")
  Level severity = Level::High;
  Status status = Status::Open;
  Status underlying = Status::Open;   // for Accepted: what it would have been; otherwise == status
  std::string message;             // one line, without the id
  std::vector<LayerVerdict> layers;   // one per guard, catalog order
  Span span;                       // Open: the statement that opened it; Accepted: the accept; else the policy
  std::string file;                // display name for span
  std::string acceptReason;
  std::vector<std::string> notes;  // e.g. "accept ESC-X is not needed: the entry is blocked"
};

// HostFacts (hostfacts.h): what the host enforces and runs, when the caller judges for a particular host
// (`ward lxc-hook` at container start; `ward check/verify --this-host`).


// One policy with its artifacts (as backend::emit / driver::build produce them: "P.bpf", "P.apparmor",
// "P.lxc.conf", "P.oci.json" ...). Artifacts may be empty: the layers that need them are then reported as
// not evaluated and count as not blocking.
std::vector<Finding> verify(const lower::Lowered& lowered, const std::vector<backend::Artifact>& artifacts,
                            const Catalog& catalog, const HostFacts& host = {});
// The same for a policy a reader modelled from a configuration ward did not write (audit.h): its mechanism
// is what the configuration says, and without a P.apparmor artifact AppArmor is not evaluated.
std::vector<Finding> verifyForeign(const ir::Policy& modelled, const std::vector<backend::Artifact>& artifacts,
                                   const Catalog& catalog, const HostFacts& host = {});

// Across policies meant to run side by side: overlapping id maps (NS-SHARED-IDMAP, RES-INOTIFY: ulimits and
// inotify instances are per kernel uid) and shared bridges (NET-L2-SPOOF). Id maps come from each policy's
// P.lxc.conf `lxc.idmap` lines when given, otherwise from what the backends would write.
struct Compiled {
  const ir::Policy* policy = nullptr;
  const std::vector<backend::Artifact>* artifacts = nullptr;   // may be null
};
std::vector<Finding> verifyAcross(const std::vector<Compiled>& policies, const Catalog& catalog);

// The gate: the command line's --fail-on wins, then the policy's `verify { fail_on ...; }`, then Critical.
Level effectiveFailOn(const ir::Policy& policy, std::optional<Level> commandLine);
// True when the finding makes `ward check`/`ward verify` exit 1: Open with severity >= threshold.
bool failsGate(const Finding& f, Level threshold);
bool failsGate(const std::vector<Finding>& findings, Level threshold);

// `accept` statements naming no catalog entry (the caller reports them; a typo must not silence nothing).
std::vector<ir::Accept> unknownAccepts(const ir::Policy& policy, const Catalog& catalog);

struct Counts {
  std::size_t blocked = 0, oneLayer = 0, open = 0, accepted = 0, notApplicable = 0;
};
Counts count(const std::vector<Finding>& findings);

}  // namespace ward::verify
