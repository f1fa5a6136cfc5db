// Cross-checks: every snippet of docs/language.md parses and formats idempotently; the hand-written lexer
// matches ANTLR's generated lexer; the fast AST builder (from tokens) matches the tree builder.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "syntax/internal.h"
#include "syntax/parse.h"

namespace ward::syntax {
namespace {

// ---- an AST dump with every field and span, to compare trees -----------------------------------------

std::string sp(const Span& s) {
  return "[" + std::to_string(s.begin) + "," + std::to_string(s.end) + " " + std::to_string(s.line) + ":" +
         std::to_string(s.col) + "-" + std::to_string(s.endLine) + ":" + std::to_string(s.endCol) + "]";
}
std::string dv(const ast::Value& v) {
  return "V" + std::to_string(static_cast<int>(v.kind)) + "(" + v.text + "|" + v.unit + ")" + sp(v.span);
}
std::string dvs(const std::vector<ast::Value>& vs) {
  std::string s;
  for (const auto& v : vs) s += dv(v) + " ";
  return s;
}
std::string dq(const ast::QualName& q) { return "Q(" + q.text() + ")" + sp(q.span); }
std::string dstmts(const std::vector<ast::Statement>& sts) {
  std::string s;
  for (const auto& st : sts) {
    s += "  stmt" + sp(st.span) + "\n";
    for (const auto& c : st.clauses) {
      s += "    clause" + sp(c.span) + "\n";
      for (const auto& t : c.terms) {
        s += "      term" + sp(t.span) + (t.isCall ? " call " : " ") + dv(t.head) + "\n";
        for (const auto& k : t.conditions)
          s += "        cond" + sp(k.span) + " " + dv(k.arg) + " & " + dvs(k.mask) + k.op + sp(k.opSpan) + " " +
               dvs(k.value) + "\n";
      }
    }
    if (st.assigned) s += "    = " + dv(*st.assigned) + "\n";
  }
  return s;
}
std::string dumpAst(const ast::File& f) {
  std::string s;
  for (const auto& d : f.decls) {
    if (const auto* im = std::get_if<ast::Import>(&d)) {
      s += "import" + sp(im->span) + " " + dv(im->path) + (im->alias ? " as " + dv(*im->alias) : "") + "\n";
    } else if (const auto* p = std::get_if<ast::PolicyDecl>(&d)) {
      s += (p->isFragment ? "fragment" : "policy") + sp(p->span) + " " + dv(p->name);
      for (const auto& e : p->extends) s += " ext " + dq(e);
      s += "\n";
      for (const auto& m : p->members) {
        if (const auto* u = std::get_if<ast::Use>(&m)) {
          s += " use" + sp(u->span);
          for (const auto& n : u->names) s += " " + dq(n);
          s += "\n";
        } else {
          const auto& sec = std::get<ast::Section>(m);
          s += " section" + sp(sec.span) + " " + dv(sec.name) + "\n" + dstmts(sec.statements);
        }
      }
    } else {
      const auto& g = std::get<ast::GroupDecl>(d);
      s += "group" + sp(g.span) + " " + dv(g.name) + (g.description ? " " + dv(*g.description) : "") + "\n" +
           dstmts(g.statements);
    }
  }
  for (const auto& c : f.comments) s += "comment" + sp(c.span) + " " + c.text + "\n";
  return s;
}

// The same dump without spans: formatting moves things, it must not change them.
std::string dumpShape(const ast::File& f) {
  std::string s = dumpAst(f), out;
  bool in = false;
  for (char c : s) {
    if (c == '[') in = true;
    if (!in) out += c;
    if (c == ']') in = false;
  }
  return out;
}

// ---- docs/language.md ----------------------------------------------------------------------------------

std::vector<std::string> docSnippets() {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/docs/language.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> out;
  std::string line, cur;
  bool inside = false;
  while (std::getline(ss, line)) {
    if (line.rfind("```", 0) == 0) {
      if (inside) out.push_back(cur);
      inside = !inside;
      cur.clear();
    } else if (inside) {
      cur += line + "\n";
    }
  }
  return out;
}

// A snippet as a whole file: declarations as they are, sections inside a policy, bare statements inside a
// section inside a policy.
std::string asFile(const std::string& snippet) {
  std::istringstream in(snippet);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line.compare(b, 2, "//") == 0) continue;
    std::string word = line.substr(b, line.find_first_of(" \t{", b) - b);
    if (word == "import" || word == "policy" || word == "fragment" || word == "group") return snippet;
    if (line.find('{') != std::string::npos && line.find(';') == std::string::npos) return "policy p {\n" + snippet + "}\n";
    return "policy p {\n  s {\n" + snippet + "  }\n}\n";
  }
  return snippet;
}

struct Parsed {
  SourceManager sm;
  Diagnostics diags;
  ast::File file;
  FileId id = kNoFile;
};
std::unique_ptr<Parsed> parseText(const std::string& text, bool treeWalk = false) {
  auto p = std::make_unique<Parsed>();
  p->id = p->sm.add("t.ward", "t.ward", text);
  p->file = treeWalk ? internal::parseWith(p->sm, p->id, p->diags, {true}) : parse(p->sm, p->id, p->diags);
  return p;
}
std::string dumpDiags(const Diagnostics& d) {
  std::string s;
  for (const auto& x : d.items())
    s += x.code + " " + std::to_string(x.span.line) + ":" + std::to_string(x.span.col) + " " + x.message + "\n";
  return s;
}

TEST(Docs, SnippetsAreFound) {
  auto snippets = docSnippets();
  EXPECT_GE(snippets.size(), 15u);  // one per construct of the reference
}

TEST(Docs, EverySnippetParsesAndFormatsIdempotently) {
  for (const std::string& snippet : docSnippets()) {
    const std::string text = asFile(snippet);
    auto p = parseText(text);
    ASSERT_FALSE(p->diags.hasErrors()) << text << dumpDiags(p->diags);
    EXPECT_FALSE(p->file.decls.empty()) << text;

    const std::string once = format(p->sm, p->file);
    auto q = parseText(once);
    ASSERT_FALSE(q->diags.hasErrors()) << once << dumpDiags(q->diags);
    EXPECT_EQ(format(q->sm, q->file), once) << "not idempotent:\n" << text;
    // Formatting changes layout only: same tree, same comments.
    EXPECT_EQ(dumpShape(q->file), dumpShape(p->file)) << once;
    EXPECT_EQ(q->file.comments.size(), p->file.comments.size());
  }
}

TEST(Docs, SnippetsTakeTheFastPathAndMatchTheTreeBuilder) {
  for (const std::string& snippet : docSnippets()) {
    const std::string text = asFile(snippet);
    auto fast = parseText(text);
    auto tree = parseText(text, true);
    EXPECT_EQ(dumpAst(fast->file), dumpAst(tree->file)) << text;
    EXPECT_EQ(dumpDiags(fast->diags), dumpDiags(tree->diags));
  }
}

// ---- the hand-written lexer against ANTLR's generated one --------------------------------------------

TEST(Lexer, MatchesAntlrOnSamples) {
  std::vector<std::string> samples = {
      "", " ", "a", "import as policy fragment extends group use imports as_ usex",
      "{}();,==!=<=>=<>=&|!", "\"str\" \"a\\\"b\" \"unterminated", "\"ends in backslash\\", "\"a\\\nb\"",
      "42 0x1f 0xff 0xFFg 0x 0o755 0o9 0o 007 1.5 1. .5 1.5.6 512MiB 1.5G 2MB 0xabMiB 1e5",
      "10:229 1:* *:* *:5 * *: 10: 8000-8080 80- 80-a 1-2-3 1:2:3", "@system-service @ @1 @_x a@b",
      "net.ipv4.ip_forward ESC-SYSRQ kill_thread a..b a- _", "// line\n/* block */ /* multi\nline */ /*/ */",
      "/* unterminated * / ** ", "/", "/* */*/", "$$$ # % ^ ~ ` ? [ ] \\ ' : . -", "caf\u00e9 \u2192 \U0001F600 \"\u00e9\"",
      "a\r\nb\r\n\"x\r\n", "\t\f\v", std::string("a\0b", 3)};
  for (const auto& s : docSnippets()) samples.push_back(s);
  for (const auto& s : samples)
    EXPECT_EQ(internal::compareWithAntlr(internal::decodeForTest(s)), "") << s;
}

TEST(Lexer, MatchesAntlrOnRandomInputs) {
  const std::u32string alphabet = U"aZ_x09.-@\"\\/*{}();,=!<>&|:$# \t\r\nMiBox7é→";
  std::mt19937 rng(1234);
  for (int i = 0; i < 3000; ++i) {
    std::u32string s(rng() % 40, U' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    std::string diff = internal::compareWithAntlr(s);
    ASSERT_EQ(diff, "") << "input #" << i;
  }
}

// ---- the fast AST builder against the tree builder ---------------------------------------------------

TEST(Builders, FastPathMatchesTreeWalk) {
  const std::vector<std::string> inputs = {
      "import \"std/base\"; import \"./a.ward\" as a;\n"
      "policy p extends a.b, c { use x, y.z; files { read \"/a\\n\", \"/b\"; } limits { memory 1.5GiB; } }\n"
      "fragment f {} group @g \"d\" { a, @b; } group @h { }\n",
      "policy p { syscalls { deny clone(flags & A | B != 0, x == 1 | 2) errno EPERM, f(), g(a >= 0x10); } "
      "sysctl { k.v = \"x\"; a b = 1; } devices { allow char 10:200 \"/dev/net/tun\" rw; } }",
      "// é → 😀\r\npolicy p {\r\n  files { read \"/é\"; } /* c */\r\n}\r\n",
  };
  for (const auto& text : inputs) {
    auto fast = parseText(text);
    auto tree = parseText(text, true);
    ASSERT_FALSE(fast->diags.hasErrors()) << dumpDiags(fast->diags);
    EXPECT_EQ(dumpAst(fast->file), dumpAst(tree->file)) << text;
  }
}

}  // namespace
}  // namespace ward::syntax
