#pragma once
// Every call the hook makes into the verifier, the AppArmor loader and the SELinux MCS registry, in one
// place, so that the rest of the hook sees three small interfaces.
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "ir/policy.h"
#include "verify/verify.h"

namespace ward::hook::integrations {

// ---- verifier -----------------------------------------------------------------------------------------
struct Verdict {
  std::string failOn;                    // "critical", "high", "medium"
  std::vector<std::string> blocking;     // one line per open finding at or above failOn
  std::vector<std::string> catalogFiles; // every catalog file the verifier read (part of the cache key)
  std::string error;                     // the catalog could not be loaded
};
// Artifacts as driver::build produced them.
Verdict verify(const lower::Lowered& lowered, const std::vector<backend::Artifact>& artifacts,
               const std::vector<std::string>& searchPath, const verify::HostFacts& host);

// ---- AppArmor -----------------------------------------------------------------------------------------
struct AppArmorHost {
  bool enabled = false;
  std::string reason;
};
AppArmorHost apparmorHost();
// apparmor_parser at a fixed path (no PATH lookup): /usr/sbin/apparmor_parser or /sbin/apparmor_parser.
std::optional<std::string> compileProfile(const std::string& profileText, std::string& error);
// Loads (or replaces) a compiled binary policy through libapparmor's kernel interface. "" on success.
std::string loadBinary(const std::string& binary);

// ---- SELinux MCS registry -----------------------------------------------------------------------------
// The pair registered for `container` ("c12,c345"), nullopt when none; `error` on a registry error.
std::optional<std::string> mcsLookup(const std::string& stateDir, const std::string& container, std::string& error);
// The pair of `container`, allocating one when it has none.
std::optional<std::string> mcsAllocate(const std::string& stateDir, const std::string& container, std::string& error);
// Releases the pair. "" on success (also when nothing was allocated).
std::string mcsRelease(const std::string& stateDir, const std::string& container);

}  // namespace ward::hook::integrations
