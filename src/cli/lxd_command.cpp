#include "cli/lxd_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "backend/common/common.h"
#include "backend/allocate.h"
#include "backend/lxd/lxd.h"
#include "cli/commands.h"
#include "lower/lower.h"
#include "lxd/install.h"
#include "report/render.h"
#include "base/strings.h"

namespace ward::cli {

namespace {

namespace fs = std::filesystem;

void report(driver::Session& s, bool color) {
  if (s.diags.empty()) return;
  s.diags.sort();
  report::TextOptions t;
  t.color = color;
  std::fputs(report::renderText(s.sources, s.diags, t).c_str(), stderr);
}

// The policy's LXD profile (and its name), compiled as `ward compile --target lxd` does.
std::optional<nlohmann::json> compileProfile(driver::Session& s, const LxdEnv& env, const LxdArgs& a,
                                             std::string& name) {
  driver::Loaded l = driver::load(s, a.policyFile, env.load);
  if (s.diags.hasErrors()) return std::nullopt;
  ir::Policy* chosen = nullptr;
  for (auto& p : l.policies)
    if (a.policy.empty() ? l.policies.size() == 1 : p.name == a.policy) chosen = &p;
  if (!chosen) {
    s.diags.error(Code::E2002, {},
                  a.policy.empty() ? a.policyFile + " holds " + std::to_string(l.policies.size()) +
                                         " policies: say which with --name"
                                   : "no policy named '" + a.policy + "' in " + a.policyFile);
    return std::nullopt;
  }
  auto lowered = driver::lowerPolicy(s, *chosen);
  if (!lowered) return std::nullopt;
  backend::Options bo = env.hostFiles;
  if (!a.stateDir.empty()) bo.stateDir = a.stateDir;
  bo.artifactDir = "/etc/ward";
  const std::size_t mark = s.diags.size();
  auto allocations = backend::Allocator(bo, {"lxd"}).allocate(*lowered, s.diags);
  auto profile = allocations ? backend::lxd::profile(*lowered, *allocations, bo, s.diags) : std::nullopt;
  driver::toSessionSpans(s, lowered->policy(), mark);
  name = lowered->name();
  return profile;
}

std::string selfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/usr/bin/ward") : p.string();
}

// The start check's command line: the same policy, compiled with the same state directory (its MCS pair).
std::string hookLine(const LxdEnv& env, const LxdArgs& a, const std::string& policyName) {
  const std::string state = a.stateDir.empty() ? env.hostFiles.stateDir : a.stateDir;
  return fmt::format("{} lxd-hook --policy {} --name {} --state-dir {}", selfExe(), fs::absolute(a.policyFile).string(),
                     policyName, fs::absolute(state).string());
}

}  // namespace

int cmdLxdInstall(const LxdEnv& env, const LxdArgs& a) {
  driver::Session s;
  std::string name;
  auto profile = compileProfile(s, env, a, name);
  report(s, env.color);
  if (!profile) return kExitInvalid;
  for (const std::string& word : {a.policyFile, a.stateDir, env.hostFiles.stateDir})
    if (word.find_first_of(" \t\n'\"\\") != std::string::npos) {
      std::fprintf(stderr, "ward: error: '%s' has blanks or quotes; the start check's command line cannot hold it\n",
                   word.c_str());
      return kExitInvalid;
    }
  lxd::InstallRequest r;
  r.instance = a.instance;
  r.profileName = "ward-" + name;
  r.profile = std::move(*profile);
  r.hookLine = hookLine(env, a, name);
  r.policyFile = fs::absolute(a.policyFile).string();
  lxd::Changed c = lxd::install(lxd::Client(lxd::pathsFromEnvironment().socket()), r);
  for (const auto& line : c.changes) std::printf("%s\n", line.c_str());
  if (!c.ok()) {
    std::fprintf(stderr, "ward: error: lxd-install %s: %s\n", a.instance.c_str(), c.error.c_str());
    return kExitInternal;
  }
  if (c.changes.empty()) std::printf("%s: ward-%s is installed already; nothing changed\n", a.instance.c_str(), name.c_str());
  return kExitOk;
}

int cmdLxdUninstall(const LxdEnv&, const LxdArgs& a) {
  lxd::Changed c = lxd::uninstall(lxd::Client(lxd::pathsFromEnvironment().socket()), a.instance);
  for (const auto& line : c.changes) std::printf("%s\n", line.c_str());
  if (!c.ok()) {
    std::fprintf(stderr, "ward: error: lxd-uninstall %s: %s\n", a.instance.c_str(), c.error.c_str());
    return kExitInternal;
  }
  if (c.changes.empty()) std::printf("%s: ward is not installed; nothing changed\n", a.instance.c_str());
  return kExitOk;
}

int cmdLxdHook(const LxdEnv& env, const LxdArgs& a) {
  try {
    const char* conf = std::getenv("LXC_CONFIG_FILE");
    if (!conf || !*conf) {
      std::fputs("ward lxd-hook: refused: LXC_CONFIG_FILE is not set\n", stderr);
      return kExitInvalid;
    }
    driver::Session s;
    std::string name;
    auto profile = compileProfile(s, env, a, name);
    if (!profile) {
      report(s, false);
      std::fputs("ward lxd-hook: refused: the policy does not compile\n", stderr);
      return kExitFindings;
    }
    const std::string config = backend::common::readFileOrEmpty(conf);
    std::string seccompPath;
    for (std::size_t pos = 0; (pos = config.find("lxc.seccomp.profile", pos)) != std::string::npos; ++pos) {
      std::size_t eq = config.find('=', pos), eol = config.find('\n', pos);
      if (eq != std::string::npos && eq < eol) seccompPath = std::string(trim(config.substr(eq + 1, eol - eq - 1)));
    }
    const std::string seccomp = seccompPath.empty() ? std::string() : backend::common::readFileOrEmpty(seccompPath);
    const auto& cfg = (*profile)["config"];
    auto problems = lxd::checkStart(conf, config, cfg.value("raw.lxc", ""), "lxd-hook --policy", seccomp,
                                    cfg.value("raw.seccomp", ""));
    for (const auto& p : problems) std::fprintf(stderr, "ward lxd-hook: refused: %s\n", p.c_str());
    return problems.empty() ? kExitOk : kExitFindings;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ward lxd-hook: refused: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace ward::cli
