// Hover, completion, definition, document symbols, formatting and code actions.
#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "base/diagnostics.h"
#include "lsp/workspace.h"
#include "sema/names.h"
#include "syntax/parse.h"
#include "base/strings.h"

namespace ward::lsp {

namespace {

// LSP CompletionItemKind / SymbolKind values used here.
namespace ck {
constexpr int Function = 3, Field = 5, Class = 7, Interface = 8, Module = 9, Property = 10, Value = 12, Enum = 13,
              Keyword = 14, File = 17, EnumMember = 20, Constant = 21, Struct = 22;
}
namespace sk {
constexpr int Module = 2, Namespace = 3, Class = 5, Enum = 10, Interface = 11;
}

const std::set<std::string, std::less<>>& ruleVerbs() {
  static const std::set<std::string, std::less<>> v{"allow", "deny", "kill", "kill_thread", "trap", "log"};
  return v;
}


std::string stringValue(std::string_view quoted) {
  if (quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"') return std::string(quoted.substr(1, quoted.size() - 2));
  if (!quoted.empty() && quoted.front() == '"') return std::string(quoted.substr(1));
  return std::string(quoted);
}

// The comment lines directly above a declaration (its documentation).
std::string leadingComment(const ParsedModule& m, const Span& declSpan) {
  std::vector<std::string> lines;
  std::uint32_t want = declSpan.line;
  for (auto it = m.ast.comments.rbegin(); it != m.ast.comments.rend(); ++it) {
    if (it->span.endLine >= want) continue;
    if (it->span.endLine + 1 != want) break;
    std::string t = it->text;
    if (startsWith(t, "//")) t = t.substr(2);
    if (!t.empty() && t.front() == ' ') t.erase(0, 1);
    lines.push_back(t);
    want = it->span.line;
  }
  std::reverse(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Docker's default capability set (moby/oci/caps/defaults.go).
bool inDockerDefaults(std::string_view cap) {
  static const std::set<std::string, std::less<>> caps{"chown",  "dac_override", "fsetid",     "fowner",
                                                       "mknod",  "net_raw",      "setgid",     "setuid",
                                                       "setfcap", "setpcap",     "net_bind_service",
                                                       "sys_chroot", "kill",     "audit_write"};
  return caps.count(cap) > 0;
}

json item(std::string label, int kind, std::string detail = {}) {
  json j{{"label", std::move(label)}, {"kind", kind}};
  if (!detail.empty()) j["detail"] = std::move(detail);
  return j;
}

}  // namespace

// ---- hover -----------------------------------------------------------------------------------------------

std::string Workspace::groupHover(const GroupInfo& g) const {
  std::string out = fmt::format("**{}** — syscall group", g.name);
  if (!g.description.empty()) out += "\n\n" + g.description;
  out += fmt::format("\n\n{} member{}: ", g.members.size(), g.members.size() == 1 ? "" : "s");
  const std::size_t shown = std::min<std::size_t>(g.members.size(), 60);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + std::string("`") + g.members[i] + "`";
  if (shown < g.members.size()) out += fmt::format(", … ({} more)", g.members.size() - shown);
  if (g.module) out += fmt::format("\n\nDeclared in `{}`", g.module->sources.displayName(g.module->id));
  return out;
}

std::string Workspace::syscallHover(const std::string& name) {
  const names::SyscallInfo* info = names::findSyscall(name);
  if (!info) return {};
  std::string out = fmt::format("**{}** — system call\n\n| arch | number |\n|---|---|\n", name);
  const auto& arches = names::archNames();
  for (int a = 0; a < names::kArchCount; ++a) {
    std::string num = "—";
    if (info->number[a]) {
      const int n = *info->number[a];
      if (n < 0) num = fmt::format("{} (multiplexed: {})", n, a == 1 ? "socketcall(2)/ipc(2)" : "pseudo");
      else if (a == 2) num = fmt::format("{:#x} ({} + x32 bit)", n, n & ~0x40000000);
      else num = std::to_string(n);
    }
    out += fmt::format("| {} | {} |\n", arches[static_cast<std::size_t>(a)], num);
  }
  const auto& params = names::syscallParams(name);
  if (!params.empty()) {
    out += "\nArguments: ";
    for (std::size_t i = 0; i < params.size(); ++i) out += fmt::format("{}`{}` (arg{})", i ? ", " : "", params[i], i);
    out += "\n";
  }
  // Its stdlib group.
  std::vector<std::string> primary, composite;
  for (const auto& g : stdlibGroups()) {
    if (std::find(g.members.begin(), g.members.end(), name) == g.members.end()) continue;
    (startsWith(g.description, "composite:") ? composite : primary).push_back(g.name);
  }
  if (!primary.empty() || !composite.empty()) {
    out += "\nstdlib group: ";
    for (std::size_t i = 0; i < primary.size(); ++i) out += (i ? ", `" : "`") + primary[i] + "`";
    if (!composite.empty()) {
      out += primary.empty() ? "" : " (also in ";
      for (std::size_t i = 0; i < composite.size(); ++i) out += (i ? ", `" : "`") + composite[i] + "`";
      out += primary.empty() ? "" : ")";
    }
    out += "\n";
  }
  for (const auto& r : names::runtimeSyscalls())
    if (r.name == name) out += fmt::format("\n⚠ The container runtime needs it after the filter is installed: {}\n", r.why);
  // What the stock profiles do with it.
  if (!docker_) docker_ = StockProfile::loadDocker(options_.dockerProfile);
  if (!lxc_) lxc_ = StockProfile::loadLxc(options_.lxcSeccomp);
  if (*docker_) out += "\n**Docker default profile:** " + (*docker_)->describe(name) + "\n";
  if (*lxc_) out += "\n**LXC default (common.seccomp):** " + (*lxc_)->describe(name) + "\n";
  return out;
}

json Workspace::hover(const json& params) {
  Document& d = require(params);
  const auto& toks = tokens(d);
  const std::uint32_t off = offsetOf(d, params.at("position"));
  const Token* t = tokenAt(toks, off);
  if (!t || t->kind == Token::Kind::Punct || t->kind == Token::Kind::Comment) return nullptr;
  const Context ctx = contextAt(d.text.text(), toks, t->begin);
  const std::string word(t->text);
  std::string md;
  auto first = [&](std::string_view w) { return !ctx.statement.empty() && ctx.statement[0].is(w); };

  if (t->kind == Token::Kind::Ident && isKeyword(word)) {
    if (const char* k = keywordDoc(word)) md = k;
  } else if (t->kind == Token::Kind::Group) {
    auto doc = parsedDocument(d);
    for (const auto& g : visibleGroups(doc))
      if (g.name == word) { md = groupHover(g); break; }
    if (md.empty())
      for (const auto& g : stdlibGroups())
        if (g.name == word) { md = groupHover(g) + "\n\n(not visible here: `import \"std/syscalls\";`)"; break; }
  } else if (t->kind == Token::Kind::String) {
    if (first("import")) {
      const std::string spec = stringValue(word);
      const std::string resolved = resolveImport(d.path, spec);
      md = resolved.empty() ? fmt::format("module `{}` — not found in the search path", spec)
                            : fmt::format("module `{}`\n\n`{}`", spec, resolved);
    }
  } else if (t->kind == Token::Kind::Ident) {
    const bool header = ctx.where == Context::Where::TopLevel && (first("policy") || first("fragment"));
    const bool inExtends = header && std::any_of(ctx.statement.begin(), ctx.statement.end(),
                                                 [](const Token& x) { return x.is("extends"); });
    if (inExtends || (ctx.where == Context::Where::PolicyBody && first("use"))) {
      if (auto ref = resolveDecl(parsedDocument(d), word, !inExtends)) {
        md = fmt::format("{} **{}** — `{}`:{}", ref->decl->isFragment ? "fragment" : "policy", word,
                         ref->module->sources.displayName(ref->module->id), ref->decl->name.span.line);
        std::string doc = leadingComment(*ref->module, ref->decl->span);
        if (!doc.empty()) md += "\n\n```\n" + doc + "```";
      }
    } else if (ctx.where == Context::Where::PolicyBody && ctx.statement.empty()) {
      if (const char* s = sectionDoc(word)) md = s;
    } else if (ctx.where == Context::Where::Section && ctx.statement.empty()) {
      if (std::string v = verbDoc(ctx.section, word); !v.empty()) md = v;
      else if (const auto* l = names::findLimit(word); l && ctx.section == "limits")
        md = fmt::format("**{}** — limit\n\n{}", l->name, l->description);
      else if (ctx.section == "sysctl")
        md = fmt::format("**{}** — sysctl, {}", word,
                         names::sysctlIsNamespaced(word) ? "namespaced (per container)"
                                                         : "**not namespaced**: it would change the host (E0504)");
    }
    if (md.empty()) {
      const bool calls = ctx.where == Context::Where::GroupBody || ctx.section == "syscalls";
      if (options_.escapes)
        if (const auto* e = options_.escapes->find(word)) md = e->markdown.empty() ? "**" + e->id + "** — " + e->title : e->markdown;
      if (md.empty())
        if (const auto* e = names::findErrno(word); e && startsWith(word, "E"))
          md = fmt::format("**{}** = {} — {}", e->name, e->number, e->description);
      if (md.empty())
        if (auto c = names::findConstant(word)) md = fmt::format("**{}** = {:#x} ({})", word, *c, *c);
      if (md.empty() && (ctx.section == "capabilities" || !calls))
        if (const auto* c = names::findCapability(word))
          md = fmt::format("**CAP_{}** ({}) — capability\n\n{}\n\nIn Docker's default set: {}", [&] {
                             std::string up(c->name);
                             for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                             return up;
                           }(), c->number, c->description, inDockerDefaults(c->name) ? "yes" : "no");
      if (md.empty() && (calls || ctx.where == Context::Where::Section || ctx.where == Context::Where::Other))
        md = syscallHover(word);
    }
  }
  if (md.empty()) return nullptr;
  return {{"contents", {{"kind", "markdown"}, {"value", md}}},
          {"range", rangeJson({d.text.positionAt(t->begin), d.text.positionAt(t->end)})}};
}

// ---- completion ------------------------------------------------------------------------------------------

json Workspace::completion(const json& params) {
  Document& d = require(params);
  const auto& toks = tokens(d);
  const std::uint32_t off = offsetOf(d, params.at("position"));
  const Context ctx = contextAt(d.text.text(), toks, off);
  json items = json::array();
  if (ctx.inComment) return items;

  // The range the chosen item replaces: the word typed so far.
  std::uint32_t from = off;
  if (ctx.hasWord) from = ctx.word.kind == Token::Kind::String ? ctx.word.begin + 1 : ctx.word.begin;
  const json editRange = rangeJson({d.text.positionAt(from), d.text.positionAt(off)});
  auto add = [&](std::string label, int kind, std::string detail = {}) {
    json j = item(label, kind, std::move(detail));
    j["textEdit"] = {{"range", editRange}, {"newText", label}};
    items.push_back(std::move(j));
  };
  auto addAll = [&](const std::vector<std::string>& words, int kind, const std::string& detail = {}) {
    for (const auto& w : words) add(w, kind, detail);
  };
  auto addSyscalls = [&] {
    for (const auto& s : names::syscalls())
      add(s.name, ck::Function, s.number[0] ? fmt::format("syscall {} on x86_64", *s.number[0]) : "syscall (not on x86_64)");
  };
  auto addGroups = [&] {
    for (const auto& g : visibleGroups(parsedDocument(d))) add(g.name, ck::Enum, g.description);
  };
  const auto& st = ctx.statement;
  auto first = [&](std::string_view w) { return !st.empty() && st[0].is(w); };
  const Token* last = st.empty() ? nullptr : &st.back();
  auto lastIs = [&](std::string_view w) { return last && last->is(w); };
  auto lastPunct = [&](char c) { return last && last->punct() == c; };

  if (ctx.inString) {
    if (first("import") && st.size() == 1) {
      for (const auto& m : moduleNames()) add(m, ck::Module, "module");
    }
    return items;
  }
  // `@` anywhere a target may be written: groups.
  if (ctx.hasWord && ctx.word.kind == Token::Kind::Group) {
    addGroups();
    return items;
  }

  switch (ctx.where) {
    case Context::Where::TopLevel: {
      if (st.empty()) {
        for (const char* k : {"import", "policy", "fragment", "group"}) add(k, ck::Keyword, keywordDoc(k) ? "keyword" : "");
      } else if (first("policy") && (lastIs("extends") || (lastPunct(',') && std::any_of(st.begin(), st.end(), [](const Token& x) { return x.is("extends"); })))) {
        auto doc = parsedDocument(d);
        const std::string self = st.size() > 1 ? std::string(st[1].text) : std::string();
        for (const auto& decl : doc->ast.decls)
          if (const auto* p = std::get_if<ast::PolicyDecl>(&decl); p && !p->isFragment && p->name.text != self)
            add(p->name.text, ck::Class, "policy");
        for (const auto& imp : doc->imports) {
          auto m = parsedPath(imp.resolved);
          if (!m) continue;
          for (const auto& decl : m->ast.decls)
            if (const auto* p = std::get_if<ast::PolicyDecl>(&decl); p && !p->isFragment)
              add(imp.name + "." + p->name.text, ck::Class, "policy in " + imp.spec);
        }
      } else if ((first("policy") || first("fragment")) && st.size() == 2 && first("policy")) {
        add("extends", ck::Keyword);
      } else if (first("import") && st.size() == 2 && st[1].kind == Token::Kind::String) {
        add("as", ck::Keyword);
      }
      break;
    }
    case Context::Where::PolicyBody: {
      if (st.empty()) {
        for (const auto& s : names::sectionNames()) add(s, ck::Struct, "section");
        add("use", ck::Keyword);
      } else if (first("use")) {
        auto doc = parsedDocument(d);
        for (const auto& decl : doc->ast.decls)
          if (const auto* p = std::get_if<ast::PolicyDecl>(&decl); p && p->isFragment) add(p->name.text, ck::Interface, "fragment");
        for (const auto& imp : doc->imports) {
          auto m = parsedPath(imp.resolved);
          if (!m) continue;
          for (const auto& decl : m->ast.decls)
            if (const auto* p = std::get_if<ast::PolicyDecl>(&decl); p && p->isFragment)
              add(imp.name + "." + p->name.text, ck::Interface, "fragment in " + imp.spec);
        }
      }
      break;
    }
    case Context::Where::GroupBody:
      addSyscalls();
      addGroups();
      break;
    case Context::Where::Section: {
      const std::string& sec = ctx.section;
      if (st.empty()) {
        if (sec == "limits") {
          for (const auto& l : names::limits()) add(std::string(l.name), ck::Property, std::string(l.description));
        } else if (sec == "sysctl") {
          for (const auto& p : names::namespacedSysctlPatterns()) add(p, ck::Property, "namespaced sysctl");
        } else {
          for (const auto& v : names::sectionVerbs(sec)) add(v, ck::Keyword, verbDoc(sec, v).empty() ? "" : "verb");
        }
        break;
      }
      if (sec == "syscalls") {
        if (lastIs("errno")) {
          for (const auto& e : names::errnos()) add(std::string(e.name), ck::EnumMember, std::string(e.description));
        } else if ((first("default") || first("foreign")) && st.size() == 1) {
          addAll(syscallActions(), ck::Keyword, "action");
        } else if (first("arch")) {
          addAll(names::archNames(), ck::EnumMember, "architecture");
        } else if (!st.empty() && st[0].kind == Token::Kind::Ident && ruleVerbs().count(st[0].text)) {
          if (ctx.parenDepth > 0) {
            // Inside name(...): the call's parameter names and the argument constants.
            std::string call;
            int depth = 0;
            for (auto it = st.rbegin(); it != st.rend(); ++it) {
              if (it->punct() == ')') ++depth;
              if (it->punct() == '(') {
                if (depth == 0) {
                  if (std::next(it) != st.rend()) call = std::string(std::next(it)->text);
                  break;
                }
                --depth;
              }
            }
            for (const auto& p : names::syscallParams(call)) add(p, ck::Field, "argument of " + call);
            for (int i = 0; i < 6; ++i) add(fmt::format("arg{}", i), ck::Field, "argument");
            for (const auto& c : names::constants()) add(std::string(c.name), ck::Constant, fmt::format("{:#x}", c.value));
          } else {
            if (st[0].is("deny") && st.size() >= 2 && !lastPunct(',')) add("errno", ck::Keyword);
            addSyscalls();
            addGroups();
          }
        }
      } else if (sec == "capabilities") {
        if (first("keep") || first("drop")) {
          for (const auto& c : names::capabilities()) add(std::string(c.name), ck::EnumMember, std::string(c.description));
          if (first("keep")) add("all", ck::Keyword, "every capability (needs identity { privileged })");
        }
      } else if (sec == "verify") {
        if (first("accept") && st.size() == 1 && options_.escapes)
          for (const auto* e : options_.escapes->all()) add(e->id, ck::EnumMember, e->title);
        if (first("fail_on")) addAll({"critical", "high", "medium"}, ck::Value);
      } else if (sec == "network") {
        if ((first("listen") || first("connect")) && st.size() == 1) addAll({"tcp", "udp"}, ck::Value);
        if ((first("ipv6") || first("unix") || first("ipv6_router_advertisements")) && st.size() == 1) addAll({"on", "off"}, ck::Value);
        if (first("families") && st.size() == 1) add("any", ck::Value, "restrict no socket family");
      } else if (sec == "mounts") {
        if ((first("proc") || first("sys") || first("cgroup")) && st.size() == 1) addAll({"ro", "mixed", "rw", "off"}, ck::Value);
        if (first("bind") && st.size() >= 2) addAll({"at", "ro", "rw", "noexec", "optional"}, ck::Keyword);
      } else if (sec == "identity") {
        if (first("idmap") && st.size() == 1) addAll({"auto", "none", "uid", "gid"}, ck::Value);
        if (first("no_new_privs") && st.size() == 1) addAll({"on", "off"}, ck::Value);
      } else if (sec == "files") {
        if ((first("owner") || first("deny")) && st.size() == 1)
          addAll({"read", "write", "append", "exec", "link", "lock"}, ck::Keyword);
      } else if (sec == "apparmor") {
        if (first("nesting") && st.size() == 1) addAll({"on", "off"}, ck::Value);
      } else if (sec == "selinux") {
        if (first("categories") && st.size() == 1) add("auto", ck::Value);
      }
      break;
    }
    case Context::Where::Other:
      break;
  }
  return items;
}

// ---- definition -----------------------------------------------------------------------------------------

json Workspace::definition(const json& params) {
  Document& d = require(params);
  const auto& toks = tokens(d);
  const std::uint32_t off = offsetOf(d, params.at("position"));
  const Token* t = tokenAt(toks, off);
  if (!t) return nullptr;
  const Context ctx = contextAt(d.text.text(), toks, t->begin);
  const auto& st = ctx.statement;
  auto first = [&](std::string_view w) { return !st.empty() && st[0].is(w); };
  auto location = [&](const std::string& path, const Range& r) {
    return json{{"uri", pathToUri(path)}, {"range", rangeJson(r)}};
  };
  auto declLocation = [&](const std::shared_ptr<const ParsedModule>& m, const Span& nameSpan) {
    const std::string uri = m->path.find("://") != std::string::npos ? m->path : pathToUri(m->path);
    for (const auto& [u, doc] : docs_)  // an open document keeps its own URI (it may not be a file URI)
      if ((!doc.path.empty() && doc.path == m->path) || u == m->path) return json{{"uri", u}, {"range", rangeJson(m->range(nameSpan))}};
    return json{{"uri", uri}, {"range", rangeJson(m->range(nameSpan))}};
  };

  if (t->kind == Token::Kind::String && ctx.where == Context::Where::TopLevel && first("import")) {
    const std::string resolved = resolveImport(d.path, stringValue(t->text));
    if (resolved.empty()) return nullptr;
    return location(resolved, {});
  }
  if (t->kind == Token::Kind::Group) {
    for (const auto& g : visibleGroups(parsedDocument(d)))
      if (g.name == t->text) return declLocation(g.module, g.nameSpan);
    return nullptr;
  }
  if (t->kind != Token::Kind::Ident || isKeyword(t->text)) return nullptr;
  const bool header = ctx.where == Context::Where::TopLevel && (first("policy") || first("fragment"));
  const bool inExtends =
      header && std::any_of(st.begin(), st.end(), [](const Token& x) { return x.is("extends"); });
  const bool inUse = ctx.where == Context::Where::PolicyBody && first("use");
  if (inExtends || inUse) {
    if (auto ref = resolveDecl(parsedDocument(d), std::string(t->text), inUse))
      return declLocation(ref->module, ref->decl->name.span);
    return nullptr;
  }
  // An import alias used elsewhere (`as logging`): the module.
  if (ctx.where == Context::Where::TopLevel && first("import") && !st.empty() && st.back().is("as")) {
    if (st.size() >= 2 && st[1].kind == Token::Kind::String) {
      const std::string resolved = resolveImport(d.path, stringValue(st[1].text));
      if (!resolved.empty()) return location(resolved, {});
    }
  }
  return nullptr;
}

// ---- document symbols -----------------------------------------------------------------------------------

json Workspace::documentSymbol(const json& params) {
  Document& d = require(params);
  auto m = parsedDocument(d);
  json out = json::array();
  auto sym = [&](const std::string& name, int kind, const Span& whole, const Span& sel, const std::string& detail) {
    Range r = m->range(whole), s = sel.valid() ? m->range(sel) : r;
    auto before = [](Position a, Position b) { return a.line < b.line || (a.line == b.line && a.character <= b.character); };
    if (!before(r.start, s.start) || !before(s.end, r.end)) s = r;  // selectionRange must lie inside range
    json j{{"name", name.empty() ? std::string("(unnamed)") : name}, {"kind", kind}, {"range", rangeJson(r)},
           {"selectionRange", rangeJson(s)}};
    if (!detail.empty()) j["detail"] = detail;
    return j;
  };
  for (const auto& decl : m->ast.decls) {
    if (const auto* imp = std::get_if<ast::Import>(&decl)) {
      out.push_back(sym(imp->path.text, sk::Module, imp->span, imp->path.span, imp->alias ? "as " + imp->alias->text : ""));
    } else if (const auto* p = std::get_if<ast::PolicyDecl>(&decl)) {
      std::string detail;
      for (std::size_t i = 0; i < p->extends.size(); ++i) detail += (i ? ", " : "extends ") + p->extends[i].text();
      json j = sym(p->name.text, p->isFragment ? sk::Interface : sk::Class, p->span, p->name.span,
                   detail.empty() ? (p->isFragment ? "fragment" : "policy") : detail);
      json children = json::array();
      for (const auto& member : p->members)
        if (const auto* s = std::get_if<ast::Section>(&member))
          children.push_back(sym(s->name.text, sk::Namespace, s->span, s->name.span,
                                 fmt::format("{} statement{}", s->statements.size(), s->statements.size() == 1 ? "" : "s")));
      j["children"] = std::move(children);
      out.push_back(std::move(j));
    } else if (const auto* g = std::get_if<ast::GroupDecl>(&decl)) {
      out.push_back(sym(g->name.text, sk::Enum, g->span, g->name.span, g->description ? g->description->text : ""));
    }
  }
  return out;
}

// ---- formatting -----------------------------------------------------------------------------------------

json Workspace::formatting(const json& params) {
  Document& d = require(params);
  SourceManager sources;
  FileId id = sources.add(d.path.empty() ? d.uri : d.path, d.path, d.text.text());
  Diagnostics diags;
  ast::File file = syntax::parse(sources, id, diags);
  if (diags.hasErrors())
    throw RequestError{-32803, "cannot format: the document has syntax errors (fix them first, as for `ward fmt`)"};
  std::string formatted = syntax::format(sources, file);
  if (formatted == d.text.text()) return json::array();
  return json::array({{{"range", rangeJson({{0, 0}, d.text.endPosition()})}, {"newText", std::move(formatted)}}});
}

// ---- code actions ---------------------------------------------------------------------------------------

json Workspace::codeAction(const json& params, const std::function<void(const json&)>& publish) {
  Document& d = require(params);
  ensureChecked(d, publish);
  json out = json::array();
  const json context = params.value("context", json::object());
  if (context.contains("only") && context["only"].is_array()) {
    bool wanted = false;
    for (const auto& k : context["only"])
      if (k.is_string() && (k == "quickfix" || startsWith("quickfix", k.get<std::string>()))) wanted = true;
    if (!wanted) return out;
  }
  // The diagnostics to fix: those the client sent, matched to ours (which carry the fixes).
  std::vector<json> candidates;
  if (context.contains("diagnostics") && context["diagnostics"].is_array())
    for (const auto& cd : context["diagnostics"]) {
      if (!cd.is_object()) continue;
      json match = cd;
      if (!cd.contains("data"))
        for (const auto& ours : d.diagnostics)
          if (ours.value("range", json()) == cd.value("range", json()) && ours.value("message", "") == cd.value("message", "") &&
              ours.contains("data"))
            match["data"] = ours["data"];
      candidates.push_back(std::move(match));
    }
  if (candidates.empty() && params.contains("range")) {  // no context: ours that overlap the range
    const auto& r = params["range"];
    const Position rs{r.at("start").at("line").get<std::uint32_t>(), r.at("start").at("character").get<std::uint32_t>()};
    const Position re{r.at("end").at("line").get<std::uint32_t>(), r.at("end").at("character").get<std::uint32_t>()};
    for (const auto& ours : d.diagnostics) {
      const auto& dr = ours["range"];
      const Position ds{dr["start"]["line"].get<std::uint32_t>(), dr["start"]["character"].get<std::uint32_t>()};
      const Position de{dr["end"]["line"].get<std::uint32_t>(), dr["end"]["character"].get<std::uint32_t>()};
      auto le = [](Position a, Position b) { return a.line < b.line || (a.line == b.line && a.character <= b.character); };
      if (le(ds, re) && le(rs, de)) candidates.push_back(ours);
    }
  }
  static const std::regex didYouMean(R"(did you mean ['`"]([^'`"]+)['`"])");
  for (const auto& diag : candidates) {
    std::vector<json> edits;
    if (diag.contains("data") && diag["data"].is_object() && diag["data"].contains("fixes"))
      for (const auto& f : diag["data"]["fixes"]) edits.push_back(f);
    if (edits.empty() && diag.contains("message") && diag["message"].is_string() && diag.contains("range")) {
      // "unknown X 'foo'; did you mean 'bar'?" with the span on the word: replace it.
      const std::string msg = diag["message"].get<std::string>();
      std::smatch m;
      const auto& r = diag["range"];
      if (std::regex_search(msg, m, didYouMean) && r["start"]["line"] == r["end"]["line"]) {
        const std::uint32_t b = d.text.offsetAt({r["start"]["line"].get<std::uint32_t>(), r["start"]["character"].get<std::uint32_t>()});
        const std::uint32_t e = d.text.offsetAt({r["end"]["line"].get<std::uint32_t>(), r["end"]["character"].get<std::uint32_t>()});
        const std::string current = d.text.text().substr(b, e - b);
        const bool word = !current.empty() && current.size() <= 128 &&
                          std::all_of(current.begin(), current.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '@';
                          });
        // Only when the diagnostic's first quoted word is exactly the text under its range ("unknown size
        // unit `MBi`" on `512MBi` is not a whole-word replacement).
        static const std::regex firstQuoted(R"(['`"]([^'`"]+)['`"])");
        std::smatch q;
        if (word && std::regex_search(msg, q, firstQuoted) && q[1].str() == current)
          edits.push_back({{"range", r}, {"newText", m[1].str()}});
      }
    }
    for (const auto& e : edits) {
      const std::string newText = e.value("newText", "");
      json action{{"title", newText.empty() ? std::string("Remove") : fmt::format("Change to '{}'", newText)},
                  {"kind", "quickfix"},
                  {"diagnostics", json::array({diag})},
                  {"isPreferred", edits.size() == 1},
                  {"edit", {{"changes", {{d.uri, json::array({e})}}}}}};
      out.push_back(std::move(action));
    }
  }
  return out;
}

}  // namespace ward::lsp
