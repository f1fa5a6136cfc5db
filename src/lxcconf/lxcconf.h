#pragma once
// A reader for LXC container configurations (lxc.container.conf(5)) that computes the effective
// configuration the way LXC 5 does, remembering the file and line of every key.
//
//   - `key = value` lines; blank lines and lines starting with '#' are skipped; a line that does not start
//     with "lxc." is ignored by LXC (a "martian" line) and reported here as a warning; an lxc. line without
//     '=' is an error (LXC refuses the config). Values are trimmed; one pair of matching quotes around the
//     whole value is removed, as LXC does.
//   - `lxc.include = PATH` reads PATH at that point, as LXC 5.0.2 does (confile.c set_config_includefiles,
//     do_includedir): a PATH ending in '/' or naming a directory includes the directory's entries whose
//     names end in ".conf" and are at least six characters long (sorted by name here; LXC reads them in
//     readdir order; an entry that is itself a directory reads as empty); a missing directory is ignored
//     (a warning here), any other failure to open it is an error. Any other PATH is read as a file, and a
//     missing file is an error (LXC refuses the config). An empty value does nothing (a warning). Relative
//     paths are resolved against the including file's directory (LXC uses its working directory: write
//     absolute paths). An include cycle is an error (LXC would recurse until it fails).
//   - Single-valued keys: the last one wins. List keys accumulate (lxc.cap.drop, lxc.cap.keep,
//     lxc.mount.entry, lxc.mount.auto, lxc.idmap, lxc.cgroup.*, lxc.cgroup2.*, lxc.hook.*, lxc.environment,
//     lxc.apparmor.raw, lxc.namespace.keep, lxc.group, lxc.net.N.ipv4/ipv6.address). An empty value clears
//     a key; the family keys lxc.cgroup, lxc.cgroup2, lxc.hook, lxc.net, lxc.prlimit, lxc.sysctl, lxc.proc
//     with an empty value clear every key of their family.
//
// The parser is independent of the rest of ward (the hook and `ward verify --lxc-config` both use it).
// Nothing here prints, throws on bad input or keeps global state; file access goes through a FileSystem
// so tests (and hardened callers) can supply their own.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::lxcconf {

struct Location {
  std::string file;          // as opened (the path given, or the include's resolved path)
  std::uint32_t line = 0;    // 1-based; 0 when not from a file line
  std::string str() const;   // "file:line"
};

struct Entry {
  std::string key;
  std::string value;         // trimmed, quotes removed; "" for a clearing line
  Location where;
};

struct Problem {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  Location where;
  std::string message;
  std::string str() const;   // "file:line: error: message"
};

// File access for the parser. The default reads the real filesystem; with noFollow set it refuses a
// file or directory whose last path component is a symbolic link (O_NOFOLLOW).
class FileSystem {
 public:
  virtual ~FileSystem();
  // The file's bytes, or nullopt with `error` set (in plain words, e.g. "No such file or directory").
  virtual std::optional<std::string> readFile(const std::string& path, std::string& error) const;
  // True when `path` is a directory (false when it does not exist or is something else).
  virtual bool isDirectory(const std::string& path) const;
  // True when `path` does not exist (ENOENT: the path or one of its parents is absent; with noFollow a
  // dangling symbolic link exists). False for ENOTDIR, EACCES and the like.
  virtual bool isMissing(const std::string& path) const;
  // The names (not paths) of the entries of a directory, or nullopt with `error` set.
  virtual std::optional<std::vector<std::string>> listDirectory(const std::string& path, std::string& error) const;

  bool noFollow = false;
  std::size_t maxFileBytes = 16u << 20;
};

struct ParseOptions {
  const FileSystem* fs = nullptr;      // nullptr: the default FileSystem (following symlinks)
  std::size_t maxDepth = 32;           // include nesting
  std::size_t maxFiles = 4096;         // files read in total
};

enum class KeyKind { Single, List };
KeyKind keyKind(std::string_view key);
// For a clearing line of `key` (empty value): does it clear every key starting with key + "."?
bool isFamilyKey(std::string_view key);

class Config {
 public:
  // Every key line in the order LXC applies them, includes expanded (clears included; not lxc.include).
  const std::vector<Entry>& lines() const { return lines_; }
  // The effective settings in application order: single keys appear once (their last value), list
  // entries after their last clear.
  const std::vector<Entry>& effective() const { return effective_; }
  // Every file read, in order (the top file first).
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<Problem>& problems() const { return problems_; }
  bool ok() const;   // no error problems

  // The effective value of a single-valued key (nullopt when never set; an entry with an empty value
  // when cleared).
  std::optional<Entry> get(std::string_view key) const;
  // The effective entries of a list key (exactly this key).
  std::vector<Entry> all(std::string_view key) const;
  // The effective entries whose key starts with `prefix` (e.g. "lxc.cgroup."), in application order.
  std::vector<Entry> withPrefix(std::string_view prefix) const;
  // The whitespace-separated words of every effective value of a list key (lxc.cap.drop, lxc.mount.auto,
  // lxc.namespace.keep), each with the entry it came from.
  std::vector<std::pair<std::string, Location>> words(std::string_view key) const;
  // Where a key (or its family) was last cleared by an empty value, if it was.
  std::optional<Location> lastClear(std::string_view key) const;

  // Applies one line (used by the parser; public for tests and for callers building configs by hand).
  void apply(Entry e);
  void addProblem(Problem p) { problems_.push_back(std::move(p)); }
  void addFile(std::string f) { files_.push_back(std::move(f)); }

 private:
  std::vector<Entry> lines_;
  std::vector<Entry> effective_;
  std::vector<std::string> files_;
  std::vector<Problem> problems_;
  std::map<std::string, Location, std::less<>> clears_;
};

// Parses a config file and everything it includes.
Config parseFile(const std::string& path, const ParseOptions& options = {});
// Parses text (named `name` in locations; includes are read through options.fs).
Config parseText(const std::string& name, std::string_view text, const ParseOptions& options = {});

// ---- interpretation shared by the hook's drift check and the verifier ------------------------------

// capabilities(7) names without "cap_", lower case, indexed by number (0 chown .. 40 checkpoint_restore).
const std::vector<std::string_view>& capabilityNames();
int capabilityNumber(std::string_view name);   // accepts "CAP_SYS_ADMIN", "sys_admin"; -1 when unknown

struct Capabilities {
  std::vector<int> kept;          // sorted numbers 0..lastCap the container keeps
  bool viaKeep = false;           // lxc.cap.keep is set (else lxc.cap.drop or nothing)
  bool both = false;              // both lxc.cap.keep and lxc.cap.drop are set (LXC refuses to start)
  std::vector<std::string> unknown;   // names that are not capabilities
};
// What LXC leaves in the bounding set: lxc.cap.keep (everything not listed is dropped; "none" keeps
// nothing) or every capability minus lxc.cap.drop.
Capabilities capabilities(const Config& config, int lastCap);

// lxc.mount.auto, per family, as LXC's bit masks end up: the last item of a family wins.
enum class AutoMode { Off, Ro, Mixed, Rw };
struct AutoMounts {
  AutoMode proc = AutoMode::Off, sys = AutoMode::Off, cgroup = AutoMode::Off;
  bool cgroupFull = false;        // cgroup-full:*: the host's whole hierarchy
  bool cgroupNoSpec = false;      // "cgroup" without mode: rw when CAP_SYS_ADMIN is kept, else mixed
  std::optional<Location> proc_at, sys_at, cgroup_at;
  std::vector<std::string> unknown;
};
AutoMounts autoMounts(const Config& config);
const char* autoModeName(AutoMode m);

// The fields of an fstab-style lxc.mount.entry (octal escapes \040 \011 \134 decoded).
struct MountEntry {
  std::string source, target, type;
  std::vector<std::string> options;
  bool hasOption(std::string_view o) const;
};
std::optional<MountEntry> parseMountEntry(std::string_view value);

// Whether lxc.rootfs.options (comma-separated mount options, e.g. "ro,idmap=container") makes the root file
// system read-only: the last of `ro` and `rw` wins, as in mount(8).
bool rootfsReadOnly(std::string_view options);

}  // namespace ward::lxcconf
