#include "verify/report.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "report/render.h"

namespace ward::verify {

namespace {

bool reported(const Finding& f, const ReportOptions& o) {
  if (o.includeBlocked) return true;
  return f.status == Status::Open || f.status == Status::BlockedByOneLayer || f.status == Status::Accepted;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const char* sarifLevel(const Finding& f, const ReportOptions& o) {
  switch (f.status) {
    case Status::Open: return failsGate(f, o.failOn) ? "error" : "warning";
    case Status::BlockedByOneLayer: return "warning";
    case Status::Accepted: return static_cast<int>(f.severity) >= static_cast<int>(o.failOn) ? "error" : "warning";
    default: return "none";
  }
}

const char* securitySeverity(Level l) {   // GitHub code scanning's numeric scale
  switch (l) {
    case Level::Critical: return "9.5";
    case Level::High: return "8.0";
    case Level::Medium: return "5.0";
  }
  return "8.0";
}

}  // namespace

Diagnostics toDiagnostics(const std::vector<Finding>& findings, const Catalog& catalog, const ReportOptions& opts) {
  Diagnostics out;
  for (const auto& f : findings) {
    if (!reported(f, opts)) continue;
    Diagnostic d;
    switch (f.status) {
      case Status::Open: d.severity = failsGate(f, opts.failOn) ? Severity::Error : Severity::Warning; break;
      case Status::BlockedByOneLayer: d.severity = Severity::Warning; break;
      default: d.severity = Severity::Note; break;
    }
    d.code = f.id;
    d.message = fmt::format("[{}] {}: {} ({})", levelName(f.severity), f.title, f.message, f.policy);
    d.span = f.span;
    for (const auto& v : f.layers) {
      if (v.layer == Layer::Host) continue;
      std::string state = !v.evaluated ? "not evaluated" : v.blocks ? "blocks" : "open";
      d.notes.push_back({v.span, fmt::format("{} {}: {}", layerName(v.layer), state, v.rule)});
    }
    for (const auto& n : f.notes) d.notes.push_back({Span{}, n});
    if (const Entry* e = catalog.find(f.id); e && f.status != Status::Blocked && f.status != Status::NotApplicable)
      d.notes.push_back({Span{}, "fix: " + e->fix});
    out.add(std::move(d));
  }
  return out;
}

std::string renderText(const SourceManager& sources, const std::vector<Finding>& findings, const Catalog& catalog,
                       const ReportOptions& opts, bool color) {
  Diagnostics diags = toDiagnostics(findings, catalog, opts);
  report::TextOptions to;
  to.color = color;
  std::string out;
  for (const auto& d : diags.items()) out += report::renderOne(sources, d, to);
  std::map<std::string, Counts> per;
  std::vector<std::string> order;
  for (const auto& f : findings) {
    if (!per.count(f.policy)) order.push_back(f.policy);
    auto& c = per[f.policy];
    switch (f.status) {
      case Status::Blocked: ++c.blocked; break;
      case Status::BlockedByOneLayer: ++c.oneLayer; break;
      case Status::Open: ++c.open; break;
      case Status::Accepted: ++c.accepted; break;
      case Status::NotApplicable: ++c.notApplicable; break;
    }
  }
  for (const auto& name : order) {
    const auto& c = per[name];
    out += fmt::format("{}: {} blocked, {} blocked by one layer, {} open, {} accepted, {} n/a\n", name, c.blocked,
                       c.oneLayer, c.open, c.accepted, c.notApplicable);
  }
  return out;
}

nlohmann::json toJson(const std::vector<Finding>& findings, const ReportOptions& opts) {
  nlohmann::json arr = nlohmann::json::array();
  std::map<std::string, nlohmann::json> summary;
  for (const auto& f : findings) {
    auto& s = summary[f.policy];
    if (s.is_null()) s = {{"blocked", 0}, {"blocked-by-one-layer", 0}, {"open", 0}, {"accepted", 0}, {"n/a", 0}};
    s[statusName(f.status)] = s[statusName(f.status)].get<int>() + 1;
    if (!reported(f, opts)) continue;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& v : f.layers) {
      nlohmann::json l{{"layer", layerName(v.layer)}, {"blocks", v.blocks}, {"evaluated", v.evaluated}, {"rule", v.rule}};
      if (v.span.valid()) l["location"] = {{"file", v.file}, {"line", v.span.line}, {"col", v.span.col}};
      layers.push_back(std::move(l));
    }
    nlohmann::json j{{"id", f.id},
                     {"title", f.title},
                     {"policy", f.policy},
                     {"severity", levelName(f.severity)},
                     {"status", statusName(f.status)},
                     {"underlying", statusName(f.underlying)},
                     {"failsGate", failsGate(f, opts.failOn)},
                     {"message", f.message},
                     {"layers", std::move(layers)}};
    if (f.span.valid())
      j["location"] = {{"file", f.file}, {"line", f.span.line}, {"col", f.span.col},
                       {"endLine", f.span.endLine}, {"endCol", f.span.endCol}};
    if (!f.acceptReason.empty()) j["acceptReason"] = f.acceptReason;
    if (!f.notes.empty()) j["notes"] = f.notes;
    arr.push_back(std::move(j));
  }
  nlohmann::json sum = nlohmann::json::object();
  for (auto& [k, v] : summary) sum[k] = v;
  return {{"failOn", levelName(opts.failOn)}, {"failed", opts.failed.value_or(failsGate(findings, opts.failOn))},
          {"findings", std::move(arr)}, {"summary", std::move(sum)}};
}

nlohmann::json toSarif(const std::vector<Finding>& findings, const Catalog& catalog, const ReportOptions& opts,
                       std::string_view toolVersion) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string, int> index;
  for (const auto& e : catalog.entries) {
    index[e.id] = static_cast<int>(rules.size());
    std::string help = e.summary + "\n\nFix: " + e.fix;
    if (!e.references.empty()) {
      help += "\n\nReferences:";
      for (const auto& r : e.references) help += "\n- " + r;
    }
    nlohmann::json tags = nlohmann::json::array({"security", "container", e.category});
    for (const auto& c : e.cves) tags.push_back(c);
    rules.push_back({{"id", e.id},
                     {"name", e.id},
                     {"shortDescription", {{"text", e.title}}},
                     {"fullDescription", {{"text", e.summary}}},
                     {"help", {{"text", help}}},
                     {"defaultConfiguration",
                      {{"level", static_cast<int>(e.severity) >= static_cast<int>(opts.failOn) ? "error" : "warning"}}},
                     {"properties", {{"tags", tags}, {"security-severity", securitySeverity(e.severity)},
                                     {"severity", levelName(e.severity)}}}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& f : findings) {
    if (!reported(f, opts)) continue;
    nlohmann::json r{{"ruleId", f.id},
                     {"level", sarifLevel(f, opts)},
                     {"kind", f.status == Status::Blocked ? "pass" : f.status == Status::NotApplicable ? "notApplicable" : "fail"},
                     {"message", {{"text", f.policy + ": " + f.title + ": " + f.message}}},
                     {"properties", {{"policy", f.policy}, {"status", statusName(f.status)},
                                     {"severity", levelName(f.severity)}}}};
    if (f.status == Status::Blocked || f.status == Status::NotApplicable) r["level"] = "none";
    if (auto it = index.find(f.id); it != index.end()) r["ruleIndex"] = it->second;
    if (f.span.valid() && !f.file.empty()) {
      nlohmann::json region{{"startLine", std::max<std::uint32_t>(1, f.span.line)},
                            {"startColumn", std::max<std::uint32_t>(1, f.span.col)}};
      if (f.span.endLine >= f.span.line && f.span.endLine > 0) {
        region["endLine"] = f.span.endLine;
        if (f.span.endCol > 0) region["endColumn"] = f.span.endCol;
      }
      r["locations"] = nlohmann::json::array(
          {{{"physicalLocation", {{"artifactLocation", {{"uri", f.file}}}, {"region", region}}}}});
    }
    if (f.status == Status::Accepted)
      r["suppressions"] = nlohmann::json::array({{{"kind", "inSource"}, {"justification", f.acceptReason}}});
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& v : f.layers)
      layers.push_back({{"layer", layerName(v.layer)}, {"blocks", v.blocks}, {"evaluated", v.evaluated}, {"rule", v.rule}});
    r["properties"]["layers"] = std::move(layers);
    results.push_back(std::move(r));
  }
  nlohmann::json driver{{"name", "ward"},
                        {"version", std::string(toolVersion)},
                        {"informationUri", "https://github.com/ward-policy/ward"},
                        {"rules", std::move(rules)}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", nlohmann::json::array({{{"tool", {{"driver", std::move(driver)}}},
                                           {"columnKind", "utf16CodeUnits"},
                                           {"results", std::move(results)}}})}};
}

std::optional<std::string> explain(const Catalog& catalog, std::string_view id) {
  const Entry* e = catalog.find(upper(id));
  if (!e) return std::nullopt;
  std::string s = fmt::format("{} [{}] {}\n\n{}\n", e->id, levelName(e->severity), e->title, e->summary);
  if (!e->cves.empty()) {
    s += "\nCVEs:";
    for (const auto& c : e->cves) s += " " + c;
    s += e->year ? fmt::format(" ({})\n", e->year) : "\n";
  }
  s += "\nComponent: " + e->component + "\n";
  if (!e->affected.empty()) {
    s += "Affected versions:\n";
    for (const auto& r : e->affected) s += "  " + rangeText(r) + "\n";
  }
  if (!e->needs.empty()) {
    s += "Uses:";
    for (const auto& n : e->needs) s += " " + n;
    s += "\n";
  }
  std::string blocking;
  for (const auto& g : e->guards)
    if (g.layer != Layer::Host && blocking.find(layerName(g.layer)) == std::string::npos)
      blocking += (blocking.empty() ? "" : ", ") + std::string(layerName(g.layer));
  s += "Blocking layers: " + (blocking.empty() ? std::string("none (only a fixed version helps)") : blocking) + "\n";
  if (!e->preconditions.empty()) {
    s += "\nNeeds:\n";
    for (const auto& p : e->preconditions) s += "  - " + p + "\n";
  }
  s += "\nBlocked by:\n";
  for (const auto& g : e->guards) {
    std::string what;
    if (!g.check.empty()) what = "check " + g.check;
    else if (!g.note.empty()) what = g.note;
    for (const auto& n : g.syscalls) {
      std::string c = n.name;
      if (!n.args.empty()) {
        c += "(";
        for (std::size_t i = 0; i < n.args.size(); ++i)
          c += fmt::format("{}arg{}={:#x}", i ? ", " : "", n.args[i].first, n.args[i].second);
        c += ")";
      }
      if (!n.arches.empty()) c += " on " + n.arches.front();
      what += (what.empty() ? "refuse " : " and ") + c;
    }
    for (const auto& c : g.capabilities) what += (what.empty() ? "drop " : ", ") + c;
    for (const auto& a : g.apparmor) {
      std::string t;
      switch (a.kind) {
        case AppArmorNeed::Kind::File: t = "no " + a.access + " on " + a.path; break;
        case AppArmorNeed::Kind::Mount: t = "no mount fstype=" + a.fstype; break;
        case AppArmorNeed::Kind::Network: t = "no network " + a.family + (a.type.empty() ? "" : " " + a.type); break;
        case AppArmorNeed::Kind::Capability: t = "no capability " + a.capability; break;
      }
      what += (what.empty() ? "" : "; ") + t;
    }
    for (const auto& p : g.paths) what += (what.empty() ? "" : "; ") + p.path + " not " + (p.access == "w" ? "writable" : "readable");
    for (const auto& d : g.devices)
      what += (what.empty() ? "" : "; ") + fmt::format("no {} {}:{} {} in the devices cgroup", d.type,
                                                         d.major < 0 ? "*" : std::to_string(d.major),
                                                         d.minor < 0 ? "*" : std::to_string(d.minor), d.access);
    for (const auto& y : g.sysctls) what += (what.empty() ? "" : "; ") + y.key + " not set to " + y.opens.front();
    s += fmt::format("  {:<13} {}\n", layerName(g.layer), what);
  }
  s += "\nFix: " + e->fix + "\n";
  if (!e->source.empty()) s += "\nSource: " + e->source + "\n";
  if (!e->probe.empty()) s += "\nProbe: " + e->probe + "\n";
  if (!e->references.empty()) {
    s += "\nReferences:\n";
    for (const auto& r : e->references) s += "  - " + r + "\n";
  }
  return s;
}

std::string suggestion(const Catalog& catalog, std::string_view id) {
  return closestMatch(upper(id), catalog.ids());
}

std::string listCatalog(const Catalog& catalog, const ListFilter& filter) {
  std::string s;
  for (const auto& e : catalog.entries) {
    if (!filter.component.empty() && e.component != filter.component) continue;
    if (filter.year && e.year != *filter.year) continue;
    s += fmt::format("{:<26} {:<9} {:<11} {:<5} {}\n", e.id, levelName(e.severity), e.component,
                     e.year ? std::to_string(e.year) : "-", e.title);
  }
  return s;
}

std::string countsTable(const Catalog& catalog) {
  CatalogCounts c = countBy(catalog);
  std::string s = fmt::format("{} entries.\n\n| component | entries |\n|---|---:|\n", catalog.entries.size());
  for (const auto& [component, n] : c.byComponent) s += fmt::format("| {} | {} |\n", component, n);
  s += "\n| disclosed | entries |\n|---|---:|\n";
  for (const auto& [year, n] : c.byYear)
    s += fmt::format("| {} | {} |\n", year ? std::to_string(year) : std::string("long known (no CVE)"), n);
  return s;
}

}  // namespace ward::verify
