#include "hook/hook.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "driver/driver.h"
#include "hook/cache.h"
#include "hook/drift.h"
#include "hook/fsutil.h"
#include "hook/install.h"
#include "hook/integrations.h"
#include "lower/lower.h"
#include "lxcconf/lxcconf.h"
#include "sema/sema.h"
#include "ward/config.h"

namespace ward::hook {

namespace {

namespace fs = std::filesystem;

// The targets the hook needs: P.bpf feeds the verifier; LXC reads P.lxc.seccomp and P.lxc.conf; the
// AppArmor profile and the SELinux label are loaded or referenced by name.
const std::vector<std::string> kTargets = {"seccomp", "apparmor", "selinux", "lxc"};
const std::vector<std::string> kInstalledSuffixes = {".lxc.seccomp", ".lxc.conf", ".apparmor", ".selinux"};

bool installed(const std::string& fileName) {
  return std::any_of(kInstalledSuffixes.begin(), kInstalledSuffixes.end(),
                     [&](const std::string& s) { return fileName.ends_with(s); });
}

// Reads sources for the compiler without following a final symlink, and only from files that no one but
// root (or the caller) can change: a policy others can write would let them choose the confinement.
class SecureReader : public sema::FileReader {
 public:
  std::optional<std::string> read(const std::string& path) const override {
    bool missing = false;
    std::string error;
    auto text = fsx::readAt(AT_FDCWD, path, error, &missing, 16u << 20);
    if (!text) {
      if (!missing) problems.push_back(path + ": " + error);
      return std::nullopt;
    }
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
      problems.push_back(path + ": " + std::strerror(errno));
      return std::nullopt;
    }
    if ((st.st_uid != 0 && st.st_uid != fsx::effectiveUid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
      problems.push_back(path + ": writable by users other than root (owner uid " + std::to_string(st.st_uid) +
                         ", mode " + std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                         std::to_string(st.st_mode & 7) + "); the hook compiles only files root controls");
      return std::nullopt;
    }
    return text;
  }
  mutable std::vector<std::string> problems;
};

std::string renderDiags(const driver::Session& s) {
  std::string out;
  for (const auto& d : s.diags.items()) {
    if (d.severity != Severity::Error) continue;
    std::string where;
    if (d.span.valid() && d.span.file < s.sources.size())
      where = s.sources.displayName(d.span.file) + ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.col) + ": ";
    out += where + "error " + d.code + ": " + d.message + "\n";
  }
  return out;
}

int lastCap() {
  std::string error;
  auto t = fsx::readAt(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", error);
  if (!t) return 40;
  try {
    int n = std::stoi(*t);
    return n >= 0 && n < 64 ? n : 40;
  } catch (...) {
    return 40;
  }
}

// This host's facts for a container LXC starts: runc, Docker or Podman bugs do not reach it.
// Versions are read only when the verifier runs (a cold start); the cache key has hostVersionsStamp().
verify::HostFacts lxcHost() {
  verify::HostFacts h = driver::thisHost(nullptr, nullptr, {/*versions=*/false, /*environment=*/false});
  h.engines = verify::lxcEngines();
  return h;
}

struct Context {
  std::string stateDir, container, policyPath;
  std::optional<std::string> policyName;
  std::vector<std::string> includeDirs;
  std::string executableDir;
  // The verifier judges for this host (an LSM the kernel does not enforce does not count), so the cached
  // verdict depends on it: the facts are part of the cache key.
  verify::HostFacts host = lxcHost();

  std::string artifactDir() const { return containerDir(stateDir, container); }
  std::string optionsText() const {
    nlohmann::json j = {{"policy", policyPath},     {"name", policyName.value_or("")},
                        {"includeDirs", includeDirs}, {"executableDir", executableDir},
                        {"stateDir", stateDir},     {"container", container},
                        {"artifactDir", artifactDir()}, {"targets", kTargets},
                        {"apparmor", host.apparmorEnabled.value_or(true)},
                        {"selinux", host.selinuxEnabled.value_or(true)},
                        {"versions", driver::hostVersionsStamp()}};
    return j.dump();
  }
};

struct Prepared {
  std::vector<std::string> problems;   // refusal lines (empty when prepared)
  bool corrupt = false;
  std::string policy;                  // the policy's name
  CacheEntry entry;
  std::optional<std::string> mcs;      // the container's MCS pair, when the policy allocates one
  bool mcsTakenNow = false;            // allocated by this run
  bool cold = false;
};

std::string pickPolicy(const std::vector<ir::Policy>& policies, const Context& c, std::string& error) {
  std::vector<std::string> names;
  for (const auto& p : policies) names.push_back(p.name);
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (c.policyName) {
    if (has(*c.policyName)) return *c.policyName;
    error = c.policyPath + " declares no policy named '" + *c.policyName + "'";
    return {};
  }
  if (names.size() == 1) return names[0];
  std::string underscored = c.container;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  if (has(c.container)) return c.container;
  if (has(underscored)) return underscored;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  error = c.policyPath + " declares " + std::to_string(names.size()) + " policies (" + list +
          "): name one with --name POLICY";
  return {};
}

// Compiles (or fetches from the cache) the container's artifacts.
Prepared prepare(const Context& c, Cache& cache) {
  Prepared out;
  SecureReader reader;
  auto readerProblems = [&] {
    for (const auto& p : reader.problems) out.problems.push_back("policy source " + p);
  };
  auto root = reader.read(c.policyPath);
  if (!root) {
    readerProblems();
    if (out.problems.empty()) out.problems.push_back("the policy " + c.policyPath + " does not exist");
    return out;
  }
  const std::string options = c.optionsText();
  const std::string k0 = indexKey(WARD_VERSION, options, {c.policyPath, *root});

  // ---- warm: the index says which files the last compile read; hash them as they are now.
  bool corrupt = false;
  std::string error;
  auto index = cache.readIndex(k0, corrupt, error);
  if (corrupt) {
    out.corrupt = true;
    out.problems.push_back(error + "; clear it with: " + cache.clearCommand());
    return out;
  }
  if (index) {
    std::vector<SourceBytes> sources;
    bool readable = true;
    for (const auto& d : index->deps) {
      auto bytes = d == c.policyPath ? root : reader.read(d);
      if (!bytes) {
        readable = false;
        break;
      }
      sources.push_back({d, std::move(*bytes)});
    }
    std::optional<std::string> pair;
    bool before = false;
    if (readable && index->mcs) {
      std::string e;
      before = integrations::mcsLookup(c.stateDir, c.container, e).has_value();
      if (!e.empty()) {
        out.problems.push_back("MCS registry: " + e);
        return out;
      }
      pair = integrations::mcsAllocate(c.stateDir, c.container, e);
      if (!pair) {
        out.problems.push_back("MCS registry: " + e);
        return out;
      }
    }
    if (readable) {
      std::string key = cacheKey(WARD_VERSION, options, sources, pair ? "mcs=" + *pair : "");
      CacheLookup l = cache.lookup(key);
      if (l.status == CacheStatus::Corrupt || l.status == CacheStatus::Error) {
        out.corrupt = true;
        out.problems.push_back(l.message + "; clear it with: " + cache.clearCommand(key));
        return out;
      }
      if (l.status == CacheStatus::Hit) {
        out.entry = std::move(l.entry);
        out.policy = out.entry.meta.value("policy", "");
        out.mcs = pair;
        out.mcsTakenNow = pair && !before;
        return out;
      }
    }
    reader.problems.clear();
  }

  // ---- cold: compile, verify, store.
  out.cold = true;
  driver::LoadOptions lo;
  lo.includeDirs = c.includeDirs;
  lo.wardPath = std::nullopt;   // WARD_PATH is not honoured in the hook
  lo.executableDir = c.executableDir;
  lo.reader = &reader;

  driver::Session s1;
  driver::Loaded loaded = driver::load(s1, c.policyPath, lo);
  if (!loaded.ok || s1.diags.hasErrors()) {
    readerProblems();
    std::string d = renderDiags(s1);
    out.problems.push_back("the policy " + c.policyPath + " does not compile:");
    std::size_t pos = 0;
    while (pos < d.size()) {
      auto nl = d.find('\n', pos);
      out.problems.push_back("  " + d.substr(pos, nl - pos));
      pos = nl == std::string::npos ? d.size() : nl + 1;
    }
    return out;
  }
  std::string pickError;
  std::string name = pickPolicy(loaded.policies, c, pickError);
  if (name.empty()) {
    out.problems.push_back(pickError);
    return out;
  }
  std::string e;
  bool mcsBefore = integrations::mcsLookup(c.stateDir, c.container, e).has_value();
  if (!e.empty()) {
    out.problems.push_back("MCS registry: " + e);
    return out;
  }

  driver::CompileOptions co;
  co.load = lo;
  co.outDir = c.artifactDir();
  co.policy = name;
  co.targets = kTargets;
  co.backend.stateDir = c.stateDir;
  co.backend.containerName = c.container;
  co.backend.allocate = true;
  co.backend.artifactDir = c.artifactDir();
  driver::Session s2;
  driver::CompileResult built = driver::build(s2, {c.policyPath}, co);
  if (!built.ok || s2.diags.hasErrors()) {
    readerProblems();
    out.problems.push_back("the policy " + c.policyPath + " does not compile:");
    std::string d = renderDiags(s2);
    std::size_t pos = 0;
    while (pos < d.size()) {
      auto nl = d.find('\n', pos);
      out.problems.push_back("  " + d.substr(pos, nl - pos));
      pos = nl == std::string::npos ? d.size() : nl + 1;
    }
    return out;
  }

  std::vector<backend::Artifact> artifacts;
  for (const auto& o : built.outputs) artifacts.push_back({fs::path(o.path).filename().string(), o.content});

  // The verifier judges the lowered policy the compile produced and what ships.
  auto compiled = std::find_if(built.policies.begin(), built.policies.end(),
                               [&](const driver::CompiledPolicy& cp) { return cp.policy.name() == name; });
  if (compiled == built.policies.end()) {
    out.problems.push_back("the compile of " + c.policyPath + " has no policy named '" + name + "'");
    return out;
  }
  const lower::Lowered& policy = compiled->policy;
  auto searchPath = sema::searchPath(c.includeDirs, nullptr, c.executableDir);
  verify::HostFacts host = c.host;
  host.components = verify::readHostComponents("/");   // kernel and runtime versions: a cold start only
  integrations::Verdict verdict = integrations::verify(policy, artifacts, searchPath, host);
  if (!verdict.error.empty()) {
    out.problems.push_back(verdict.error);
    return out;
  }

  // The MCS pair, when the label carries the container's registered pair.
  std::optional<std::string> pair = integrations::mcsLookup(c.stateDir, c.container, e);
  if (pair) {
    bool inLabel = false;
    for (const auto& a : artifacts)
      if (a.fileName == name + ".selinux" && a.content.find(":" + *pair) != std::string::npos) inLabel = true;
    if (!inLabel) pair.reset();
  }

  // The key covers every file the compile read (as the compiler saw it) and the verifier's catalog.
  std::vector<SourceBytes> sources;
  for (std::size_t i = 0; i < s2.sources.size(); ++i) {
    const auto& f = s2.sources.file(static_cast<FileId>(i));
    if (f.path.empty()) continue;
    if (std::any_of(sources.begin(), sources.end(), [&](const SourceBytes& s) { return s.path == f.path; })) continue;
    sources.push_back({f.path, f.text});
  }
  for (const auto& cf : verdict.catalogFiles) {
    auto bytes = reader.read(cf);
    if (!bytes) {
      readerProblems();
      out.problems.push_back("the escape catalog " + cf + " cannot be read");
      return out;
    }
    sources.push_back({cf, std::move(*bytes)});
  }
  std::string key = cacheKey(WARD_VERSION, options, sources, pair ? "mcs=" + *pair : "");

  CacheEntry entry;
  entry.key = key;
  for (const auto& a : artifacts)
    if (installed(a.fileName)) entry.files.push_back({a.fileName, a.content});
  entry.meta = {{"policy", name},
                {"failOn", verdict.failOn},
                {"blocking", verdict.blocking},
                {"mcs", pair ? nlohmann::json(*pair) : nlohmann::json(nullptr)}};
  std::string err = cache.store(entry);
  if (!err.empty()) {
    out.problems.push_back("cannot store the compile in the cache: " + err);
    return out;
  }
  Cache::Index idx;
  for (const auto& s : sources) idx.deps.push_back(s.path);
  idx.mcs = pair.has_value();
  err = cache.writeIndex(k0, idx);
  if (!err.empty()) {
    out.problems.push_back("cannot write the cache index: " + err);
    return out;
  }
  out.entry = std::move(entry);
  out.policy = name;
  out.mcs = pair;
  out.mcsTakenNow = pair && !mcsBefore;
  return out;
}

// The same configuration semantics: the key/value lines, blanks normalised, comments ignored.
bool sameSettings(const lxcconf::Config& a, const lxcconf::Config& b) {
  const auto& x = a.lines();
  const auto& y = b.lines();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].key != y[i].key || x[i].value != y[i].value) return false;
  return true;
}

// Writes the entry's files that differ from what is installed. "" on success.
std::string installArtifacts(const fsx::Fd& dir, const CacheEntry& entry) {
  for (const auto& f : entry.files) {
    std::string error;
    auto current = fsx::readAt(dir.get(), f.name, error);
    if (current && *current == f.content) continue;
    std::string e = fsx::writeAt(dir.get(), f.name, f.content, 0600);
    if (!e.empty()) return e;
  }
  return {};
}

std::string loadAppArmor(const Cache& cache, const CacheEntry& entry, const std::string& policy) {
  auto host = integrations::apparmorHost();
  if (!host.enabled) return {};   // LXC ignores lxc.apparmor.profile too
  const CacheFile* profile = entry.find(policy + ".apparmor");
  if (!profile) return "the compile has no AppArmor profile (" + policy + ".apparmor)";
  std::string error;
  auto binary = cache.apparmorBinary(profile->content, error);
  if (!error.empty()) return error + "; clear it with: " + cache.clearCommand();
  if (!binary) {
    binary = integrations::compileProfile(profile->content, error);
    if (!binary) return "apparmor_parser rejected " + policy + ".apparmor: " + error;
    std::string e = cache.storeApparmorBinary(profile->content, *binary);
    if (!e.empty()) return "cannot cache the AppArmor binary: " + e;
  }
  std::string e = integrations::loadBinary(*binary);
  return e.empty() ? "" : "AppArmor profile of " + policy + ": " + e;
}

struct Lines {
  std::string prefix;
  std::string& out;
  void operator()(const std::string& line) const { out += prefix + line + "\n"; }
};

std::string policyPathFor(const HookArgs& args, const Env& env) {
  return args.policy ? *args.policy : args.policyDir + "/" + env.name + ".ward";
}

int preStart(const HookArgs& args, const Env& env, const Lines& say) {
  Context c;
  c.stateDir = args.stateDir;
  c.container = env.name;
  c.policyPath = policyPathFor(args, env);
  c.policyName = args.policyName;
  c.includeDirs = args.includeDirs;
  c.executableDir = args.executableDir;
  if (c.policyPath.empty() || c.policyPath.front() != '/') {
    say("refused: --policy must be an absolute path (got '" + c.policyPath + "')");
    return kHookUsage;
  }
  if (env.configFile.empty() || env.configFile.front() != '/') {
    say("refused: LXC_CONFIG_FILE is not set to an absolute path; the container's config cannot be checked");
    return kHookUsage;
  }

  Cache cache(c.stateDir, WARD_VERSION);
  if (std::string e = cache.open(); !e.empty()) {
    say("refused: " + e);
    return kHookRefused;
  }
  std::string error;
  fsx::Fd dir = fsx::openDir(c.artifactDir(), true, error);
  if (!dir.valid()) {
    say("refused: state directory: " + error);
    return kHookRefused;
  }

  Prepared p = prepare(c, cache);
  if (!p.problems.empty()) {
    for (const auto& l : p.problems) say("refused: " + l);
    if (p.corrupt) say("refused: (ward never rebuilds a corrupted cache entry by itself: look at it, then remove it)");
    return kHookRefused;
  }
  std::vector<std::string> blocking;
  if (p.entry.meta.contains("blocking") && p.entry.meta["blocking"].is_array())
    for (const auto& b : p.entry.meta["blocking"])
      if (b.is_string()) blocking.push_back(b.get<std::string>());
  if (!blocking.empty()) {
    std::string failOn = p.entry.meta.value("failOn", "critical");
    for (const auto& b : blocking) say("refused: verifier (fail_on " + failOn + "): " + b);
    return kHookRefused;
  }
  const CacheFile* snippet = p.entry.find(p.policy + ".lxc.conf");
  if (p.policy.empty() || !snippet) {
    say("refused: the compile has no " + p.policy + ".lxc.conf");
    return kHookRefused;
  }

  // The container's config as LXC read it (before this hook rewrites the snippet).
  lxcconf::FileSystem nofollow;
  nofollow.noFollow = true;
  lxcconf::ParseOptions po;
  po.fs = &nofollow;
  lxcconf::Config effective = lxcconf::parseFile(env.configFile, po);
  std::vector<std::string> problems;
  for (const auto& pr : effective.problems())
    if (pr.severity == lxcconf::Problem::Severity::Error) problems.push_back("config: " + pr.str());

  const std::string snippetPath = c.artifactDir() + "/" + p.policy + ".lxc.conf";
  lxcconf::Config wanted = lxcconf::parseText(snippetPath, snippet->content);
  bool missing = false;
  auto onDisk = fsx::readAt(dir.get(), p.policy + ".lxc.conf", error, &missing);
  bool stale = onDisk && !sameSettings(lxcconf::parseText(snippetPath, *onDisk), wanted);
  if (stale) {
    problems.push_back(snippetPath + " changed since LXC read the config (the policy or ward changed); it is "
                       "updated now: start the container again");
  } else if (problems.empty()) {
    DriftOptions d;
    d.policyName = p.policy;
    d.snippetPath = snippetPath;
    d.lastCap = lastCap();
    for (const auto& dr : checkDrift(effective, wanted, d)) problems.push_back("drift: " + dr.str());
  }

  if (std::string e = installArtifacts(dir, p.entry); !e.empty()) {
    say("refused: cannot write the artifacts to " + c.artifactDir() + ": " + e);
    return kHookRefused;
  }
  if (!problems.empty()) {
    for (const auto& l : problems) say("refused: " + l);
    return kHookRefused;
  }
  if (std::string e = loadAppArmor(cache, p.entry, p.policy); !e.empty()) {
    say("refused: " + e);
    return kHookRefused;
  }

  // What this start took, for post-stop.
  nlohmann::json record = {{"policy", p.policy},
                           {"key", p.entry.key},
                           {"mcs", p.mcs ? nlohmann::json(*p.mcs) : nlohmann::json(nullptr)},
                           {"releaseOnStop", p.mcsTakenNow}};
  bool keepOld = false;
  if (auto old = fsx::readAt(dir.get(), "start.json", error)) {
    auto j = nlohmann::json::parse(*old, nullptr, false);
    // A start that found the pair already allocated keeps the earlier start's duty to release it.
    if (!j.is_discarded() && j.is_object() && j.value("releaseOnStop", false) && !p.mcsTakenNow && p.mcs &&
        j.value("mcs", nlohmann::json()) == nlohmann::json(*p.mcs))
      record["releaseOnStop"] = true;
    keepOld = !j.is_discarded() && j == record;
  }
  if (!keepOld) {
    if (std::string e = fsx::writeAt(dir.get(), "start.json", record.dump() + "\n"); !e.empty()) {
      say("refused: cannot record the start: " + e);
      return kHookRefused;
    }
  }
  return kHookOk;
}

int postStop(const HookArgs& args, const Env& env, const Lines& say) {
  std::string error;
  std::string path = containerDir(args.stateDir, env.name);
  int raw = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return kHookOk;   // nothing was started through ward
    say("post-stop: cannot open " + path + ": " + std::strerror(errno));
    return kHookRefused;
  }
  fsx::Fd dir(raw);
  bool missing = false;
  auto text = fsx::readAt(dir.get(), "start.json", error, &missing);
  if (!text) {
    if (missing) return kHookOk;
    say("post-stop: " + error);
    return kHookRefused;
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    say("post-stop: " + path + "/start.json does not parse; nothing released");
    return kHookRefused;
  }
  if (!j.value("releaseOnStop", false)) return kHookOk;
  if (std::string e = integrations::mcsRelease(args.stateDir, env.name); !e.empty()) {
    say("post-stop: cannot release the MCS pair: " + e);
    return kHookRefused;
  }
  j["releaseOnStop"] = false;
  j["mcs"] = nullptr;
  if (std::string e = fsx::writeAt(dir.get(), "start.json", j.dump() + "\n"); !e.empty()) {
    say("post-stop: " + e);
    return kHookRefused;
  }
  return kHookOk;
}

// LXC (hook version 0) appends NAME, "lxc", HOOKTYPE: they stand in for missing variables.
Env resolveEnv(const HookArgs& args, Env env) {
  if (env.name.empty() && !args.lxcArgs.empty()) env.name = args.lxcArgs[0];
  if (env.hookType.empty() && args.lxcArgs.size() >= 3) env.hookType = args.lxcArgs[2];
  return env;
}

int runChecked(const HookArgs& args, const Env& env, std::string& messages) {
  Lines say{"ward lxc-hook: ", messages};
  // The arguments LXC appends must agree with its variables.
  if (!args.lxcArgs.empty() && args.lxcArgs[0] != env.name) {
    say("refused: LXC_NAME '" + env.name + "' and the hook's argument '" + args.lxcArgs[0] + "' differ");
    return kHookUsage;
  }
  if (args.lxcArgs.size() >= 3 && args.lxcArgs[2] != env.hookType) {
    say("refused: LXC_HOOK_TYPE '" + env.hookType + "' and the hook's argument '" + args.lxcArgs[2] + "' differ");
    return kHookUsage;
  }
  if (!validContainerName(env.name)) {
    say("refused: LXC_NAME '" + env.name + "' is not a container name ward accepts");
    return kHookUsage;
  }
  say.prefix += env.name + ": ";
  if (args.stateDir.empty() || args.stateDir.front() != '/') {
    say("refused: --state-dir must be an absolute path");
    return kHookUsage;
  }
  if (env.hookType == "pre-start") return preStart(args, env, say);
  if (env.hookType == "post-stop") return postStop(args, env, say);
  say("refused: hook type '" + env.hookType + "' is not handled (use lxc.hook.pre-start and lxc.hook.post-stop)");
  return kHookUsage;
}

std::string defaultPolicyPath(const InstallArgs& a) {
  std::error_code ec;
  return fs::absolute(a.policy, ec).lexically_normal().string();
}

}  // namespace

Env envFromProcess() {
  auto get = [](const char* k) {
    const char* v = std::getenv(k);
    return v ? std::string(v) : std::string();
  };
  return {get("LXC_NAME"), get("LXC_CONFIG_FILE"), get("LXC_ROOTFS_PATH"), get("LXC_HOOK_TYPE")};
}

std::string containerDir(const std::string& stateDir, const std::string& container) {
  return (stateDir.size() > 1 && stateDir.back() == '/' ? stateDir.substr(0, stateDir.size() - 1) : stateDir) +
         "/containers/" + container;
}

bool validContainerName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char ch : name)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
          ch == '.' || ch == '-' || ch == ':' || ch == '@' || ch == '+'))
      return false;
  return true;
}

int run(const HookArgs& args, const Env& envIn, std::string& messages) {
  int rc = kHookInternal;
  Env env = resolveEnv(args, envIn);
  try {
    rc = runChecked(args, env, messages);
  } catch (const std::exception& e) {
    messages += "ward lxc-hook: refused: internal error: " + std::string(e.what()) + "\n";
  } catch (...) {
    messages += "ward lxc-hook: refused: internal error\n";
  }
  if (env.hookType == "pre-start") {
    try {
      reportOutcome(args.reporting, args.stateDir, env.name, env.hookType, policyPathFor(args, env), rc, messages);
    } catch (...) {
      messages += "ward lxc-hook: the refusal could not be reported beyond this message\n";
    }
  }
  return rc;
}

int install(const InstallArgs& args, std::string& messages) {
  try {
    Lines say{"ward lxc-install: ", messages};
    if (!validContainerName(args.container)) {
      say("'" + args.container + "' is not a container name ward accepts");
      return kHookUsage;
    }
    if (args.wardExe.empty() || args.wardExe.front() != '/') {
      say("the path of ward for the hook lines must be absolute");
      return kHookUsage;
    }
    if (args.lxcPath.empty() || args.lxcPath.front() != '/' || args.stateDir.empty() || args.stateDir.front() != '/') {
      say("the LXC path and the state directory must be absolute");
      return kHookUsage;
    }
    Context c;
    c.stateDir = args.stateDir;
    c.container = args.container;
    c.policyPath = defaultPolicyPath(args);
    c.policyName = args.policyName;
    c.includeDirs = args.includeDirs;
    c.executableDir = args.executableDir;
    const std::string config = args.lxcPath + "/" + args.container + "/config";
    if (::access(config.c_str(), F_OK) != 0) {
      say("no container config at " + config + " (create the container first, or give -P LXCPATH)");
      return kHookUsage;
    }

    Cache cache(c.stateDir, WARD_VERSION);
    if (std::string e = cache.open(); !e.empty()) {
      say(e);
      return kHookRefused;
    }
    std::string error;
    fsx::Fd dir = fsx::openDir(c.artifactDir(), true, error);
    if (!dir.valid()) {
      say("state directory: " + error);
      return kHookRefused;
    }
    Prepared p = prepare(c, cache);
    if (!p.problems.empty()) {
      for (const auto& l : p.problems) say(l);
      return kHookRefused;
    }
    if (p.entry.meta.contains("blocking") && p.entry.meta["blocking"].is_array() && !p.entry.meta["blocking"].empty()) {
      for (const auto& b : p.entry.meta["blocking"])
        if (b.is_string()) say("verifier (fail_on " + p.entry.meta.value("failOn", "critical") + "): " + b.get<std::string>());
      say("not installed: the hook would refuse every start of this policy");
      return kHookRefused;
    }
    if (std::string e = installArtifacts(dir, p.entry); !e.empty()) {
      say("cannot write the artifacts: " + e);
      return kHookRefused;
    }

    BlockSpec spec;
    spec.snippetPath = c.artifactDir() + "/" + p.policy + ".lxc.conf";
    spec.hookCommand = {args.wardExe, "lxc-hook", "--policy", c.policyPath};
    if (args.policyName) spec.hookCommand.insert(spec.hookCommand.end(), {"--name", *args.policyName});
    if (args.stateDir != kDefaultStateDir) spec.hookCommand.insert(spec.hookCommand.end(), {"--state-dir", args.stateDir});
    for (const auto& d : args.includeDirs) spec.hookCommand.insert(spec.hookCommand.end(), {"-I", d});
    auto block = blockText(spec, error);
    if (!block) {
      say(error);
      return kHookUsage;
    }
    EditResult r = installBlock(config, *block);
    if (!r.ok) {
      say(r.error);
      return kHookRefused;
    }

    // What the next start will check: report drift now rather than at the first start.
    lxcconf::FileSystem nofollow;
    nofollow.noFollow = true;
    lxcconf::ParseOptions po;
    po.fs = &nofollow;
    lxcconf::Config effective = lxcconf::parseFile(config, po);
    lxcconf::Config wanted = lxcconf::parseText(spec.snippetPath, p.entry.find(p.policy + ".lxc.conf")->content);
    DriftOptions d;
    d.policyName = p.policy;
    d.snippetPath = spec.snippetPath;
    d.lastCap = lastCap();
    int rc = kHookOk;
    for (const auto& pr : effective.problems())
      if (pr.severity == lxcconf::Problem::Severity::Error) {
        say("config: " + pr.str());
        rc = kHookRefused;
      }
    if (rc == kHookOk)
      for (const auto& dr : checkDrift(effective, wanted, d)) {
        say("drift (the hook will refuse to start the container until it is fixed): " + dr.str());
        rc = kHookRefused;
      }
    return rc;
  } catch (const std::exception& e) {
    messages += "ward lxc-install: internal error: " + std::string(e.what()) + "\n";
  } catch (...) {
    messages += "ward lxc-install: internal error\n";
  }
  return kHookInternal;
}

int uninstall(const UninstallArgs& args, std::string& messages) {
  try {
    if (!validContainerName(args.container)) {
      messages += "ward lxc-uninstall: '" + args.container + "' is not a container name ward accepts\n";
      return kHookUsage;
    }
    if (args.lxcPath.empty() || args.lxcPath.front() != '/') {
      messages += "ward lxc-uninstall: the LXC path must be absolute\n";
      return kHookUsage;
    }
    EditResult r = uninstallBlock(args.lxcPath + "/" + args.container + "/config");
    if (!r.ok) {
      messages += "ward lxc-uninstall: " + r.error + "\n";
      return kHookRefused;
    }
    return kHookOk;
  } catch (const std::exception& e) {
    messages += "ward lxc-uninstall: internal error: " + std::string(e.what()) + "\n";
  } catch (...) {
    messages += "ward lxc-uninstall: internal error\n";
  }
  return kHookInternal;
}

}  // namespace ward::hook
