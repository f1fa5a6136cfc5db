#pragma once
// The escape catalog: known container escapes and host-wide DoS as data (stdlib/catalog/*.json, plus a
// site's own catalog/*.json in any directory of the module search path). docs/escapes.md describes the
// format. Each entry lists *guards*: a guard is one way one layer can stop the technique (for seccomp:
// "every one of these system calls, with these argument values, is refused on every architecture"). The
// verifier (verify.h) evaluates each guard against a compiled policy.
//
// Pure data and parsing: nothing here prints, exits or keeps state; file reading is confined to
// loadCatalog().
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::verify {

// Severity of an entry, ordered: a gate at High fails on High and Critical.
enum class Level { Medium = 1, High = 2, Critical = 3 };
const char* levelName(Level l);                        // "medium", "high", "critical"
std::optional<Level> parseLevel(std::string_view s);   // also accepts "med", "crit"; case-insensitive

enum class Layer { Seccomp, Capabilities, Apparmor, Selinux, Userns, Cgroup, Mount, Sysctl, Runtime, Host };
const char* layerName(Layer l);                        // "seccomp", "capabilities", ...
std::optional<Layer> parseLayer(std::string_view s);
const std::vector<Layer>& allLayers();

// One system call the technique needs, with the argument values it uses (unlisted arguments are 0).
struct SyscallNeed {
  std::string name;
  std::vector<std::pair<unsigned, std::uint64_t>> args;   // (index 0..5, value)
  std::vector<std::string> arches;   // limit to these ("x86_64", "x86", "x32"); empty = every arch
  std::vector<unsigned> int32Args;   // the kernel reads these as 32 bits: also try the value with high bits set
};

// One thing the technique needs from AppArmor.
struct AppArmorNeed {
  enum class Kind { File, Mount, Network, Capability };
  Kind kind = Kind::File;
  std::string path;      // File: a concrete path
  std::string access;    // File: letters from "rwaxlk" (all needed)
  std::string fstype;    // Mount
  std::string target;    // Mount: a concrete mount point (ends with '/')
  std::string family;    // Network: "packet", "inet", "alg", ...
  std::string type;      // Network: "raw", "stream", ... (empty = any)
  std::string capability;  // Capability: name without cap_
};

struct PathNeed {        // mount layer: the path must be reachable with this access
  std::string path;
  std::string access;    // "r" or "w"
};

struct DeviceNeed {      // cgroup layer: the devices cgroup must allow this
  char type = 'c';       // 'c' or 'b'
  std::int64_t major = -1, minor = -1;   // -1: any device of the type
  std::string access;    // letters from "rwm" (all needed)
};

struct SysctlNeed {      // sysctl layer: the policy sets `key` to one of `opens`
  std::string key;
  std::vector<std::string> opens;
};

// One guard. Exactly one of: `check` (a named predicate implemented by the verifier), or a list of
// alternatives (the technique works when any one of them is granted; the guard blocks when none is).
// Host guards only document what lies outside any policy (kernel or runtime version).
struct Guard {
  Layer layer = Layer::Host;
  std::string check;
  std::vector<SyscallNeed> syscalls;
  std::vector<std::string> capabilities;
  std::vector<AppArmorNeed> apparmor;
  std::vector<PathNeed> paths;
  std::vector<DeviceNeed> devices;
  std::vector<SysctlNeed> sysctls;
  std::string note;
};

// One affected version range of the entry's component: introduced <= version < fixed. Versions are
// upstream notation ("1.1.12", "1.0.0-rc95", "6.1.76"); `introduced` "" = every earlier version.
struct VersionRange {
  std::string introduced;
  std::string fixed;
};

struct Entry {
  std::string id;                    // stable: ESC-SYSRQ
  std::string title;
  std::string category;
  Level severity = Level::High;
  std::vector<std::string> cves;
  std::string summary;
  std::vector<std::string> preconditions;
  std::vector<std::string> appliesIf;   // "network": not applicable to a policy with `network { none; }`
  std::vector<Guard> guards;
  std::string fix;                   // what to write in a .ward policy
  std::vector<std::string> references;
  std::string probe;                 // what the conformance probe does; empty when there is none
  std::string origin;                // the catalog file it came from (display name)
  // What software it lives in: "config" (a setting of the container, every version) or a versioned
  // component (knownComponents()), with the versions it affects (hostfacts.h judges them for a host).
  std::string component = "config";
  std::vector<VersionRange> affected;
  int year = 0;                      // disclosed (0: a long-known technique)
  std::vector<std::string> needs;    // "capability:net_admin", "syscall:unshare", "mount:overlay",
                                     // "userns-root", "path:/proc/self/exe", "image", "exec", "api", "hook"
  std::string source;                // the advisory or CVE record (URL)
};

// Components an entry can name, and the `needs` kinds.
const std::vector<std::string>& knownComponents();
const std::vector<std::string>& knownNeeds();

struct Catalog {
  std::vector<Entry> entries;        // in load order (stdlib order first when nothing shadows it)
  std::vector<std::string> files;    // every file merged, in order
  std::vector<std::string> notes;    // "ESC-X in A shadows the entry in B"
  const Entry* find(std::string_view id) const;
  std::vector<std::string> ids() const;
};

// Entries naming a CVE id (case-insensitive), in catalog order.
std::vector<const Entry*> findByCve(const Catalog& catalog, std::string_view cve);

// How many entries per component and per disclosure year (0: a long-known technique).
struct CatalogCounts {
  std::map<std::string, std::size_t> byComponent;
  std::map<int, std::size_t> byYear;
};
CatalogCounts countBy(const Catalog& catalog);

// The named checks each layer knows (a catalog naming another one is invalid).
const std::vector<std::string>& knownChecks(Layer layer);

// Parses one catalog file's JSON text and appends its entries to `into`. An entry whose id is already in
// `into` is skipped and noted (the earlier file on the search path wins, as for modules); a duplicate id
// within one file is an error. Returns false (with messages in `errors`) when the text is not a valid
// catalog; nothing is appended then.
bool parseCatalog(std::string_view displayName, std::string_view text, Catalog& into,
                  std::vector<std::string>& errors);

// Every <dir>/catalog/*.json for each directory of the module search path (sema::searchPath), in path
// order, files within a directory by name. Errors are messages; the catalog holds what did load.
Catalog loadCatalog(const std::vector<std::string>& searchPath, std::vector<std::string>& errors);

// Deeper checks than parsing: id syntax, known syscalls (on x86_64, x86 or x32 per libseccomp), known
// capability names, access letters, at least one guard, a title, a fix. One message per problem.
std::vector<std::string> validate(const Catalog& catalog);

}  // namespace ward::verify
