#pragma once
// The resolved policy (IR): plain value types produced by sema, after imports, extends, fragments and
// syscall groups are resolved and every name and unit is checked. Every item carries the span it came from
// (Span::file indexes Policy::sources) so that artifacts and findings point back at a source line.
//
// lower/ adds the derived mechanism (Policy::mechanism); backends read only a lower::Lowered.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"

namespace ward::ir {

// A value with the span that set it.
template <class T>
struct Located {
  T value{};
  Span span;
};

// ---- identity ------------------------------------------------------------------------------------
struct IdMap {
  char kind = 'u';                 // 'u' or 'g'
  std::uint32_t inside = 0, outside = 0, count = 0;
  Span span;
};

struct Identity {
  bool privileged = false;         // no user namespace: container root is host root
  std::string privilegedReason;    // required when privileged
  Span privilegedSpan;
  bool idmapAuto = true;           // allocate a 65536-id range per container (the default)
  std::vector<IdMap> idmaps;       // explicit maps (idmapAuto false)
  Located<bool> noNewPrivs{true, {}};
};

// ---- files and mounts ----------------------------------------------------------------------------
enum FileAccess : unsigned {
  kRead = 1, kWrite = 2, kAppend = 4, kExec = 8, kLink = 16, kLock = 32,
};

struct FileRule {
  std::string path;                // absolute; AppArmor glob syntax (*, **, ?, {a,b}, [..])
  unsigned access = 0;             // FileAccess bits
  bool deny = false;               // `deny PATH;` (access = what to deny; all when written without modes)
  bool owner = false;              // `owner write ...`: only files the task owns
  Span span;
};

struct Mount {
  enum class Kind { Bind, Tmpfs };
  Kind kind = Kind::Bind;
  std::string source;              // host path (Bind); empty for tmpfs
  std::string target;              // path inside the container, absolute
  bool readOnly = true;
  bool nosuid = true, nodev = true, noexec = false;
  bool optional = false;
  std::optional<std::uint64_t> sizeBytes;   // tmpfs size=
  std::optional<std::uint32_t> mode;        // tmpfs mode=
  Span span;
};

enum class FsMode { Off, Ro, Mixed, Rw };   // proc, sys and cgroup mount modes (LXC mount.auto semantics)

struct Filesystems {
  std::vector<FileRule> rules;
  std::vector<Mount> mounts;
  Located<FsMode> proc{FsMode::Mixed, {}};
  Located<FsMode> sys{FsMode::Ro, {}};
  Located<FsMode> cgroup{FsMode::Mixed, {}};
  // `root ro|rw;`: the container's root file system read-only (true) or writable (the default; the span
  // is invalid unless a statement said it).
  Located<bool> rootReadOnly{false, {}};
};

// ---- devices ---------------------------------------------------------------------------------------
struct Device {
  char type = 'c';                 // 'c' or 'b'
  std::int64_t major = -1, minor = -1;   // -1 means any (*)
  std::string path;                // node path inside the container (may be empty for a bare major:minor)
  bool read = false, write = false, mknod = false;
  Span span;
};

// ---- network ---------------------------------------------------------------------------------------
struct PortRange {
  std::uint16_t first = 0, last = 0;
  Span span;
};

struct Endpoint {
  enum class Proto { Tcp, Udp, Sctp };
  Proto proto = Proto::Tcp;
  std::string host;                // connect only; empty = any
  std::vector<PortRange> ports;    // empty = any port (connect only)
  Span span;
};

struct Network {
  bool none = false;               // `none;`: an empty network namespace (loopback only)
  Span noneSpan;
  std::vector<Endpoint> listen;
  std::vector<Endpoint> connect;
  std::optional<Located<bool>> unix;       // unix sockets (default allowed)
  std::optional<Span> raw, packet, netlink; // explicit socket families beyond inet/unix
  // `families any;`: lowering restricts no socket family (no derived socket() rules; AppArmor `network,`).
  // An imported seccomp profile says it: the profile's own socket() rules are the whole story.
  std::optional<Span> familiesAny;
  std::optional<Located<std::string>> bridge;  // dedicated bridge name
  Located<bool> ipv6RouterAdvertisements{false, {}};  // accept RAs (default off)
  bool ipv6 = true;                // inet6 sockets allowed
};

// ---- capabilities ----------------------------------------------------------------------------------
struct Capability {
  std::string name;                // without cap_ prefix, lower case: "net_bind_service"
  int number = -1;
  Span span;                       // the statement that kept it, or the one it was derived from
  std::string derivedFrom;         // empty when written; otherwise why lower/ added it ("listen tcp 80")
};

struct Capabilities {
  bool keepAll = false;            // only with identity privileged
  Span keepAllSpan;
  std::vector<Capability> keep;    // as written (sorted by number, unique)
  std::vector<Capability> drop;    // written drops (meaningful with inheritance: remove a parent's keep)
};

// ---- syscalls --------------------------------------------------------------------------------------
struct Action {
  enum class Kind { Allow, Errno, KillProcess, KillThread, Trap, Log, Notify };
  Kind kind = Kind::Errno;
  int errnoValue = 38;             // ENOSYS
  std::string errnoName = "ENOSYS";
  bool operator==(const Action&) const = default;
};

struct ArgCondition {
  enum class Op { Eq, Ne, Lt, Le, Gt, Ge, MaskedEq };
  unsigned index = 0;              // 0..5
  Op op = Op::Eq;
  std::uint64_t value = 0;
  std::uint64_t mask = 0;          // MaskedEq only: (arg & mask) == value
  Span span;
  bool operator==(const ArgCondition& o) const {
    return index == o.index && op == o.op && value == o.value && mask == o.mask;
  }
};

struct SyscallRule {
  std::string name;                // a syscall name libseccomp knows
  Action action;
  std::vector<ArgCondition> conditions;   // all must hold (AND); empty = unconditional
  Span span;                       // the statement (or the group member) it came from
  std::string viaGroup;            // "@system-service" when expanded from a group, else empty
  std::string derivedFrom;         // set by lower/ for derived rules ("network listen tcp 80")
};

struct Syscalls {
  Located<Action> defaultAction{{Action::Kind::Errno, 38, "ENOSYS"}, {}};
  // Architectures whose system calls get the same rules; the native one (x86_64) is always first.
  std::vector<std::string> arches{"x86_64", "x86", "x32"};
  Located<Action> foreignAction{{Action::Kind::KillProcess, 0, ""}, {}};  // any other architecture
  std::vector<SyscallRule> rules;  // one per (syscall, condition set); sorted by name then conditions
};

// ---- limits ----------------------------------------------------------------------------------------
struct Rlimit {
  std::string name;                // nofile, nproc, memlock, core, stack, ... (RLIMIT_ without prefix, lower case)
  std::uint64_t soft = 0, hard = 0;  // kUnlimited for unlimited
  Span span;
};
inline constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};

struct IoBps {
  std::string device;              // "8:0"
  bool write = false;
  std::uint64_t bytesPerSecond = 0;
  Span span;
};

struct Hugetlb {
  std::string pageSize;            // "2MB", "1GB" (the cgroup file naming)
  std::uint64_t bytes = 0;
  Span span;
};

struct Limits {
  std::optional<Located<std::uint64_t>> memoryMax, memoryHigh, swapMax;   // bytes
  std::optional<Located<std::uint64_t>> cpuQuotaMicros;   // per 100000us period: 1.5 cpus -> 150000
  std::optional<Located<std::uint64_t>> cpuWeight;        // 1..10000 (cgroup v2 scale)
  std::optional<Located<std::string>> cpuset;             // "0-1"
  std::optional<Located<std::uint64_t>> pids;
  std::optional<Located<std::uint64_t>> ioWeight;         // 1..10000
  std::vector<IoBps> ioBps;
  std::vector<Hugetlb> hugetlb;
  std::vector<Rlimit> rlimits;                            // sorted by name
  std::optional<Located<std::uint64_t>> inotifyInstances, inotifyWatches;
  std::optional<Located<std::uint64_t>> ptyMax;
};

// ---- sysctl, LSMs, raw LXC, verifier settings -------------------------------------------------------
struct Sysctl {
  std::string key;                 // net.ipv4.ip_forward
  std::string value;
  Span span;
};

struct Selinux {
  bool enabled = false;            // the policy has a selinux section (directly or inherited)
  std::string user = "system_u", role = "system_r", type = "container_t", level = "s0";
  bool categoriesAuto = false;
  std::vector<std::uint32_t> categories;   // explicit, sorted, e.g. {12, 345}
  Span span;
};

struct Apparmor {
  std::string profileName;         // defaults to "ward-<policy>"
  std::vector<std::string> flags;  // complain, attach_disconnected, mediate_deleted ...
  Located<bool> nesting{false, {}};
  std::vector<Located<std::string>> rawRules;   // escape hatch, verbatim (each ends with ',')
  Span span;
};

struct LxcRaw {
  std::string key, value;
  Span span;
};

struct LxcHook {
  std::string type;                // pre-start, start, post-stop, ...
  std::string path;
  Span span;
};

struct Lxc {
  std::vector<LxcRaw> raw;
  std::vector<LxcHook> hooks;
};

struct Accept {                    // verify { accept ESC-SYSRQ "reason"; }
  std::string id, reason;
  Span span;
  // accept DIFF-WIDER "capabilities: keeps sys_admin" "reason"; (a widening against the baseline): "LAYER"
  // or "LAYER: WHAT" as `ward check` prints it. Empty for verifier findings.
  std::string selector;
};

struct Baseline {                  // verify { baseline "main.ward" [POLICY]; }
  std::string path;                // as written: a .ward file (relative to the file that says it), REV:path,
                                   // lxc:PATH or oci:PATH (docs/diff.md)
  std::string policy;              // the baseline's policy ("": the same name, or the file's only policy)
  Span span;
};

struct Verify {
  std::optional<Located<std::string>> failOn;   // critical | high | medium
  std::vector<Accept> accepts;
  std::optional<Baseline> baseline;
};

// ---- the mechanism: filled by lower/, read by backends -------------------------------------------
struct AppArmorRule {
  std::string text;                // one rule, e.g. `/etc/nginx/** r,` or `network inet stream,`
  Span span;                       // provenance
  std::string why;                 // short reason for the comment, e.g. "files read", "network listen tcp 80"
};

struct Setting {                   // one generated key = value with its provenance (a sysctl, a cgroup file)
  std::string key, value;
  Span span;
  std::string why;
};

struct DeviceRule {                // one devices-cgroup allow entry
  char type = 'c';                 // 'c', 'b' or 'a'
  std::int64_t major = -1, minor = -1;
  std::string access;              // subset of "rwm"
  Span span;
  std::string why;
};

// Only lower/ fills it, and only lower::Lowered (lower/lower.h) vouches that it did: backends take that type.
// A reader of a foreign config (verify/audit) fills it with what the config says.
struct Mechanism {
  std::vector<Capability> capabilities;    // final kept set (sorted by number), with provenance
  bool allCapabilities = false;            // `keep all` (privileged) and nothing dropped: every capability
  std::vector<SyscallRule> syscallRules;   // final seccomp rules: policy rules + derived (socket, ...)
  std::vector<AppArmorRule> apparmorRules; // allow and deny rules in emission order
  std::vector<DeviceRule> deviceRules;     // devices cgroup allow-list
  std::vector<std::string> maskedPaths;    // OCI maskedPaths / LXC mount entries onto /dev/null
  std::vector<std::string> readonlyPaths;  // OCI readonlyPaths
  std::vector<Setting> sysctls;      // the policy's sysctls plus derived ones (accept_ra), by key
};

// ---- the policy -------------------------------------------------------------------------------------
struct SourceRef {
  std::string displayName;         // "examples/nginx.ward", "std/base.ward" (never an absolute machine path)
  std::string sha256;              // of the file's bytes
};

struct Policy {
  std::string name;
  Span span;                       // the policy's declaration
  std::vector<SourceRef> sources;  // Span::file indexes this
  std::vector<std::string> parents;   // resolved extends chain, nearest first (for display)

  Identity identity;
  Filesystems files;
  std::vector<Device> devices;
  Network network;
  Capabilities capabilities;
  Syscalls syscalls;
  Limits limits;
  std::vector<Sysctl> sysctls;     // sorted by key
  Selinux selinux;
  Apparmor apparmor;
  Lxc lxc;
  Verify verify;

  Mechanism mechanism;             // empty until lower::lower() runs (or a config reader fills it)

  // "file:line" for provenance comments ("" for an invalid span).
  std::string where(const Span& s) const {
    if (!s.valid() || s.file >= sources.size()) return {};
    return sources[s.file].displayName + ":" + std::to_string(s.line);
  }
};

}  // namespace ward::ir
