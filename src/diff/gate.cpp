#include "diff/gate.h"

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "base/strings.h"

namespace ward::diff {
namespace fs = std::filesystem;

std::string selectorOf(const Difference& d) { return std::string(layerName(d.layer)) + ": " + d.what; }

namespace {

std::string_view codeOf(Direction d) {
  switch (d) {
    case Direction::Wider: return codeId(Code::DiffWider);
    case Direction::PossiblyWider: return codeId(Code::DiffPossiblyWider);
    case Direction::Narrower: return codeId(Code::DiffNarrower);
    case Direction::Changed: return codeId(Code::DiffChanged);
  }
  return codeId(Code::DiffChanged);
}

}  // namespace

namespace {

const ir::Accept* directAccept(const ir::Policy& policy, const Difference& d) {
  if (!widens(d.direction)) return nullptr;
  const std::string selector = selectorOf(d);
  for (const auto& a : policy.verify.accepts) {
    if (a.selector.empty()) continue;
    const bool code = a.id == codeId(Code::DiffWider) || a.id == codeOf(d.direction);
    if (code && (a.selector == selector || a.selector == layerName(d.layer))) return &a;
  }
  return nullptr;
}

}  // namespace

const ir::Accept* acceptFor(const ir::Policy& policy, const Difference& d, const std::vector<Difference>& all) {
  if (!widens(d.direction)) return nullptr;
  if (const ir::Accept* a = directAccept(policy, d)) return a;
  if (!d.newSpan.valid()) return nullptr;
  for (const auto& other : all)
    if (&other != &d && other.newSpan == d.newSpan)
      if (const ir::Accept* a = directAccept(policy, other)) return a;
  return nullptr;
}

Span toSession(const driver::Session& s, const ir::Policy& p, Span span) {
  if (!span.valid() || span.file >= p.sources.size()) return {};
  span.file = s.sources.findByDisplayName(p.sources[span.file].displayName).value_or(kNoFile);
  return span;
}

Diagnostic toDiagnostic(const driver::Session& s, const ir::Policy& oldPolicy, const ir::Policy& newPolicy,
                        const Difference& d, bool gate, const ir::Accept* accepted) {
  Diagnostic out;
  if (!gate) accepted = nullptr;
  out.severity = widens(d.direction) && !accepted ? (gate ? Severity::Error : Severity::Warning) : Severity::Note;
  out.code = std::string(codeOf(d.direction));
  out.message = fmt::format("{}: {} {}: {}", newPolicy.name, layerName(d.layer), directionName(d.direction), d.what);
  const Span os = toSession(s, oldPolicy, d.oldSpan), ns = toSession(s, newPolicy, d.newSpan);
  out.span = ns.valid() ? ns : os;
  if (ns.valid() && os.valid() && !(os == ns)) out.notes.push_back({os, "the baseline (old side) has it here"});
  if (!ns.valid() && os.valid()) out.notes.push_back({Span{}, "on the old side only (gone from the new side)"});
  if (accepted) {
    out.notes.push_back({toSession(s, newPolicy, accepted->span), "accepted: " + accepted->reason});
    if (!out.span.valid()) out.span = toSession(s, newPolicy, accepted->span);
  }
  return out;
}

std::optional<BaselineRef> baselineOf(const ir::Policy& policy, const std::string& configured) {
  if (!configured.empty()) return BaselineRef{configured, "", {}};
  const auto& b = policy.verify.baseline;
  if (!b) return std::nullopt;
  BaselineRef r{b->path, b->policy, b->span};
  const bool prefixed = startsWith(r.file, "lxc:") || startsWith(r.file, "oci:");
  const std::size_t colon = r.file.find(':');
  const bool revision = !prefixed && colon != std::string::npos && r.file.find('/') > colon;
  if (!prefixed && !revision && !r.file.empty() && r.file[0] != '/' && b->span.valid() &&
      b->span.file < policy.sources.size()) {
    const fs::path declaring(policy.sources[b->span.file].displayName);
    r.file = (declaring.parent_path() / r.file).lexically_normal().string();
  }
  return r;
}

std::optional<std::vector<SidePolicy>> loadWard(driver::Session& s, const std::string& file,
                                                            const std::string& policy,
                                                            const driver::LoadOptions& load) {
  driver::CompileOptions o;
  o.load = load;
  if (!policy.empty()) o.policy = policy;
  o.targets = {"seccomp"};        // the filter is the only artifact the comparison reads
  o.backend.allocate = false;     // never take MCS categories or id ranges
  o.backend.artifactDir = "/etc/ward";
  driver::CompileResult r = driver::build(s, {file}, o);
  if (!r.ok) return std::nullopt;
  std::vector<SidePolicy> out;
  for (auto& cp : r.policies) out.push_back({cp.policy.policy(), std::move(cp.artifacts)});
  return out;
}

std::string bpfOf(const SidePolicy& cp) {
  for (const auto& a : cp.artifacts)
    if (a.fileName == cp.policy.name + ".bpf") return a.content;
  for (const auto& a : cp.artifacts)
    if (a.fileName.size() > 4 && a.fileName.compare(a.fileName.size() - 4, 4, ".bpf") == 0) return a.content;
  return {};
}

const SidePolicy* pickBaseline(const std::vector<SidePolicy>& base, const std::string& name,
                                           const std::string& policy) {
  for (const auto& p : base)
    if (p.policy.name == (policy.empty() ? name : policy)) return &p;
  return policy.empty() && base.size() == 1 ? &base[0] : nullptr;
}

void gateInEditor(driver::Session& s, const std::vector<driver::CompiledPolicy>& policies,
                  const std::string& configured, const driver::LoadOptions& load, Diagnostics& out) {
  std::map<std::string, std::optional<std::vector<SidePolicy>>> loaded;   // by file
  for (const auto& compiled : policies) {
    const SidePolicy np{compiled.policy.policy(), compiled.artifacts};
    auto ref = baselineOf(np.policy, configured);
    if (!ref) continue;
    const Span at = ref->span.valid() ? toSession(s, np.policy, ref->span) : toSession(s, np.policy, np.policy.span);
    const std::size_t colon = ref->file.find(':');
    if (!endsWith(ref->file, ".ward") || (colon != std::string::npos && ref->file.find('/') > colon)) {
      out.add({Severity::Note, std::string(codeId(Code::DiffPossiblyWider)),
               "baseline '" + ref->file + "': only .ward baselines are compared here; `ward check` compares the others",
               at, {}, {}});
      continue;
    }
    auto it = loaded.find(ref->file);
    if (it == loaded.end()) {
      driver::Session bs;   // the baseline's own diagnostics are not the edited file's
      auto side = loadWard(bs, ref->file, "", load);
      it = loaded.emplace(ref->file, std::move(side)).first;
      if (!it->second) {
        out.add({Severity::Error, std::string(codeId(Code::DiffPossiblyWider)),
                 np.policy.name + ": the baseline '" + ref->file + "' could not be compiled (run `ward check` on it)",
                 at, {}, {}});
        continue;
      }
    }
    if (!it->second) continue;
    const SidePolicy* op = pickBaseline(*it->second, np.policy.name, ref->policy);
    if (!op) {
      out.add({Severity::Error, std::string(codeId(Code::DiffPossiblyWider)),
               np.policy.name + ": the baseline '" + ref->file + "' has no policy named '" +
                   (ref->policy.empty() ? np.policy.name : ref->policy) + "'",
               at, {}, {}});
      continue;
    }
    Result r = compare({&op->policy, bpfOf(*op)}, {&np.policy, bpfOf(np)});
    for (const auto& d : r.differences)
      if (widens(d.direction))
        out.add(toDiagnostic(s, op->policy, np.policy, d, true, acceptFor(np.policy, d, r.differences)));
    for (const auto& e : r.errors)
      out.add({Severity::Error, std::string(codeId(Code::DiffPossiblyWider)), np.policy.name + ": not compared: " + e,
               at, {}, {}});
  }
}

}  // namespace ward::diff
