#include "lsp/workspace.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/diagnostics.h"
#include "driver/driver.h"
#include "lsp/escapes.h"
#include "sema/sema.h"
#include "syntax/parse.h"

namespace ward::lsp {
namespace fs = std::filesystem;

std::string normalizePath(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  fs::path p(path);
  if (p.is_relative()) {
    fs::path abs = fs::absolute(p, ec);
    if (!ec) p = abs;
  }
  return p.lexically_normal().string();
}

Range ParsedModule::range(const Span& s) const {
  if (!s.valid()) return {};
  if (s.line == 0) return {};
  return {fromByteColumn(text, starts, s.line, s.col), fromByteColumn(text, starts, s.endLine, s.endCol)};
}

namespace {

// Serves open editor buffers to the import resolver; everything else comes from the filesystem.
class BufferReader : public sema::FileReader {
 public:
  explicit BufferReader(const std::map<std::string, Document>& docs) {
    for (const auto& [uri, d] : docs)
      if (!d.path.empty()) buffers_[d.path] = &d.text.text();
  }
  std::optional<std::string> read(const std::string& path) const override {
    auto it = buffers_.find(normalizePath(path));
    if (it != buffers_.end()) return *it->second;
    return sema::FileReader::read(path);
  }

 private:
  std::map<std::string, const std::string*> buffers_;
};

int severityOf(Severity s) {
  switch (s) {
    case Severity::Error: return 1;
    case Severity::Warning: return 2;
    case Severity::Note: return 3;
  }
  return 1;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The module name an import is visible under: its alias or the last path component without ".ward".
std::string importName(const std::string& spec) {
  std::string s = spec;
  if (auto slash = s.find_last_of('/'); slash != std::string::npos) s = s.substr(slash + 1);
  if (s.size() > 5 && s.compare(s.size() - 5, 5, ".ward") == 0) s.resize(s.size() - 5);
  return s;
}

}  // namespace

Workspace::Workspace(ServerOptions options) : options_(std::move(options)) {
  searchPath_ = sema::searchPath(options_.includeDirs, options_.wardPath ? options_.wardPath->c_str() : nullptr,
                                 options_.executableDir);
  verifier_ = std::make_shared<VerifierCatalog>(searchPath_);
  if (!options_.escapes) options_.escapes = verifier_;
}

// ---- documents ----------------------------------------------------------------------------------------

void Workspace::open(const std::string& uri, std::int64_t version, std::string text) {
  Document& d = docs_[uri];
  d.uri = uri;
  d.path = normalizePath(uriToPath(uri));
  d.version = version;
  d.text.assign(std::move(text));
  d.dirty = true;
  d.checkedVersion = -1;
  d.tokensVersion = -1;
  dirtyOrder_.push_back(uri);
  markDependents(d.path);
}

bool Workspace::change(const std::string& uri, std::int64_t version, const json& changes) {
  auto it = docs_.find(uri);
  if (it == docs_.end()) return false;
  Document& d = it->second;
  if (!changes.is_array()) return false;
  for (const auto& c : changes) {
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string()) continue;
    const std::string& text = c["text"].get_ref<const std::string&>();
    if (c.contains("range") && c["range"].is_object()) {
      const auto& r = c["range"];
      Range range{{r.at("start").at("line").get<std::uint32_t>(), r.at("start").at("character").get<std::uint32_t>()},
                  {r.at("end").at("line").get<std::uint32_t>(), r.at("end").at("character").get<std::uint32_t>()}};
      d.text.replace(range, text);
    } else {
      d.text.assign(text);
    }
  }
  d.version = version;
  d.dirty = true;
  d.tokensVersion = -1;
  dirtyOrder_.push_back(uri);
  markDependents(d.path);
  return true;
}

void Workspace::close(const std::string& uri) {
  auto it = docs_.find(uri);
  if (it == docs_.end()) return;
  const std::string path = it->second.path;
  docs_.erase(it);
  parsed_.erase(path.empty() ? uri : path);
  markDependents(path);  // they now read the file from disk
}

void Workspace::saved(const std::string& uri) {
  auto it = docs_.find(uri);
  if (it == docs_.end()) return;
  it->second.dirty = true;
  dirtyOrder_.push_back(uri);
  markDependents(it->second.path);
}

Document* Workspace::find(const std::string& uri) {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

bool Workspace::anyDirty() const {
  for (const auto& [uri, d] : docs_)
    if (d.dirty) return true;
  return false;
}

void Workspace::markDependents(const std::string& path) {
  if (path.empty()) return;
  for (auto& [uri, d] : docs_) {
    if (d.path == path || d.dirty) continue;
    if (std::find(d.dependencies.begin(), d.dependencies.end(), path) != d.dependencies.end()) {
      d.dirty = true;
      dirtyOrder_.push_back(uri);
    }
  }
}

void Workspace::checkDirty(const std::function<void(const json&)>& publish) {
  std::vector<std::string> order;
  order.swap(dirtyOrder_);
  std::set<std::string> done;
  for (const auto& uri : order) {
    if (!done.insert(uri).second) continue;
    Document* d = find(uri);
    if (d && d->dirty) ensureChecked(*d, publish);
  }
  for (auto& [uri, d] : docs_)  // anything marked without being queued
    if (d.dirty) ensureChecked(d, publish);
}

void Workspace::ensureChecked(Document& d, const std::function<void(const json&)>& publish) {
  if (!d.dirty) return;
  check(d);
  publish(json{{"uri", d.uri}, {"version", d.version}, {"diagnostics", d.diagnostics}});
}

struct Checked {
  driver::Session session;
  std::vector<ir::Policy> policies;
  std::int64_t version = 0;
  std::map<std::string, Range> importRanges;  // normalized path -> the import string that brings it in
  std::map<FileId, std::vector<std::uint32_t>> lineTables;
};

void Workspace::check(Document& d) {
  auto c = std::make_shared<Checked>();
  c->version = d.version;
  driver::LoadOptions lo;
  lo.includeDirs = options_.includeDirs;
  lo.wardPath = options_.wardPath;
  lo.executableDir = options_.executableDir;
  BufferReader reader(docs_);
  lo.reader = &reader;
  std::string path = d.path;
  if (path.empty()) {  // an untitled buffer: a name for messages; relative imports resolve from the cwd
    path = d.uri.substr(d.uri.find_last_of("/:") + 1);
    if (path.empty()) path = "untitled.ward";
  }
  driver::Loaded loaded = driver::loadText(c->session, path, d.text.text(), lo);
  if (options_.extraDiagnostics) options_.extraDiagnostics(c->session, loaded, path);
  c->session.diags.sort();

  d.dependencies.clear();
  for (const auto& dep : loaded.dependencies) {
    std::string n = normalizePath(dep);
    if (n != d.path) d.dependencies.push_back(std::move(n));
  }
  {
    const auto& toks = tokens(d);
    for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
      if (!toks[i].is("import") || toks[i + 1].kind != Token::Kind::String) continue;
      std::string spec(toks[i + 1].text.substr(1, toks[i + 1].text.size() >= 2 ? toks[i + 1].text.size() - 2 : 0));
      std::string resolved = resolveImport(d.path, spec);
      if (!resolved.empty())
        c->importRanges.emplace(resolved, Range{d.text.positionAt(toks[i + 1].begin), d.text.positionAt(toks[i + 1].end)});
    }
  }
  d.diagnostics = convert(d, *c, c->session.diags);
  d.checkedVersion = d.version;
  d.dirty = false;
  d.unverified.reset();
  if (options_.verify && loaded.ok && !loaded.policies.empty() && !c->session.diags.hasErrors() &&
      d.text.text().size() <= kMaxVerifyBytes) {
    c->policies = std::move(loaded.policies);
    d.unverified = std::move(c);
  }
}

std::vector<VerifyJob> Workspace::takeVerifyJobs() {
  std::vector<VerifyJob> jobs;
  for (auto& [uri, d] : docs_)
    if (d.unverified) jobs.push_back({uri, d.version, std::move(d.unverified)});
  return jobs;
}

void runVerifyJob(VerifyJob& job, const VerifierCatalog& catalog, Diagnostics& findings,
                  const backend::Options& hostFiles, const EditorGate& gate) {
  verifyPolicies(job.checked->session, std::move(job.checked->policies), catalog, findings, hostFiles, gate);
  findings.sort();
}

void Workspace::applyVerifyResult(const VerifyJob& job, const Diagnostics& findings,
                                  const std::function<void(const json&)>& publish) {
  Document* d = find(job.uri);
  if (!d || d->dirty || d->version != job.version || d->checkedVersion != job.version) return;  // superseded
  if (findings.empty()) return;
  for (auto& j : convert(*d, *job.checked, findings)) d->diagnostics.push_back(std::move(j));
  publish(json{{"uri", d->uri}, {"version", d->version}, {"diagnostics", d->diagnostics}});
}

json Workspace::convert(Document& d, Checked& c, const Diagnostics& diags) {
  const FileId root = 0;
  driver::Session& session = c.session;
  auto rangeIn = [&](const Span& s) -> std::optional<std::pair<std::string, Range>> {
    if (!s.valid() || s.file >= session.sources.size()) return std::nullopt;
    const SourceFile& f = session.sources.file(s.file);
    const std::vector<std::uint32_t>* starts = nullptr;
    if (s.file == root && f.text == d.text.text()) {
      starts = &d.text.starts();
    } else {
      auto it = c.lineTables.find(s.file);
      if (it == c.lineTables.end()) it = c.lineTables.emplace(s.file, lineStarts(f.text)).first;
      starts = &it->second;
    }
    Range r;
    if (s.line > 0) {
      r = {fromByteColumn(f.text, *starts, s.line, s.col), fromByteColumn(f.text, *starts, s.endLine, s.endCol)};
    } else {
      TextBuffer tmp;  // no line info: derive from byte offsets
      tmp.assign(f.text);
      r = {tmp.positionAt(s.begin), tmp.positionAt(s.end)};
    }
    const std::string uri = s.file == root ? d.uri : pathToUri(normalizePath(f.path));
    return std::make_pair(uri, r);
  };

  json out = json::array();
  for (const Diagnostic& diag : diags.items()) {
    json j;
    j["severity"] = severityOf(diag.severity);
    j["source"] = "ward";
    std::string message = diag.message;
    json related = json::array();
    Range range;
    auto loc = rangeIn(diag.span);
    if (loc && diag.span.file == root) {
      range = loc->second;
    } else if (loc) {
      // Located in an imported file: shown on the import that brings the file in.
      const SourceFile& f = session.sources.file(diag.span.file);
      message = fmt::format("{}:{}:{}: {}", f.displayName, diag.span.line, diag.span.col, message);
      auto it = c.importRanges.find(normalizePath(f.path));
      if (it != c.importRanges.end()) range = it->second;
      related.push_back({{"location", {{"uri", loc->first}, {"range", rangeJson(loc->second)}}},
                         {"message", diag.message}});
    }
    if (!diag.code.empty()) {
      j["code"] = diag.code;
      j["codeDescription"] = {{"href", options_.docsBaseUrl + "diagnostics.md#" + lower(diag.code)}};
    }
    for (const Note& n : diag.notes) {
      auto nl = rangeIn(n.span);
      if (nl)
        related.push_back({{"location", {{"uri", nl->first}, {"range", rangeJson(nl->second)}}}, {"message", n.message}});
      else
        message += "\nnote: " + n.message;
    }
    json fixes = json::array();
    for (const FixIt& fx : diag.fixes) {
      auto fl = rangeIn(fx.span);
      if (fl && fx.span.file == root) fixes.push_back({{"range", rangeJson(fl->second)}, {"newText", fx.replacement}});
    }
    j["range"] = rangeJson(range);
    j["message"] = message;
    if (!related.empty()) j["relatedInformation"] = std::move(related);
    if (!fixes.empty()) j["data"] = {{"fixes", std::move(fixes)}};
    out.push_back(std::move(j));
  }
  return out;
}

Document& Workspace::require(const json& params) {
  const std::string uri = params.at("textDocument").at("uri").get<std::string>();
  Document* d = find(uri);
  if (!d) throw RequestError{-32602, "document not open: " + uri};
  return *d;
}

const std::vector<Token>& Workspace::tokens(Document& d) {
  if (d.tokensVersion != d.version || d.tokens.empty()) {
    d.tokens = scan(d.text.text());
    d.tokensVersion = d.version;
  }
  return d.tokens;
}

std::uint32_t Workspace::offsetOf(Document& d, const json& position) {
  return d.text.offsetAt({position.at("line").get<std::uint32_t>(), position.at("character").get<std::uint32_t>()});
}

json Workspace::rangeJson(const Range& r) const {
  return {{"start", {{"line", r.start.line}, {"character", r.start.character}}},
          {"end", {{"line", r.end.line}, {"character", r.end.character}}}};
}

// ---- modules --------------------------------------------------------------------------------------------

std::optional<std::string> Workspace::readSource(const std::string& path) const {
  for (const auto& [uri, d] : docs_)
    if (d.path == path) return d.text.text();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Workspace::resolveImport(const std::string& importer, const std::string& spec) const {
  if (spec.empty()) return {};
  auto exists = [&](const std::string& p) {
    for (const auto& [uri, d] : docs_)
      if (d.path == p) return true;
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  };
  if (spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0) {
    fs::path base = importer.empty() ? fs::current_path() : fs::path(importer).parent_path();
    std::string p = normalizePath((base / spec).string());
    if (exists(p)) return p;
    if (exists(p + ".ward")) return p + ".ward";
    return {};
  }
  if (spec.front() == '/') {
    std::string p = normalizePath(spec);
    return exists(p) ? p : std::string();
  }
  for (const auto& dir : searchPath_) {
    std::string p = normalizePath((fs::path(dir) / (spec + ".ward")).string());
    if (exists(p)) return p;
  }
  return {};
}

std::shared_ptr<const ParsedModule> Workspace::parse(const std::string& key, const std::string& display,
                                                     std::string text) {
  auto it = parsed_.find(key);
  if (it != parsed_.end() && it->second->text == text) return it->second;
  auto m = std::make_shared<ParsedModule>();
  m->path = key;
  m->text = text;
  m->starts = lineStarts(m->text);
  m->id = m->sources.add(display, key, std::move(text));
  Diagnostics diags;
  m->ast = syntax::parse(m->sources, m->id, diags);
  m->hasErrors = diags.hasErrors();
  const bool isFile = key.find("://") == std::string::npos;
  for (const auto& decl : m->ast.decls) {
    if (const auto* imp = std::get_if<ast::Import>(&decl)) {
      ParsedModule::Import i;
      i.spec = imp->path.text;
      i.name = imp->alias ? imp->alias->text : importName(i.spec);
      i.resolved = resolveImport(isFile ? key : std::string(), i.spec);
      i.span = imp->path.span;
      m->imports.push_back(std::move(i));
    }
  }
  parsed_[key] = m;
  // Keep the cache bounded: modules are small, but a session can touch many.
  if (parsed_.size() > 256) parsed_.clear(), parsed_[key] = m;
  return m;
}

std::shared_ptr<const ParsedModule> Workspace::parsedDocument(Document& d) {
  const std::string key = d.path.empty() ? d.uri : d.path;
  return parse(key, d.path.empty() ? d.uri : d.path, d.text.text());
}

std::shared_ptr<const ParsedModule> Workspace::parsedPath(const std::string& path) {
  if (path.empty()) return nullptr;
  auto text = readSource(path);
  if (!text) return nullptr;
  return parse(path, path, std::move(*text));
}

std::optional<Workspace::DeclRef> Workspace::resolveDecl(const std::shared_ptr<const ParsedModule>& from,
                                                         const std::string& name, bool fragment) {
  if (!from) return std::nullopt;
  auto inModule = [&](const std::shared_ptr<const ParsedModule>& m, const std::string& n) -> std::optional<DeclRef> {
    if (!m) return std::nullopt;
    const ast::PolicyDecl* any = nullptr;
    for (const auto& decl : m->ast.decls)
      if (const auto* p = std::get_if<ast::PolicyDecl>(&decl); p && p->name.text == n) {
        if (p->isFragment == fragment) return DeclRef{m, p};
        if (!any) any = p;
      }
    if (any) return DeclRef{m, any};
    return std::nullopt;
  };
  // Qualified: module.name (the module's visible name may itself contain dots: try the longest first).
  for (std::size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0; dot = name.rfind('.', dot - 1)) {
    const std::string mod = name.substr(0, dot), rest = name.substr(dot + 1);
    for (const auto& imp : from->imports)
      if (imp.name == mod && !imp.resolved.empty())
        if (auto r = inModule(parsedPath(imp.resolved), rest)) return r;
    if (dot == 0) break;
  }
  return inModule(from, name);
}

std::vector<GroupInfo> Workspace::visibleGroups(const std::shared_ptr<const ParsedModule>& from) {
  std::vector<GroupInfo> out;
  if (!from) return out;
  std::vector<std::shared_ptr<const ParsedModule>> queue{from};
  std::set<std::string> seen{from->path};
  for (std::size_t i = 0; i < queue.size() && i < 64; ++i) {
    auto m = queue[i];
    for (const auto& decl : m->ast.decls) {
      const auto* g = std::get_if<ast::GroupDecl>(&decl);
      if (!g) continue;
      GroupInfo info;
      info.name = g->name.text;
      info.description = g->description ? g->description->text : std::string();
      for (const auto& st : g->statements)
        for (const auto& cl : st.clauses)
          for (const auto& t : cl.terms) info.members.push_back(t.head.text);
      info.module = m;
      info.nameSpan = g->name.span;
      out.push_back(std::move(info));
    }
    for (const auto& imp : m->imports)
      if (!imp.resolved.empty() && seen.insert(imp.resolved).second)
        if (auto pm = parsedPath(imp.resolved)) queue.push_back(pm);
  }
  return out;
}

std::vector<GroupInfo> Workspace::stdlibGroups() {
  const std::string p = resolveImport({}, "std/syscalls");
  return visibleGroups(parsedPath(p));
}

std::vector<std::string> Workspace::moduleNames() const {
  std::set<std::string> names;
  for (const auto& dir : searchPath_) {
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    std::size_t count = 0;
    for (; !ec && it != end && count < 2000; it.increment(ec), ++count) {
      if (it.depth() > 4) {
        it.disable_recursion_pending();
        continue;
      }
      const fs::path& p = it->path();
      if (p.extension() != ".ward" || !it->is_regular_file(ec)) continue;
      std::string rel = fs::relative(p, dir, ec).replace_extension().generic_string();
      if (!ec && !rel.empty()) names.insert(rel);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace ward::lsp
