#include "driver/driver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "backend/apparmor/load.h"
#include "backend/allocate.h"
#include "backend/common/registry_file.h"
#include "backend/selinux/selinux.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "driver/staging.h"
#include "lower/lower.h"
#include "verify/report.h"
#include "ward/config.h"

namespace ward::driver {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> readFile(const std::string& path, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return ss.str();
}

sema::Options semaOptions(const LoadOptions& o) {
  sema::Options so;
  const std::string wardPath = o.wardPath.value_or("");
  so.searchPath = sema::searchPath(o.includeDirs, o.wardPath ? wardPath.c_str() : nullptr, o.executableDir);
  so.reader = o.reader;
  return so;
}

}  // namespace

Loaded loadText(Session& session, const std::string& path, std::string text, const LoadOptions& options) {
  Loaded out;
  FileId id = session.sources.add(path, path, std::move(text));
  std::size_t before = session.diags.errorCount();
  sema::Result r = sema::analyze(session.sources, id, semaOptions(options), session.diags);
  out.policies = std::move(r.policies);
  out.dependencies = std::move(r.dependencies);
  out.ok = session.diags.errorCount() == before;
  return out;
}

Loaded load(Session& session, const std::string& path, const LoadOptions& options) {
  std::string error;
  std::optional<std::string> text;
  if (options.reader) text = options.reader->read(path);
  if (!text) text = readFile(path, error);
  if (!text) {
    session.diags.error(Code::E0107, {}, "cannot read '" + path + "': " + (error.empty() ? "not found" : error));
    return {};
  }
  return loadText(session, path, std::move(*text), options);
}

std::string depfileText(const std::vector<std::string>& targets, const std::vector<std::string>& deps) {
  auto esc = [](const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == ' ' || c == '#') o.push_back('\\');
      if (c == '$') o.push_back('$');
      o.push_back(c);
    }
    return o;
  };
  std::string out;
  for (std::size_t i = 0; i < targets.size(); ++i) out += (i ? " " : "") + esc(targets[i]);
  out += ":";
  for (const auto& d : deps) out += " \\\n  " + esc(d);
  out += "\n";
  for (const auto& d : deps) out += "\n" + esc(d) + ":\n";  // phony rules: a deleted import is no error
  return out;
}

namespace {

// One policy's emission, which a worker thread runs: every target in order, until the first error.
struct Emission {
  std::optional<lower::Lowered> lowered;
  backend::Allocations allocations;
  backend::Options options;
  Diagnostics diags;
  std::vector<std::pair<std::string, backend::Artifact>> artifacts;   // (target, artifact) in order

  void run(const std::vector<std::string>& targets) {
    for (const auto& t : targets) {
      auto made = backend::emit(t, *lowered, allocations, options, diags);
      if (diags.hasErrors()) return;
      for (auto& a : made) artifacts.emplace_back(t, std::move(a));
    }
  }
};

// Where produce() puts each output as it is made: false (with diagnostics) stops the compile.
using Sink = std::function<bool(Output&&)>;

// The pipeline behind build() and compile(): every output goes to `sink` as soon as it exists (manifest
// last). With `keep`, result.policies holds each lowered policy and its artifacts; without it nothing of a
// policy stays in memory once its outputs are in the sink.
CompileResult produce(Session& session, const std::vector<std::string>& files, const CompileOptions& options,
                      const Sink& sink, bool keep) {
  CompileResult result;
  std::vector<ir::Policy> policies;
  std::set<std::string> deps;
  for (const auto& f : files) {
    Loaded l = load(session, f, options.load);
    for (auto& p : l.policies) policies.push_back(std::move(p));
    deps.insert(l.dependencies.begin(), l.dependencies.end());
  }
  result.dependencies.assign(deps.begin(), deps.end());
  if (session.diags.hasErrors()) return result;

  if (options.policy) {
    std::vector<std::string> names;
    for (const auto& p : policies) names.push_back(p.name);
    policies.erase(std::remove_if(policies.begin(), policies.end(),
                                  [&](const ir::Policy& p) { return p.name != *options.policy; }),
                   policies.end());
    if (policies.empty()) {
      auto& d = session.diags.error(Code::E0211, {}, "no policy named '" + *options.policy + "' in the given files");
      std::string near = closestMatch(*options.policy, names);
      if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
      return result;
    }
  }
  if (policies.empty()) {
    if (options.allowNoPolicy) {
      result.ok = true;
      return result;
    }
    session.diags.error(Code::E2002, {}, "no policy to compile: the files declare no `policy`");
    return result;
  }
  {  // two policies with one name would overwrite each other's artifacts
    std::set<std::string> seen;
    for (const auto& p : policies)
      if (!seen.insert(p.name).second) {
        session.diags.error(Code::E0106, p.span, "two policies named '" + p.name + "' in one compile");
        return result;
      }
  }

  std::vector<std::string> targets = options.targets.empty() ? backend::targetNames() : options.targets;
  const auto known = backend::allTargetNames();
  for (const auto& t : targets)
    if (std::find(known.begin(), known.end(), t) == known.end()) {
      auto& d = session.diags.error(Code::E1000, {}, "unknown target '" + t + "'");
      std::string near = closestMatch(t, known);
      d.notes.push_back({{}, near.empty() ? "targets are: seccomp, apparmor, selinux, lxc, oci, docker, compose, kube, lxd"
                                          : "did you mean '" + near + "'?"});
      return result;
    }
  // Emit in the canonical order whatever order the user listed them in.
  std::vector<std::string> ordered;
  for (const auto& t : known)
    if (std::find(targets.begin(), targets.end(), t) != targets.end()) ordered.push_back(t);

  backend::Options bopts = options.backend;
  if (bopts.artifactDir.empty()) bopts.artifactDir = fs::absolute(options.outDir).lexically_normal().string();
  if (!bopts.artifactDir.empty() && bopts.artifactDir.size() > 1 && bopts.artifactDir.back() == '/')
    bopts.artifactDir.pop_back();

  backend::Allocator allocator(bopts, ordered);
  nlohmann::json manifest;
  manifest["ward"] = WARD_VERSION;
  manifest["targets"] = ordered;
  nlohmann::json inputs = nlohmann::json::object();
  nlohmann::json outputs = nlohmann::json::array();

  // Emission is a pure function of the lowered policy, its allocations and the options (backend::emit),
  // so worker threads emit while this thread lowers and allocates the next policies, in order. Results
  // are taken in policy order: outputs, manifest and diagnostics are the same whatever the number of
  // threads. At most `window` policies are in flight, which bounds memory.
  const unsigned threads = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t window = 2 * std::size_t{threads};
  std::deque<std::pair<std::unique_ptr<Emission>, std::future<void>>> inFlight;
  auto finish = [&]() {   // takes the oldest policy in flight: false when the compile must stop
    auto [job, done] = std::move(inFlight.front());
    inFlight.pop_front();
    done.get();
    const ir::Policy& p = job->lowered->policy();
    const std::size_t before = session.diags.size();
    session.diags.append(job->diags);
    toSessionSpans(session, p, before);
    if (session.diags.hasErrors()) return false;
    std::vector<backend::Artifact> kept;
    for (auto& [target, a] : job->artifacts) {
      outputs.push_back({{"file", a.fileName}, {"policy", p.name}, {"target", target}, {"sha256", sha256Hex(a.content)}});
      Output out{(fs::path(options.outDir) / a.fileName).string(), keep ? a.content : std::move(a.content)};
      if (!sink(std::move(out))) return false;
      if (keep) kept.push_back(std::move(a));
    }
    if (keep) result.policies.push_back({std::move(*job->lowered), std::move(kept)});
    return true;
  };
  for (auto& resolved : policies) {
    std::optional<lower::Lowered> lowered = lowerPolicy(session, std::move(resolved));
    resolved = ir::Policy{};   // done with it: release the memory now, not after the last policy
    if (!lowered) return result;
    const ir::Policy& p = lowered->policy();
    for (const auto& src : p.sources) inputs[src.displayName] = src.sha256;
    auto job = std::make_unique<Emission>();
    job->options = bopts;
    if (job->options.containerName.empty()) job->options.containerName = p.name;
    const std::size_t mark = session.diags.size();
    auto allocations = allocator.allocate(*lowered, session.diags, job->options.containerName);
    toSessionSpans(session, p, mark);
    if (!allocations) return result;
    job->lowered = std::move(lowered);
    job->allocations = std::move(*allocations);
    Emission* j = job.get();
    auto done = threads == 1 ? std::async(std::launch::deferred, [j, &ordered] { j->run(ordered); })
                             : std::async(std::launch::async, [j, &ordered] { j->run(ordered); });
    inFlight.emplace_back(std::move(job), std::move(done));
    if (inFlight.size() >= window && !finish()) return result;
  }
  while (!inFlight.empty())
    if (!finish()) return result;
  manifest["inputs"] = inputs;
  manifest["outputs"] = outputs;
  if (!sink({(fs::path(options.outDir) / "manifest.json").string(), manifest.dump(2) + "\n"})) return result;
  result.ok = true;
  return result;
}

}  // namespace

CompileResult build(Session& session, const std::vector<std::string>& files, const CompileOptions& options) {
  std::vector<Output> outputs;
  CompileResult result = produce(session, files, options, [&](Output&& o) {
    outputs.push_back(std::move(o));
    return true;
  }, true);
  result.outputs = std::move(outputs);
  return result;
}

std::optional<lower::Lowered> lowerPolicy(Session& session, ir::Policy policy) {
  ir::Policy files;   // the policy's sources, to map the diagnostics of a policy that did not lower
  files.sources = policy.sources;
  const std::size_t before = session.diags.size();
  std::optional<lower::Lowered> lowered = lower::lower(std::move(policy), session.diags);
  toSessionSpans(session, files, before);
  if (session.diags.hasErrors()) return std::nullopt;
  return lowered;
}

void toSessionSpans(Session& session, const ir::Policy& policy, std::size_t from) {
  std::vector<FileId> map;
  for (const auto& src : policy.sources)
    map.push_back(session.sources.findByDisplayName(src.displayName).value_or(kNoFile));
  session.diags.remapFiles(from, [&](FileId local) { return local < map.size() ? map[local] : kNoFile; });
}

void toSessionSpans(const Session& session, std::vector<verify::Finding>& findings) {
  auto fix = [&](Span& span, const std::string& file) {
    if (!span.valid()) return;
    span.file = file.empty() ? kNoFile : session.sources.findByDisplayName(file).value_or(kNoFile);
  };
  for (auto& f : findings) {
    fix(f.span, f.file);
    for (auto& l : f.layers) fix(l.span, l.file);
  }
}

backend::Options hostFilesFromEnvironment() {
  backend::Options o;
  auto env = [](const char* name, std::string& into) {
    if (const char* v = std::getenv(name); v && *v) into = v;
  };
  env("WARD_STATE_DIR", o.stateDir);
  env("WARD_SUBUID", o.subuidFile);
  env("WARD_SUBGID", o.subgidFile);
  return o;
}

verify::HostFacts thisHost(std::vector<std::string>* why, std::vector<std::string>* errors, HostQuery query) {
  verify::HostFacts h;
  auto aa = backend::apparmor::hostStatus();
  auto se = backend::selinux::hostStatus();
  h.apparmorEnabled = aa.enabled;
  h.selinuxEnabled = se.enabled;
  const char* file = query.environment ? std::getenv("WARD_HOST_FACTS") : nullptr;
  if (file && *file) {
    std::vector<std::string> problems;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = in ? verify::parseHostFacts(text.str(), problems) : std::nullopt;
    if (!in) problems.push_back(std::string("cannot read WARD_HOST_FACTS file ") + file);
    if (errors)
      for (const auto& p : problems) errors->push_back(std::string(file) + ": " + p);
    if (!parsed) return h;
    if (!parsed->apparmorEnabled) parsed->apparmorEnabled = h.apparmorEnabled;
    if (!parsed->selinuxEnabled) parsed->selinuxEnabled = h.selinuxEnabled;
    h = std::move(*parsed);
    if (why && !*h.apparmorEnabled) why->push_back("AppArmor: not enabled (host facts file)");
    if (why && !*h.selinuxEnabled) why->push_back("SELinux: not enabled (host facts file)");
    return h;
  }
  if (query.versions) h.components = verify::readHostComponents("/");
  if (why && !aa.enabled) why->push_back("AppArmor: " + aa.reason);
  if (why && !se.enabled) why->push_back("SELinux: " + se.reason);
  return h;
}

std::string hostVersionsStamp() {
  std::ifstream in("/proc/version");
  std::string version;
  std::getline(in, version);
  struct stat st {};
  if (::stat("/var/lib/dpkg/status", &st) != 0) return version + "; no dpkg status";
  return version + "; dpkg status " + std::to_string(st.st_size) + " bytes, mtime " + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

std::string describeComponents(const verify::HostFacts& h) {
  if (!h.components) return {};
  std::string out;
  for (const auto& [name, in] : *h.components)
    out += (out.empty() ? "" : ", ") + name + " " + in.version + (in.fixedCves.empty() ? "" : " (+" + std::to_string(in.fixedCves.size()) + " CVEs in its changelog)");
  return out;
}

Verified verifyPolicies(Session& session, std::vector<ir::Policy> policies, const verify::Catalog& catalog,
                        std::optional<verify::Level> failOn, const verify::HostFacts& host,
                        const backend::Options& hostFiles) {
  Verified out;
  backend::Options bo;
  bo.stateDir = hostFiles.stateDir;
  bo.subuidFile = hostFiles.subuidFile;
  bo.subgidFile = hostFiles.subgidFile;
  bo.allocate = false;  // checking never takes MCS categories or id ranges
  bo.artifactDir = "/etc/ward";
  backend::Allocator allocator(bo, backend::targetNames());
  for (auto& resolved : policies) {
    std::optional<lower::Lowered> lowered = lowerPolicy(session, std::move(resolved));
    if (!lowered) return out;
    std::size_t before = session.diags.size();
    bo.containerName = lowered->name();
    auto allocations = allocator.allocate(*lowered, session.diags, bo.containerName);
    toSessionSpans(session, *lowered, before);
    if (!allocations) return out;
    std::vector<backend::Artifact> artifacts;
    for (const auto& t : backend::targetNames()) {
      before = session.diags.size();
      auto a = backend::emit(t, *lowered, *allocations, bo, session.diags);
      toSessionSpans(session, *lowered, before);
      if (session.diags.hasErrors()) return out;
      for (auto& x : a) artifacts.push_back(std::move(x));
    }
    out.policies.push_back({std::move(*lowered), std::move(artifacts)});
  }
  std::vector<verify::Compiled> all;
  verify::Level strictest = verify::Level::Critical;
  for (const auto& cp : out.policies) {
    auto f = verify::verify(cp.policy, cp.artifacts, catalog, host);
    const verify::Level own = verify::effectiveFailOn(cp.policy, failOn);
    strictest = std::min(strictest, own);
    out.failed = out.failed || verify::failsGate(f, own);   // each policy against its own fail_on
    for (const auto& acc : verify::unknownAccepts(cp.policy, catalog)) {
      const std::size_t before = session.diags.size();
      auto& d = session.diags.warning(Code::W0005, acc.span, "`accept " + acc.id + "` names no catalog entry; it silences nothing");
      std::string near = verify::suggestion(catalog, acc.id);
      if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
      toSessionSpans(session, cp.policy, before);
    }
    out.findings.insert(out.findings.end(), f.begin(), f.end());
    all.push_back({&cp.policy.policy(), &cp.artifacts});
  }
  if (all.size() > 1) {
    auto across = verify::verifyAcross(all, catalog);
    out.failed = out.failed || verify::failsGate(across, strictest);
    out.findings.insert(out.findings.end(), across.begin(), across.end());
  }
  toSessionSpans(session, out.findings);
  out.gate = failOn.value_or(strictest);
  out.ok = true;
  return out;
}

std::string writeAtomically(const std::string& path, const std::string& content, unsigned mode) {
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + p.filename().string() + ".tmpXXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) return "cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno);
  std::string tmp(buf.data());
  if (std::string err = writeSyncClose(fd, content, mode); !err.empty()) {
    ::unlink(tmp.c_str());
    return err + " ('" + tmp + "')";
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = "cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return msg;
  }
  return {};
}

CompileResult compile(Session& session, const std::vector<std::string>& files, const CompileOptions& options) {
  // Each output goes to a temporary beside its target as soon as it exists (so a fleet of policies never
  // sits in memory at once); all are renamed at the end, and on any error every temporary is removed, so
  // earlier outputs stay as they were. The id range and MCS registries change once, at the end, before the
  // renames (registry_file::Batch): every artifact renamed into place has its allocation registered.
  backend::common::registry_file::Batch registries;
  Stager stager(options.outDir);
  std::vector<Output> written;   // paths only: the content is on disk
  auto fail = [&](CompileResult& r, const std::string& msg) {
    stager.abort();
    session.diags.error(Code::E2001, {}, msg);
    r.ok = false;
    return r;
  };
  bool ioFailed = false;
  CompileResult result = produce(session, files, options, [&](Output&& o) {
    if (std::string err = stager.stage(o.path, o.content); !err.empty()) {
      session.diags.error(Code::E2001, {}, err);
      ioFailed = true;
      return false;
    }
    written.push_back({std::move(o.path), {}});
    return true;
  }, false);
  result.outputs = std::move(written);
  if (!result.ok || ioFailed) {
    stager.abort();
    result.ok = false;
    return result;
  }
  if (options.depfile) {
    // The depfile names one target, manifest.json (written last, naming every other output): Ninja
    // rejects a depfile that mentions outputs its rule did not declare, so a build rule declares the
    // manifest as its output (as the CMake package's ward_add_policy does).
    std::vector<std::string> targets{result.outputs.back().path};
    if (std::string err = stager.stage(*options.depfile, depfileText(targets, result.dependencies)); !err.empty())
      return fail(result, err);
  }
  if (std::string err; !registries.commit(err)) return fail(result, err);
  if (std::string err = stager.commit(); !err.empty()) return fail(result, err);
  return result;
}

}  // namespace ward::driver
