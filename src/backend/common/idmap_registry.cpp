#include "backend/common/idmap_registry.h"

#include <sys/stat.h>

#include <cerrno>
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/common/common.h"
#include "backend/common/idmap_list.h"
#include "backend/common/registry_file.h"
#include "base/sha256.h"


namespace ward::backend::common {
namespace {

namespace rf = registry_file;

constexpr std::string_view kHeader =
    "# ward idmap registry v1 (NAME<TAB>UID<TAB>GID: host ids UID.. and GID.., 65536 each, sorted by name; "
    "change it with `ward release NAME`)";
constexpr std::string_view kFileName = "idmap.registry";
// The last id a range may use: (uid_t)-1 is not a valid id.
constexpr std::uint64_t kIdEnd = 4294967295ULL;

using Entries = std::map<std::string, IdSlot>;

// ---- the pool -----------------------------------------------------------------------------------------
struct SubidEntry {
  std::string_view user;
  std::uint64_t start = 0, count = 0;
};

std::vector<SubidEntry> parseSubid(std::string_view text) {
  std::vector<SubidEntry> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    const std::size_t c1 = line.find(':');
    const std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos || c1 == 0) continue;
    SubidEntry e;
    e.user = line.substr(0, c1);
    std::string_view s = line.substr(c1 + 1, c2 - c1 - 1), n = line.substr(c2 + 1);
    auto r1 = std::from_chars(s.data(), s.data() + s.size(), e.start);
    auto r2 = std::from_chars(n.data(), n.data() + n.size(), e.count);
    if (r1.ec != std::errc{} || r1.ptr != s.data() + s.size() || r2.ec != std::errc{} ||
        r2.ptr != n.data() + n.size() || e.count == 0 || e.start > kIdEnd)
      continue;
    out.push_back(e);
  }
  return out;
}

bool isRoot(std::string_view user) { return user == "root" || user == "0"; }

bool isLxd(std::string_view user) { return user == "_lxd" || user == "lxd"; }

// LXD's map: with LXD installed (Debian's package gives its user `_lxd` a subordinate range), LXD maps
// root's first entry of at least 65536 ids into every instance that is not isolated, and carves isolated
// instances' maps out of it (docs/lxd.md). ward's pool leaves it out. Empty when LXD is not installed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> lxdMap(const std::vector<SubidEntry>& entries) {
  bool lxd = false;
  for (const auto& e : entries) lxd = lxd || isLxd(e.user);
  if (!lxd) return std::nullopt;
  for (const auto& e : entries)
    if (isRoot(e.user) && e.count >= kIdRangeSize) return std::pair{e.start, e.start + e.count};
  return std::nullopt;
}

// The starts of the 65536-id ranges of one kind, and whether they come from root's entries. `excluded`
// gets the entries that took ranges of root's away (another user's, LXD's map), for messages.
std::vector<std::uint32_t> candidates(std::string_view text, bool& fromSubid, std::vector<std::string>& excluded) {
  const auto entries = parseSubid(text);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> root, others;   // [start, end)
  for (const auto& e : entries) (isRoot(e.user) ? root : others).push_back({e.start, e.start + e.count});
  const auto lxd = lxdMap(entries);
  if (lxd) others.push_back(*lxd);
  fromSubid = !root.empty();
  if (root.empty())
    root.push_back({kDefaultIdPoolFirst,
                    std::uint64_t{kDefaultIdPoolFirst} + std::uint64_t{kDefaultIdPoolRanges} * kIdRangeSize});
  std::vector<std::uint32_t> out;
  std::set<std::uint64_t> taken;
  auto overlaps = [](std::uint64_t a, std::uint64_t b, std::pair<std::uint64_t, std::uint64_t> r) {
    return a < r.second && r.first < b;
  };
  auto overlapsAny = [&](std::uint64_t a, std::uint64_t b) {
    for (const auto& r : others)
      if (overlaps(a, b, r)) return true;
    return false;
  };
  for (const auto& [start, end] : root) {
    for (std::uint64_t s = start; s != 0 && s + kIdRangeSize <= end && s + kIdRangeSize <= kIdEnd; s += kIdRangeSize) {
      // Not twice (overlapping root entries), and not what another user (or LXD) may map.
      auto it = taken.lower_bound(s);
      if (it != taken.end() && *it < s + kIdRangeSize) continue;
      if (it != taken.begin() && *std::prev(it) + kIdRangeSize > s) continue;
      if (overlapsAny(s, s + kIdRangeSize)) continue;
      taken.insert(s);
      out.push_back(static_cast<std::uint32_t>(s));
    }
  }
  if (fromSubid) {
    for (const auto& e : entries) {
      if (isRoot(e.user)) continue;
      for (const auto& r : root)
        if (overlaps(e.start, e.start + e.count, r)) {
          excluded.push_back(fmt::format("{}:{}:{}{}", e.user, e.start, e.count,
                                         isLxd(e.user) ? " (LXD's user)" : ""));
          break;
        }
    }
    if (lxd)
      excluded.push_back(fmt::format("root:{}:{} (the map LXD gives every instance that is not isolated)",
                                     lxd->first, lxd->second - lxd->first));
  }
  return out;
}

// A range of `count` ids (a multiple of 65536) that no entry of either file touches: from the end of the
// highest entry, rounded up to a multiple of 65536; nullopt when none fits below 2^32 - 1.
std::optional<std::uint64_t> freeStart(std::string_view subuidText, std::string_view subgidText,
                                       std::uint64_t count) {
  std::uint64_t end = kDefaultIdPoolFirst;
  for (std::string_view text : {subuidText, subgidText})
    for (const auto& e : parseSubid(text)) end = std::max(end, e.start + e.count);
  const std::uint64_t start = (end + kIdRangeSize - 1) / kIdRangeSize * kIdRangeSize;
  if (start + count > kIdEnd) return std::nullopt;
  return start;
}

std::string source(bool fromSubid, char kind) {
  return fromSubid ? fmt::format("root's entries in /etc/sub{}id", kind)
                   : fmt::format("the default pool {}-{} (no root entry in /etc/sub{}id)", kDefaultIdPoolFirst,
                                 std::uint64_t{kDefaultIdPoolFirst} +
                                     std::uint64_t{kDefaultIdPoolRanges} * kIdRangeSize - 1,
                                 kind);
}

// ---- the file format ----------------------------------------------------------------------------------
bool parseId(std::string_view s, std::uint32_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;   // one spelling per number
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out > 0 &&
         std::uint64_t{out} + kIdRangeSize <= kIdEnd;
}

// The entry whose range overlaps [start, start + 65536), if any.
const std::string* overlapping(const std::map<std::uint32_t, std::string>& used, std::uint32_t start) {
  auto it = used.lower_bound(start);
  if (it != used.end() && std::uint64_t{it->first} < std::uint64_t{start} + kIdRangeSize) return &it->second;
  if (it != used.begin() && std::uint64_t{std::prev(it)->first} + kIdRangeSize > start) return &std::prev(it)->second;
  return nullptr;
}

std::optional<Entries> parse(const std::string& text, std::string& error) {
  auto lines = rf::entryLines(text, kHeader, "the ward idmap registry v1 header", error);
  if (!lines) return std::nullopt;
  Entries entries;
  std::map<std::uint32_t, std::string> uids, gids;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const std::string_view line = (*lines)[i];
    const std::size_t t1 = line.find('\t');
    const std::size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    IdSlot slot;
    if (t2 == std::string_view::npos || !rf::validName(line.substr(0, t1)) ||
        !parseId(line.substr(t1 + 1, t2 - t1 - 1), slot.uid) || !parseId(line.substr(t2 + 1), slot.gid)) {
      error = fmt::format("line {}: not NAME<TAB>UID<TAB>GID with 0 < UID, GID and UID, GID + 65536 < 2^32",
                          i + 2);
      return std::nullopt;
    }
    std::string name(line.substr(0, t1));
    if (!entries.empty() && entries.rbegin()->first >= name) {
      error = fmt::format("line {}: '{}' is duplicated or out of order", i + 2, name);
      return std::nullopt;
    }
    for (auto [kind, start, used] : {std::tuple{'u', slot.uid, &uids}, std::tuple{'g', slot.gid, &gids}}) {
      if (const std::string* other = overlapping(*used, start)) {
        error = fmt::format("line {}: the {}id range of '{}' overlaps the one of '{}'", i + 2, kind, name, *other);
        return std::nullopt;
      }
      used->emplace(start, name);
    }
    entries.emplace(std::move(name), slot);
  }
  return entries;
}

std::string serialize(const Entries& entries) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& [name, s] : entries) out += fmt::format("{}\t{}\t{}\n", name, s.uid, s.gid);
  return rf::seal(std::move(out));
}

// ---- files ----------------------------------------------------------------------------------------------
// Reads the registry. Missing file: empty entries. Unreadable or corrupt: nullopt and `error`.
// `unreadable` (if given) tells an open or read error apart from a corrupt file.
std::optional<Entries> load(const std::string& stateDir, std::string& error, bool* unreadable = nullptr) {
  const std::string path = idRegistryPath(stateDir);
  std::string text;
  switch (rf::readAll(path, "the id range registry", text, error)) {
    case rf::ReadStatus::Missing: return Entries{};
    case rf::ReadStatus::Error:
      if (unreadable) *unreadable = true;
      return std::nullopt;
    case rf::ReadStatus::Ok: break;
  }
  std::string why;
  auto entries = parse(text, why);
  if (!entries)
    error = fmt::format("the id range registry {} is corrupt: {}. ward does not reset it: repair or move it aside "
                        "by hand (every container listed there keeps its id range only while it is listed)",
                        path, why);
  return entries;
}

// The remedy for an empty or exhausted pool: a range that no entry of /etc/subuid or /etc/subgid touches.
std::string giveRootIds(const IdPool& pool) {
  if (pool.addCommand.empty())
    return "give root a range of its own in /etc/subuid and /etc/subgid (no free range fits below 2^32 there)";
  return fmt::format("give root a range of its own that no entry overlaps: `{}`", pool.addCommand);
}

IdResult failure(Code code, std::string error) {
  IdResult r;
  r.code = std::move(code);
  r.error = std::move(error);
  return r;
}

std::optional<IdResult> checkRequest(const IdPool& pool, const std::string& name) {
  if (!rf::validName(name))
    return failure(Code::E1203, fmt::format("'{}' cannot be registered for an id range (use 1-255 letters, digits "
                                        "and _ . - : @ +)",
                                        name));
  if (pool.slots.empty()) {
    std::string why = pool.excluded.empty()
                          ? std::string()
                          : fmt::format("; root's ids there are all mapped by others: {}", fmt::join(pool.excluded, ", "));
    return failure(Code::E1204, fmt::format("the id range pool holds no range of {} ids ({}{}); {}", kIdRangeSize,
                                            pool.description, why, giveRootIds(pool)));
  }
  return std::nullopt;
}

// First fit from the name's start index, skipping ranges whose uids or gids are registered.
std::optional<IdSlot> firstFree(const IdPool& pool, const Entries& entries, std::string_view name) {
  std::map<std::uint32_t, std::string> uids, gids;
  for (const auto& [n, s] : entries) {
    uids.emplace(s.uid, n);
    gids.emplace(s.gid, n);
  }
  const std::size_t n = pool.slots.size();
  std::uint64_t h = 0;
  const std::string hex = sha256Hex(name);
  std::from_chars(hex.data(), hex.data() + 16, h, 16);
  for (std::size_t k = 0; k < n; ++k) {
    const IdSlot& s = pool.slots[(h + k) % n];
    if (!overlapping(uids, s.uid) && !overlapping(gids, s.gid)) return s;
  }
  return std::nullopt;
}

IdResult exhausted(const IdRegistryOptions& options, const Entries& entries) {
  return failure(Code::E1204,
                 fmt::format("all {} id ranges of {} ids in {} are allocated ({} containers in {}); free the ranges "
                             "of containers that are gone with `ward release NAME`, or {}",
                             options.pool.slots.size(), kIdRangeSize, options.pool.description, entries.size(),
                             idRegistryPath(options.stateDir), giveRootIds(options.pool)));
}

}  // namespace

bool IdPool::contains(const IdSlot& slot) const {
  for (const auto& s : slots)
    if (s == slot) return true;
  return false;
}

IdPool idPool(std::string_view subuidText, std::string_view subgidText) {
  IdPool pool;
  std::vector<std::string> excluded;
  auto uids = candidates(subuidText, pool.uidFromSubid, excluded);
  auto gids = candidates(subgidText, pool.gidFromSubid, excluded);
  std::sort(excluded.begin(), excluded.end());
  excluded.erase(std::unique(excluded.begin(), excluded.end()), excluded.end());
  pool.excluded = std::move(excluded);
  for (std::uint64_t ranges : {std::uint64_t{kDefaultIdPoolRanges}, std::uint64_t{16}, std::uint64_t{1}})
    if (auto start = freeStart(subuidText, subgidText, ranges * kIdRangeSize)) {
      const std::uint64_t last = *start + ranges * kIdRangeSize - 1;
      pool.addCommand = fmt::format("usermod --add-subuids {0}-{1} --add-subgids {0}-{1} root", *start, last);
      break;
    }
  for (std::size_t i = 0; i < uids.size() && i < gids.size(); ++i) pool.slots.push_back({uids[i], gids[i]});
  if (pool.uidFromSubid == pool.gidFromSubid && !pool.uidFromSubid)
    pool.description = fmt::format("the default pool {}-{} (no root entry in /etc/subuid and /etc/subgid)",
                                   kDefaultIdPoolFirst,
                                   std::uint64_t{kDefaultIdPoolFirst} +
                                       std::uint64_t{kDefaultIdPoolRanges} * kIdRangeSize - 1);
  else if (pool.uidFromSubid && pool.gidFromSubid)
    pool.description = "root's entries in /etc/subuid and /etc/subgid";
  else
    pool.description = "uids: " + source(pool.uidFromSubid, 'u') + "; gids: " + source(pool.gidFromSubid, 'g');
  return pool;
}

IdPool idPoolFromFiles(const std::string& subuidFile, const std::string& subgidFile) {
  // Read once per compile or check: by the allocation step (backend/allocate.h), at its first `idmap auto`.
  IdPool pool = idPool(readFileOrEmpty(subuidFile), readFileOrEmpty(subgidFile));
  if (subuidFile != "/etc/subuid" || subgidFile != "/etc/subgid")
    pool.description += fmt::format(" (read from {} and {})", subuidFile, subgidFile);
  return pool;
}

std::string idRegistryPath(const std::string& stateDir) { return stateDir + "/" + std::string(kFileName); }
std::string idLockPath(const std::string& stateDir) { return stateDir + "/idmap.lock"; }

std::optional<IdSlot> startSlot(const IdPool& pool, std::string_view name) {
  return firstFree(pool, Entries{}, name);
}

IdResult allocateIdRange(const IdRegistryOptions& options, const std::string& name) {
  if (auto bad = checkRequest(options.pool, name)) return *bad;
  std::string error;
  if (!rf::ensureDir(options.stateDir, error)) return failure(Code::E1203, error);
  rf::Lock lock;
  if (!lock.acquire(idLockPath(options.stateDir), "the id range registry lock", error))
    return failure(Code::E1203, error);
  auto entries = load(options.stateDir, error);
  if (!entries) return failure(Code::E1203, error);
  IdResult r;
  if (auto it = entries->find(name); it != entries->end()) {
    r.range = it->second;
    return r;
  }
  auto slot = firstFree(options.pool, *entries, name);
  if (!slot) return exhausted(options, *entries);
  entries->emplace(name, *slot);
  if (!rf::writeAtomic(options.stateDir, std::string(kFileName), serialize(*entries), error))
    return failure(Code::E1203, error);
  r.range = slot;
  return r;
}

IdResult lookupIdRange(const std::string& stateDir, const std::string& name) {
  std::string error;
  auto entries = load(stateDir, error);
  if (!entries) return failure(Code::E1203, error);
  IdResult r;
  if (auto it = entries->find(name); it != entries->end()) r.range = it->second;
  return r;
}

IdResult previewIdRange(const IdRegistryOptions& options, const std::string& name) {
  std::string error;
  bool unreadable = false;
  auto entries = load(options.stateDir, error, &unreadable);
  std::string note;
  if (!entries && unreadable) {
    // A check by a user who may not read the state directory: model an empty registry, and say so.
    note = error;
    entries = Entries{};
  }
  if (!entries) return failure(Code::E1203, error);
  IdResult r;
  if (auto it = entries->find(name); it != entries->end()) {
    r.range = it->second;
    return r;
  }
  if (auto bad = checkRequest(options.pool, name)) return *bad;
  r.range = firstFree(options.pool, *entries, name);
  if (!r.range) return exhausted(options, *entries);
  r.placeholder = true;
  r.note = std::move(note);
  return r;
}

IdReleaseResult releaseIdRange(const std::string& stateDir, const std::string& name) {
  IdReleaseResult r;
  struct stat st {};
  if (::stat(idRegistryPath(stateDir).c_str(), &st) != 0 && errno == ENOENT) {
    r.status = IdReleaseStatus::NotAllocated;   // nothing was ever registered here
    return r;
  }
  std::string error;
  rf::Lock lock;
  auto entries = lock.acquire(idLockPath(stateDir), "the id range registry lock", error) ? load(stateDir, error)
                                                                                          : std::nullopt;
  if (!entries) {
    r.code = Code::E1203;
    r.error = error;
    return r;
  }
  auto it = entries->find(name);
  if (it == entries->end()) {
    r.status = IdReleaseStatus::NotAllocated;
    return r;
  }
  const IdSlot freed = it->second;
  entries->erase(it);
  if (!rf::writeAtomic(stateDir, std::string(kFileName), serialize(*entries), error)) {
    r.code = Code::E1203;
    r.error = error;
    return r;
  }
  r.range = freed;
  r.status = IdReleaseStatus::Released;
  return r;
}

std::optional<std::vector<std::pair<std::string, IdSlot>>> listIdRanges(const std::string& stateDir,
                                                                        std::string& error) {
  auto entries = load(stateDir, error);
  if (!entries) return std::nullopt;
  return std::vector<std::pair<std::string, IdSlot>>(entries->begin(), entries->end());
}

std::string releaseIdmap(const std::string& stateDir, const std::string& name) {
  IdReleaseResult r = releaseIdRange(stateDir, name);
  switch (r.status) {
    case IdReleaseStatus::Released: return {};
    case IdReleaseStatus::NotAllocated:
      return fmt::format("no id range is allocated to '{}' in {}", name, idRegistryPath(stateDir));
    case IdReleaseStatus::Error: break;
  }
  return std::string(codeId(r.code)) + ": " + r.error;
}

}  // namespace ward::backend::common
