#pragma once
// The language server's state: open documents, their last check, parsed modules for navigation, and the
// features (hover, completion, definition, symbols, formatting, code actions) computed from them. One
// Workspace per connection; it is only ever used from the server's worker thread.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/diagnostics.h"
#include "base/source.h"
#include "lsp/escapes.h"
#include "lsp/knowledge.h"
#include "lsp/scan.h"
#include "lsp/server.h"
#include "lsp/text.h"
#include "syntax/ast.h"

namespace ward::lsp {

using json = nlohmann::json;

// A request the client got wrong or that cannot be served; becomes a JSON-RPC error response.
struct RequestError {
  int code;
  std::string message;
};

struct Checked;  // a check's session, kept until the verifier has run on it
class VerifierCatalog;

struct VerifyJob {
  std::string uri;
  std::int64_t version = 0;
  std::shared_ptr<Checked> checked;
};
// Lowers, builds and verifies the job's policies (see escapes.h); safe on any thread.
// `hostFiles`: the state directory and subuid/subgid files to read (ServerOptions::hostFiles).
void runVerifyJob(VerifyJob& job, const VerifierCatalog& catalog, Diagnostics& findings,
                  const backend::Options& hostFiles, const EditorGate& gate = {});

// Documents larger than this are not verified as you type (`ward verify` still does): the verifier's cost
// grows faster than linearly with the number of rules.
inline constexpr std::size_t kMaxVerifyBytes = 256 * 1024;

struct Document {
  std::string uri;
  std::string path;            // absolute filesystem path; "" for a non-file URI
  std::int64_t version = 0;
  TextBuffer text;
  bool dirty = true;           // needs a check
  // The last check.
  std::int64_t checkedVersion = -1;
  json diagnostics = json::array();
  std::vector<std::string> dependencies;  // normalized paths of every file the check read
  std::shared_ptr<Checked> unverified;    // the last check, when its policies still await the verifier
  // The tokens of the current text (for completion, hover, definition), computed on demand.
  std::int64_t tokensVersion = -1;
  std::vector<Token> tokens;
};

// A file parsed for navigation (an open document or a module on disk).
struct ParsedModule {
  std::string path;            // normalized; or the URI for a non-file document
  std::string text;
  SourceManager sources;
  FileId id = kNoFile;
  ast::File ast;
  bool hasErrors = false;
  std::vector<std::uint32_t> starts;
  struct Import {
    std::string spec;          // as written
    std::string name;          // alias, or the last path component without .ward
    std::string resolved;      // normalized path, "" when not found
    Span span;                 // the string
  };
  std::vector<Import> imports;
  Range range(const Span& s) const;
};

struct GroupInfo {
  std::string name;            // @name
  std::string description;
  std::vector<std::string> members;
  std::shared_ptr<const ParsedModule> module;
  Span nameSpan;
};

class Workspace {
 public:
  explicit Workspace(ServerOptions options);

  // ---- documents ----
  void open(const std::string& uri, std::int64_t version, std::string text);
  // Applies content changes (incremental with a range, or whole-document without). Returns false when the
  // document is not open (the notification is then ignored).
  bool change(const std::string& uri, std::int64_t version, const json& changes);
  void close(const std::string& uri);
  void saved(const std::string& uri);
  Document* find(const std::string& uri);
  bool anyDirty() const;
  // Checks every dirty document (the edited ones first, then their dependents); for each, calls
  // `publish` with the publishDiagnostics params.
  void checkDirty(const std::function<void(const json&)>& publish);
  // Checks one document now if it is dirty (code actions need fresh fixes).
  void ensureChecked(Document& d, const std::function<void(const json&)>& publish);
  // The verifier runs off the worker thread: takeVerifyJobs() hands out the checked documents whose
  // policies await it, runVerifyJob() (any thread; touches nothing but the job) computes the findings, and
  // applyVerifyResult() (worker thread) publishes them with the document's diagnostics when the document
  // is still at the job's version.
  std::vector<VerifyJob> takeVerifyJobs();
  void applyVerifyResult(const VerifyJob& job, const Diagnostics& findings,
                         const std::function<void(const json&)>& publish);
  std::shared_ptr<const VerifierCatalog> verifier() const { return verifier_; }

  // ---- features (each returns the LSP result) ----
  json hover(const json& params);
  json completion(const json& params);
  json definition(const json& params);
  json documentSymbol(const json& params);
  json formatting(const json& params);  // throws RequestError when the document has syntax errors
  json codeAction(const json& params, const std::function<void(const json&)>& publish);

  const ServerOptions& options() const { return options_; }
  // initializationOptions.docsBaseUrl: where diagnostic codes link to.
  void setDocsBaseUrl(std::string url) { options_.docsBaseUrl = std::move(url); }
  const std::vector<std::string>& searchPath() const { return searchPath_; }

 private:
  Document& require(const json& params);
  void check(Document& d);
  json convert(Document& d, Checked& c, const Diagnostics& diags);
  void markDependents(const std::string& path);
  const std::vector<Token>& tokens(Document& d);
  std::uint32_t offsetOf(Document& d, const json& position);
  json rangeJson(const Range& r) const;

  std::shared_ptr<const ParsedModule> parsedDocument(Document& d);
  std::shared_ptr<const ParsedModule> parsedPath(const std::string& path);
  std::shared_ptr<const ParsedModule> parse(const std::string& key, const std::string& display, std::string text);
  std::string resolveImport(const std::string& importer, const std::string& spec) const;
  std::optional<std::string> readSource(const std::string& path) const;  // open buffer, else disk

  // Name resolution for navigation.
  struct DeclRef {
    std::shared_ptr<const ParsedModule> module;
    const ast::PolicyDecl* decl = nullptr;
  };
  std::optional<DeclRef> resolveDecl(const std::shared_ptr<const ParsedModule>& from, const std::string& name,
                                     bool fragment);
  std::vector<GroupInfo> visibleGroups(const std::shared_ptr<const ParsedModule>& from);
  std::vector<GroupInfo> stdlibGroups();
  std::vector<std::string> moduleNames() const;

  // Hover pieces.
  std::string syscallHover(const std::string& name);
  std::string groupHover(const GroupInfo& g) const;

  ServerOptions options_;
  std::vector<std::string> searchPath_;
  std::map<std::string, Document> docs_;              // by URI
  std::vector<std::string> dirtyOrder_;               // URIs, in the order they became dirty
  std::map<std::string, std::shared_ptr<const ParsedModule>> parsed_;  // by path (or URI)
  std::optional<std::optional<StockProfile>> docker_, lxc_;  // loaded on first use
  std::shared_ptr<VerifierCatalog> verifier_;
};

std::string normalizePath(const std::string& path);

}  // namespace ward::lsp
