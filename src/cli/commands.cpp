#include "cli/commands.h"

#include <unistd.h>

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

#include "backend/selinux/registry.h"
#include "driver/driver.h"
#include "ir/dump.h"
#include "lower/lower.h"
#include "report/render.h"
#include "syntax/parse.h"
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

driver::LoadOptions loadOptions(const Global& g) {
  driver::LoadOptions o;
  o.includeDirs = g.includeDirs;
  if (const char* wp = std::getenv("WARD_PATH")) o.wardPath = std::string(wp);
  o.executableDir = executableDir();
  return o;
}

// Prints diagnostics in the chosen format to stderr (text) or stdout (json, for tools).
void emitDiagnostics(const Global& g, driver::Session& s) {
  s.diags.sort();
  if (g.diagnosticsFormat == "json") {
    std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
    return;
  }
  report::TextOptions t;
  t.color = g.color == "always" || (g.color == "auto" && ::isatty(2) && std::getenv("NO_COLOR") == nullptr);
  std::string text = report::renderText(s.sources, s.diags, t);
  std::string sum = report::summary(s.diags);
  if (!sum.empty()) text += sum + "\n";
  std::fputs(text.c_str(), stderr);
}

int exitFor(const driver::Session& s) { return s.diags.hasErrors() ? kExitInvalid : kExitOk; }

bool isIoError(const driver::Session& s) {
  for (const auto& d : s.diags.items())
    if (d.severity == Severity::Error && d.code.rfind("E2", 0) != 0) return false;
  return s.diags.hasErrors();
}

int cmdCheck(const Global& g, const std::vector<std::string>& files) {
  driver::Session s;
  for (const auto& f : files) {
    driver::Loaded l = driver::load(s, f, loadOptions(g));
    for (auto& p : l.policies) lower::lower(p, s.diags);
  }
  emitDiagnostics(g, s);
  return exitFor(s);
}

int cmdFmt(const Global& g, const std::vector<std::string>& files, bool check) {
  int rc = kExitOk;
  for (const auto& f : files) {
    driver::Session s;
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "ward: error: cannot read '%s'\n", f.c_str());
      return kExitInvalid;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string original = ss.str();
    FileId id = s.sources.add(f, f, original);
    ast::File file = syntax::parse(s.sources, id, s.diags);
    if (s.diags.hasErrors()) {
      emitDiagnostics(g, s);
      return kExitInvalid;
    }
    std::string formatted = syntax::format(s.sources, file);
    if (formatted == original) continue;
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
  for (auto& p : l.policies) lower::lower(p, s.diags);
  if (s.diags.hasErrors()) {
    emitDiagnostics(g, s);
    return kExitInvalid;
  }
  nlohmann::json out;
  out["ward"] = WARD_VERSION;
  out["file"] = file;
  out["policies"] = nlohmann::json::array();
  for (const auto& p : l.policies) out["policies"].push_back(ir::toJson(p));
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
};

int cmdCompile(const Global& g, const CompileArgs& a) {
  driver::Session s;
  driver::CompileOptions o;
  o.load = loadOptions(g);
  o.outDir = a.outDir;
  if (!a.policy.empty()) o.policy = a.policy;
  if (!a.targets.empty()) {
    std::stringstream ts(a.targets);
    std::string t;
    while (std::getline(ts, t, ','))
      if (!t.empty()) o.targets.push_back(t);
  }
  if (!a.depfile.empty()) o.depfile = a.depfile;
  o.backend.stateDir = a.stateDir;
  o.backend.artifactDir = a.installDir;
  o.backend.containerName = a.container;
  driver::CompileResult r = driver::compile(s, a.files, o);
  emitDiagnostics(g, s);
  if (r.ok) return kExitOk;
  return isIoError(s) ? kExitInternal : kExitInvalid;
}

int cmdRelease(const std::string& name, const std::string& stateDir) {
  std::string err = backend::selinux::release(stateDir, name);
  if (!err.empty()) {
    std::fprintf(stderr, "ward: error: %s\n", err.c_str());
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"ward: compile container security policies into AppArmor, SELinux, seccomp, capabilities, "
               "cgroups, LXC and OCI configuration"};
  app.name("ward");
  app.set_version_flag("--version", std::string("ward ") + WARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Global g;
  app.add_option("--diagnostics-format", g.diagnosticsFormat, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--color", g.color, "auto (default), always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("-I,--include", g.includeDirs, "add a module search directory (searched before WARD_PATH)");

  std::vector<std::string> checkFiles;
  auto* check = app.add_subcommand("check", "check policy files; exit 0 when clean, 2 on errors");
  check->add_option("files", checkFiles, "policy files")->required();

  std::vector<std::string> fmtFiles;
  bool fmtCheck = false;
  auto* fmtCmd = app.add_subcommand("fmt", "rewrite policy files in the canonical layout (keeps comments)");
  fmtCmd->add_option("files", fmtFiles, "policy files")->required();
  fmtCmd->add_flag("--check", fmtCheck, "change nothing; exit 1 when a file is not formatted");

  std::string dumpFile;
  auto* dump = app.add_subcommand("dump-ir", "print the resolved, lowered policy as JSON, with source spans");
  dump->add_option("file", dumpFile, "policy file")->required();

  CompileArgs ca;
  auto* compile = app.add_subcommand("compile", "compile policies into artifacts (atomic, deterministic)");
  compile->add_option("files", ca.files, "policy files")->required();
  compile->add_option("-o,--output", ca.outDir, "output directory")->required();
  compile->add_option("--policy", ca.policy, "compile only this policy");
  compile->add_option("--target", ca.targets, "comma-separated targets: seccomp,apparmor,selinux,lxc,oci");
  compile->add_option("-M,--depfile", ca.depfile, "write a Make-style dependency file");
  compile->add_option("--state-dir", ca.stateDir, "state directory (SELinux MCS registry)", true);
  compile->add_option("--install-dir", ca.installDir,
                      "directory the artifacts will live in at container start (default: the output directory)");
  compile->add_option("--container", ca.container, "container name for MCS allocation (default: the policy name)");

  std::string releaseName, releaseState = "/var/lib/ward";
  auto* release = app.add_subcommand("release", "release what a container holds in the state directory (MCS categories)");
  release->add_option("name", releaseName, "container name")->required();
  release->add_option("--state-dir", releaseState, "state directory", true);

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
    if (helpTopic.empty()) {
      std::cout << app.help();
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
  if (*check) return cmdCheck(g, checkFiles);
  if (*fmtCmd) return cmdFmt(g, fmtFiles, fmtCheck);
  if (*dump) return cmdDumpIr(g, dumpFile);
  if (*compile) return cmdCompile(g, ca);
  if (*release) return cmdRelease(releaseName, releaseState);
  std::cout << app.help();
  return kExitInvalid;
}

}  // namespace ward::cli
