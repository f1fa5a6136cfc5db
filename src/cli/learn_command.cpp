#include "cli/learn_command.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "backend/seccomp/filter.h"
#include "base/capabilities.h"
#include "cli/commands.h"
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

void forward(int sig) {
  gForwarded = sig;
  if (gChild > 0) ::kill(static_cast<pid_t>(gChild), sig);
}

void installForwarding() {
  struct sigaction sa{};
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &sa, nullptr);
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

int learnRun(const LearnEnv& env, const LearnArgs& a) {
  std::string error;
  auto spec = learn::parseBaseSpec(a.base, &error);
  if (!spec) {
    std::fprintf(stderr, "ward: error: %s\n", error.c_str());
    return kExitInvalid;
  }
  driver::Session s;
  auto base = learn::loadBase(*spec, s, env.load);
  if (!base) {
    printDiagnostics(env, s);
    return kExitInvalid;
  }
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
                           r.calls, r.refused + r.killed, r.exitStatus, spec->text()),
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
