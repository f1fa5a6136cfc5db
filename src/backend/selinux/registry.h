#pragma once
// The MCS category registry behind `selinux { categories auto; }`: one category pair per container,
//   - stable: a container (by name) keeps its pair across recompiles;
//   - unique: no two containers share a pair;
//   - safe under concurrent compiles: every change holds an exclusive flock on STATE/mcs.lock, and the
//     registry is replaced atomically (temp file + fsync + rename), so readers never lock;
//   - released explicitly (`ward release NAME`);
//   - never reset: a registry that does not parse, or whose checksum does not match, is an error (E1203)
//     and is left untouched for a human to look at.
//
// File STATE/mcs.registry (mode 0600, STATE created 0700):
//   # ward MCS registry v1 (NAME<TAB>cLO,cHI, sorted by name; change it with `ward release NAME`)
//   db<TAB>c7,c900
//   web<TAB>c12,c345
//   # sha256 <hex of every byte above this line>
//
// A new container's pair is searched from a start point derived from the name's SHA-256, in the order
// (c0,c1), (c0,c2) ... (c1022,c1023) and around; the first free pair is taken.
#include <cstdint>

#include "base/codes.h"
#include <optional>
#include <string>
#include <string_view>

namespace ward::backend::selinux {

struct McsPair {
  std::uint32_t lo = 0, hi = 0;   // lo < hi
  bool operator==(const McsPair&) const = default;
  std::string text() const;       // "c12,c345"
};

struct RegistryOptions {
  std::string stateDir = "/var/lib/ward";
  // The categories allocations use (inclusive). c0..c1023 gives 523,776 pairs; tests shrink it.
  std::uint32_t firstCategory = 0, lastCategory = 1023;
};

struct McsResult {
  std::optional<McsPair> pair;    // set on success (lookup: set only when the name is registered)
  Code code = Code::E1203;        // on failure: Code::E1202 (exhausted) or Code::E1203 (registry error)
  std::string error;              // on failure: what and where, in plain words
  bool ok() const { return error.empty(); }
};

std::string registryPath(const std::string& stateDir);
std::string lockPath(const std::string& stateDir);

// Names the registry can hold: 1..255 bytes of letters, digits and _ . - : @ +
bool validContainerName(std::string_view name);

// The pair of `name`, allocating one if it has none.
McsResult allocate(const RegistryOptions& options, const std::string& name);
// The pair of `name` if registered; never creates or writes anything.
McsResult lookup(const std::string& stateDir, const std::string& name);

enum class ReleaseStatus { Released, NotAllocated, Error };
struct ReleaseResult {
  ReleaseStatus status = ReleaseStatus::Error;
  std::optional<McsPair> pair;   // the released pair
  Code code = Code::E1203;       // on Error: Code::E1203
  std::string error;             // on Error: the reason
};
// Frees the pair of `name`.
ReleaseResult releasePair(const std::string& stateDir, const std::string& name);
// `ward release NAME`: empty when the pair was freed, otherwise the reason in plain words (nothing
// allocated to NAME, or "E1203: ..." when the registry cannot be used).
std::string release(const std::string& stateDir, const std::string& name);

}  // namespace ward::backend::selinux
