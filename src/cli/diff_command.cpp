#include "cli/diff_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "base/process.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "diff/diff.h"
#include "diff/gate.h"
#include "lower/lower.h"
#include "verify/audit.h"
#include "report/render.h"
#include "report/sarif.h"
#include "ward/config.h"

namespace ward::cli {

namespace {

// One side: every policy of a file, lowered, with the .bpf artifact compile ships for it.
struct Loaded {
  std::string file;
  std::vector<diff::SidePolicy> policies;
};

// What a side names: a .ward file, an OCI config.json, an LXC config, or REV:path of a .ward file in git.
enum class SideKind { Ward, Lxc, Oci, GitRevision };
SideKind sideKind(std::string& arg, bool lxcConfig) {
  for (const auto& [prefix, kind] : {std::pair{"lxc:", SideKind::Lxc}, std::pair{"oci:", SideKind::Oci}})
    if (arg.rfind(prefix, 0) == 0) {
      arg = arg.substr(4);
      return kind;
    }
  std::error_code ec;
  if (!std::filesystem::exists(arg, ec) && arg.find(':') != std::string::npos) return SideKind::GitRevision;
  if (endsWith(arg, ".json")) return SideKind::Oci;
  if (lxcConfig && !endsWith(arg, ".ward")) return SideKind::Lxc;
  return SideKind::Ward;
}

// Reads REV:path through `git show` (so a policy's relative imports come from the same revision), anything
// else from the filesystem.
struct GitReader : sema::FileReader {
  std::string rev;   // "REV:" (with the colon)
  std::optional<std::string> read(const std::string& path) const override {
    if (path.rfind(rev, 0) != 0) return sema::FileReader::read(path);
    std::string spec = rev + std::filesystem::path(path.substr(rev.size())).lexically_normal().string();
    RunResult r = runProcess({"git", "show", spec});
    if (r.status != 0) return std::nullopt;
    return std::move(r.out);
  }
};

// Lowers policies loaded from text and builds their filters, as driver::build does for files.
std::optional<Loaded> compileLoaded(driver::Session& s, const std::string& name, std::vector<ir::Policy> policies,
                                    const std::string& only) {
  Loaded out{name, {}};
  backend::Options bo;
  bo.allocate = false;
  bo.artifactDir = "/etc/ward";
  for (auto& p : policies) {
    if (!only.empty() && p.name != only) continue;
    auto lowered = driver::lowerPolicy(s, std::move(p));
    if (!lowered) return std::nullopt;
    std::size_t before = s.diags.size();
    bo.containerName = lowered->name();
    auto artifacts = backend::emit("seccomp", *lowered, backend::Allocations{}, bo, s.diags);   // needs none
    driver::toSessionSpans(s, *lowered, before);
    if (s.diags.hasErrors()) return std::nullopt;
    out.policies.push_back({lowered->policy(), std::move(artifacts)});
  }
  if (out.policies.empty()) {
    s.diags.error(Code::E0211, {}, only.empty() ? name + " declares no policy" : "no policy named '" + only + "' in " + name);
    return std::nullopt;
  }
  return out;
}

std::optional<Loaded> loadSide(driver::Session& s, const DiffEnv& env, std::string file, const std::string& policy) {
  const SideKind kind = sideKind(file, env.lxcConfig);
  if (kind == SideKind::Lxc || kind == SideKind::Oci) {
    verify::Audited a = kind == SideKind::Lxc ? verify::auditLxcConfig(s.sources, file) : verify::auditOciConfig(s.sources, file);
    for (const auto& e : a.errors) s.diags.error(Code::E2005, {}, e);
    if (!a.ok()) return std::nullopt;
    return Loaded{file, {{std::move(a.policy), std::move(a.artifacts)}}};
  }
  if (kind == SideKind::GitRevision) {
    RunResult r = runProcess({"git", "show", file});
    if (r.status != 0) {
      s.diags.error(Code::E0107, {}, "cannot read '" + file + "': " +
                                         (r.spawnError.empty() ? std::string(trim(r.err)) : r.spawnError));
      return std::nullopt;
    }
    GitReader reader;
    reader.rev = file.substr(0, file.find(':') + 1);
    driver::LoadOptions lo = env.load;
    lo.reader = &reader;
    driver::Loaded l = driver::loadText(s, file, std::move(r.out), lo);
    if (!l.ok) return std::nullopt;
    return compileLoaded(s, file, std::move(l.policies), policy);
  }
  auto policies = diff::loadWard(s, file, policy, env.load);
  if (!policies) return std::nullopt;
  return Loaded{file, std::move(*policies)};
}

using diff::bpfOf;
using diff::toSession;

std::string where(const driver::Session& s, const Span& span) {
  if (!span.valid()) return "-";
  return fmt::format("{}:{}:{}", s.sources.displayName(span.file), span.line, span.col);
}

// Differences are reported like verifier findings, with codes of their own (src/base/codes.def, DIFF-*).
constexpr std::pair<diff::Direction, Code> kDiffCodes[] = {
    {diff::Direction::Wider, Code::DiffWider},
    {diff::Direction::PossiblyWider, Code::DiffPossiblyWider},
    {diff::Direction::Narrower, Code::DiffNarrower},
    {diff::Direction::Changed, Code::DiffChanged},
};
std::string codeFor(diff::Direction d) {
  for (const auto& [direction, code] : kDiffCodes)
    if (direction == d) return std::string(codeId(code));
  return std::string(codeId(Code::DiffChanged));
}

struct Pair {
  const diff::SidePolicy* oldP;
  const diff::SidePolicy* newP;
  diff::Result result;
};

Diagnostic toDiagnostic(const driver::Session& s, const Pair& p, const diff::Difference& d, bool gate) {
  const ir::Accept* accepted = gate ? diff::acceptFor(p.newP->policy, d, p.result.differences) : nullptr;
  return diff::toDiagnostic(s, p.oldP->policy, p.newP->policy, d, gate, accepted);
}

void renderPairText(const driver::Session& s, const Pair& p, std::string& text) {
  text += fmt::format("--- {} (policy {})\n+++ {} (policy {})\n", p.oldP->policy.where(p.oldP->policy.span),
                      p.oldP->policy.name, p.newP->policy.where(p.newP->policy.span), p.newP->policy.name);
  struct Section {
    const char* title;
    bool (*match)(diff::Direction);
  };
  const Section sections[] = {
      {"NEW allows what OLD does not", [](diff::Direction d) { return diff::widens(d); }},
      {"OLD allows what NEW does not", [](diff::Direction d) { return d == diff::Direction::Narrower; }},
      {"changed", [](diff::Direction d) { return d == diff::Direction::Changed; }}};
  for (const auto& sec : sections) {
    std::string body;
    for (const auto& d : p.result.differences) {
      if (!sec.match(d.direction)) continue;
      body += fmt::format("  {:<13} {}{}\n", diff::layerName(d.layer), d.what,
                          d.direction == diff::Direction::PossiblyWider ? " (possibly wider)" : "");
      body += fmt::format("  {:<13} old {}  new {}\n", "",
                          where(s, toSession(s, p.oldP->policy, d.oldSpan)),
                          where(s, toSession(s, p.newP->policy, d.newSpan)));
    }
    if (!body.empty()) text += sec.title + std::string(":\n") + body;
  }
  for (const auto& e : p.result.errors) text += "  error: " + e + "\n";
  for (const auto& n : p.result.notes) text += "  note: " + n + "\n";
}

nlohmann::json pairJson(const driver::Session& s, const Pair& p) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : p.result.differences)
    arr.push_back({{"layer", diff::layerName(d.layer)},
                   {"direction", diff::directionName(d.direction)},
                   {"what", d.what},
                   {"old", report::spanJson(s.sources, toSession(s, p.oldP->policy, d.oldSpan))},
                   {"new", report::spanJson(s.sources, toSession(s, p.newP->policy, d.newSpan))}});
  return {{"old", p.oldP->policy.name}, {"new", p.newP->policy.name}, {"equal", p.result.equal()},
          {"widened", p.result.widened()}, {"differences", std::move(arr)}, {"errors", p.result.errors},
          {"notes", p.result.notes}};
}

nlohmann::json sarifRules() {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& [direction, code] : kDiffCodes)
    rules.push_back({{"id", codeId(code)}, {"shortDescription", {{"text", codeInfo(code).summary}}}});
  return rules;
}

std::string summary(const std::vector<Pair>& pairs) {
  std::map<diff::Direction, int> n;
  std::size_t errors = 0;
  for (const auto& p : pairs) {
    for (const auto& d : p.result.differences) ++n[d.direction];
    errors += p.result.errors.size();
  }
  using D = diff::Direction;
  std::string s = fmt::format("{} wider, {} possibly wider, {} narrower, {} changed", n[D::Wider], n[D::PossiblyWider],
                              n[D::Narrower], n[D::Changed]);
  if (errors) s += fmt::format(", {} not compared", errors);
  return s;
}

int invalid(const DiffEnv& env, driver::Session& s) {
  s.diags.sort();
  if (env.jsonDiagnostics) {
    std::cout << report::toJson(s.sources, s.diags).dump(2) << "\n";
  } else {
    report::TextOptions t;
    t.color = env.color;
    std::string text = report::renderText(s.sources, s.diags, t) + report::summary(s.diags) + "\n";
    std::fputs(text.c_str(), stderr);
  }
  return kExitInvalid;
}

const diff::SidePolicy* findPolicy(const Loaded& l, const std::string& name) {
  for (const auto& p : l.policies)
    if (p.policy.name == name) return &p;
  return nullptr;
}

}  // namespace

int cmdDiff(const DiffEnv& env, const DiffArgs& a) {
  driver::Session s;
  auto oldL = loadSide(s, env, a.oldFile, a.policy);
  auto newL = loadSide(s, env, a.newFile, a.policy);
  if (!oldL || !newL || s.diags.hasErrors()) return invalid(env, s);
  std::vector<Pair> pairs;
  std::vector<std::string> unpaired;
  if (oldL->policies.size() == 1 && newL->policies.size() == 1) {
    pairs.push_back({&oldL->policies[0], &newL->policies[0], {}});
  } else {
    for (const auto& np : newL->policies) {
      if (const auto* op = findPolicy(*oldL, np.policy.name)) pairs.push_back({op, &np, {}});
      else unpaired.push_back("policy '" + np.policy.name + "' only in " + a.newFile);
    }
    for (const auto& op : oldL->policies)
      if (!findPolicy(*newL, op.policy.name)) unpaired.push_back("policy '" + op.policy.name + "' only in " + a.oldFile);
  }
  bool differ = !unpaired.empty();
  for (auto& p : pairs) {
    diff::CompareOptions co;
    co.confirmApparmor = a.confirmApparmor;
    p.result = diff::compare({&p.oldP->policy, bpfOf(*p.oldP)}, {&p.newP->policy, bpfOf(*p.newP)}, co);
    differ = differ || !p.result.equal();
  }
  if (a.format == "json") {
    nlohmann::json out{{"ward", WARD_VERSION}, {"equal", !differ}, {"unpaired", unpaired}};
    out["policies"] = nlohmann::json::array();
    for (const auto& p : pairs) out["policies"].push_back(pairJson(s, p));
    std::cout << out.dump(2) << "\n";
  } else if (a.format == "sarif") {
    Diagnostics diags;
    for (const auto& p : pairs)
      for (const auto& d : p.result.differences) diags.add(toDiagnostic(s, p, d, false));
    std::cout << report::toSarif(s.sources, diags, sarifRules(), WARD_VERSION).dump(2) << "\n";
  } else {
    std::string text;
    for (const auto& p : pairs) renderPairText(s, p, text);
    for (const auto& u : unpaired) text += u + "\n";
    text += differ ? summary(pairs) + "\n" : "equal: no difference in any layer\n";
    std::fputs(text.c_str(), stdout);
  }
  return differ ? kExitFindings : kExitOk;
}

namespace {

// The gate: each policy against its baseline (`configured`, else its own `verify { baseline }`); prints
// each widening as a located error (an accepted one as a note with its reason) and a verdict per policy.
int gateAgainst(const DiffEnv& env, driver::Session& s, const std::vector<const diff::SidePolicy*>& policies,
                const std::string& configured, const std::string& configuredPolicy) {
  std::map<std::string, std::optional<Loaded>> bases;   // by file
  std::vector<Pair> pairs;
  std::vector<std::string> baseNames;
  for (const auto* np : policies) {
    auto ref = diff::baselineOf(np->policy, configured);
    if (!ref) continue;
    if (!configured.empty()) ref->policy = configuredPolicy;
    auto it = bases.find(ref->file);
    if (it == bases.end()) it = bases.emplace(ref->file, loadSide(s, env, ref->file, "")).first;
    if (!it->second || s.diags.hasErrors()) return invalid(env, s);
    const diff::SidePolicy* op = diff::pickBaseline(it->second->policies, np->policy.name, ref->policy);
    if (!op) {
      const std::string want = ref->policy.empty() ? np->policy.name : ref->policy;
      s.diags.error(Code::E0211, diff::toSession(s, np->policy, ref->span),
                    "the baseline '" + ref->file + "' has no policy named '" + want + "' (name one with --policy)");
      return invalid(env, s);
    }
    pairs.push_back({op, np, {}});
    baseNames.push_back(ref->file);
  }
  if (pairs.empty()) return kExitOk;
  bool widened = false;
  Diagnostics diags;
  for (auto& p : pairs) {
    p.result = diff::compare({&p.oldP->policy, bpfOf(*p.oldP)}, {&p.newP->policy, bpfOf(*p.newP)});
    bool wider = !p.result.errors.empty();
    for (const auto& d : p.result.differences) {
      if (!diff::widens(d.direction)) continue;
      diags.add(toDiagnostic(s, p, d, true));
      wider = wider || !diff::acceptFor(p.newP->policy, d, p.result.differences);
    }
    for (const auto& e : p.result.errors)
      diags.add({Severity::Error, codeFor(diff::Direction::PossiblyWider), p.newP->policy.name + ": not compared: " + e, {}, {}, {}});
    widened = widened || wider;
    std::vector<diff::Difference> open;   // what is left decides the verdict line
    for (const auto& d : p.result.differences)
      if (!diff::acceptFor(p.newP->policy, d, p.result.differences)) open.push_back(d);
    p.result.differences = std::move(open);
  }
  diags.sort();
  if (env.jsonDiagnostics) {
    std::cout << report::toJson(s.sources, diags).dump(2) << "\n";
  } else {
    report::TextOptions t;
    t.color = env.color;
    std::string text = report::renderText(s.sources, diags, t);
    for (std::size_t i = 0; i < pairs.size(); ++i)
      text += fmt::format("{}: {} against the baseline {} (policy {})\n", pairs[i].newP->policy.name,
                          pairs[i].result.widened() ? "WIDER" : "not wider", baseNames[i], pairs[i].oldP->policy.name);
    std::fputs(text.c_str(), stderr);
  }
  return widened ? kExitFindings : kExitOk;
}

}  // namespace

int cmdCheckBaseline(const DiffEnv& env, const BaselineArgs& a) {
  driver::Session s;
  std::vector<Loaded> files;
  for (const auto& f : a.files)
    if (auto l = loadSide(s, env, f, "")) files.push_back(std::move(*l));
  if (s.diags.hasErrors()) return invalid(env, s);
  std::vector<const diff::SidePolicy*> policies;
  for (const auto& l : files)
    for (const auto& p : l.policies) policies.push_back(&p);
  return gateAgainst(env, s, policies, a.baseline, a.policy);
}

int gateDeclaredBaselines(const DiffEnv& env, driver::Session& s, const std::vector<driver::CompiledPolicy>& policies) {
  std::vector<diff::SidePolicy> sides;
  for (const auto& p : policies)
    if (p.policy->verify.baseline) sides.push_back({p.policy.policy(), p.artifacts});
  std::vector<const diff::SidePolicy*> declared;
  for (const auto& p : sides) declared.push_back(&p);
  return declared.empty() ? kExitOk : gateAgainst(env, s, declared, "", "");
}

}  // namespace ward::cli
