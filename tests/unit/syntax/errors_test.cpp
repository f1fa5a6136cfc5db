// Syntax errors: the right code at the right line:col, friendly messages, and no crash for any input.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "syntax/parse.h"

namespace ward::syntax {
namespace {

struct Result {
  SourceManager sm;
  Diagnostics diags;
  ast::File file;
};

std::unique_ptr<Result> run(std::string text) {
  auto r = std::make_unique<Result>();
  FileId id = r->sm.add("t.ward", "t.ward", std::move(text));
  r->file = parse(r->sm, id, r->diags);
  return r;
}

std::string dump(const Diagnostics& d) {
  std::string s;
  for (const auto& x : d.items())
    s += x.code + " " + std::to_string(x.span.line) + ":" + std::to_string(x.span.col) + " " + x.message + "\n";
  return s;
}

// The first diagnostic, which must exist and be an error.
const Diagnostic& first(const Result& r) {
  EXPECT_FALSE(r.diags.items().empty());
  static const Diagnostic none{};
  if (r.diags.items().empty()) return none;
  EXPECT_EQ(r.diags.items()[0].severity, Severity::Error);
  return r.diags.items()[0];
}

struct Case {
  const char* name;
  std::string input;
  const char* code;
  std::uint32_t line, col;
  const char* message;  // exact text of the first diagnostic
};

class ErrorCase : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorCase, CodeLocationAndMessage) {
  const Case& c = GetParam();
  auto r = run(c.input);
  const Diagnostic& d = first(*r);
  EXPECT_EQ(d.code, c.code) << dump(r->diags);
  EXPECT_EQ(d.span.line, c.line) << dump(r->diags);
  EXPECT_EQ(d.span.col, c.col) << dump(r->diags);
  EXPECT_EQ(d.message, c.message) << dump(r->diags);
  EXPECT_EQ(d.span.file, 0u);
  // No message leaks ANTLR's vocabulary.
  for (const auto& x : r->diags.items()) {
    for (const char* leak : {"<EOF>", "IDENT", "SEMI", "RBRACE", "extraneous", "mismatched", "viable", "token recognition"})
      EXPECT_EQ(x.message.find(leak), std::string::npos) << x.message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, ErrorCase,
    ::testing::Values(
        Case{"MissingSemicolonBeforeBrace", "policy p {\n  files { read \"/x\" }\n}\n", "E0001", 2, 20,
             "expected ';' after statement"},
        Case{"MissingSemicolonAtEof", "group @g {\n  read", "E0001", 2, 7, "expected ';' after statement"},
        Case{"MissingSemicolonAfterAssignment", "policy p { s {\n  a = 1 b;\n} }", "E0001", 2, 8,
             "expected ';' after statement"},
        Case{"ExtraClosingBrace", "policy p { files { read \"/x\"; } }\n}\n", "E0001", 2, 1, "unexpected '}'"},
        Case{"MissingClosingBrace", "policy p {\n  files { read \"/x\"; }\n", "E0001", 3, 1,
             "expected '}' before end of file"},
        Case{"SectionAtTopLevel", "files { read \"/x\"; }", "E0001", 1, 1,
             "expected a declaration ('import', 'policy', 'fragment' or 'group'), found 'files'"},
        Case{"MissingPolicyName", "policy {\n}", "E0001", 1, 8, "expected a name before '{'"},
        Case{"ImportWithoutString", "import std;", "E0001", 1, 8, "expected a string, found 'std'"},
        Case{"ImportWithoutSemicolon", "import \"a\"\npolicy p {}", "E0001", 1, 11, "expected ';' after import"},
        Case{"GroupWithoutAt", "group web {}", "E0001", 1, 7, "expected a group name (@name), found 'web'"},
        Case{"ConditionWithoutOperator", "policy p { syscalls {\n  deny clone(flags);\n} }", "E0001", 2, 19,
             "expected a comparison ('==', '!=', '<', '<=', '>' or '>=') or '&', found ')'"},
        Case{"UnclosedCall", "policy p { syscalls {\n  deny clone(flags & X != 0 errno EPERM;\n} }", "E0001", 2,
             29, "expected ')' or ',', found 'errno'"},
        Case{"AssignmentWithoutValue", "policy p { sysctl { net.x = ; } }", "E0001", 1, 29,
             "expected a value before ';'"},
        Case{"KeywordAsValue", "policy p { files { read policy; } }", "E0001", 1, 24,
             "expected ';' after statement"},
        Case{"LongTokenIsTruncated", "policy p { files { read \"/x\"; } } " + std::string(100, 'z'), "E0001", 1, 35,
             "expected a declaration ('import', 'policy', 'fragment' or 'group'), found "
             "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'"},
        Case{"InvalidCharacter", "policy p { files { read \"/x\" # ; } }", "E0002", 1, 30, "unexpected character '#'"},
        Case{"InvalidCharacterRun", "policy p {\n  $$$\n}", "E0002", 2, 3, "unexpected characters '$$$'"},
        Case{"ControlCharacter", "policy p {\x01}", "E0002", 1, 11, "unexpected character U+0001"},
        Case{"NonAsciiCharacter", "policy p { files { read caf\xC3\xA9; } }", "E0002", 1, 28,
             "unexpected character '\xC3\xA9'"},
        Case{"UnterminatedString", "policy p {\n  files { read \"/etc/x; }\n}\n", "E0005", 2, 16,
             "unterminated string: a string must end with '\"' on the same line"},
        Case{"UnterminatedComment", "policy p {\n  /* no end\n}\n", "E0005", 2, 3,
             "unterminated comment: '/*' without a closing '*/'"},
        Case{"BadEscape", "policy p { files { read \"/a\\qb\"; } }", "E0007", 1, 28,
             "invalid escape '\\q' in string; use \\\", \\\\, \\n or \\t"},
        Case{"Nul", std::string("policy p {\n  files {") + '\0' + "} }", "E0006", 2, 10, "NUL byte in source"},
        Case{"UseWithoutSemicolon", "policy p {\n  use a b;\n}", "E0001", 2, 8, "expected ';' after 'use'"},
        Case{"InvalidUtf8", "policy p {\n  files { read \"/a\xFF\"; }\n}", "E0004", 2, 19,
             "invalid UTF-8 byte 0xFF"},
        Case{"TruncatedUtf8", "// caf\xC3\n", "E0004", 1, 7, "invalid UTF-8 byte 0xC3"},
        Case{"OverlongUtf8", "\xC0\xAF", "E0004", 1, 1, "invalid UTF-8: 2 bytes starting with 0xC0"},
        Case{"SurrogateUtf8", "policy p {} \xED\xA0\x80", "E0004", 1, 13, "invalid UTF-8: 3 bytes starting with 0xED"},
        Case{"DeepBraces", std::string(100000, '{'), "E0003", 1, 65,
             "braces and parentheses nest deeper than 64 levels"},
        Case{"DeepParens", "policy p { s { a" + std::string(100000, '('), "E0003", 1, 79,
             "braces and parentheses nest deeper than 64 levels"},
        Case{"DeepMixedAfterCrlf", "policy p {\r\n" + std::string(70, '{') + std::string(70, '('), "E0003", 2, 64,
             "braces and parentheses nest deeper than 64 levels"}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(Errors, MissingBraceHasNoteAtOpeningBrace) {
  auto r = run("policy p {\n  files {\n    read \"/x\";\n");
  const Diagnostic& d = first(*r);
  EXPECT_EQ(d.message, "expected '}' before end of file");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].span.line, 2u);
  EXPECT_EQ(d.notes[0].span.col, 9u);
  EXPECT_EQ(d.notes[0].message, "to match this '{'");
}

TEST(Errors, PartialTreeAfterErrors) {
  // The language server needs what could be recovered: both policies, the good statements.
  auto r = run(
      "policy a {\n"
      "  files { read \"/x\"; write = ; exec \"/bin/x\"; }\n"
      "}\n"
      "policy b { network { listen tcp 80 } }\n");
  EXPECT_TRUE(r->diags.hasErrors());
  ASSERT_EQ(r->file.decls.size(), 2u);
  const auto& a = std::get<ast::PolicyDecl>(r->file.decls[0]);
  const auto& files = std::get<ast::Section>(a.members.at(0));
  ASSERT_GE(files.statements.size(), 2u);
  EXPECT_EQ(files.statements.front().clauses.at(0).terms.at(1).head.text, "/x");
  EXPECT_EQ(files.statements.back().clauses.at(0).terms.at(1).head.text, "/bin/x");
  const auto& b = std::get<ast::PolicyDecl>(r->file.decls[1]);
  EXPECT_EQ(b.name.text, "b");
  const auto& net = std::get<ast::Section>(b.members.at(0));
  ASSERT_EQ(net.statements.size(), 1u);
  EXPECT_EQ(net.statements[0].clauses[0].terms.size(), 3u);
}

TEST(Errors, ErrorsAfterInvalidBytesKeepPositions) {
  // An invalid byte is reported and the rest of the file parses with exact positions.
  auto r = run("policy p {\xFF\xFE files { read \"/x\" } }");
  ASSERT_EQ(r->diags.items().size(), 2u) << dump(r->diags);
  EXPECT_EQ(r->diags.items()[0].code, "E0004");
  EXPECT_EQ(r->diags.items()[0].span.col, 11u);
  EXPECT_EQ(r->diags.items()[0].span.end - r->diags.items()[0].span.begin, 2u);
  EXPECT_EQ(r->diags.items()[1].code, "E0001");
  EXPECT_EQ(r->diags.items()[1].span.col, 31u);
}

TEST(Errors, BomWithError) {
  auto r = run("\xEF\xBB\xBFpolicy p {\n  files { read \"/x\" }\n}\n");
  const Diagnostic& d = first(*r);
  EXPECT_EQ(d.span.line, 2u);
  EXPECT_EQ(d.span.col, 20u);
}

TEST(Errors, CrlfColumnsAfterNonAscii) {
  auto r = run("// é\r\npolicy p {\r\n  files { read \"/é\" }\r\n}\r\n");
  const Diagnostic& d = first(*r);
  EXPECT_EQ(d.message, "expected ';' after statement");
  EXPECT_EQ(d.span.line, 3u);
  EXPECT_EQ(d.span.col, 21u);  // columns count bytes: "/é" with its quotes is 5 bytes, cols 16..20
}

TEST(Errors, TenMegabyteLinesEndQuicklyWithBoundedErrors) {
  std::mt19937 rng(42);
  const std::size_t size = 10 * 1024 * 1024;
  std::vector<std::string> inputs;
  {
    std::string s(size, ' ');
    for (auto& c : s) c = static_cast<char>(32 + rng() % 95);  // printable garbage
    inputs.push_back(std::move(s));
  }
  {
    std::string s(size, ' ');
    for (auto& c : s) c = static_cast<char>(rng() % 256);  // binary garbage
    inputs.push_back(std::move(s));
  }
  {
    std::string s;
    s.reserve(size);
    while (s.size() < size) s += "a ";  // valid tokens, nothing else
    inputs.push_back(std::move(s));
  }
  {
    std::string s = "policy p { s { ";
    while (s.size() < size) s += "x(a==1) ";  // one endless statement
    inputs.push_back(std::move(s));
  }
  inputs.push_back(std::string(size, 'x'));   // one huge identifier
  inputs.push_back(std::string(size, '"'));   // a million empty strings
  inputs.push_back("/*" + std::string(size, '*'));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = run(std::move(inputs[i]));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(r->diags.hasErrors()) << i;
    EXPECT_LE(r->diags.items().size(), Diagnostics::kMaxErrors + 1) << i;
    EXPECT_LT(secs, 20.0) << i;  // generous for sanitizer builds; release takes well under a second
    for (const auto& d : r->diags.items()) {
      EXPECT_TRUE(d.span.valid());
      EXPECT_LE(d.span.end, size + 2);
      EXPECT_LE(d.message.size(), 200u) << d.message.substr(0, 200);
    }
  }
}

TEST(Errors, ParserStopsAtTheErrorCapAndKeepsThePartialTree) {
  std::string text = "policy first { files { read \"/x\"; } }\n";
  for (int i = 0; i < 300; ++i) text += "policy p" + std::to_string(i) + " { s { a = ; } }\n";
  auto r = run(text);
  EXPECT_EQ(r->diags.errorCount(), Diagnostics::kMaxErrors + 1);  // the parser stopped right after the cap
  ASSERT_EQ(r->diags.items().size(), Diagnostics::kMaxErrors + 1);
  EXPECT_EQ(r->diags.items().back().code, "E0009");
  EXPECT_EQ(r->diags.items()[0].message, "expected a value before ';'");
  EXPECT_EQ(r->diags.items()[99].span.line, 101u);
  ASSERT_GE(r->file.decls.size(), 100u);
  EXPECT_LT(r->file.decls.size(), 150u);
  EXPECT_EQ(std::get<ast::PolicyDecl>(r->file.decls[0]).name.text, "first");
}

TEST(Errors, RandomInputsNeverCrashAndErrorsAreLocated) {
  // Mutations of a valid policy: truncations, byte flips, random insertions.
  const std::string valid =
      "import \"std/base\";\n"
      "policy web extends base.unprivileged {\n"
      "  files { read \"/etc/nginx/**\", \"/usr/share/nginx/**\"; write \"/var/log/nginx/**\"; }\n"
      "  network { listen tcp 80, 443; }\n"
      "  syscalls { default errno ENOSYS; deny clone(flags & CLONE_NEWUSER != 0) errno EPERM; }\n"
      "  limits { memory 512MiB; cpu 1.5; }\n"
      "  sysctl { net.ipv4.ip_forward = 0; }\n"
      "}\n"
      "group @g \"d\" { read, @other; }\n";
  std::mt19937 rng(7);
  const std::string alphabet = "{}();,=&|<>!@\"/*\\:.-_ \n\r\t0123456789abcxyzAZ\xC3\xA9\xFF";
  for (int i = 0; i < 2000; ++i) {
    std::string s = valid;
    switch (i % 4) {
      case 0: s = s.substr(0, rng() % s.size()); break;
      case 1: for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256); break;
      case 2: for (int k = 0; k < 3; ++k) s.insert(rng() % s.size(), 1, alphabet[rng() % alphabet.size()]); break;
      case 3: {
        std::string r(rng() % 200, ' ');
        for (auto& c : r) c = alphabet[rng() % alphabet.size()];
        s = r;
        break;
      }
    }
    auto r = run(s);
    for (const auto& d : r->diags.items()) {
      EXPECT_TRUE(d.span.valid()) << s;
      EXPECT_GE(d.span.line, 1u);
      EXPECT_GE(d.span.col, 1u);
      EXPECT_LE(d.span.end, s.size());
      EXPECT_EQ(d.code.substr(0, 3), "E00") << d.code;
    }
    // Every node of the partial tree has a span inside the file.
    for (const auto& decl : r->file.decls) {
      Span sp = std::visit([](const auto& x) { return x.span; }, decl);
      EXPECT_LE(sp.begin, sp.end);
      EXPECT_LE(sp.end, s.size());
    }
  }
}

}  // namespace
}  // namespace ward::syntax
