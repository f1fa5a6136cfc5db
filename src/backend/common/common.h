#pragma once
// Settings shared by the LXC and OCI backends, computed once from a lowered ir::Policy so that the two
// formats cannot drift apart: capability sets, cgroup v1 and v2 key-values, rlimits, id maps, sysctls,
// masked and read-only paths, mount options. Every item keeps the span (and a short reason) it came from;
// items that come from a default carry the policy's own span and a "default ..." reason.
//
// Pure functions: nothing here prints, throws on bad input or keeps state. The few host facts the
// backends need (cap_last_cap, /etc/subuid) are read by the small read*() helpers and passed in, so every
// computation is testable with fixed inputs. The exception is idmaps() for `idmap auto`, which reads
// (and, when Options::allocate, writes) the id range registry in Options::stateDir: only the allocation
// step (backend/allocate.h) calls it; backends read the result from their Allocations.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/allocations.h"
#include "backend/backend.h"
#include "backend/common/idmap_registry.h"
#include "base/diagnostics.h"
#include "ir/policy.h"

namespace ward::backend::common {

// One generated setting with its provenance: key is format-neutral, e.g. "memory.max" (cgroup file) or
// "net.ipv4.ip_forward"; why is the short reason for the comment, e.g. "limits memory 512MiB".
using Setting = ir::Setting;

// "file:line why" (or "why" alone when the span is unknown): the text of a provenance comment.
std::string provenance(const ir::Policy& policy, const Span& span, std::string_view why);

// The policy's span when `span` is invalid (settings that come from a default).
Span orPolicy(const ir::Policy& policy, const Span& span);

// ---- capabilities ---------------------------------------------------------------------------------
// capabilities(7) names without the cap_ prefix, indexed by number (0 chown .. 40 checkpoint_restore).
const std::vector<std::string_view>& capabilityNames();
int capabilityNumber(std::string_view name);          // -1 when unknown
std::string capabilityName(int number);              // "" when unknown
std::string ociCapabilityName(int number);           // "CAP_NET_BIND_SERVICE"; "" when unknown
inline constexpr int kKnownLastCap = 40;              // CAP_CHECKPOINT_RESTORE

// /proc/sys/kernel/cap_last_cap of the running kernel, or kKnownLastCap when it cannot be read.
int readKernelLastCap();

struct CapabilitySets {
  bool all = false;                        // keep all (identity privileged + keep all)
  std::vector<ir::Capability> keep;        // sorted by number, unique, names lower case
  std::vector<int> drop;                   // 0..lastCap minus keep (what the kernel knows and we drop)
  std::uint64_t keepMask = 0;              // the CapBnd / CapEff / CapPrm mask a process ends up with
};
// From Policy::mechanism.capabilities (the final kept set, "keep all" expanded by lower/; `all` is
// Mechanism::allCapabilities). lastCap bounds drop and keepMask; kept
// capabilities the kernel does not know stay in `keep` (the runtime ignores them) but not in the mask.
CapabilitySets capabilitySets(const ir::Policy& policy, int lastCap);

// ---- cgroups --------------------------------------------------------------------------------------
// cgroup v2 weight (1..10000) -> v1 cpu.shares (2..262144), the kernel's own scale (cpu.weight 100, the
// default, is cpu.shares 1024: kernel/sched/core.c cpu_weight_write_u64), so a weight keeps its meaning
// relative to the host's default-weight cgroups. (runc 1.1's shares -> weight conversion for v2 hosts
// maps 1024 to 39; that errs low, the safe side. docs/architecture.md, "CPU weight".)
std::uint64_t cpuWeightToShares(std::uint64_t weight);
// The inverse, for configurations ward reads: shares 1024 -> weight 100 (clamped to 1..10000).
std::uint64_t cpuSharesToWeight(std::uint64_t shares);
// io.weight (1..10000) -> blkio.weight (10..1000), the inverse of runc's blkio -> io conversion (OCI's
// blockIO.weight; runc writes blkio.weight, or blkio.bfq.weight where that is absent, on cgroup v1).
std::uint64_t ioWeightToBlkioWeight(std::uint64_t weight);
// "8:0" -> {8, 0}; nullopt when malformed.
std::optional<std::pair<std::int64_t, std::int64_t>> parseDevice(std::string_view majorMinor);

struct CgroupSettings {
  // keys are cgroup v1 file names: "memory.limit_in_bytes", "devices.allow". io.weight has none (CFQ's
  // blkio.weight is gone since Linux 5.0; BFQ's blkio.bfq.weight only in kernels with BFQ).
  std::vector<Setting> v1;
  std::vector<Setting> v2;   // keys are cgroup v2 file names: "memory.max", "devices.allow" (LXC: BPF)
};
CgroupSettings cgroupSettings(const ir::Policy& policy);

// The devices allow-list: Policy::mechanism.deviceRules (lower/'s defaults and the policy's devices, or what
// a foreign config allows), access normalised to "rwm" order, duplicates removed. Everything else is denied.
std::vector<ir::DeviceRule> deviceAllowList(const ir::Policy& policy);
std::string deviceRuleText(const ir::DeviceRule& rule);   // "c 1:3 rwm", "b 7:* rw", "a *:* rwm"

// ---- rlimits --------------------------------------------------------------------------------------
struct RlimitSetting {
  std::string name;          // "nofile"
  std::string resource;      // "RLIMIT_NOFILE"
  std::uint64_t soft = 0, hard = 0;   // ir::kUnlimited for unlimited
  Span span;
};
// Unknown names are reported in `unknown` (the caller turns them into an error).
std::vector<RlimitSetting> rlimits(const ir::Policy& policy, std::vector<std::string>* unknown);
std::string rlimitResource(std::string_view name);   // "nofile" -> "RLIMIT_NOFILE"; "" when unknown

// ---- id maps --------------------------------------------------------------------------------------
using IdRange = backend::IdRange;
inline constexpr std::uint32_t kAutoIdBase = 100000;   // LXC's customary first subordinate id (unused by ward)
inline constexpr std::uint32_t kAutoIdCount = 65536;
// The first range of /etc/subuid (or subgid) text that belongs to root ("root" or "0"), preferring one
// with at least 65536 ids; nullopt when there is none.
std::optional<std::pair<std::uint32_t, std::uint32_t>> rootSubidRange(std::string_view text);
std::string readFileOrEmpty(const std::string& path);
// Privileged: no maps. Explicit maps: as written. `idmap auto`: the container's own 65536-id range from
// the id range registry (idmap_registry.h) in options.stateDir, under options.containerName (default the
// policy name), from `pool`, for both uid and gid.
// options.allocate false (check-only): the registry is only read; a container without a range gets the
// placeholder previewIdRange() gives (the range a compile would take now), and the reason says so.
// Registry errors go to diags (E1203 registry unusable, E1204 exhausted) and return no maps.
// Reads the registry and, when allocating, writes it: the allocation step's (backend/allocate.h).
std::vector<IdRange> idmaps(const ir::Policy& policy, const Options& options, const IdPool& pool,
                            Diagnostics& diags);
// Without a registry (pure): `idmap auto` gets the range a fresh registry would give the policy's name in
// the pool of this subuid/subgid text (startSlot()). For callers that only need a model of the maps,
// e.g. the verifier when there is no LXC artifact to read them from; backends use the overloads above.
std::vector<IdRange> idmaps(const ir::Policy& policy, std::string_view subuidText,
                            std::string_view subgidText);
bool usesUserNamespace(const ir::Policy& policy);
// Not privileged, and `idmap auto` or no explicit map: the maps come from the id range registry.
bool usesAutoIdmap(const ir::Policy& policy);

// ---- paths and mounts -----------------------------------------------------------------------------
// Mount flags shared by both formats, in a fixed order: ro|rw, nosuid, nodev, noexec, size=, mode=.
std::vector<std::string> mountFlags(const ir::Mount& mount);
std::string octal(std::uint32_t mode);          // 01777 -> "1777"

// A human-readable quantity for comments: 536870912 -> "512MiB".
std::string quantity(std::uint64_t bytes);

// True when the text can be written on one config line (no NUL, CR or LF).
bool isSingleLine(std::string_view text);
// A YAML double-quoted scalar (a JSON string is one): what LXD profiles, Compose and Pod manifests quote with.
// Throws nlohmann::json::type_error on text that is not UTF-8 (YAML must be Unicode).
std::string yamlString(std::string_view text);

}  // namespace ward::backend::common
