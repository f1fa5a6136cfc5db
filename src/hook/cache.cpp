#include "hook/cache.h"

#include "base/sha256.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "hook/fsutil.h"

namespace ward::hook {

namespace {

constexpr const char* kFormat = "ward-hook-cache 1";

void field(std::string& m, std::string_view s) {
  m += std::to_string(s.size());
  m += ':';
  m += s;
  m += '\n';
}

bool isHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

const CacheFile* CacheEntry::find(std::string_view name) const {
  for (const auto& f : files)
    if (f.name == name) return &f;
  return nullptr;
}

std::string cacheKey(std::string_view version, std::string_view optionsText, const std::vector<SourceBytes>& sources,
                     std::string_view extra) {
  std::string m;
  std::size_t size = 128 + version.size() + optionsText.size() + extra.size();
  for (const auto& s : sources) size += 48 + s.path.size() + s.bytes.size();
  m.reserve(size);   // one allocation: the sources are most of the bytes the warm path touches
  field(m, kFormat);
  field(m, version);
  field(m, optionsText);
  field(m, std::to_string(sources.size()));
  for (const auto& s : sources) {
    field(m, s.path);
    field(m, s.bytes);
  }
  field(m, extra);
  return sha256Hex(m);
}

std::string indexKey(std::string_view version, std::string_view optionsText, const SourceBytes& root) {
  std::string m;
  field(m, "ward-hook-index 1");
  field(m, version);
  field(m, optionsText);
  field(m, root.path);
  field(m, root.bytes);
  return sha256Hex(m);
}

Cache::Cache(std::string stateDir, std::string version) : stateDir_(std::move(stateDir)), version_(std::move(version)) {}

std::string Cache::open() {
  std::string error;
  fsx::Fd state = fsx::openDir(stateDir_, true, error);
  if (!state.valid()) return "state directory: " + error;
  fsx::Fd cache = fsx::openSubdir(state.get(), "cache", true, error);
  if (!cache.valid()) return "cache directory: " + error;
  dir_ = std::make_shared<fsx::Fd>(std::move(cache));
  return {};
}

std::string Cache::clearCommand(const std::string& key) const {
  return key.empty() ? "rm -rf '" + directory() + "'" : "rm -rf '" + entryPath(key) + "'";
}

CacheLookup Cache::lookup(const std::string& key) const {
  CacheLookup out;
  if (fd() < 0) return {CacheStatus::Error, {}, "the cache is not open"};
  if (!isHex64(key)) return {CacheStatus::Error, {}, "invalid cache key"};
  std::string error;
  int dfd = ::openat(fd(), key.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    if (errno == ENOENT) return out;   // Miss
    return {CacheStatus::Corrupt, {}, "cache entry '" + entryPath(key) + "' cannot be opened: " + std::strerror(errno)};
  }
  fsx::Fd dir(dfd);
  auto corrupt = [&](const std::string& why) {
    return CacheLookup{CacheStatus::Corrupt, {}, "cache entry '" + entryPath(key) + "' is corrupted: " + why};
  };
  bool missing = false;
  auto text = fsx::readAt(dir.get(), "manifest.json", error, &missing);
  if (!text) return corrupt(missing ? "manifest.json is missing" : error);
  nlohmann::json m = nlohmann::json::parse(*text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return corrupt("manifest.json does not parse");
  if (m.value("format", "") != kFormat) return corrupt("manifest.json has an unknown format");
  if (m.value("key", "") != key) return corrupt("manifest.json names another key");
  if (!m.contains("files") || !m["files"].is_array()) return corrupt("manifest.json lists no files");
  out.entry.key = key;
  for (const auto& f : m["files"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("sha256") ||
        !f["sha256"].is_string())
      return corrupt("manifest.json has a malformed file record");
    std::string name = f["name"].get<std::string>();
    if (!fsx::safeName(name) || name == "manifest.json") return corrupt("manifest.json names an invalid file");
    auto content = fsx::readAt(dir.get(), name, error, &missing);
    if (!content) return corrupt(missing ? name + " is missing" : error);
    if (sha256Hex(*content) != f["sha256"].get<std::string>()) return corrupt(name + " does not match its sha256");
    out.entry.files.push_back({name, std::move(*content)});
  }
  if (m.contains("meta") && m["meta"].is_object()) out.entry.meta = m["meta"];
  out.status = CacheStatus::Hit;
  return out;
}

std::string Cache::store(const CacheEntry& entry) const {
  if (fd() < 0) return "the cache is not open";
  if (!isHex64(entry.key)) return "invalid cache key";
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : entry.files) {
    if (!fsx::safeName(f.name) || f.name == "manifest.json") return "invalid cache file name '" + f.name + "'";
    files.push_back({{"name", f.name}, {"sha256", sha256Hex(f.content)}});
  }
  nlohmann::json m = {{"format", kFormat}, {"key", entry.key}, {"ward", version_}, {"files", files}, {"meta", entry.meta}};

  // Build the entry in a private temporary directory, then publish it with one rename.
  std::string tmp;
  std::string error;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::uint64_t v = static_cast<std::uint64_t>(::getpid()) * 1000003u + static_cast<std::uint64_t>(attempt);
    tmp = ".tmp-" + entry.key.substr(0, 16) + "-" + std::to_string(v);
    if (::mkdirat(fd(), tmp.c_str(), 0700) == 0) break;
    if (errno != EEXIST) return "cannot create '" + directory() + "/" + tmp + "': " + std::strerror(errno);
    fsx::removeAt(fd(), tmp);   // a leftover from a crashed hook with our pid
    tmp.clear();
  }
  if (tmp.empty()) return "cannot create a temporary cache directory";
  fsx::Fd dir = fsx::openSubdir(fd(), tmp, false, error);
  if (!dir.valid()) return error;
  auto abandon = [&](const std::string& e) {
    fsx::removeAt(fd(), tmp);
    return e;
  };
  for (const auto& f : entry.files) {
    std::string e = fsx::writeAt(dir.get(), f.name, f.content);
    if (!e.empty()) return abandon(e);
  }
  std::string e = fsx::writeAt(dir.get(), "manifest.json", m.dump(2) + "\n");
  if (!e.empty()) return abandon(e);
  if (::fsync(dir.get()) != 0) return abandon("cannot fsync the cache entry");
  if (::renameat(fd(), tmp.c_str(), fd(), entry.key.c_str()) != 0) {
    if (errno == EEXIST || errno == ENOTEMPTY) return abandon("");   // published by a concurrent hook
    return abandon("cannot publish cache entry '" + entryPath(entry.key) + "': " + std::strerror(errno));
  }
  return {};
}

std::optional<Cache::Index> Cache::readIndex(const std::string& k0, bool& corrupt, std::string& error) const {
  corrupt = false;
  if (fd() < 0 || !isHex64(k0)) return std::nullopt;
  int dfd = ::openat(fd(), "index", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return std::nullopt;
  fsx::Fd dir(dfd);
  bool missing = false;
  auto text = fsx::readAt(dir.get(), k0 + ".json", error, &missing);
  if (!text) {
    if (missing) return std::nullopt;
    corrupt = true;
    error = "cache index '" + directory() + "/index/" + k0 + ".json': " + error;
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  Index idx;
  bool good = j.is_object() && j.contains("deps") && j["deps"].is_array();
  if (good)
    for (const auto& d : j["deps"]) {
      if (!d.is_string()) { good = false; break; }
      idx.deps.push_back(d.get<std::string>());
    }
  if (!good || idx.deps.empty()) {
    corrupt = true;
    error = "cache index '" + directory() + "/index/" + k0 + ".json' is corrupted: it does not parse";
    return std::nullopt;
  }
  idx.mcs = j.value("mcs", false);
  return idx;
}

std::string Cache::writeIndex(const std::string& k0, const Index& index) const {
  if (fd() < 0 || !isHex64(k0)) return "the cache is not open";
  std::string error;
  fsx::Fd dir = fsx::openSubdir(fd(), "index", true, error);
  if (!dir.valid()) return error;
  nlohmann::json j = {{"deps", index.deps}, {"mcs", index.mcs}};
  return fsx::writeAt(dir.get(), k0 + ".json", j.dump() + "\n");
}

std::optional<std::string> Cache::apparmorBinary(std::string_view profileText, std::string& error) const {
  if (fd() < 0) return std::nullopt;
  int dfd = ::openat(fd(), "apparmor", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return std::nullopt;
  fsx::Fd dir(dfd);
  std::string name = sha256Hex(profileText);
  bool missing = false;
  std::string e;
  auto sum = fsx::readAt(dir.get(), name + ".sha256", e, &missing);
  if (!sum) {
    if (!missing) error = "cached AppArmor binary '" + directory() + "/apparmor/" + name + "': " + e;
    return std::nullopt;
  }
  auto bin = fsx::readAt(dir.get(), name + ".bin", e, &missing);
  if (!bin || sha256Hex(*bin) + "\n" != *sum) {
    error = "cached AppArmor binary '" + directory() + "/apparmor/" + name + ".bin' is corrupted (" +
            (bin ? "sha256 mismatch" : e) + ")";
    return std::nullopt;
  }
  return bin;
}

std::string Cache::storeApparmorBinary(std::string_view profileText, std::string_view binary) const {
  if (fd() < 0) return "the cache is not open";
  std::string error;
  fsx::Fd dir = fsx::openSubdir(fd(), "apparmor", true, error);
  if (!dir.valid()) return error;
  std::string name = sha256Hex(profileText);
  // The binary first, then its checksum: a reader that finds the checksum finds the binary it covers.
  std::string e = fsx::writeAt(dir.get(), name + ".bin", binary);
  if (!e.empty()) return e;
  return fsx::writeAt(dir.get(), name + ".sha256", sha256Hex(binary) + "\n");
}

}  // namespace ward::hook
