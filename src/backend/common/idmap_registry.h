#pragma once
// The id range registry behind `idmap auto`: one range of 65536 host uids and 65536 host gids per
// container, so that no two containers share kernel ids (rlimits such as nproc, inotify instances and
// keyring quotas are per kernel uid: NS-SHARED-IDMAP, RES-INOTIFY; LXD's security.idmap.isolated).
//   - stable: a container (by name) keeps its range across recompiles;
//   - unique: no two containers' uid ranges overlap, nor their gid ranges;
//   - safe under concurrent compiles: every change holds an exclusive flock on STATE/idmap.lock and the
//     registry is replaced atomically (common/registry_file.h, shared with the MCS registry);
//   - released explicitly (`ward release NAME`, releaseIdmap()); never on container stop, since the
//     container's rootfs stays owned by the range;
//   - never reset: a registry that does not parse, or whose checksum does not match, is E1203;
//   - exhaustion is E1204.
//
// File STATE/idmap.registry (mode 0600, STATE created 0700):
//   # ward idmap registry v1 (NAME<TAB>UID<TAB>GID: host ids UID.. and GID.., 65536 each, sorted by name; ...)
//   db<TAB>1065536<TAB>1065536
//   web<TAB>1327680<TAB>1327680
//   # sha256 <hex of every byte above this line>
//
// The pool: root's entries in /etc/subuid and /etc/subgid ("root:" or "0:"), cut into 65536-id ranges;
// for a file with no root entry, the default pool 1000000..66535999 (1000 ranges). Ranges that overlap
// another user's entry are left out (that user could map them with newuidmap). Range k of the pool is
// uid range k with gid range k. A new container's range is searched from index SHA-256(name) mod the
// pool size, upwards and around; the first range whose uids and gids are both free is taken.
// Sharing a host with LXD: when an `_lxd` (or `lxd`) user has an entry (Debian's lxd package), root's first
// entry of at least 65536 ids is LXD's map (every instance that is not isolated maps all of it, isolated
// ones get parts of it) and is left out too. Debian's package gives `_lxd` and root the same range, so the
// pool is then empty until root gets a range of its own: E1204 names the `usermod` command, with a range
// that no entry of either file touches (docs/lxd.md).
#include <cstdint>

#include "base/codes.h"
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::backend::common {

inline constexpr std::uint32_t kIdRangeSize = 65536;
inline constexpr std::uint32_t kDefaultIdPoolFirst = 1000000;
inline constexpr std::uint32_t kDefaultIdPoolRanges = 1000;   // 1000000 .. 66535999

// The first host uid and gid of a container's range (each range is kIdRangeSize ids).
struct IdSlot {
  std::uint32_t uid = 0, gid = 0;
  bool operator==(const IdSlot&) const = default;
};

struct IdPool {
  std::vector<IdSlot> slots;   // the ranges allocations choose from, in pool order
  bool uidFromSubid = false;   // root has an entry in /etc/subuid (else the default pool)
  bool gidFromSubid = false;
  std::string description;     // for messages: where the ranges come from
  // For messages: the entries that took root's ids away ("_lxd:100000:10000001 (LXD's user)", LXD's map),
  // and the command that gives root a range no entry of either file touches (empty when none fits).
  std::vector<std::string> excluded;
  std::string addCommand;
  bool contains(const IdSlot& slot) const;
};

// The pool from /etc/subuid and /etc/subgid text (see above).
IdPool idPool(std::string_view subuidText, std::string_view subgidText);
// The pool from the files at these paths (backend::Options::subuidFile, subgidFile; a missing file has
// no root entry); when they are not /etc/subuid and /etc/subgid, the description says which files.
IdPool idPoolFromFiles(const std::string& subuidFile, const std::string& subgidFile);

struct IdRegistryOptions {
  std::string stateDir = "/var/lib/ward";
  IdPool pool;
};

struct IdResult {
  std::optional<IdSlot> range;   // on success (lookup: only when registered)
  bool placeholder = false;      // previewIdRange: not registered, the range an allocation would take now
  std::string note;              // previewIdRange: why the registry was assumed empty (it cannot be read)
  Code code = Code::E1203;       // on failure: Code::E1204 (exhausted) or Code::E1203 (registry error)
  std::string error;             // on failure: what and where, in plain words
  bool ok() const { return error.empty(); }
};

std::string idRegistryPath(const std::string& stateDir);   // STATE/idmap.registry
std::string idLockPath(const std::string& stateDir);       // STATE/idmap.lock

// The range of `name`, allocating one if it has none.
IdResult allocateIdRange(const IdRegistryOptions& options, const std::string& name);
// The range of `name` if registered; never creates or writes anything.
IdResult lookupIdRange(const std::string& stateDir, const std::string& name);
// Check-only: the registered range of `name`, or else (placeholder = true) the range allocateIdRange
// would take now: the first free one from the name's start index, given the ranges already registered.
// Reads only; creates and writes nothing. E1204 when no range is free, E1203 when the registry is
// corrupt. A registry that cannot be read (a check by a user who may not read the state directory) is
// taken as empty, with `note` saying so.
IdResult previewIdRange(const IdRegistryOptions& options, const std::string& name);
// The range a fresh (empty) registry would give `name`: pool.slots[SHA-256(name) mod size]. Pure.
std::optional<IdSlot> startSlot(const IdPool& pool, std::string_view name);

enum class IdReleaseStatus { Released, NotAllocated, Error };
struct IdReleaseResult {
  IdReleaseStatus status = IdReleaseStatus::Error;
  std::optional<IdSlot> range;   // the released range
  Code code = Code::E1203;       // on Error: Code::E1203
  std::string error;             // on Error: the reason
};
// Frees the range of `name`.
IdReleaseResult releaseIdRange(const std::string& stateDir, const std::string& name);
// `ward release NAME`: empty when the range was freed, otherwise the reason in plain words (nothing
// allocated to NAME, or "E1203: ..." when the registry cannot be used).
std::string releaseIdmap(const std::string& stateDir, const std::string& name);

}  // namespace ward::backend::common
