#include "backend/selinux/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "base/sha256.h"

namespace ward::backend::selinux {
namespace {

constexpr std::string_view kHeader =
    "# ward MCS registry v1 (NAME<TAB>cLO,cHI, sorted by name; change it with `ward release NAME`)";
constexpr std::string_view kSumPrefix = "# sha256 ";
constexpr std::uint32_t kMaxCategory = 1023;

using Entries = std::map<std::string, McsPair>;

std::string sysError(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// ---- the file format -------------------------------------------------------------------------------
bool parseCategory(std::string_view s, std::uint32_t& out) {
  if (s.size() < 2 || s[0] != 'c') return false;
  s.remove_prefix(1);
  if (s.size() > 1 && s[0] == '0') return false;   // one spelling per number
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= kMaxCategory;
}

std::optional<Entries> parse(const std::string& text, std::string& error) {
  if (text.empty() || text.back() != '\n') {
    error = "the file is empty or truncated (it does not end with a newline)";
    return std::nullopt;
  }
  std::vector<std::string_view> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 2 || lines.front() != kHeader) {
    error = "line 1 is not the ward MCS registry v1 header";
    return std::nullopt;
  }
  std::string_view sumLine = lines.back();
  if (!sumLine.starts_with(kSumPrefix)) {
    error = fmt::format("line {}: the checksum line is missing (the file is truncated or was edited)", lines.size());
    return std::nullopt;
  }
  const std::size_t bodySize = text.size() - sumLine.size() - 1;
  if (sumLine.substr(kSumPrefix.size()) != sha256Hex(std::string_view(text).substr(0, bodySize))) {
    error = fmt::format("line {}: the checksum does not match the entries (the file was changed outside ward)",
                        lines.size());
    return std::nullopt;
  }
  Entries entries;
  std::unordered_set<std::uint32_t> pairs;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    const std::size_t tab = line.find('\t');
    const std::size_t comma = line.find(',', tab == std::string_view::npos ? 0 : tab);
    McsPair p;
    if (tab == std::string_view::npos || comma == std::string_view::npos ||
        !validContainerName(line.substr(0, tab)) || !parseCategory(line.substr(tab + 1, comma - tab - 1), p.lo) ||
        !parseCategory(line.substr(comma + 1), p.hi) || p.lo >= p.hi) {
      error = fmt::format("line {}: not NAME<TAB>cLO,cHI with LO < HI <= {}", i + 1, kMaxCategory);
      return std::nullopt;
    }
    std::string name(line.substr(0, tab));
    if (!entries.empty() && entries.rbegin()->first >= name) {
      error = fmt::format("line {}: '{}' is duplicated or out of order", i + 1, name);
      return std::nullopt;
    }
    if (!pairs.insert(p.lo * 1024 + p.hi).second) {
      error = fmt::format("line {}: pair {} is given to two containers", i + 1, p.text());
      return std::nullopt;
    }
    entries.emplace(std::move(name), p);
  }
  return entries;
}

std::string serialize(const Entries& entries) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& [name, p] : entries) out += name + "\t" + p.text() + "\n";
  return out + std::string(kSumPrefix) + sha256Hex(out) + "\n";
}

// ---- files ---------------------------------------------------------------------------------------------
// Reads the registry. Missing file: empty entries. Unreadable or corrupt: nullopt and `error`.
std::optional<Entries> load(const std::string& stateDir, std::string& error) {
  const std::string path = registryPath(stateDir);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.fd < 0) {
    if (errno == ENOENT) return Entries{};
    error = sysError("cannot open the MCS registry", path);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = sysError("cannot read the MCS registry", path);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  std::string why;
  auto entries = parse(text, why);
  if (!entries)
    error = fmt::format("the MCS registry {} is corrupt: {}. ward does not reset it: repair or move it aside by "
                        "hand (every container listed there keeps its categories only while it is listed)",
                        path, why);
  return entries;
}

bool ensureDir(const std::string& dir, std::string& error) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    error = fmt::format("the state directory {} is not a directory", dir);
    return false;
  }
  if (errno != ENOENT) {
    error = sysError("cannot use the state directory", dir);
    return false;
  }
  const std::size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !ensureDir(dir.substr(0, slash), error)) return false;
  // Intermediate directories are created like mkdir -p would; the state directory itself is private.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = sysError("cannot create the state directory", dir);
    return false;
  }
  return true;
}

bool store(const std::string& stateDir, const Entries& entries, std::string& error) {
  const std::string path = registryPath(stateDir);
  std::string tmp = stateDir + "/.mcs.registry.XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.fd < 0) {
    error = sysError("cannot create a temporary file in", stateDir);
    return false;
  }
  auto fail = [&](std::string_view what) {
    error = sysError(what, tmp);
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd.fd, 0600) != 0) return fail("cannot set the mode of");
  const std::string text = serialize(entries);
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.fd) != 0) return fail("cannot flush");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename into place");
  Fd dirFd(::open(stateDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.fd >= 0) ::fsync(dirFd.fd);
  return true;
}

// Holds the exclusive registry lock for its lifetime.
struct Lock {
  Fd fd;
  bool acquire(const std::string& stateDir, std::string& error) {
    const std::string path = lockPath(stateDir);
    fd.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd.fd < 0) {
      error = sysError("cannot open the MCS registry lock", path);
      return false;
    }
    while (::flock(fd.fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      error = sysError("cannot lock", path);
      return false;
    }
    return true;
  }
};

McsResult failure(std::string code, std::string error) {
  McsResult r;
  r.code = std::move(code);
  r.error = std::move(error);
  return r;
}

}  // namespace

std::string McsPair::text() const { return fmt::format("c{},c{}", lo, hi); }

std::string registryPath(const std::string& stateDir) { return stateDir + "/mcs.registry"; }
std::string lockPath(const std::string& stateDir) { return stateDir + "/mcs.lock"; }

bool validContainerName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("_.-:@+").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

McsResult allocate(const RegistryOptions& options, const std::string& name) {
  if (!validContainerName(name))
    return failure("E1203", fmt::format("'{}' cannot be registered for MCS categories (use 1-255 letters, digits "
                                        "and _ . - : @ +)",
                                        name));
  const std::uint32_t first = options.firstCategory, last = options.lastCategory;
  if (last > kMaxCategory || first >= last)
    return failure("E1202", fmt::format("the MCS category range c{}..c{} holds no pair (categories go up to c{})",
                                        first, last, kMaxCategory));
  std::string error;
  if (!ensureDir(options.stateDir, error)) return failure("E1203", error);
  Lock lock;
  if (!lock.acquire(options.stateDir, error)) return failure("E1203", error);
  auto entries = load(options.stateDir, error);
  if (!entries) return failure("E1203", error);
  McsResult r;
  if (auto it = entries->find(name); it != entries->end()) {
    r.pair = it->second;
    return r;
  }
  std::unordered_set<std::uint32_t> used;
  for (const auto& [n, p] : *entries) used.insert(p.lo * 1024 + p.hi);
  const std::uint64_t n = last - first + 1;
  const std::uint64_t total = n * (n - 1) / 2;
  // Start where the name's hash points, then walk the pairs in order, wrapping around.
  std::uint64_t start = 0;
  {
    const std::string h = sha256Hex(name);
    std::from_chars(h.data(), h.data() + 16, start, 16);
    start %= total;
  }
  McsPair p{first, first + 1};
  for (std::uint64_t idx = start;;) {   // index -> pair, row by row: (first, first+1..last), ...
    const std::uint64_t row = last - p.lo;
    if (idx < row) {
      p.hi = p.lo + 1 + static_cast<std::uint32_t>(idx);
      break;
    }
    idx -= row;
    ++p.lo;
  }
  for (std::uint64_t k = 0; k < total; ++k) {
    if (!used.count(p.lo * 1024 + p.hi)) {
      entries->emplace(name, p);
      if (!store(options.stateDir, *entries, error)) return failure("E1203", error);
      r.pair = p;
      return r;
    }
    if (++p.hi > last) {
      if (++p.lo >= last) p.lo = first;
      p.hi = p.lo + 1;
    }
  }
  return failure("E1202", fmt::format("all {} MCS category pairs in c{}..c{} are allocated ({} containers in {}); "
                                      "free the pairs of containers that are gone with `ward release NAME`",
                                      total, first, last, entries->size(), registryPath(options.stateDir)));
}

McsResult lookup(const std::string& stateDir, const std::string& name) {
  std::string error;
  auto entries = load(stateDir, error);
  if (!entries) return failure("E1203", error);
  McsResult r;
  if (auto it = entries->find(name); it != entries->end()) r.pair = it->second;
  return r;
}

ReleaseResult releasePair(const std::string& stateDir, const std::string& name) {
  ReleaseResult r;
  struct stat st {};
  if (::stat(stateDir.c_str(), &st) != 0 && errno == ENOENT) {
    r.status = ReleaseStatus::NotAllocated;
    return r;
  }
  std::string error;
  Lock lock;
  auto entries = lock.acquire(stateDir, error) ? load(stateDir, error) : std::nullopt;
  if (!entries) {
    r.code = "E1203";
    r.error = error;
    return r;
  }
  auto it = entries->find(name);
  if (it == entries->end()) {
    r.status = ReleaseStatus::NotAllocated;
    return r;
  }
  r.pair = it->second;
  entries->erase(it);
  if (!store(stateDir, *entries, error)) {
    r.code = "E1203";
    r.error = error;
    r.pair.reset();
    return r;
  }
  r.status = ReleaseStatus::Released;
  return r;
}

std::string release(const std::string& stateDir, const std::string& name) {
  ReleaseResult r = releasePair(stateDir, name);
  switch (r.status) {
    case ReleaseStatus::Released: return {};
    case ReleaseStatus::NotAllocated:
      return fmt::format("no MCS categories are allocated to '{}' in {}", name, registryPath(stateDir));
    case ReleaseStatus::Error: break;
  }
  return r.code + ": " + r.error;
}

}  // namespace ward::backend::selinux
