#include "cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/apparmor/load.h"
#include "backend/common/idmap_registry.h"
#include "backend/selinux/registry.h"
#include "cli/diff_command.h"
#include "cli/engines_command.h"
#include "cli/learn_command.h"
#include "cli/lxd_command.h"
#include "driver/driver.h"
#include "hook/hook.h"
#include "import/import.h"
#include "ir/dump.h"
#include "lower/lower.h"
#include "lsp/server.h"
#include "lxd/audit.h"
#include "report/render.h"
#include "syntax/parse.h"
#include "verify/audit.h"
#include "verify/catalog.h"
#include "verify/report.h"
#include "verify/verify.h"
#include "ward/config.h"

namespace ward::cli {
namespace fs = std::filesystem;

namespace {

struct Global {
  std::string diagnosticsFormat = "text";
  std::string color = "auto";
  std::vector<std::string> includeDirs;
};

std::string executableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string executablePath() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/usr/bin/ward") : exe.string();
}

driver::LoadOptions loadOptions(const Global& g) {
  driver::LoadOptions o;
  o.includeDirs = g.includeDirs;
  if (const char* wp = std::getenv("WARD_PATH")) o.wardPath = std::string(wp);
  o.executableDir = executableDir();
  return o;
}

std::vector<std::string> moduleSearchPath(const Global& g) {
  const char* wp = std::getenv("WARD_PATH");
  return sema::searchPath(g.includeDirs, wp, executableDir());
}

backend::Options hostFiles() { return driver::hostFilesFromEnvironment(); }

bool useColor(const Global& g) {
  return g.color == "always" || (g.color == "auto" && ::isatty(2) && std::getenv("NO_COLOR") == nullptr);
}

// Prints diagnostics in the chosen format: text to stderr, JSON to stdout (for tools).
void emitDiagnostics(const Global& g, driver::Session& s) {
  s.diags.sort();
  if (g.diagnosticsFormat == "json") {
    std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
    return;
  }
  report::TextOptions t;
  t.color = useColor(g);
  std::string text = report::renderText(s.sources, s.diags, t);
  std::string sum = report::summary(s.diags);
  if (!sum.empty()) text += sum + "\n";
  std::fputs(text.c_str(), stderr);
}

bool onlyIoErrors(const driver::Session& s) {
  for (const auto& d : s.diags.items())
    if (d.severity == Severity::Error && d.code.rfind("E2", 0) != 0) return false;
  return s.diags.hasErrors();
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- check and verify: parse, check, compile in memory, run the verifier ----------------------------

struct VerifyArgs {
  std::vector<std::string> files;
  std::string failOn;           // critical | high | medium ("" = the policy's own, else critical)
  std::string format = "text";  // text | json | sarif
  bool all = false;             // also list blocked and n/a entries
  bool thisHost = false;        // judge for the running host: LSMs it does not enforce do not count
  std::string lxcConfig, oci;   // audit configurations ward did not write
  std::vector<std::string> docker, podman;   // audit running containers of these engines (engines_command.h)
  std::string kube, profilesDir;   // audit a Kubernetes manifest; the node's seccomp/AppArmor profiles
  std::string engine;           // --this-host: only bugs of this runtime family (lxc | oci); "" = every one
  bool lxd = false;             // verify --lxd: `files` are LXD instances (none: all of them)
  bool declaredBaselines = false;   // check: gate each policy against its own `verify { baseline }`
};

verify::Catalog loadCatalogOrReport(const Global& g, driver::Session& s) {
  std::vector<std::string> errors;
  verify::Catalog catalog = verify::loadCatalog(moduleSearchPath(g), errors);
  for (const auto& e : errors) s.diags.error(Code::E2004, {}, "escape catalog: " + e);
  return catalog;
}

int checkOrVerify(const Global& g, const VerifyArgs& a, bool verifyCommand) {
  driver::Session s;
  std::optional<verify::Level> cmdFailOn;
  if (!a.failOn.empty()) cmdFailOn = verify::parseLevel(a.failOn);

  std::vector<verify::Finding> findings;
  verify::Catalog catalog = loadCatalogOrReport(g, s);
  verify::Level gate = cmdFailOn.value_or(verify::Level::Critical);
  std::optional<bool> failed;   // set by the policy path: each policy against its own gate
  int baselineGate = kExitOk;    // declared baselines (check only)

  verify::HostFacts host;
  std::vector<std::string> hostNotes, hostErrors;
  if (a.thisHost) host = driver::thisHost(&hostNotes, &hostErrors);
  if (!a.engine.empty()) host.engines = a.engine == "lxc" ? verify::lxcEngines() : verify::ociEngines();
  for (const auto& e : hostErrors) s.diags.error(Code::E2005, {}, e);
  if (a.format == "text") {
    for (const auto& n : hostNotes) std::fprintf(stderr, "note: --this-host: %s; its layer does not count\n", n.c_str());
    if (std::string c = driver::describeComponents(host); !c.empty())
      std::fprintf(stderr, "note: --this-host: judging versions of %s\n", c.c_str());
  }

  if (a.lxd) {
    lxd::AuditRequest req;
    req.instances = a.files;
    req.paths = lxd::pathsFromEnvironment();
    req.wardStateDir = hostFiles().stateDir;
    req.audit.apparmorEnabled = host.apparmorEnabled;
    host.engines = verify::lxcEngines();
    req.host = host;
    lxd::AuditResult r = lxd::auditInstances(s.sources, req, catalog);
    for (const auto& e : r.errors) s.diags.error(Code::E2005, {}, e);
    findings = std::move(r.findings);
    if (a.format == "text")
      for (const auto& n : r.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  } else if (!a.kube.empty()) {
    KubeFindings kf = verifyKube(s, a.kube, a.profilesDir, catalog, host);
    findings = std::move(kf.findings);
    if (a.format == "text")
      for (const auto& n : kf.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  } else if (!a.docker.empty() || !a.podman.empty()) {
    EngineFindings ef = verifyEngines(s.sources, a.docker, a.podman, catalog, host);
    for (const auto& e : ef.errors) s.diags.error(Code::E2005, {}, e);
    findings = std::move(ef.findings);
    if (a.format == "text")
      for (const auto& n : ef.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  } else if (!a.lxcConfig.empty() || !a.oci.empty()) {
    verify::AuditOptions ao;
    ao.apparmorEnabled = host.apparmorEnabled;
    host.engines = !a.lxcConfig.empty() ? verify::lxcEngines() : verify::ociEngines();
    verify::Audited audited = !a.lxcConfig.empty() ? verify::auditLxcConfig(s.sources, a.lxcConfig, ao)
                                                   : verify::auditOciConfig(s.sources, a.oci, ao);
    for (const auto& e : audited.errors) s.diags.error(Code::E2005, {}, e);
    if (audited.ok()) {
      findings = verify::verifyAudited(audited, catalog, host);
      if (!cmdFailOn) gate = verify::effectiveFailOn(audited.policy, std::nullopt);
      if (a.format == "text")
        for (const auto& n : audited.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
    }
  } else {
    std::vector<ir::Policy> policies;
    for (const auto& f : a.files) {
      driver::Loaded l = driver::load(s, f, loadOptions(g));
      for (auto& p : l.policies) policies.push_back(std::move(p));
    }
    if (!s.diags.hasErrors()) {
      driver::Verified v = driver::verifyPolicies(s, std::move(policies), catalog, cmdFailOn, host, hostFiles());
      if (a.declaredBaselines && v.ok)   // issue 13: verify { baseline "..."; } (docs/diff.md)
        baselineGate = gateDeclaredBaselines({loadOptions(g), useColor(g), g.diagnosticsFormat == "json", false}, s, v.policies);
      findings = std::move(v.findings);
      gate = v.gate;
      failed = v.failed;
    }
  }
  if (cmdFailOn) gate = *cmdFailOn;

  verify::ReportOptions ro;
  ro.failOn = gate;
  ro.includeBlocked = a.all;
  ro.failed = failed;
  std::string format = verifyCommand ? a.format : (g.diagnosticsFormat == "json" ? "json" : "text");
  if (s.diags.hasErrors()) {
    emitDiagnostics(g, s);
    return onlyIoErrors(s) ? kExitInternal : kExitInvalid;
  }
  if (format == "sarif") {
    std::cout << verify::toSarif(findings, catalog, ro, WARD_VERSION).dump(2) << "\n";
    if (!s.diags.empty()) emitDiagnostics(g, s);
  } else if (format == "json") {
    if (verifyCommand) {
      std::cout << verify::toJson(findings, ro).dump(2) << "\n";
    } else {  // `check --diagnostics-format=json`: one array, findings as diagnostics with their entry id
      s.diags.append(verify::toDiagnostics(findings, catalog, ro));
      std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
    }
  } else {
    if (!s.diags.empty()) emitDiagnostics(g, s);
    std::string text = verify::renderText(s.sources, findings, catalog, ro, useColor(g));
    std::fputs(text.c_str(), stderr);
  }
  if (baselineGate >= kExitInvalid) return baselineGate;
  return failed.value_or(verify::failsGate(findings, gate)) || baselineGate == kExitFindings ? kExitFindings : kExitOk;
}

struct ExplainArgs {
  std::string id, cve;
  bool list = false, counts = false;
  verify::ListFilter filter;
};

int cmdExplain(const Global& g, const ExplainArgs& a) {
  driver::Session s;
  verify::Catalog catalog = loadCatalogOrReport(g, s);
  if (s.diags.hasErrors()) {
    emitDiagnostics(g, s);
    return kExitInternal;
  }
  if (!a.cve.empty()) {
    auto found = verify::findByCve(catalog, a.cve);
    if (found.empty()) {
      std::fprintf(stderr, "ward: error: no catalog entry names %s\n", a.cve.c_str());
      return kExitInvalid;
    }
    for (std::size_t i = 0; i < found.size(); ++i) std::cout << (i ? "\n" : "") << *verify::explain(catalog, found[i]->id);
    return kExitOk;
  }
  if (a.counts) {
    std::cout << verify::countsTable(catalog);
    return kExitOk;
  }
  const std::string& id = a.id;
  if (a.list || id.empty()) {
    std::cout << verify::listCatalog(catalog, a.filter);
    return kExitOk;
  }
  if (auto text = verify::explain(catalog, id)) {
    std::cout << *text;
    return kExitOk;
  }
  std::string near = verify::suggestion(catalog, id);
  std::fprintf(stderr, "ward: error: no catalog entry '%s'%s\n", id.c_str(),
               near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
  return kExitInvalid;
}

// ---- fmt, dump-ir, compile, release ------------------------------------------------------------------

int cmdFmt(const Global& g, const std::vector<std::string>& files, bool check) {
  int rc = kExitOk;
  for (const auto& f : files) {
    driver::Session s;
    auto original = readFile(f);
    if (!original) {
      std::fprintf(stderr, "ward: error: cannot read '%s'\n", f.c_str());
      return kExitInvalid;
    }
    FileId id = s.sources.add(f, f, *original);
    ast::File file = syntax::parse(s.sources, id, s.diags);
    if (s.diags.hasErrors()) {
      emitDiagnostics(g, s);
      return kExitInvalid;
    }
    std::string formatted = syntax::format(s.sources, file);
    if (formatted == *original) continue;
    if (check) {
      std::fprintf(stderr, "%s: not formatted (run `ward fmt %s`)\n", f.c_str(), f.c_str());
      rc = kExitFindings;
      continue;
    }
    std::string err = driver::writeAtomically(f, formatted);
    if (!err.empty()) {
      std::fprintf(stderr, "ward: error: %s\n", err.c_str());
      return kExitInternal;
    }
  }
  return rc;
}

int cmdDumpIr(const Global& g, const std::string& file) {
  driver::Session s;
  driver::Loaded l = driver::load(s, file, loadOptions(g));
  std::vector<lower::Lowered> lowered;
  for (auto& p : l.policies)
    if (auto low = driver::lowerPolicy(s, std::move(p))) lowered.push_back(std::move(*low));
  if (s.diags.hasErrors()) {
    emitDiagnostics(g, s);
    return kExitInvalid;
  }
  nlohmann::json out;
  out["ward"] = WARD_VERSION;
  out["file"] = file;
  out["policies"] = nlohmann::json::array();
  for (const auto& p : lowered) out["policies"].push_back(ir::toJson(p.policy()));
  std::cout << out.dump(2) << "\n";
  if (!s.diags.empty()) emitDiagnostics(g, s);
  return kExitOk;
}

struct CompileArgs {
  std::vector<std::string> files;
  std::string outDir;
  std::string policy;
  std::string targets;
  std::string depfile;
  std::string stateDir = "/var/lib/ward";
  std::string installDir;
  std::string container;
  bool thisHost = false;
  unsigned jobs = 0;
};

int cmdCompile(const Global& g, const CompileArgs& a) {
  driver::Session s;
  driver::CompileOptions o;
  o.load = loadOptions(g);
  o.outDir = a.outDir;
  o.jobs = a.jobs;
  if (!a.policy.empty()) o.policy = a.policy;
  if (!a.targets.empty()) {
    std::stringstream ts(a.targets);
    std::string t;
    while (std::getline(ts, t, ','))
      if (!t.empty()) o.targets.push_back(t);
  }
  if (!a.depfile.empty()) o.depfile = a.depfile;
  o.backend = hostFiles();
  o.backend.stateDir = a.stateDir;
  o.backend.artifactDir = a.installDir;
  o.backend.containerName = a.container;
  if (a.thisHost) {   // the OCI fragment leaves out the LSM fields this kernel does not enforce (runc refuses them)
    driver::HostQuery query;
    query.versions = false;   // only the LSMs matter here
    const verify::HostFacts host = driver::thisHost(nullptr, nullptr, query);
    o.backend.hostApparmor = host.apparmorEnabled;
    o.backend.hostSelinux = host.selinuxEnabled;
    if (host.apparmorEnabled == false)
      std::fprintf(stderr, "note: --this-host: AppArmor is not enabled on this host: P.oci.json leaves out "
                           "process.apparmorProfile (runc would refuse to start)\n");
    if (host.selinuxEnabled == false)
      std::fprintf(stderr, "note: --this-host: SELinux is not enabled on this host: P.oci.json leaves out "
                           "process.selinuxLabel where a policy has a selinux section (runc would refuse to start)\n");
  }
  driver::CompileResult r = driver::compile(s, a.files, o);
  emitDiagnostics(g, s);
  if (r.ok) return kExitOk;
  return onlyIoErrors(s) ? kExitInternal : kExitInvalid;
}

// Releases both things a container can hold in the state directory: its MCS pair and its id range.
int cmdRelease(const std::string& name, const std::string& stateDir) {
  auto mcs = backend::selinux::releasePair(stateDir, name);
  auto ids = backend::common::releaseIdRange(stateDir, name);
  bool failed = false;
  if (mcs.status == backend::selinux::ReleaseStatus::Error) {
    std::fprintf(stderr, "ward: error: %s: %s\n", codeId(mcs.code).data(), mcs.error.c_str());
    failed = true;
  }
  if (ids.status == backend::common::IdReleaseStatus::Error) {
    std::fprintf(stderr, "ward: error: %s: %s\n", codeId(ids.code).data(), ids.error.c_str());
    failed = true;
  }
  if (failed) return kExitInternal;
  if (mcs.status != backend::selinux::ReleaseStatus::Released &&
      ids.status != backend::common::IdReleaseStatus::Released) {
    std::fprintf(stderr, "ward: error: '%s' holds nothing in %s\n", name.c_str(), stateDir.c_str());
    return kExitInvalid;
  }
  return kExitOk;
}

int cmdApparmorStatus() {
  auto st = backend::apparmor::hostStatus();
  std::printf("%s\n", st.enabled ? "AppArmor is enabled on this host" : st.reason.c_str());
  return st.enabled ? kExitOk : kExitFindings;
}

// ---- import ------------------------------------------------------------------------------------------

struct ImportArgs {
  std::string kind;             // docker-seccomp | lxc-seccomp | docker-run | compose
  std::string file;
  std::vector<std::string> rest;   // docker-run: the command line (file is its first word); compose: SERVICE
  std::string out;              // "" = stdout
  std::vector<std::string> caps;
  std::string name = "imported";
};

int cmdImport(const Global& g, const ImportArgs& a) {
  if (a.kind == "docker-run") {
    std::vector<std::string> args;
    if (!a.file.empty()) args.push_back(a.file);
    args.insert(args.end(), a.rest.begin(), a.rest.end());
    return cmdImportDockerRun(args, a.name == "imported" ? "app" : a.name, a.out, g.diagnosticsFormat == "json");
  }
  auto text = readFile(a.file);
  if (!text) {
    std::fprintf(stderr, "ward: error: cannot read '%s'\n", a.file.c_str());
    return kExitInvalid;
  }
  driver::Session s;
  std::optional<import::Imported> imported;
  if (a.kind == "docker-seccomp") {
    import::DockerOptions o;
    if (!a.caps.empty()) o.capabilities = a.caps;
    o.policyName = a.name;
    o.sourceName = fs::path(a.file).filename().string();
    imported = import::importDockerSeccomp(*text, o, s.diags);
  } else if (a.kind == "compose") {
    if (a.rest.size() != 1) {
      std::fputs("ward: error: import compose needs FILE SERVICE\n", stderr);
      return kExitInvalid;
    }
    const FileId f = s.sources.add(a.file, a.file, *text);
    imported = import::importCompose(s.sources, f, a.rest[0], a.name == "imported" ? "app" : a.name, s.diags);
  } else {
    import::LxcOptions o;
    o.policyName = a.name;
    o.sourceName = fs::path(a.file).filename().string();
    imported = import::importLxcSeccomp(*text, o, s.diags);
  }
  if (!imported || s.diags.hasErrors()) {
    emitDiagnostics(g, s);
    return kExitInvalid;
  }
  for (const auto& d : imported->dropped)
    std::fprintf(stderr, "ward: note: '%s' is unknown to libseccomp on x86 and was left out\n", d.c_str());
  if (a.out.empty()) {
    std::cout << imported->ward;
    return kExitOk;
  }
  std::string err = driver::writeAtomically(a.out, imported->ward);
  if (!err.empty()) {
    std::fprintf(stderr, "ward: error: %s\n", err.c_str());
    return kExitInternal;
  }
  return kExitOk;
}

// ---- LXC ---------------------------------------------------------------------------------------------

int printMessages(int rc, const std::string& messages) {
  if (!messages.empty()) std::fputs(messages.c_str(), stderr);
  return rc;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"ward: compile container security policies into AppArmor, SELinux, seccomp, capabilities, "
               "cgroups, LXC and OCI configuration, and verify them against known container escapes"};
  app.name("ward");
  app.set_version_flag("--version", std::string("ward ") + WARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Global g;
  app.add_option("--diagnostics-format", g.diagnosticsFormat, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--color", g.color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("-I,--include", g.includeDirs, "add a module search directory (searched before WARD_PATH)");

  VerifyArgs checkArgs;
  auto* check = app.add_subcommand("check", "check policy files and run the verifier; exit 0 clean, 1 findings, 2 errors");
  check->add_option("files", checkArgs.files, "policy files")->required();
  check->add_option("--fail-on", checkArgs.failOn, "critical | high | medium (default: the policy's, else critical)")
      ->check(CLI::IsMember({"critical", "high", "medium"}));
  check->add_flag("--all", checkArgs.all, "also list the entries that are blocked or not applicable");
  check->add_flag("--this-host", checkArgs.thisHost,
                  "judge for this host: the LSMs it enforces, the kernel and runtime versions it runs");
  check->add_option("--engine", checkArgs.engine, "--this-host: only bugs of the runtimes that start the container")
      ->check(CLI::IsMember({"lxc", "oci"}));
  BaselineArgs baselineArgs;
  check->add_option("--baseline", baselineArgs.baseline,
                    "also fail (exit 1) when a policy is wider than this baseline file's (docs/diff.md)");
  check->add_option("--policy", baselineArgs.policy, "with --baseline: the baseline's policy (default: the same name)");
  TargetCheckArgs targetCheck;
  check->add_option("--target", targetCheck.targets,
                    "also say what these targets cannot express (docker,compose,kube,lxd; W0008), writing nothing");

  LxdArgs lxdArgs;
  auto* lxdInstall = app.add_subcommand("lxd-install", "attach a policy to an LXD instance (profile ward-POLICY, raw.lxc merged, start check)");
  lxdInstall->add_option("instance", lxdArgs.instance, "LXD instance")->required();
  lxdInstall->add_option("policy", lxdArgs.policyFile, "policy file")->required();
  lxdInstall->add_option("--name", lxdArgs.policy, "which policy of the file (default: the only one)");
  lxdInstall->add_option("--state-dir", lxdArgs.stateDir, "ward's state directory (default: WARD_STATE_DIR or /var/lib/ward)");
  auto* lxdUninstall = app.add_subcommand("lxd-uninstall", "undo lxd-install exactly");
  lxdUninstall->add_option("instance", lxdArgs.instance, "LXD instance")->required();
  auto* lxdHook = app.add_subcommand("lxd-hook", "the start check lxd-install puts in raw.lxc (LXC runs it)");
  lxdHook->add_option("--policy", lxdArgs.policyFile, "policy file")->required();
  lxdHook->add_option("--name", lxdArgs.policy, "which policy of the file");
  lxdHook->add_option("--state-dir", lxdArgs.stateDir, "ward's state directory");

  DiffArgs diffArgs;
  auto* diffCmd = app.add_subcommand("diff", "compare two policies layer by layer on what they compile to; exit 0 equal, 1 different, 2 errors");
  diffCmd->add_option("old", diffArgs.oldFile, "the old policy file")->required();
  diffCmd->add_option("new", diffArgs.newFile, "the new policy file")->required();
  diffCmd->add_option("--policy", diffArgs.policy, "compare this policy of both files");
  diffCmd->add_flag("--confirm-apparmor", diffArgs.confirmApparmor,
                    "confirm the AppArmor layer on the compiled profiles (apparmor_parser -Q -K -S)");
  diffCmd->add_option("--format", diffArgs.format, "text (default), json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  bool diffLxc = false;
  diffCmd->add_flag("--lxc-config", diffLxc, "sides that are not .ward files are LXC container configs (else: lxc:PATH)");

  VerifyArgs verifyArgs;
  auto* verifyCmd = app.add_subcommand("verify", "verify policies (or an existing LXC/OCI configuration) against the escape catalog");
  verifyCmd->add_option("files", verifyArgs.files, "policy files");
  verifyCmd->add_option("--fail-on", verifyArgs.failOn, "critical | high | medium")
      ->check(CLI::IsMember({"critical", "high", "medium"}));
  verifyCmd->add_option("--format", verifyArgs.format, "text (default), json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  verifyCmd->add_flag("--all", verifyArgs.all, "also list the entries that are blocked or not applicable");
  verifyCmd->add_flag("--this-host", verifyArgs.thisHost,
                      "judge for this host: the LSMs it enforces, the kernel and runtime versions it runs");
  verifyCmd->add_option("--engine", verifyArgs.engine, "--this-host: only bugs of the runtimes that start the container")
      ->check(CLI::IsMember({"lxc", "oci"}));
  verifyCmd->add_flag("--lxd", verifyArgs.lxd,
                      "audit LXD instances (the FILES are instance names; none: every instance) as LXD applies them");
  auto* lxcOpt = verifyCmd->add_option("--lxc-config", verifyArgs.lxcConfig, "audit an LXC container config (follows lxc.include)");
  auto* ociOpt = verifyCmd->add_option("--oci", verifyArgs.oci, "audit an OCI bundle's config.json");
  lxcOpt->excludes(ociOpt);
  verifyCmd->add_option("--docker", verifyArgs.docker, "audit running Docker containers: inspect and the config.json handed to runc")
      ->excludes(lxcOpt)->excludes(ociOpt);
  verifyCmd->add_option("--podman", verifyArgs.podman, "audit running Podman containers: inspect and the config.json handed to runc")
      ->excludes(lxcOpt)->excludes(ociOpt);
  verifyCmd->add_option("--kube", verifyArgs.kube, "audit a Kubernetes manifest (Pods and pod templates) as containerd's CRI hands it to runc")
      ->excludes(lxcOpt)->excludes(ociOpt);
  verifyCmd->add_option("--profiles-dir", verifyArgs.profilesDir,
                        "--kube: the node's kubelet seccomp root (Localhost profiles) and AppArmor profiles");

  ExplainArgs ea;
  int explainYear = 0;
  auto* explainCmd = app.add_subcommand("explain", "print an escape catalog entry");
  explainCmd->add_option("id", ea.id, "entry id, e.g. ESC-SYSRQ");
  explainCmd->add_option("--cve", ea.cve, "print the entries that name this CVE id");
  explainCmd->add_flag("--list", ea.list, "list every entry (ID, severity, component, year, title)");
  explainCmd->add_option("--component", ea.filter.component, "--list: only this component (runc, kernel, config, ...)")
      ->check(CLI::IsMember(verify::knownComponents()));
  explainCmd->add_flag("--counts", ea.counts, "the number of entries per component and per year (Markdown)");
  explainCmd->add_option("--year", explainYear, "--list: only entries disclosed this year")->check(CLI::Range(1999, 2100));

  std::vector<std::string> fmtFiles;
  bool fmtCheck = false;
  auto* fmtCmd = app.add_subcommand("fmt", "rewrite policy files in the canonical layout (keeps comments)");
  fmtCmd->add_option("files", fmtFiles, "policy files")->required();
  fmtCmd->add_flag("--check", fmtCheck, "change nothing; exit 1 when a file is not formatted");

  std::string dumpFile;
  auto* dump = app.add_subcommand("dump-ir", "print the resolved, lowered policy as JSON, with source spans");
  dump->add_option("file", dumpFile, "policy file")->required();

  CompileArgs ca;
  ca.stateDir = hostFiles().stateDir;
  auto* compile = app.add_subcommand("compile", "compile policies into artifacts (atomic, deterministic)");
  compile->add_option("files", ca.files, "policy files")->required();
  compile->add_option("-o,--output", ca.outDir, "output directory")->required();
  compile->add_option("--policy", ca.policy, "compile only this policy");
  compile->add_option("--target", ca.targets, "comma-separated targets: seccomp,apparmor,selinux,lxc,oci (the default), docker,compose,kube,lxd");
  compile->add_option("-M,--depfile", ca.depfile, "write a Make-style dependency file");
  compile->add_option("--state-dir", ca.stateDir, "state directory (SELinux MCS registry)")->capture_default_str();
  compile->add_option("--install-dir", ca.installDir,
                      "directory the artifacts will live in at container start (default: the output directory)");
  compile->add_option("--container", ca.container, "container name for MCS allocation (default: the policy name)");
  compile->add_option("-j,--jobs", ca.jobs, "threads that emit policies (default: one per CPU; outputs are the same for any number)")
      ->check(CLI::Range(1u, 256u));
  compile->add_flag("--this-host", ca.thisHost,
                    "artifacts for this host: P.oci.json leaves out apparmorProfile/selinuxLabel when this kernel "
                    "does not enable AppArmor/SELinux (default: any host; the fragment says what it assumes)");

  std::string releaseName, releaseState = hostFiles().stateDir;
  auto* release = app.add_subcommand("release", "release what a container holds in the state directory (MCS categories, id range)");
  release->add_option("name", releaseName, "container name")->required();
  release->add_option("--state-dir", releaseState, "state directory")->capture_default_str();

  ImportArgs ia;
  auto* importCmd = app.add_subcommand("import", "turn a Docker or LXC seccomp profile into a .ward file");
  importCmd->add_option("kind", ia.kind, "docker-seccomp, lxc-seccomp, docker-run or compose")
      ->required()
      ->check(CLI::IsMember({"docker-seccomp", "lxc-seccomp", "docker-run", "compose"}));
  importCmd->add_option("file", ia.file, "the profile (docker-run: `-- ARGS...`, the docker run command line)")->required();
  importCmd->add_option("args", ia.rest, "docker-run: the rest of the command line; compose: the service");
  importCmd->add_option("-o,--output", ia.out, "write the .ward file here (default: standard output)");
  importCmd->add_option("--cap", ia.caps, "docker-seccomp: a capability of the container (repeat; default: Docker's 14)");
  importCmd->add_option("--name", ia.name, "the policy name")->capture_default_str();

  LearnArgs learnArgs;
  auto* learnCmd = app.add_subcommand("learn", "learn a policy from a run of a command: ward learn [-o FILE] -- CMD ARGS...");
  learnCmd->add_option("--base", learnArgs.base, "the base policy, MODULE:POLICY")->capture_default_str();
  learnCmd->add_option("-o,--output", learnArgs.out, "write the policy here (default: standard output)");
  learnCmd->add_option("--name", learnArgs.name, "the learned policy's name")->capture_default_str();
  learnCmd->add_option("--replay", learnArgs.replay, "run the command under this policy's seccomp filter and count refusals");
  learnCmd->add_option("--enforce", learnArgs.enforce, "run the command under this policy's seccomp filter, untraced (benchmarks)");
  learnCmd->add_option("--policy", learnArgs.policy, "--replay, --enforce: which policy of the file");
  learnCmd->add_option("--merge", learnArgs.merge, "merge learned policy files (the union, evidence added up)");
  learnCmd->add_option("--lxc", learnArgs.lxc, "learn from a run of this LXC container (started by ward, stopped when it ends)");
  learnCmd->add_option("-P,--lxcpath", learnArgs.lxcPath, "--lxc: the container's lxcpath (default /var/lib/lxc)");
  learnCmd->add_option("--for", learnArgs.forDuration, "--lxc: stop the container cleanly after DURATION (30, 30s, 5m, 1h)");
  learnCmd->add_option("command", learnArgs.command, "the command and its arguments, after --");

  auto* lspCmd = app.add_subcommand("lsp", "run the language server on standard input and output");

  auto* aaStatus = app.add_subcommand("apparmor-status", "say whether AppArmor is enabled on this host (exit 0 yes, 1 no)");

  hook::HookArgs hookArgs;
  std::string hookPolicy, hookName;
  auto* hookCmd = app.add_subcommand("lxc-hook", "LXC pre-start/post-stop hook: compile, verify and check drift; refuse the start on any problem");
  hookCmd->add_option("--policy", hookPolicy, "the policy file (absolute; default /etc/ward/$LXC_NAME.ward)");
  hookCmd->add_option("--name", hookName, "which policy of the file (default: the only one, or the container's name)");
  hookCmd->add_option("--state-dir", hookArgs.stateDir, "state directory")->capture_default_str();
  hookCmd->add_option("-I", hookArgs.includeDirs, "module search directory");
  hookCmd->add_option("lxc-args", hookArgs.lxcArgs, "what LXC appends: NAME lxc HOOKTYPE ...");
  hookCmd->allow_extras();

  hook::InstallArgs installArgs;
  std::string installName;
  auto* installCmd = app.add_subcommand("lxc-install", "hook a container: compile its policy and add the include and hook lines to its config");
  installCmd->add_option("container", installArgs.container, "container name")->required();
  installCmd->add_option("policy", installArgs.policy, "policy file")->required();
  installCmd->add_option("-P,--lxcpath", installArgs.lxcPath, "LXC path")->capture_default_str();
  installCmd->add_option("--state-dir", installArgs.stateDir, "state directory")->capture_default_str();
  installCmd->add_option("--name", installName, "which policy of the file");

  hook::StatusArgs statusArgs;
  statusArgs.stateDir = hook::kDefaultStateDir;
  auto* statusCmd = app.add_subcommand("lxc-status", "print why the last start of a container was refused (exit 0 none outstanding, 1 refused)");
  statusCmd->add_option("container", statusArgs.container, "container name")->required();
  statusCmd->add_option("--state-dir", statusArgs.stateDir, "state directory")->capture_default_str();
  statusCmd->add_flag("--json", statusArgs.json, "print the record (last-refusal.json) as it is stored");

  hook::UninstallArgs uninstallArgs;
  auto* uninstallCmd = app.add_subcommand("lxc-uninstall", "remove what lxc-install added to a container's config");
  uninstallCmd->add_option("container", uninstallArgs.container, "container name")->required();
  uninstallCmd->add_option("-P,--lxcpath", uninstallArgs.lxcPath, "LXC path")->capture_default_str();

  std::string helpTopic;
  auto* help = app.add_subcommand("help", "show help for ward or one command");
  help->add_option("command", helpTopic, "command");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << "ward " << WARD_VERSION << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      std::cout << app.help();
      return kExitOk;
    }
    std::fprintf(stderr, "ward: error: %s\nRun 'ward help' for usage.\n", e.what());
    return kExitInvalid;
  }

  if (*help) {
    if (helpTopic.empty()) {  // app.help() would describe the selected subcommand (`help`) instead
      std::cout << app.get_formatter()->make_help(&app, "ward", CLI::AppFormatMode::Normal);
      return kExitOk;
    }
    try {
      std::cout << app.get_subcommand(helpTopic)->help();
      return kExitOk;
    } catch (const CLI::OptionNotFound&) {
      std::fprintf(stderr, "ward: error: no command '%s'\nRun 'ward help' for the list.\n", helpTopic.c_str());
      return kExitInvalid;
    }
  }
  DiffEnv diffEnv{loadOptions(g), useColor(g), g.diagnosticsFormat == "json", diffLxc};
  if (*check && !baselineArgs.baseline.empty()) {
    baselineArgs.files = checkArgs.files;
    const int gate = cmdCheckBaseline(diffEnv, baselineArgs);
    if (gate >= kExitInvalid) return gate;
    const int rc = checkOrVerify(g, checkArgs, false);
    return rc >= kExitInvalid ? rc : std::max(rc, gate);
  }
  if (*check && !targetCheck.targets.empty()) {
    targetCheck.files = checkArgs.files;
    targetCheck.load = loadOptions(g);
    targetCheck.hostFiles = hostFiles();
    targetCheck.color = useColor(g);
    targetCheck.jsonDiagnostics = g.diagnosticsFormat == "json";
    if (const int rc = cmdCheckTargets(targetCheck); rc != kExitOk) return rc;
  }
  if (*check) {
    checkArgs.declaredBaselines = true;
    return checkOrVerify(g, checkArgs, false);
  }
  if (*diffCmd) return cmdDiff(diffEnv, diffArgs);
  const LxdEnv lxdEnv{loadOptions(g), hostFiles(), useColor(g)};
  if (*lxdInstall) return cmdLxdInstall(lxdEnv, lxdArgs);
  if (*lxdUninstall) return cmdLxdUninstall(lxdEnv, lxdArgs);
  if (*lxdHook) return cmdLxdHook(lxdEnv, lxdArgs);
  if (*verifyCmd) {
    if (verifyArgs.files.empty() && verifyArgs.lxcConfig.empty() && verifyArgs.oci.empty() && verifyArgs.docker.empty() &&
        verifyArgs.podman.empty() && verifyArgs.kube.empty() && !verifyArgs.lxd) {
      std::fputs("ward: error: verify needs policy files, --lxc-config PATH, --oci PATH, --docker NAME or --podman NAME, --kube FILE, --lxd\n", stderr);
      return kExitInvalid;
    }
    return checkOrVerify(g, verifyArgs, true);
  }
  if (*explainCmd) {
    if (explainYear) ea.filter.year = explainYear;
    if ((!ea.filter.component.empty() || explainYear) && !ea.list && ea.id.empty()) ea.list = true;
    return cmdExplain(g, ea);
  }
  if (*fmtCmd) return cmdFmt(g, fmtFiles, fmtCheck);
  if (*dump) return cmdDumpIr(g, dumpFile);
  if (*compile) return cmdCompile(g, ca);
  if (*release) return cmdRelease(releaseName, releaseState);
  if (*importCmd) return cmdImport(g, ia);
  if (*learnCmd) return cmdLearn({loadOptions(g), moduleSearchPath(g), useColor(g)}, learnArgs);
  if (*lspCmd) return lsp::serve(STDIN_FILENO, STDOUT_FILENO);
  if (*aaStatus) return cmdApparmorStatus();
  if (*hookCmd) {
    if (!hookPolicy.empty()) hookArgs.policy = hookPolicy;
    if (!hookName.empty()) hookArgs.policyName = hookName;
    hookArgs.executableDir = executableDir();
    for (const auto& extra : hookCmd->remaining()) hookArgs.lxcArgs.push_back(extra);
    hookArgs.reporting.log = &hook::realSystemLog();
    hookArgs.reporting.tellStarter = true;
    std::string messages;
    int rc = hook::run(hookArgs, hook::envFromProcess(), messages);
    return printMessages(rc, messages);
  }
  if (*installCmd) {
    installArgs.includeDirs = g.includeDirs;
    if (!installName.empty()) installArgs.policyName = installName;
    installArgs.executableDir = executableDir();
    installArgs.wardExe = executablePath();
    std::error_code ec;
    installArgs.policy = fs::absolute(installArgs.policy, ec).string();
    std::string messages;
    return printMessages(hook::install(installArgs, messages), messages);
  }
  if (*statusCmd) {
    std::string out, messages;
    int rc = hook::status(statusArgs, out, messages);
    std::fputs(out.c_str(), stdout);
    return printMessages(rc, messages);
  }
  if (*uninstallCmd) {
    std::string messages;
    return printMessages(hook::uninstall(uninstallArgs, messages), messages);
  }
  std::cout << app.help();
  return kExitInvalid;
}

}  // namespace ward::cli
