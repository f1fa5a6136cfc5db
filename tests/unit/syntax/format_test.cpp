// `ward fmt`: the canonical layout, comment preservation and idempotence.
#include <gtest/gtest.h>

#include <string>

#include "syntax/parse.h"

namespace ward::syntax {
namespace {

// Formats `text`; `clean` reports whether it parsed without errors.
std::string fmtText(const std::string& text, bool* clean = nullptr) {
  SourceManager sm;
  Diagnostics diags;
  FileId id = sm.add("t.ward", "t.ward", text);
  ast::File f = parse(sm, id, diags);
  if (clean) *clean = !diags.hasErrors();
  return format(sm, f);
}

const char* kMessy =
    "// header comment\n"
    "\n"
    "import \"std/base\";\n"
    "import   \"./x.ward\"  as   x ;   // trailing import\n"
    "policy   web extends base.unprivileged,x.y{ // after brace\n"
    "use logs ,common.audit;\n"
    "  files{read \"/a\",\"/b\";write \"/c\";   // why   \n"
    "    // own line\n"
    "    deny write \"/etc/**\";}\n"
    "\n"
    "\n"
    "  /* block */\n"
    "  limits { memory 512MiB;  memory.high 400MiB; cpu 1.5; }\n"
    "  syscalls { deny clone(flags&CLONE_NEWUSER|CLONE_NEWNS!=0) errno EPERM; allow socket(domain==AF_INET),getpid(); }\n"
    "  sysctl { net.ipv4.ip_forward=0; }\n"
    "}\n"
    "group @g \"d \\\"q\\\"\" { read, @other; }\n"
    "fragment empty {}\n"
    "// end\n";

const char* kCanonical =
    "// header comment\n"
    "\n"
    "import \"std/base\";\n"
    "import \"./x.ward\" as x;  // trailing import\n"
    "\n"
    "policy web extends base.unprivileged, x.y {  // after brace\n"
    "  use logs, common.audit;\n"
    "  files {\n"
    "    read \"/a\", \"/b\";\n"
    "    write \"/c\";  // why\n"
    "    // own line\n"
    "    deny write \"/etc/**\";\n"
    "  }\n"
    "\n"
    "  /* block */\n"
    "  limits {\n"
    "    memory 512MiB;\n"
    "    memory.high 400MiB;\n"
    "    cpu 1.5;\n"
    "  }\n"
    "  syscalls {\n"
    "    deny clone(flags & CLONE_NEWUSER | CLONE_NEWNS != 0) errno EPERM;\n"
    "    allow socket(domain == AF_INET), getpid();\n"
    "  }\n"
    "  sysctl {\n"
    "    net.ipv4.ip_forward = 0;\n"
    "  }\n"
    "}\n"
    "\n"
    "group @g \"d \\\"q\\\"\" {\n"
    "  read, @other;\n"
    "}\n"
    "\n"
    "fragment empty {}\n"
    "// end\n";

TEST(Format, CanonicalLayout) {
  bool clean = false;
  EXPECT_EQ(fmtText(kMessy, &clean), kCanonical);
  EXPECT_TRUE(clean);
}

TEST(Format, CanonicalIsAFixedPoint) { EXPECT_EQ(fmtText(kCanonical), kCanonical); }

TEST(Format, CrlfAndBomBecomeLf) {
  std::string crlf;
  for (const char* p = kMessy; *p; ++p) {
    if (*p == '\n') crlf += '\r';
    crlf += *p;
  }
  EXPECT_EQ(fmtText("\xEF\xBB\xBF" + crlf), kCanonical);
}

TEST(Format, CommentInsideStatementMovesBeforeIt) {
  const std::string in = "policy p {\n  files {\n    read \"a\", // c\n      \"b\";\n  }\n}\n";
  const std::string want = "policy p {\n  files {\n    // c\n    read \"a\", \"b\";\n  }\n}\n";
  EXPECT_EQ(fmtText(in), want);
  EXPECT_EQ(fmtText(want), want);
}

TEST(Format, CommentsAroundClosingBracesAndEmptyBodies) {
  const std::string in =
      "policy p { // a\n"
      "  files { // b\n"
      "    // only a comment\n"
      "  } // c\n"
      "  network { none; } /* d */ // e\n"
      "  // before the end\n"
      "} // f\n";
  const std::string want =
      "policy p {  // a\n"
      "  files {  // b\n"
      "    // only a comment\n"
      "  }  // c\n"
      "  network {\n"
      "    none;\n"
      "  }  /* d */  // e\n"
      "  // before the end\n"
      "}  // f\n";
  EXPECT_EQ(fmtText(in), want);
  EXPECT_EQ(fmtText(want), want);
}

TEST(Format, BlankLinesBetweenStatementsKeptAtMostOne) {
  const std::string in = "policy p {\n  limits {\n    memory 1G;\n\n\n\n    pids 2;\n    nofile 3;\n  }\n}\n";
  const std::string want = "policy p {\n  limits {\n    memory 1G;\n\n    pids 2;\n    nofile 3;\n  }\n}\n";
  EXPECT_EQ(fmtText(in), want);
}

TEST(Format, StringsAreReescaped) {
  const std::string in = "policy p { apparmor { rule \"a\\tb\\\\c\\nd\\\"e\tf\"; } }\n";
  const std::string out = fmtText(in);
  EXPECT_NE(out.find("rule \"a\\tb\\\\c\\nd\\\"e\\tf\";"), std::string::npos) << out;
  EXPECT_EQ(fmtText(out), out);
}

TEST(Format, NumbersAndQuantitiesAsWritten) {
  const std::string out = fmtText("policy p { s { a 0x1F 0o755 007 1.50 2MB 64KiB 10:* 8000-8080; } }");
  EXPECT_NE(out.find("a 0x1F 0o755 007 1.50 2MB 64KiB 10:* 8000-8080;"), std::string::npos) << out;
}

TEST(Format, BlockCommentWithCrlfInside) {
  const std::string out = fmtText("/* a\r\n   b */\r\npolicy p {}\r\n");
  EXPECT_EQ(out, "/* a\n   b */\npolicy p {}\n");
}

TEST(Format, InputWithErrorsIsReturnedUnchanged) {
  const std::string in = "policy p {\n  files { read \"/x\" }\n";
  bool clean = true;
  EXPECT_EQ(fmtText(in, &clean), in);
  EXPECT_FALSE(clean);
}

TEST(Format, EmptyAndCommentOnlyFiles) {
  EXPECT_EQ(fmtText(""), "");
  EXPECT_EQ(fmtText("\n\n"), "");
  EXPECT_EQ(fmtText("// a\n\n\n// b"), "// a\n\n// b\n");
}

TEST(Format, ImportsGroupedOtherDeclarationsSeparated) {
  const std::string in = "import \"a\";\n\n\nimport \"b\";\npolicy p {}\n\n\n\ngroup @g { x; }\npolicy q {}";
  const std::string want = "import \"a\";\nimport \"b\";\n\npolicy p {}\n\ngroup @g {\n  x;\n}\n\npolicy q {}\n";
  EXPECT_EQ(fmtText(in), want);
}

}  // namespace
}  // namespace ward::syntax
