#include "lxcconf/lxcconf.h"

#include "base/capabilities.h"
#include "base/strings.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace ward::lxcconf {

namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
std::string_view trim(std::string_view s) { return ward::trim(s, " \t\r\n"); }


// lxc.cgroup.dir, lxc.cgroup.relative and friends are plain settings, not controller values.
bool isCgroupSetting(std::string_view key) {
  for (std::string_view fam : {"lxc.cgroup.", "lxc.cgroup2."}) {
    if (!startsWith(key, fam) || key.size() == fam.size()) continue;
    std::string_view rest = key.substr(fam.size());
    if (fam == "lxc.cgroup." &&
        (rest == "dir" || startsWith(rest, "dir.") || rest == "relative" || startsWith(rest, "monitor.")))
      return false;
    return true;
  }
  return false;
}

bool isNetAddressList(std::string_view key) {
  if (!startsWith(key, "lxc.net.")) return false;
  return key.ends_with(".ipv4.address") || key.ends_with(".ipv6.address");
}

std::string joinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string parentDir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class Parser {
 public:
  Parser(Config& c, const ParseOptions& o, const FileSystem& fs) : config_(c), options_(o), fs_(fs) {}

  void file(const std::string& path, const Location& from) {
    if (!admit(path, from)) return;
    std::string error;
    auto text = fs_.readFile(path, error);
    if (!text) {
      config_.addProblem({Problem::Severity::Error, from,
                          from.file.empty() ? "cannot read '" + path + "': " + error
                                            : "cannot read included '" + path + "': " + error});
      return;
    }
    stack_.push_back(key(path));
    config_.addFile(path);
    lines(path, *text);
    stack_.pop_back();
  }

  void text(const std::string& name, std::string_view t) {
    stack_.push_back(key(name));
    config_.addFile(name);
    lines(name, t);
    stack_.pop_back();
  }

 private:
  Config& config_;
  const ParseOptions& options_;
  const FileSystem& fs_;
  std::vector<std::string> stack_;
  std::size_t filesRead_ = 0;

  static std::string key(const std::string& path) {
    return std::filesystem::path(path).lexically_normal().string();
  }

  bool admit(const std::string& path, const Location& from) {
    std::string k = key(path);
    if (std::find(stack_.begin(), stack_.end(), k) != stack_.end()) {
      std::string chain;
      for (const auto& s : stack_) chain += s + " -> ";
      config_.addProblem({Problem::Severity::Error, from, "include cycle: " + chain + k});
      return false;
    }
    if (stack_.size() >= options_.maxDepth) {
      config_.addProblem({Problem::Severity::Error, from,
                          "includes nested deeper than " + std::to_string(options_.maxDepth) + " levels"});
      return false;
    }
    if (++filesRead_ > options_.maxFiles) {
      config_.addProblem({Problem::Severity::Error, from,
                          "more than " + std::to_string(options_.maxFiles) + " files included"});
      return false;
    }
    return true;
  }

  // LXC 5.0.2 (src/lxc/confile.c, set_config_includefiles and do_includedir):
  //   an empty value only clears the list of includes; a value ending in '/' or naming a directory
  //   (stat) is read as a directory, whose opendir() failing with ENOENT is ignored and with any other
  //   errno (ENOTDIR, EACCES) is an error; a directory contributes its entries named *.conf (at least six
  //   characters), each read as a file; anything else is read as a file (lxc_config_read), and a file
  //   that cannot be opened is an error.
  void include(const std::string& value, const Location& at) {
    std::string path = value;
    if (path.empty()) {
      config_.addProblem({Problem::Severity::Warning, at, "lxc.include without a path (LXC ignores it)"});
      return;
    }
    if (path.front() != '/') {
      config_.addProblem({Problem::Severity::Warning, at,
                          "relative lxc.include '" + value +
                              "' (resolved against this file's directory; LXC uses its working directory)"});
      path = joinPath(parentDir(at.file), path);
    }
    if (path.back() == '/' || fs_.isDirectory(path)) {
      directory(path, at);
      return;
    }
    file(path, at);
  }

  void directory(const std::string& given, const Location& at) {
    // Trailing slashes are dropped for the file system calls (so that noFollow still sees the last
    // component), but decide that the path is a directory, as in LXC.
    std::string path = given;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    std::string error;
    auto names = fs_.listDirectory(path, error);
    if (!names) {
      if (fs_.isMissing(path)) {
        config_.addProblem({Problem::Severity::Warning, at,
                            "lxc.include of the missing directory '" + given + "' ignored (as LXC does)"});
        return;
      }
      config_.addProblem({Problem::Severity::Error, at, "cannot read included directory '" + given + "': " + error});
      return;
    }
    if (!admit(path, at)) return;
    std::sort(names->begin(), names->end());
    stack_.push_back(key(path));
    for (const auto& n : *names) {
      if (n.size() < 6 || !n.ends_with(".conf")) continue;
      std::string entry = joinPath(path, n);
      if (fs_.isDirectory(entry)) {
        // LXC opens it, fails to copy it ("Is a directory"), logs an error and goes on as if it were empty.
        config_.addProblem({Problem::Severity::Warning, at,
                            "'" + entry + "' in an included directory is a directory (LXC reads nothing from it)"});
        continue;
      }
      file(entry, at);
    }
    stack_.pop_back();
  }

  void lines(const std::string& name, std::string_view t) {
    std::uint32_t lineNo = 0;
    std::size_t pos = 0;
    while (pos <= t.size()) {
      std::size_t nl = t.find('\n', pos);
      std::string_view raw = t.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++lineNo;
      line(name, lineNo, raw);
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
  }

  void line(const std::string& name, std::uint32_t lineNo, std::string_view raw) {
    Location at{name, lineNo};
    std::string_view l = trim(raw);
    if (l.empty() || l.front() == '#') return;
    if (l.find('\0') != std::string_view::npos) {
      config_.addProblem({Problem::Severity::Error, at, "NUL byte in the line"});
      return;
    }
    if (!startsWith(l, "lxc.")) {
      config_.addProblem({Problem::Severity::Warning, at,
                          "line ignored by LXC (keys start with \"lxc.\"): " + std::string(l.substr(0, 60))});
      return;
    }
    auto eq = l.find('=');
    if (eq == std::string_view::npos) {
      config_.addProblem({Problem::Severity::Error, at, "invalid configuration line (no '='): " + std::string(l)});
      return;
    }
    std::string_view k = trim(l.substr(0, eq));
    std::string_view v = trim(l.substr(eq + 1));
    if (v.size() > 1 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    if (k.empty() || k.find_first_of(" \t") != std::string_view::npos) {
      config_.addProblem({Problem::Severity::Error, at, "invalid key '" + std::string(k) + "'"});
      return;
    }
    if (k == "lxc.include") {
      include(std::string(v), at);
      return;
    }
    config_.apply({std::string(k), std::string(v), at});
  }
};

}  // namespace

std::string Location::str() const {
  if (file.empty()) return "<config>";
  return line ? file + ":" + std::to_string(line) : file;
}

std::string Problem::str() const {
  return where.str() + (severity == Severity::Error ? ": error: " : ": warning: ") + message;
}

// ---- the default filesystem -------------------------------------------------------------------------

FileSystem::~FileSystem() = default;

std::optional<std::string> FileSystem::readFile(const std::string& path, std::string& error) const {
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    error = errno == ELOOP && noFollow ? "is a symbolic link (not followed)" : std::strerror(errno);
    return std::nullopt;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "not a regular file";
    ::close(fd);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > maxFileBytes) {
      error = "larger than " + std::to_string(maxFileBytes) + " bytes";
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return out;
}

bool FileSystem::isMissing(const std::string& path) const {
  struct stat st{};
  int r = noFollow ? ::lstat(path.c_str(), &st) : ::stat(path.c_str(), &st);
  return r != 0 && errno == ENOENT;
}

bool FileSystem::isDirectory(const std::string& path) const {
  struct stat st{};
  int r = noFollow ? ::lstat(path.c_str(), &st) : ::stat(path.c_str(), &st);
  return r == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::vector<std::string>> FileSystem::listDirectory(const std::string& path, std::string& error) const {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0));
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  DIR* d = ::fdopendir(fd);
  if (!d) {
    error = std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    names.push_back(std::move(n));
  }
  ::closedir(d);
  return names;
}

// ---- key kinds and the effective config ------------------------------------------------------------

KeyKind keyKind(std::string_view key) {
  for (std::string_view k : {"lxc.cap.drop", "lxc.cap.keep", "lxc.mount.entry", "lxc.mount.auto", "lxc.idmap",
                             "lxc.environment", "lxc.apparmor.raw", "lxc.namespace.keep", "lxc.group"})
    if (key == k) return KeyKind::List;
  if (startsWith(key, "lxc.hook.") && key != "lxc.hook.version") return KeyKind::List;
  if (isCgroupSetting(key) || isNetAddressList(key)) return KeyKind::List;
  return KeyKind::Single;
}

bool isFamilyKey(std::string_view key) {
  for (std::string_view k : {"lxc.cgroup", "lxc.cgroup2", "lxc.hook", "lxc.net", "lxc.prlimit", "lxc.sysctl", "lxc.proc"})
    if (key == k) return true;
  // lxc.net.N clears one interface
  if (startsWith(key, "lxc.net.")) {
    std::string_view n = key.substr(8);
    return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  return false;
}

namespace {
bool inFamily(std::string_view family, std::string_view key) {
  if (!startsWith(key, family) || key.size() <= family.size() || key[family.size()] != '.') return false;
  if (family == "lxc.cgroup" || family == "lxc.cgroup2") return isCgroupSetting(key);
  if (family == "lxc.hook") return key != "lxc.hook.version";
  return true;
}
}  // namespace

void Config::apply(Entry e) {
  lines_.push_back(e);
  const std::string& k = e.key;
  if (e.value.empty()) {
    clears_[k] = e.where;
    bool family = isFamilyKey(k);
    std::erase_if(effective_, [&](const Entry& x) { return x.key == k || (family && inFamily(k, x.key)); });
    if (family) {  // remember the clear for each member key seen so far, too
      for (const auto& l : lines_)
        if (inFamily(k, l.key)) clears_[l.key] = e.where;
    }
    if (keyKind(k) == KeyKind::Single && !family) effective_.push_back(std::move(e));
    return;
  }
  if (keyKind(k) == KeyKind::Single) std::erase_if(effective_, [&](const Entry& x) { return x.key == k; });
  effective_.push_back(std::move(e));
}

bool Config::ok() const {
  return std::none_of(problems_.begin(), problems_.end(),
                      [](const Problem& p) { return p.severity == Problem::Severity::Error; });
}

std::optional<Entry> Config::get(std::string_view key) const {
  for (auto it = effective_.rbegin(); it != effective_.rend(); ++it)
    if (it->key == key) return *it;
  return std::nullopt;
}

std::vector<Entry> Config::all(std::string_view key) const {
  std::vector<Entry> out;
  for (const auto& e : effective_)
    if (e.key == key) out.push_back(e);
  return out;
}

std::vector<Entry> Config::withPrefix(std::string_view prefix) const {
  std::vector<Entry> out;
  for (const auto& e : effective_)
    if (startsWith(e.key, prefix)) out.push_back(e);
  return out;
}

std::vector<std::pair<std::string, Location>> Config::words(std::string_view key) const {
  std::vector<std::pair<std::string, Location>> out;
  for (const auto& e : effective_) {
    if (e.key != key) continue;
    std::string_view v = e.value;
    while (!v.empty()) {
      while (!v.empty() && isBlank(v.front())) v.remove_prefix(1);
      std::size_t n = 0;
      while (n < v.size() && !isBlank(v[n])) ++n;
      if (n) out.emplace_back(std::string(v.substr(0, n)), e.where);
      v.remove_prefix(n);
    }
  }
  return out;
}

std::optional<Location> Config::lastClear(std::string_view key) const {
  auto it = clears_.find(key);
  if (it == clears_.end()) return std::nullopt;
  return it->second;
}

Config parseFile(const std::string& path, const ParseOptions& options) {
  Config c;
  FileSystem dflt;
  Parser p(c, options, options.fs ? *options.fs : dflt);
  p.file(path, Location{});
  return c;
}

Config parseText(const std::string& name, std::string_view text, const ParseOptions& options) {
  Config c;
  FileSystem dflt;
  Parser p(c, options, options.fs ? *options.fs : dflt);
  p.text(name, text);
  return c;
}

// ---- interpretation -----------------------------------------------------------------------------------

const std::vector<std::string_view>& capabilityNames() { return ward::capabilityNames(); }

int capabilityNumber(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (startsWith(n, "cap_")) n.erase(0, 4);
  if (int known = ward::capabilityNumber(n); known >= 0) return known;
  if (!n.empty() && n.size() < 4 && std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::stoi(n);
  return -1;
}

Capabilities capabilities(const Config& config, int lastCap) {
  Capabilities out;
  auto keep = config.words("lxc.cap.keep");
  auto drop = config.words("lxc.cap.drop");
  out.both = !keep.empty() && !drop.empty();
  std::set<int> kept;
  if (!keep.empty()) {
    out.viaKeep = true;
    for (const auto& [w, at] : keep) {
      if (w == "none") continue;
      int n = capabilityNumber(w);
      if (n < 0) out.unknown.push_back(w);
      else if (n <= lastCap) kept.insert(n);
    }
  } else {
    for (int i = 0; i <= lastCap; ++i) kept.insert(i);
    for (const auto& [w, at] : drop) {
      int n = capabilityNumber(w);
      if (n < 0) out.unknown.push_back(w);
      else kept.erase(n);
    }
  }
  out.kept.assign(kept.begin(), kept.end());
  return out;
}

const char* autoModeName(AutoMode m) {
  switch (m) {
    case AutoMode::Off: return "off";
    case AutoMode::Ro: return "ro";
    case AutoMode::Mixed: return "mixed";
    case AutoMode::Rw: return "rw";
  }
  return "?";
}

AutoMounts autoMounts(const Config& config) {
  AutoMounts a;
  for (const auto& [w, at] : config.words("lxc.mount.auto")) {
    std::string_view item = w;
    bool force = false;
    if (item.ends_with(":force")) {
      force = true;
      item.remove_suffix(6);
    }
    auto mode = [&](std::string_view m, AutoMode dflt) -> std::optional<AutoMode> {
      if (m.empty()) return dflt;
      if (m == ":ro") return AutoMode::Ro;
      if (m == ":mixed") return AutoMode::Mixed;
      if (m == ":rw") return AutoMode::Rw;
      return std::nullopt;
    };
    std::optional<AutoMode> m;
    if (!force && startsWith(item, "proc") && (item.size() == 4 || item[4] == ':')) {
      m = mode(item.substr(4), AutoMode::Mixed);
      if (m && *m != AutoMode::Ro) { a.proc = *m; a.proc_at = at; continue; }
    } else if (!force && startsWith(item, "sys")) {
      std::size_t n = startsWith(item, "sysfs") ? 5 : 3;
      if (item.size() == n || item[n] == ':') {
        m = mode(item.substr(n), AutoMode::Mixed);
        if (m) { a.sys = *m; a.sys_at = at; continue; }
      }
    } else if (startsWith(item, "cgroup-full") && (item.size() == 11 || item[11] == ':')) {
      m = mode(item.substr(11), AutoMode::Mixed);
      if (m) {
        a.cgroup = *m; a.cgroupFull = true; a.cgroupNoSpec = item.size() == 11; a.cgroup_at = at;
        continue;
      }
    } else if (startsWith(item, "cgroup") && (item.size() == 6 || item[6] == ':')) {
      m = mode(item.substr(6), AutoMode::Mixed);
      if (m) {
        a.cgroup = *m; a.cgroupFull = false; a.cgroupNoSpec = item.size() == 6; a.cgroup_at = at;
        continue;
      }
    } else if (startsWith(item, "shmounts:")) {
      continue;
    }
    a.unknown.push_back(w);
  }
  return a;
}

bool MountEntry::hasOption(std::string_view o) const {
  return std::find(options.begin(), options.end(), o) != options.end();
}

std::optional<MountEntry> parseMountEntry(std::string_view value) {
  std::vector<std::string> fields;
  std::string_view v = value;
  while (!v.empty()) {
    while (!v.empty() && isBlank(v.front())) v.remove_prefix(1);
    std::size_t n = 0;
    while (n < v.size() && !isBlank(v[n])) ++n;
    if (!n) break;
    std::string f;
    std::string_view raw = v.substr(0, n);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && raw.size() - i >= 4 &&
          raw[i + 1] >= '0' && raw[i + 1] <= '3' && raw[i + 2] >= '0' && raw[i + 2] <= '7' && raw[i + 3] >= '0' &&
          raw[i + 3] <= '7') {
        f.push_back(static_cast<char>((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 + (raw[i + 3] - '0')));
        i += 3;
      } else {
        f.push_back(raw[i]);
      }
    }
    fields.push_back(std::move(f));
    v.remove_prefix(n);
  }
  if (fields.size() < 3) return std::nullopt;
  MountEntry m{fields[0], fields[1], fields[2], {}};
  if (fields.size() > 3) {
    std::string_view o = fields[3];
    while (!o.empty()) {
      auto c = o.find(',');
      m.options.emplace_back(o.substr(0, c));
      if (c == std::string_view::npos) break;
      o.remove_prefix(c + 1);
    }
  }
  return m;
}

bool rootfsReadOnly(std::string_view options) {
  bool ro = false;
  while (!options.empty()) {
    const auto c = options.find(',');
    const std::string_view o = trim(options.substr(0, c));
    if (o == "ro") ro = true;
    else if (o == "rw") ro = false;
    if (c == std::string_view::npos) break;
    options.remove_prefix(c + 1);
  }
  return ro;
}

}  // namespace ward::lxcconf
