#pragma once
// The hook's content-addressed compile cache.
//
//   STATE/cache/                    0700
//     index/<k0>.json               which files the last compile of one (options, root file bytes) read:
//                                   {"deps": [paths...], "mcs": bool}; a hint for computing the key
//     <key>/                        one compile: the artifacts the hook installs, plus
//       manifest.json               {"format": "ward-hook-cache 1", "key", "ward", "files": [{name, sha256}],
//                                    "meta": {...}}
//     apparmor/<sha>.bin, .sha256   the kernel binary of a profile (sha of the profile text), so that
//                                   apparmor_parser stays off the warm path
//
// key = sha256 over ward's version, the options text, and the path and bytes of every source file the
// compile read (and the MCS pair when the policy allocates one). An entry is checked on every use: the
// manifest must parse, name its own key, and every file's sha256 must match. A mismatch is *corruption*:
// the hook refuses the start and says how to clear the entry; it never silently rebuilds (a changed
// artifact in root's state directory is something a human should look at).
// Entries are published by renaming a complete temporary directory, so concurrent hooks never see a
// partial entry; two hooks that build the same key keep whichever was renamed first.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hook/fsutil.h"

namespace ward::hook {

struct SourceBytes {
  std::string path;
  std::string bytes;
};

struct CacheFile {
  std::string name;      // plain file name
  std::string content;
};

struct CacheEntry {
  std::string key;
  std::vector<CacheFile> files;
  nlohmann::json meta = nlohmann::json::object();
  const CacheFile* find(std::string_view name) const;
};

enum class CacheStatus { Hit, Miss, Corrupt, Error };

struct CacheLookup {
  CacheStatus status = CacheStatus::Miss;
  CacheEntry entry;       // Hit
  std::string message;    // Corrupt / Error: what is wrong, in plain words
};

// The cache key: sha256 over the inputs, each length-prefixed so that no two input lists collide.
std::string cacheKey(std::string_view version, std::string_view optionsText, const std::vector<SourceBytes>& sources,
                     std::string_view extra);
// The index key: sha256 over the version, the options and the root file's path and bytes.
std::string indexKey(std::string_view version, std::string_view optionsText, const SourceBytes& root);

class Cache {
 public:
  // `stateDir` must be absolute; the cache lives in stateDir/cache.
  Cache(std::string stateDir, std::string version);

  // Opens (creating) the cache directory with the ownership checks of fsx::openDir. "" on success.
  std::string open();
  std::string directory() const { return stateDir_ + "/cache"; }
  std::string entryPath(const std::string& key) const { return directory() + "/" + key; }

  CacheLookup lookup(const std::string& key) const;
  // Publishes an entry. "" on success (also when another process published the same key first).
  std::string store(const CacheEntry& entry) const;

  struct Index {
    std::vector<std::string> deps;
    bool mcs = false;
  };
  // nullopt when there is none; `corrupt` set (with the message in `error`) when it does not parse.
  std::optional<Index> readIndex(const std::string& k0, bool& corrupt, std::string& error) const;
  std::string writeIndex(const std::string& k0, const Index& index) const;

  // The cached AppArmor binary for a profile text (verified), nullopt when absent; `error` on corruption.
  std::optional<std::string> apparmorBinary(std::string_view profileText, std::string& error) const;
  std::string storeApparmorBinary(std::string_view profileText, std::string_view binary) const;

  // The shell command that clears the cache (for messages).
  std::string clearCommand(const std::string& key = "") const;

 private:
  std::string stateDir_, version_;
  std::shared_ptr<fsx::Fd> dir_;   // STATE/cache, once open() succeeded
  int fd() const { return dir_ ? dir_->get() : -1; }
};

}  // namespace ward::hook
