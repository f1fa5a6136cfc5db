// The parser: every construct of docs/language.md into the expected AST, with spans.
#include <gtest/gtest.h>

#include <string>

#include "syntax/parse.h"

namespace ward::syntax {
namespace {

struct Parsed {
  SourceManager sm;
  Diagnostics diags;
  ast::File file;
  FileId id = kNoFile;
};

std::unique_ptr<Parsed> parseText(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->id = p->sm.add("test.ward", "test.ward", std::move(text));
  p->file = parse(p->sm, p->id, p->diags);
  return p;
}

std::string dump(const Diagnostics& d) {
  std::string s;
  for (const auto& x : d.items())
    s += x.code + " " + std::to_string(x.span.line) + ":" + std::to_string(x.span.col) + " " + x.message + "\n";
  return s;
}

const ast::PolicyDecl& policyAt(const ast::File& f, std::size_t i) { return std::get<ast::PolicyDecl>(f.decls.at(i)); }
const ast::Section& sectionAt(const ast::PolicyDecl& p, std::size_t i) { return std::get<ast::Section>(p.members.at(i)); }

// The text a span covers.
std::string textOf(const Parsed& p, const Span& s) { return p.sm.file(p.id).text.substr(s.begin, s.end - s.begin); }

// One section's statements, parsed inside a policy.
std::unique_ptr<Parsed> parseSection(const std::string& body) { return parseText("policy p {\n  s {\n" + body + "\n  }\n}\n"); }

const ast::Statement& firstStatement(const Parsed& p) { return sectionAt(policyAt(p.file, 0), 0).statements.at(0); }

TEST(Parse, EmptyFile) {
  auto p = parseText("");
  EXPECT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  EXPECT_TRUE(p->file.decls.empty());
  EXPECT_EQ(p->file.file, p->id);
}

TEST(Parse, Imports) {
  auto p = parseText("import \"std/base\";\nimport \"./shared/logging.ward\" as logging;\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  ASSERT_EQ(p->file.decls.size(), 2u);
  const auto& a = std::get<ast::Import>(p->file.decls[0]);
  EXPECT_EQ(a.path.kind, ast::Value::Kind::String);
  EXPECT_EQ(a.path.text, "std/base");
  EXPECT_FALSE(a.alias.has_value());
  EXPECT_EQ(a.span.line, 1u);
  EXPECT_EQ(a.span.col, 1u);
  EXPECT_EQ(textOf(*p, a.span), "import \"std/base\";");
  const auto& b = std::get<ast::Import>(p->file.decls[1]);
  EXPECT_EQ(b.path.text, "./shared/logging.ward");
  ASSERT_TRUE(b.alias.has_value());
  EXPECT_EQ(b.alias->text, "logging");
  EXPECT_EQ(b.alias->kind, ast::Value::Kind::Ident);
  EXPECT_EQ(b.alias->span.line, 2u);
  EXPECT_EQ(b.alias->span.col, 35u);
}

TEST(Parse, PolicyExtendsUseAndSections) {
  auto p = parseText(
      "fragment logs {\n"
      "  files { write \"/var/log/app/**\"; }\n"
      "}\n"
      "\n"
      "policy app extends base.unprivileged, logging.journald {\n"
      "  use logs, common.audit;\n"
      "  files { read \"/etc/app/**\"; }\n"
      "}\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  ASSERT_EQ(p->file.decls.size(), 2u);
  const auto& frag = policyAt(p->file, 0);
  EXPECT_TRUE(frag.isFragment);
  EXPECT_EQ(frag.name.text, "logs");
  EXPECT_TRUE(frag.extends.empty());
  EXPECT_EQ(frag.span.line, 1u);
  EXPECT_EQ(frag.span.endLine, 3u);
  EXPECT_EQ(frag.span.endCol, 2u);

  const auto& app = policyAt(p->file, 1);
  EXPECT_FALSE(app.isFragment);
  EXPECT_EQ(app.name.text, "app");
  EXPECT_EQ(app.name.span.line, 5u);
  EXPECT_EQ(app.name.span.col, 8u);
  ASSERT_EQ(app.extends.size(), 2u);
  EXPECT_EQ(app.extends[0].parts, (std::vector<std::string>{"base", "unprivileged"}));
  EXPECT_EQ(app.extends[1].text(), "logging.journald");
  EXPECT_EQ(app.extends[1].span.col, 39u);
  ASSERT_EQ(app.members.size(), 2u);
  const auto& use = std::get<ast::Use>(app.members[0]);
  ASSERT_EQ(use.names.size(), 2u);
  EXPECT_EQ(use.names[0].text(), "logs");
  EXPECT_EQ(use.names[1].parts, (std::vector<std::string>{"common", "audit"}));
  EXPECT_EQ(textOf(*p, use.span), "use logs, common.audit;");
  const auto& files = sectionAt(app, 1);
  EXPECT_EQ(files.name.text, "files");
  EXPECT_EQ(files.name.kind, ast::Value::Kind::Ident);
  EXPECT_EQ(textOf(*p, files.span), "files { read \"/etc/app/**\"; }");
  ASSERT_EQ(files.statements.size(), 1u);
  EXPECT_EQ(textOf(*p, files.statements[0].span), "read \"/etc/app/**\";");
}

TEST(Parse, StatementShapeClausesAndTerms) {
  auto p = parseSection("    listen tcp 80, 443;");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& st = firstStatement(*p);
  ASSERT_EQ(st.clauses.size(), 2u);
  ASSERT_EQ(st.clauses[0].terms.size(), 3u);
  EXPECT_EQ(st.clauses[0].terms[0].head.text, "listen");
  EXPECT_EQ(st.clauses[0].terms[1].head.text, "tcp");
  EXPECT_EQ(st.clauses[0].terms[2].head.kind, ast::Value::Kind::Integer);
  EXPECT_EQ(st.clauses[0].terms[2].head.text, "80");
  ASSERT_EQ(st.clauses[1].terms.size(), 1u);
  EXPECT_EQ(st.clauses[1].terms[0].head.text, "443");
  EXPECT_EQ(st.clauses[1].terms[0].head.span.line, 3u);
  EXPECT_EQ(st.clauses[1].terms[0].head.span.col, 20u);
  EXPECT_EQ(textOf(*p, st.clauses[0].span), "listen tcp 80");
  EXPECT_EQ(st.span.line, 3u);
  EXPECT_EQ(st.span.col, 5u);
  EXPECT_EQ(st.span.endCol, 24u);
  EXPECT_FALSE(st.assigned.has_value());
}

TEST(Parse, Assignment) {
  auto p = parseSection("net.ipv4.ip_forward = 0;\nset \"lxc.environment\" = \"APP_ENV=prod\";");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& sec = sectionAt(policyAt(p->file, 0), 0);
  ASSERT_EQ(sec.statements.size(), 2u);
  const auto& a = sec.statements[0];
  ASSERT_EQ(a.clauses.size(), 1u);
  EXPECT_EQ(a.clauses[0].terms[0].head.text, "net.ipv4.ip_forward");
  ASSERT_TRUE(a.assigned.has_value());
  EXPECT_EQ(a.assigned->kind, ast::Value::Kind::Integer);
  EXPECT_EQ(a.assigned->text, "0");
  const auto& b = sec.statements[1];
  EXPECT_EQ(b.clauses[0].terms.size(), 2u);
  EXPECT_EQ(b.clauses[0].terms[1].head.text, "lxc.environment");
  ASSERT_TRUE(b.assigned.has_value());
  EXPECT_EQ(b.assigned->kind, ast::Value::Kind::String);
  EXPECT_EQ(b.assigned->text, "APP_ENV=prod");
}

TEST(Parse, ValueKinds) {
  auto p = parseSection(
      "x foo net.ipv4.ip_forward ESC-SYSRQ kill_thread \"a b\" 42 0x1f 0o755 1.5 512MiB 100ms 2MB 1.5G "
      "@system-service 10:229 1:* *:* 8000-8080;");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& terms = firstStatement(*p).clauses.at(0).terms;
  using K = ast::Value::Kind;
  struct Want {
    K kind;
    std::string text, unit;
  };
  std::vector<Want> want = {
      {K::Ident, "x", ""},          {K::Ident, "foo", ""},        {K::Ident, "net.ipv4.ip_forward", ""},
      {K::Ident, "ESC-SYSRQ", ""},  {K::Ident, "kill_thread", ""}, {K::String, "a b", ""},
      {K::Integer, "42", ""},       {K::Integer, "0x1f", ""},     {K::Integer, "0o755", ""},
      {K::Decimal, "1.5", ""},      {K::Quantity, "512", "MiB"},  {K::Quantity, "100", "ms"},
      {K::Quantity, "2", "MB"},     {K::Quantity, "1.5", "G"},    {K::Group, "@system-service", ""},
      {K::Device, "10:229", ""},    {K::Device, "1:*", ""},       {K::Device, "*:*", ""},
      {K::Range, "8000-8080", ""},
  };
  ASSERT_EQ(terms.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(terms[i].head.kind, want[i].kind) << i;
    EXPECT_EQ(terms[i].head.text, want[i].text) << i;
    EXPECT_EQ(terms[i].head.unit, want[i].unit) << i;
    EXPECT_FALSE(terms[i].isCall);
    EXPECT_EQ(terms[i].span, terms[i].head.span);
  }
  // The quantity's span covers number and unit.
  EXPECT_EQ(textOf(*p, terms[10].head.span), "512MiB");
  EXPECT_EQ(textOf(*p, terms[5].head.span), "\"a b\"");
}

TEST(Parse, StringEscapes) {
  auto p = parseSection(R"(rule "a\"b\\c\nd\te";)");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  EXPECT_EQ(firstStatement(*p).clauses[0].terms[1].head.text, "a\"b\\c\nd\te");
}

TEST(Parse, CallTermsWithConditions) {
  auto p = parseSection(
      "deny clone(flags & CLONE_NEWUSER | CLONE_NEWNS != 0) errno EPERM;\n"
      "allow socket(domain == AF_INET, type <= 0x3), personality(persona == 0 | 8), getpid();");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& sec = sectionAt(policyAt(p->file, 0), 0);
  ASSERT_EQ(sec.statements.size(), 2u);

  const auto& deny = sec.statements[0].clauses.at(0).terms;
  ASSERT_EQ(deny.size(), 4u);
  const auto& clone = deny[1];
  EXPECT_TRUE(clone.isCall);
  EXPECT_EQ(clone.head.text, "clone");
  EXPECT_EQ(textOf(*p, clone.span), "clone(flags & CLONE_NEWUSER | CLONE_NEWNS != 0)");
  ASSERT_EQ(clone.conditions.size(), 1u);
  const auto& c = clone.conditions[0];
  EXPECT_EQ(c.arg.text, "flags");
  ASSERT_EQ(c.mask.size(), 2u);
  EXPECT_EQ(c.mask[0].text, "CLONE_NEWUSER");
  EXPECT_EQ(c.mask[1].text, "CLONE_NEWNS");
  EXPECT_EQ(c.op, "!=");
  EXPECT_EQ(c.opSpan.line, 3u);
  EXPECT_EQ(c.opSpan.col, 48u);
  EXPECT_EQ(c.opSpan.end - c.opSpan.begin, 2u);
  ASSERT_EQ(c.value.size(), 1u);
  EXPECT_EQ(c.value[0].kind, ast::Value::Kind::Integer);
  EXPECT_EQ(textOf(*p, c.span), "flags & CLONE_NEWUSER | CLONE_NEWNS != 0");
  EXPECT_EQ(deny[2].head.text, "errno");
  EXPECT_EQ(deny[3].head.text, "EPERM");

  const auto& allow = sec.statements[1];
  ASSERT_EQ(allow.clauses.size(), 3u);
  const auto& socket = allow.clauses[0].terms.at(1);
  ASSERT_EQ(socket.conditions.size(), 2u);
  EXPECT_TRUE(socket.conditions[0].mask.empty());
  EXPECT_EQ(socket.conditions[0].op, "==");
  EXPECT_EQ(socket.conditions[1].arg.text, "type");
  EXPECT_EQ(socket.conditions[1].op, "<=");
  EXPECT_EQ(socket.conditions[1].value.at(0).text, "0x3");
  const auto& persona = allow.clauses[1].terms.at(0);
  EXPECT_EQ(persona.head.text, "personality");
  ASSERT_EQ(persona.conditions.at(0).value.size(), 2u);
  EXPECT_EQ(persona.conditions[0].value[1].text, "8");
  const auto& getpid = allow.clauses[2].terms.at(0);
  EXPECT_TRUE(getpid.isCall);
  EXPECT_TRUE(getpid.conditions.empty());
}

TEST(Parse, AllComparisonOperators) {
  auto p = parseSection("allow f(a == 1, b != 2, c < 3, d <= 4, e > 5, f >= 6);");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& conds = firstStatement(*p).clauses[0].terms.at(1).conditions;
  std::vector<std::string> ops;
  for (const auto& c : conds) ops.push_back(c.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"==", "!=", "<", "<=", ">", ">="}));
}

TEST(Parse, GroupDecl) {
  auto p = parseText(
      "group @web-extras \"what a web server needs beyond @system-service\" {\n"
      "  sendfile, accept4, @network-io;\n"
      "}\n"
      "group @bare { read; }\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  ASSERT_EQ(p->file.decls.size(), 2u);
  const auto& g = std::get<ast::GroupDecl>(p->file.decls[0]);
  EXPECT_EQ(g.name.kind, ast::Value::Kind::Group);
  EXPECT_EQ(g.name.text, "@web-extras");
  ASSERT_TRUE(g.description.has_value());
  EXPECT_EQ(g.description->text, "what a web server needs beyond @system-service");
  ASSERT_EQ(g.statements.size(), 1u);
  ASSERT_EQ(g.statements[0].clauses.size(), 3u);
  EXPECT_EQ(g.statements[0].clauses[2].terms[0].head.kind, ast::Value::Kind::Group);
  EXPECT_EQ(g.span.line, 1u);
  EXPECT_EQ(g.span.endLine, 3u);
  const auto& bare = std::get<ast::GroupDecl>(p->file.decls[1]);
  EXPECT_FALSE(bare.description.has_value());
  EXPECT_EQ(bare.statements.size(), 1u);
}

TEST(Parse, CommentsCollectedInOrder) {
  auto p = parseText("// head\npolicy p { /* inner\n block */ files { read \"/x\"; } // tail\n}\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  ASSERT_EQ(p->file.comments.size(), 3u);
  EXPECT_EQ(p->file.comments[0].text, "// head");
  EXPECT_EQ(p->file.comments[0].span.line, 1u);
  EXPECT_EQ(p->file.comments[1].text, "/* inner\n block */");
  EXPECT_EQ(p->file.comments[1].span.line, 2u);
  EXPECT_EQ(p->file.comments[1].span.col, 12u);
  EXPECT_EQ(p->file.comments[2].text, "// tail");
  EXPECT_EQ(p->file.comments[2].span.line, 3u);
  // Comments are not tokens: the policy parsed as usual.
  EXPECT_EQ(sectionAt(policyAt(p->file, 0), 0).statements.size(), 1u);
}

TEST(Parse, KeywordsAreNotIdentifiersButPrefixesAre) {
  auto p = parseSection("imports policy_x groups uses asx;");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  EXPECT_EQ(firstStatement(*p).clauses[0].terms.size(), 5u);
  auto q = parseSection("read policy;");
  EXPECT_TRUE(q->diags.hasErrors());
}

TEST(Parse, BomIsSkippedAndSpansAreBytes) {
  auto p = parseText("\xEF\xBB\xBFpolicy p { files { read \"/x\"; } }\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& pol = policyAt(p->file, 0);
  EXPECT_EQ(pol.span.begin, 3u);
  EXPECT_EQ(pol.span.col, 4u);  // columns count bytes
  EXPECT_EQ(textOf(*p, pol.name.span), "p");
}

TEST(Parse, NonAsciiSpansAreByteOffsets) {
  // "é" is two bytes, "→" three, "😀" four: ANTLR counts code points, spans must count bytes.
  auto p = parseText("// é → 😀\npolicy p { files { read \"/é/→/😀\", \"/b\"; } }\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& st = sectionAt(policyAt(p->file, 0), 0).statements.at(0);
  EXPECT_EQ(st.clauses[0].terms[1].head.text, "/é/→/😀");
  EXPECT_EQ(textOf(*p, st.clauses[0].terms[1].head.span), "\"/é/→/😀\"");
  EXPECT_EQ(textOf(*p, st.clauses[1].terms[0].head.span), "\"/b\"");
  EXPECT_EQ(st.clauses[1].terms[0].head.span.col, 41u);
  EXPECT_EQ(p->file.comments.at(0).text, "// é → 😀");
}

TEST(Parse, CrlfLineEndings) {
  auto p = parseText("policy p {\r\n  files {\r\n    read \"/x\";\r\n  }\r\n}\r\n");
  ASSERT_FALSE(p->diags.hasErrors()) << dump(p->diags);
  const auto& st = sectionAt(policyAt(p->file, 0), 0).statements.at(0);
  EXPECT_EQ(st.span.line, 3u);
  EXPECT_EQ(st.span.col, 5u);
  EXPECT_EQ(st.span.endLine, 3u);
  EXPECT_EQ(st.span.endCol, 15u);
  EXPECT_EQ(policyAt(p->file, 0).span.endLine, 5u);
}

TEST(Parse, NestingAtTheLimitIsNotE0003) {
  // 64 levels are allowed (they are syntax errors here, but not nesting errors).
  auto p = parseText(std::string(kMaxNesting, '{'));
  for (const auto& d : p->diags.items()) EXPECT_NE(d.code, "E0003");
  auto q = parseText(std::string(kMaxNesting + 1, '('));
  ASSERT_FALSE(q->diags.items().empty());
  EXPECT_EQ(q->diags.items()[0].code, "E0003");
  EXPECT_EQ(q->diags.items()[0].span.col, static_cast<std::uint32_t>(kMaxNesting + 1));
}

}  // namespace
}  // namespace ward::syntax
