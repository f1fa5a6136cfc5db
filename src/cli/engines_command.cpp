#include "cli/engines_command.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "base/process.h"
#include "import/import.h"
#include "import/kube.h"
#include "report/render.h"

namespace ward::cli {

int cmdCheckTargets(const TargetCheckArgs& a) {
  driver::Session s;
  driver::CompileOptions o;
  o.load = a.load;
  o.outDir = ".";
  std::stringstream ts(a.targets);
  for (std::string t; std::getline(ts, t, ',');)
    if (!t.empty()) o.targets.push_back(t);
  o.backend = a.hostFiles;
  o.backend.allocate = false;   // checking never takes MCS categories or id ranges
  o.backend.artifactDir = "/etc/ward";
  o.allowNoPolicy = true;
  const driver::CompileResult r = driver::build(s, a.files, o);
  s.diags.sort();
  if (a.jsonDiagnostics) {
    std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
  } else {
    report::TextOptions t;
    t.color = a.color;
    std::string text = report::renderText(s.sources, s.diags, t);
    if (std::string sum = report::summary(s.diags); !sum.empty()) text += sum + "\n";
    std::fputs(text.c_str(), stderr);
  }
  return r.ok ? 0 : 2;
}

namespace {

std::vector<std::string> engineCommand(const std::string& engine) {
  const char* env = std::getenv(engine == "docker" ? "WARD_DOCKER" : "WARD_PODMAN");
  std::string text = env && *env ? env : engine == "docker" ? "/usr/bin/docker" : "/usr/bin/podman";
  std::vector<std::string> argv;
  std::stringstream ss(text);
  for (std::string w; ss >> w;) argv.push_back(w);
  return argv;
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<EngineAudit> auditEngine(SourceManager& sources, const std::string& engine, const std::vector<std::string>& names,
                                     const verify::AuditOptions& options, std::vector<std::string>& errors) {
  std::vector<EngineAudit> out;
  for (const auto& name : names) {
    auto argv = engineCommand(engine);
    argv.insert(argv.end(), {"inspect", "--type", "container", name});
    const RunResult r = runProcess(argv);
    if (r.status != 0) {
      errors.push_back(engine + " inspect " + name + ": " + (r.spawnError.empty() ? r.err : r.spawnError));
      continue;
    }
    const verify::InspectFacts facts = verify::readInspect(r.out);
    if (!facts.error.empty()) {
      errors.push_back(engine + " inspect " + name + ": " + facts.error);
      continue;
    }
    std::string config;
    if (engine == "docker") {
      const char* state = std::getenv("WARD_CONTAINERD_STATE");
      config = std::string(state && *state ? state : "/run/containerd") + "/io.containerd.runtime.v2.task/moby/" + facts.id +
               "/config.json";
    } else {
      config = facts.staticDir + "/config.json";
    }
    auto text = slurp(config);
    if (!text) {
      errors.push_back(engine + " " + name + ": cannot read " + config + " (is the container running?)");
      continue;
    }
    verify::EngineContainer c{engine, name, r.out, config, *text};
    EngineAudit a;
    a.audited = verify::auditEngineContainer(sources, c, &a.inspectFile, options);
    out.push_back(std::move(a));
  }
  return out;
}

EngineFindings verifyEngines(SourceManager& sources, const std::vector<std::string>& docker,
                             const std::vector<std::string>& podman, const verify::Catalog& catalog,
                             const verify::HostFacts& host) {
  EngineFindings out;
  verify::AuditOptions ao;
  ao.apparmorEnabled = host.apparmorEnabled;
  std::error_code ec;   // the host the engines run on: runc's cgroup v1 tmpfs (RES-DISK) is there or not
  ao.cgroupV1 = std::filesystem::is_directory("/sys/fs/cgroup", ec) &&
                !std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers", ec);
  verify::HostFacts h = host;
  h.engines = verify::ociEngines();
  for (const std::string engine : {"docker", "podman"}) {
    for (auto& e : auditEngine(sources, engine, engine == "docker" ? docker : podman, ao, out.errors)) {
      out.errors.insert(out.errors.end(), e.audited.errors.begin(), e.audited.errors.end());
      if (!e.audited.ok()) continue;
      auto f = verify::verifyAudited(e.audited, catalog, h);
      verify::locateAtEngineSettings(sources, e.inspectFile, engine, f);
      out.findings.insert(out.findings.end(), f.begin(), f.end());
      out.notes.insert(out.notes.end(), e.audited.notes.begin(), e.audited.notes.end());
    }
  }
  return out;
}

namespace {

// Every regular file under `dir` (at most 4 MiB each), by its path relative to `dir`.
bool readProfiles(const std::string& dir, std::map<std::string, std::string>& out, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    error = "--profiles-dir " + dir + ": not a directory";
    return false;
  }
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->file_size(ec) > (4u << 20)) continue;
    auto text = slurp(it->path().string());
    if (!text) {
      error = it->path().string() + ": cannot read";
      return false;
    }
    out[fs::relative(it->path(), dir, ec).generic_string()] = std::move(*text);
  }
  if (ec) error = "--profiles-dir " + dir + ": " + ec.message();
  return !ec;
}

}  // namespace

KubeFindings verifyKube(driver::Session& s, const std::string& file, const std::string& profilesDir,
                        const verify::Catalog& catalog, const verify::HostFacts& host) {
  KubeFindings out;
  const auto text = slurp(file);
  if (!text) {
    s.diags.error(Code::E2005, {}, file + ": cannot read");
    return out;
  }
  import::PodOptions po;
  std::string err;
  if (!profilesDir.empty() && !readProfiles(profilesDir, po.profiles, err)) {
    s.diags.error(Code::E2005, {}, err);
    return out;
  }
  if (auto d = slurp(import::kDockerDefaultProfilePath)) po.runtimeDefaultProfile = std::move(*d);
  else out.notes.push_back(std::string("RuntimeDefault is not judged: no ") + import::kDockerDefaultProfilePath);
  const FileId id = s.sources.add(file, file, *text);
  const auto containers = import::readPodManifest(s.sources, id, po, s.diags);
  verify::AuditOptions ao;
  ao.apparmorEnabled = host.apparmorEnabled;
  verify::HostFacts h = host;
  h.engines = verify::ociEngines();
  std::map<std::string, int> seen;   // the same pod/container in two documents gets its own source name
  for (const auto& c : containers) {
    const int n = ++seen[c.pod + "/" + c.name];
    verify::Audited a = verify::auditPodContainer(s.sources, c, n > 1 ? " #" + std::to_string(n) : "", ao);
    for (const auto& e : a.errors) s.diags.error(Code::E0304, c.at, c.pod + "/" + c.name + ": " + e);
    if (!a.ok()) continue;
    auto f = verify::verifyAudited(a, catalog, h);
    verify::locateAtPodSettings(s.sources, c, f);
    out.findings.insert(out.findings.end(), f.begin(), f.end());
    out.notes.insert(out.notes.end(), a.notes.begin(), a.notes.end());
  }
  return out;
}

int cmdImportDockerRun(const std::vector<std::string>& args, const std::string& policyName, const std::string& out,
                       bool jsonDiagnostics) {
  driver::Session s;
  auto imported = import::importDockerRun(args, policyName, s.diags);
  if (!imported) {
    if (jsonDiagnostics) std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
    else std::fputs((report::renderText(s.sources, s.diags, {}) + report::summary(s.diags) + "\n").c_str(), stderr);
    return 2;
  }
  if (out.empty()) {
    std::cout << imported->ward;
    return 0;
  }
  if (std::string err = driver::writeAtomically(out, imported->ward); !err.empty()) {
    std::fprintf(stderr, "ward: error: %s\n", err.c_str());
    return 3;
  }
  return 0;
}

}  // namespace ward::cli
