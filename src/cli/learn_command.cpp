#include "cli/learn_command.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "backend/seccomp/filter.h"
#include "base/capabilities.h"
#include "base/process.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "hook/hook.h"
#include "learn/learn.h"
#include "learn/trace.h"
#include "lower/lower.h"
#include "report/render.h"
#include "verify/catalog.h"
#include "verify/report.h"

namespace ward::cli {
namespace {

// SIGINT/SIGTERM/SIGHUP go to the command (a server stops; learning writes what it saw).
volatile std::sig_atomic_t gChild = 0;
volatile std::sig_atomic_t gForwarded = 0;
volatile std::sig_atomic_t gAlarm = 0;   // --for DURATION has passed

void alarmed(int) { gAlarm = 1; }

void forward(int sig) {
  gForwarded = sig;
  if (gChild > 0) ::kill(static_cast<pid_t>(gChild), sig);
}

void installForwarding() {
  struct sigaction sa{};
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &sa, nullptr);
  sa.sa_handler = alarmed;   // no SA_RESTART: the tracer's wait returns and polls stopRequested
  ::sigaction(SIGALRM, &sa, nullptr);
}

void printDiagnostics(const LearnEnv& env, driver::Session& s) {
  s.diags.sort();
  report::TextOptions t;
  t.color = env.color;
  std::string text = report::renderText(s.sources, s.diags, t);
  if (std::string sum = report::summary(s.diags); !sum.empty()) text += sum + "\n";
  std::fputs(text.c_str(), stderr);
}

std::string commandText(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return out;
}

bool commandSucceeded(const learn::TraceResult& r) {
  return r.exitStatus == 0 || (r.termSignal != 0 && r.termSignal == gForwarded);
}

learn::TraceResult runTraced(learn::TraceOptions o) {
  installForwarding();
  o.started = [](pid_t pid) { gChild = pid; };
  return learn::trace(o);
}

// The learned text must load, check and pass the verifier at fail_on high before it is written.
bool checks(const LearnEnv& env, const std::string& displayName, const std::string& text) {
  driver::Session s;
  std::vector<std::string> errors;
  verify::Catalog catalog = verify::loadCatalog(env.searchPath, errors);
  for (const auto& e : errors) s.diags.error(Code::E2004, {}, "escape catalog: " + e);
  driver::Loaded l = driver::loadText(s, displayName, text, env.load);
  if (s.diags.hasErrors() || !l.ok) {
    printDiagnostics(env, s);
    return false;
  }
  driver::Verified v = driver::verifyPolicies(s, std::move(l.policies), catalog, verify::Level::High, {},
                                              driver::hostFilesFromEnvironment());
  if (!v.ok || s.diags.hasErrors() || v.failed) {
    printDiagnostics(env, s);
    verify::ReportOptions ro;
    ro.failOn = verify::Level::High;
    ro.failed = v.failed;
    std::fputs(verify::renderText(s.sources, v.findings, catalog, ro, env.color).c_str(), stderr);
    return false;
  }
  return true;
}

int writeOut(const LearnEnv& env, const std::string& out, const std::string& text) {
  if (!checks(env, out.empty() ? "learned.ward" : out, text)) {
    std::fputs("ward: error: the learned policy does not pass `ward check` at fail_on high; nothing was written\n",
               stderr);
    return kExitInternal;
  }
  if (out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  if (std::string err = driver::writeAtomically(out, text); !err.empty()) {
    std::fprintf(stderr, "ward: error: %s\n", err.c_str());
    return kExitInternal;
  }
  return kExitOk;
}

// The base --base names, loaded and compiled; nullopt once the reason is printed. `check` runs after --base is
// parsed and before the base is compiled (--lxc: the container's preflight); its error is printed the same way.
std::optional<learn::Base> learningBase(const LearnEnv& env, const LearnArgs& a,
                                        const std::function<std::string()>& check = {}) {
  std::string error;
  auto spec = learn::parseBaseSpec(a.base, &error);
  if (spec && check) error = check();
  if (!spec || !error.empty()) {
    std::fprintf(stderr, "ward: error: %s; nothing was written\n", error.c_str());
    return std::nullopt;
  }
  driver::Session s;
  auto base = learn::loadBase(*spec, s, env.load);
  if (!base) printDiagnostics(env, s);
  return base;
}

int learnRun(const LearnEnv& env, const LearnArgs& a) {
  auto base = learningBase(env, a);
  if (!base) return kExitInvalid;
  learn::TraceOptions o;
  o.argv = a.command;
  o.filter = base->filter;
  o.dropCapabilities = base->dropCapabilities;
  o.runId = learn::newRunId(a.command);
  learn::TraceResult r = runTraced(o);
  if (!r.ok) {
    std::fprintf(stderr, "ward: error: %s\n", r.error.c_str());
    return kExitInvalid;
  }
  learn::RenderOptions ro;
  ro.policyName = a.name;
  ro.header = {fmt::format("Learned by `ward learn` (docs/learn.md) from a run of: {}", commandText(a.command)),
               fmt::format("run {}: {} system calls ({} refused by the base), exit status {}; base {}", o.runId,
                           r.calls, r.refused + r.killed, r.exitStatus, base->spec.text()),
               "A learned rule's comment is its evidence: how often the run needed it, the first program that did, "
               "and the run."};
  const std::string text = learn::render(r.observations, *base, ro);
  const int rc = writeOut(env, a.out, text);
  if (rc != kExitOk) return rc;
  std::fprintf(stderr, "ward learn: run %s: %llu system calls (%llu refused by the base), exit status %d%s\n",
               o.runId.c_str(), static_cast<unsigned long long>(r.calls),
               static_cast<unsigned long long>(r.refused + r.killed), r.exitStatus,
               a.out.empty() ? "" : ("; wrote " + a.out).c_str());
  if (!commandSucceeded(r)) {
    std::fprintf(stderr, "ward learn: the command failed (exit status %d): the policy may miss what a full run "
                         "needs\n", r.exitStatus);
    return kExitFindings;
  }
  return kExitOk;
}

// ---- --lxc --------------------------------------------------------------------------------------------------

// "30", "30s", "5m", "1h" -> seconds (1 s .. 1 day).
std::optional<unsigned> parseDuration(const std::string& text) {
  std::size_t used = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  const unsigned long scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (scale == 0 || n == 0 || n * scale > 86400) return std::nullopt;
  return static_cast<unsigned>(n * scale);
}

bool inPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

// The checks before a learning start: LXC installed, the container known and stopped. "" when fine.
std::string lxcPreflight(const std::string& lxcPath, const std::string& name) {
  for (const char* tool : {"lxc-start", "lxc-info", "lxc-stop"})
    if (!inPath(tool)) return fmt::format("LXC is not installed: no {} in PATH", tool);
  if (!hook::validContainerName(name)) return fmt::format("'{}' is not a valid container name", name);
  const std::string config = lxcPath + "/" + name + "/config";
  if (::access(config.c_str(), R_OK) != 0)
    return fmt::format("unknown container '{}': there is no {} (give its lxcpath with -P)", name, config);
  const RunResult info = runProcess({"lxc-info", "-P", lxcPath, "-n", name, "-sH"});
  const std::string state = trimmed(info.out);
  if (info.status != 0) return fmt::format("lxc-info cannot read the state of '{}': {}", name, trimmed(info.err + info.spawnError));
  if (state != "STOPPED")
    return fmt::format("container '{}' is already {}: ward learn --lxc starts it itself; stop it first (lxc-stop -P {} -n {})",
                       name, state, lxcPath, name);
  return {};
}

// A private directory for the run's LXC seccomp file, removed with its contents.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/ward-learn-lxc.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path = tmpl;
  }
  ~ScratchDir() {
    if (!path.empty()) std::filesystem::remove_all(path);
  }
};

// lxc-start in the foreground with the base's seccomp filter (the learning one, socket families open), its
// capability bound and no_new_privs as LXC keys for this start only (-s: the container's config is not touched).
std::vector<std::string> lxcStartCommand(const std::string& lxcPath, const std::string& name,
                                         const std::string& seccompFile, const std::vector<int>& dropCapabilities) {
  std::vector<std::string> argv = {"lxc-start", "-F", "-P", lxcPath, "-n", name, "-s",
                                   "lxc.seccomp.profile=" + seccompFile, "-s", "lxc.no_new_privs=1"};
  int last = 63;
  if (std::ifstream in("/proc/sys/kernel/cap_last_cap"); in) in >> last;
  std::vector<std::string> drop;
  for (int cap : dropCapabilities)
    if (cap <= last) drop.push_back(capabilityName(cap));
  if (!drop.empty()) argv.insert(argv.end(), {"-s", fmt::format("lxc.cap.drop={}", fmt::join(drop, " "))});
  return argv;
}

int learnLxc(const LearnEnv& env, const LearnArgs& a) {
  std::optional<unsigned> seconds;
  if (!a.forDuration.empty() && !(seconds = parseDuration(a.forDuration))) {
    std::fprintf(stderr, "ward: error: --for '%s': expected a duration of 1s to 24h (30, 30s, 5m, 1h)\n", a.forDuration.c_str());
    return kExitInvalid;
  }
  const std::string lxcPath = a.lxcPath.empty() ? hook::kDefaultLxcPath : a.lxcPath;
  auto base = learningBase(env, a, [&] { return lxcPreflight(lxcPath, a.lxc); });
  if (!base) return kExitInvalid;
  ScratchDir scratch;
  const std::string seccompFile = scratch.path + "/base.lxc.seccomp";
  if (scratch.path.empty() || !driver::writeAtomically(seccompFile, base->lxcSeccomp).empty()) {
    std::fputs("ward: error: cannot write the base's seccomp file under /tmp\n", stderr);
    return kExitInternal;
  }
  learn::TraceOptions o;
  o.argv = lxcStartCommand(lxcPath, a.lxc, seccompFile, base->dropCapabilities);
  o.filter = base->filter;
  o.container = true;
  o.runId = learn::newRunId(o.argv);
  o.stopCommand = {"lxc-stop", "-P", lxcPath, "-n", a.lxc, "-t", "10"};
  o.stopRequested = [] { return gForwarded != 0 || gAlarm != 0; };
  installForwarding();   // gChild stays 0: a signal to ward stops the container through lxc-stop
  if (seconds) ::alarm(*seconds);
  learn::TraceResult r = learn::trace(o);
  ::alarm(0);
  if (!r.ok) {
    std::fprintf(stderr, "ward: error: %s; nothing was written\n", r.error.c_str());
    return kExitInvalid;
  }
  learn::RenderOptions ro;
  ro.policyName = a.name;
  ro.header = {fmt::format("Learned by `ward learn --lxc` (docs/learn.md) from a run of the LXC container {}{}", a.lxc,
                           r.stopped ? fmt::format(", stopped after {}", a.forDuration) : std::string(", until it stopped")),
               fmt::format("run {}: {} system calls by the payload ({} refused by the base), {} by LXC after its filter; "
                           "exit status {}; base {}", o.runId, r.calls, r.refused + r.killed, r.runtimeCalls, r.exitStatus,
                           base->spec.text()),
               "A learned rule's comment is its evidence: how often the run needed it, the first program that did, "
               "and the run."};
  const int rc = writeOut(env, a.out, learn::render(r.observations, *base, ro));
  if (rc != kExitOk) return rc;
  std::fprintf(stderr, "ward learn: container %s, run %s: %llu system calls by the payload (%llu refused by the base), "
                       "%llu by LXC after its filter; exit status %d%s\n", a.lxc.c_str(), o.runId.c_str(),
               static_cast<unsigned long long>(r.calls), static_cast<unsigned long long>(r.refused + r.killed),
               static_cast<unsigned long long>(r.runtimeCalls), r.exitStatus, a.out.empty() ? "" : ("; wrote " + a.out).c_str());
  // A payload ended by a signal after ward asked LXC to stop it is a complete run, unless it had to be killed.
  if (r.exitStatus != 0 && !(r.stopped && r.termSignal != 0 && r.termSignal != SIGKILL)) {
    std::fprintf(stderr, "ward learn: the container's payload failed (exit status %d): the policy may miss what a "
                         "full run needs\n", r.exitStatus);
    return kExitFindings;
  }
  return kExitOk;
}

// A policy file's compiled seccomp filter and the capabilities it does not keep.
struct Compiled {
  std::string name;
  std::vector<backend::seccomp::bpf::Insn> filter;
  std::vector<int> dropCapabilities;
  // Calls the policy refuses on purpose, by a rule of its own with an errno (std/base's `deny clone3 errno
  // ENOSYS`, after which glibc falls back to clone): name -> "file:line" of the rule.
  std::map<std::string, std::string> deniedByRule;
};

std::optional<Compiled> compilePolicy(const LearnEnv& env, const std::string& file, const std::string& policy) {
  driver::Session s;
  driver::Loaded l = driver::load(s, file, env.load);
  const ir::Policy* chosen = nullptr;
  for (auto& p : l.policies)
    if (policy.empty() ? l.policies.size() == 1 : p.name == policy) chosen = &p;
  if (s.diags.hasErrors() || chosen == nullptr) {
    printDiagnostics(env, s);
    if (!s.diags.hasErrors()) std::fprintf(stderr, "ward: error: %s: name the policy with --policy\n", file.c_str());
    return std::nullopt;
  }
  auto lowered = lower::lower(*chosen, s.diags);
  if (!lowered) {
    printDiagnostics(env, s);
    return std::nullopt;
  }
  const ir::Policy& p = lowered->policy();
  auto filter = backend::seccomp::buildFilter(p, {}, s.diags);
  std::string error;
  auto program = filter ? backend::seccomp::bpf::parse(filter->bpf, &error) : std::nullopt;
  if (!program || s.diags.hasErrors()) {
    printDiagnostics(env, s);
    return std::nullopt;
  }
  Compiled c{p.name, std::move(*program), {}, {}};
  for (const auto& r : p.mechanism.syscallRules)
    if (r.action.kind == ir::Action::Kind::Errno && r.conditions.empty()) {
      const bool located = r.span.valid() && r.span.file < p.sources.size();
      c.deniedByRule[r.name] = located ? fmt::format("{}:{}", p.sources[r.span.file].displayName, r.span.line) : p.name;
    }
  for (int n = 0; n < static_cast<int>(capabilityNames().size()); ++n)
    if (!p.capabilities.keepAll && std::none_of(p.mechanism.capabilities.begin(), p.mechanism.capabilities.end(),
                                                [&](const ir::Capability& cap) { return cap.number == n; }))
      c.dropCapabilities.push_back(n);
  return c;
}

int replay(const LearnEnv& env, const LearnArgs& a) {
  auto c = compilePolicy(env, a.replay, a.policy);
  if (!c) return kExitInvalid;
  learn::TraceOptions o;
  o.argv = a.command;
  o.filter = std::move(c->filter);
  o.dropCapabilities = std::move(c->dropCapabilities);
  o.learn = false;
  learn::TraceResult r = runTraced(o);
  if (!r.ok) {
    std::fprintf(stderr, "ward: error: %s\n", r.error.c_str());
    return kExitInvalid;
  }
  // A refusal by one of the policy's own errno rules is the policy's decision (the program handles it, or
  // the run would fail); it is listed apart. Every other refusal is one the policy did not foresee.
  std::uint64_t byRule = 0;
  std::vector<std::string> ruled, unforeseen;
  for (const auto& [what, n] : r.refusedBy) {
    const auto rule = c->deniedByRule.find(what.substr(0, what.find(' ')));
    const bool errno_ = what.find("ERRNO(") != std::string::npos;
    if (rule != c->deniedByRule.end() && errno_) {
      byRule += n;
      ruled.push_back(fmt::format("  denied by its own rule at {}: {} x{}", rule->second, what, n));
    } else {
      unforeseen.push_back(fmt::format("  refused: {} x{}", what, n));
    }
  }
  const std::uint64_t refused = r.refused - std::min(r.refused, byRule);
  std::printf("replay %s: %llu system calls, %llu refused, %llu killed; exit status %d\n", c->name.c_str(),
              static_cast<unsigned long long>(r.calls), static_cast<unsigned long long>(refused),
              static_cast<unsigned long long>(r.killed), r.exitStatus);
  for (const auto& line : unforeseen) std::printf("%s\n", line.c_str());
  for (const auto& line : ruled) std::printf("%s\n", line.c_str());
  return refused == 0 && r.killed == 0 && commandSucceeded(r) ? kExitOk : kExitFindings;
}

// --enforce: the policy's seccomp filter and capability bound, then the command in place of ward (no tracing).
int enforce(const LearnEnv& env, const LearnArgs& a) {
  auto c = compilePolicy(env, a.enforce, a.policy);
  if (!c) return kExitInvalid;
  const std::string error = learn::execConfined(a.command, c->filter, c->dropCapabilities);
  std::fprintf(stderr, "ward: error: %s\n", error.c_str());
  return kExitInvalid;
}

int merge(const LearnEnv& env, const LearnArgs& a) {
  std::optional<learn::Learned> all;
  for (const auto& f : a.merge) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "ward: error: cannot read '%s'\n", f.c_str());
      return kExitInvalid;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string error;
    auto l = learn::readLearned(f, text.str(), &error);
    if (!l) {
      std::fprintf(stderr, "ward: error: %s\n", error.c_str());
      return kExitInvalid;
    }
    if (!all) {
      all = std::move(l);
    } else if (l->base.text() != all->base.text()) {
      std::fprintf(stderr, "ward: error: %s extends %s, but %s extends %s: merge runs of one base\n", f.c_str(),
                   l->base.text().c_str(), a.merge.front().c_str(), all->base.text().c_str());
      return kExitInvalid;
    } else {
      learn::mergeInto(all->observations, l->observations);
    }
  }
  driver::Session s;
  auto base = learn::loadBase(all->base, s, env.load);
  if (!base) {
    printDiagnostics(env, s);
    return kExitInvalid;
  }
  learn::RenderOptions ro;
  ro.policyName = all->policyName;
  ro.header = {fmt::format("Merged by `ward learn --merge` (docs/learn.md) from: {}", fmt::join(a.merge, ", ")),
               fmt::format("runs {}; base {}", fmt::join(all->observations.runs, " "), all->base.text()),
               "A learned rule's comment is its evidence, added up over the runs."};
  const int rc = writeOut(env, a.out, learn::render(all->observations, *base, ro));
  if (rc == kExitOk && !a.out.empty())
    std::fprintf(stderr, "ward learn: merged %zu files (%zu runs); wrote %s\n", a.merge.size(),
                 all->observations.runs.size(), a.out.c_str());
  return rc;
}

}  // namespace

int cmdLearn(const LearnEnv& env, const LearnArgs& a) {
  if (!a.lxc.empty()) {
    if (!a.command.empty() || !a.merge.empty() || !a.replay.empty() || !a.enforce.empty()) {
      std::fputs("ward: error: --lxc learns from the container's own command: no command, --merge, --replay or --enforce\n", stderr);
      return kExitInvalid;
    }
    return learnLxc(env, a);
  }
  if (!a.lxcPath.empty() || !a.forDuration.empty()) {
    std::fputs("ward: error: -P and --for go with --lxc NAME\n", stderr);
    return kExitInvalid;
  }
  if (!a.merge.empty()) {
    if (!a.command.empty()) {
      std::fputs("ward: error: --merge takes learned files, not a command\n", stderr);
      return kExitInvalid;
    }
    return merge(env, a);
  }
  if (a.command.empty()) {
    std::fputs("ward: error: learn needs a command after `--` (or --merge FILES)\n", stderr);
    return kExitInvalid;
  }
  if (!a.enforce.empty()) return enforce(env, a);
  return a.replay.empty() ? learnRun(env, a) : replay(env, a);
}

}  // namespace ward::cli
