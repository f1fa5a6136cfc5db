// UTF-16 positions over UTF-8 text, incremental edits, URIs, the framing reader and the context scanner.
#include <gtest/gtest.h>

#include "lsp/scan.h"
#include "lsp/text.h"
#include "lsp/transport.h"

namespace ward::lsp {
namespace {

TEST(LspText, Utf16Lengths) {
  EXPECT_EQ(utf16Length("abc"), 3u);
  EXPECT_EQ(utf16Length("é"), 1u);           // 2 bytes, 1 unit
  EXPECT_EQ(utf16Length("€"), 1u);           // 3 bytes, 1 unit
  EXPECT_EQ(utf16Length("😀"), 2u);          // 4 bytes, a surrogate pair
  EXPECT_EQ(utf16Length("\xff\xfe"), 2u);     // invalid bytes: one unit each
  EXPECT_EQ(utf16Length("\xe2\x82"), 2u);     // a truncated sequence
}

TEST(LspText, OffsetsAndPositions) {
  TextBuffer b("a😀b\r\nxé€z\n");
  EXPECT_EQ(b.lineCount(), 3u);
  EXPECT_EQ(b.offsetAt({0, 0}), 0u);
  EXPECT_EQ(b.offsetAt({0, 1}), 1u);
  EXPECT_EQ(b.offsetAt({0, 2}), 1u);         // inside the surrogate pair: the code point's start
  EXPECT_EQ(b.offsetAt({0, 3}), 5u);         // after the emoji
  EXPECT_EQ(b.offsetAt({0, 4}), 6u);         // end of line, before \r\n
  EXPECT_EQ(b.offsetAt({0, 99}), 6u);        // clamped to the line
  EXPECT_EQ(b.offsetAt({1, 2}), 11u);        // x é -> byte 8 + 1 + 2
  EXPECT_EQ(b.offsetAt({1, 3}), 14u);        // after €
  EXPECT_EQ(b.offsetAt({2, 0}), b.text().size());
  EXPECT_EQ(b.offsetAt({50, 3}), b.text().size());
  EXPECT_EQ(b.positionAt(5), (Position{0, 3}));
  EXPECT_EQ(b.positionAt(14), (Position{1, 3}));
  EXPECT_EQ(b.endPosition(), (Position{2, 0}));
  EXPECT_EQ(b.line(0), "a😀b");
}

TEST(LspText, IncrementalEdits) {
  TextBuffer b("policy p {\n  limits { memory 1MiB; }\n}\n");
  // Replace `memory` (line 1, characters 11..17).
  ASSERT_TRUE(b.replace({{1, 11}, {1, 17}}, "memroy"));
  EXPECT_EQ(b.line(1), "  limits { memroy 1MiB; }");
  // Insert a line with a non-BMP character, then edit after it on the same line in UTF-16 units.
  ASSERT_TRUE(b.replace({{1, 0}, {1, 0}}, "  // 😀😀 x\n"));
  EXPECT_EQ(b.line(1), "  // 😀😀 x");
  ASSERT_TRUE(b.replace({{1, 9}, {1, 10}}, "y"));  // "  // " is 5 units, the two emoji 4: the space is at 9
  EXPECT_EQ(b.line(1), "  // 😀😀yx");
  EXPECT_EQ(b.lineCount(), 5u);
  // Delete across lines.
  ASSERT_TRUE(b.replace({{1, 0}, {2, 0}}, ""));
  EXPECT_EQ(b.text(), "policy p {\n  limits { memroy 1MiB; }\n}\n");
  EXPECT_EQ(b.starts(), lineStarts(b.text()));
  EXPECT_FALSE(b.replace({{2, 0}, {1, 0}}, "x"));  // start after end: refused
}

TEST(LspText, ByteColumnsToUtf16) {
  std::string text = "é😀 read;\n";
  auto starts = lineStarts(text);
  // `read` starts at byte 8 (1-based column 8): é (2) + 😀 (4) + space -> UTF-16 column 4.
  EXPECT_EQ(fromByteColumn(text, starts, 1, 8), (Position{0, 4}));
  EXPECT_EQ(fromByteColumn(text, starts, 1, 100), (Position{0, 9}));  // clamped
  EXPECT_EQ(fromByteColumn(text, starts, 9, 1).line, 1u);             // past the end
}

TEST(LspText, Uris) {
  EXPECT_EQ(uriToPath("file:///home/a%20b/p.ward"), "/home/a b/p.ward");
  EXPECT_EQ(uriToPath("file://localhost/x.ward"), "/x.ward");
  EXPECT_EQ(uriToPath("untitled:Untitled-1"), "");
  EXPECT_EQ(uriToPath("file://server/share/x"), "");
  EXPECT_EQ(pathToUri("/home/a b/ü.ward"), "file:///home/a%20b/%C3%BC.ward");
  EXPECT_EQ(uriToPath(pathToUri("/tmp/x y#z.ward")), "/tmp/x y#z.ward");
}

std::vector<Frame> feedAll(FrameReader& r, const std::string& s) {
  std::vector<Frame> out;
  r.feed(s.data(), s.size(), out);
  return out;
}

TEST(LspFraming, SplitAndBatched) {
  FrameReader r(-1, 1024);
  std::string two = "Content-Length: 2\r\n\r\n{}Content-Length: 3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1]";
  std::vector<Frame> out;
  for (char c : two) r.feed(&c, 1, out);  // byte by byte
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].body, "{}");
  EXPECT_EQ(out[1].body, "[1]");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(LspFraming, BadHeadersResync) {
  FrameReader r(-1, 1024);
  auto out = feedAll(r, "Content-Length: abc\r\n\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Frame::Kind::BadHeader);
  EXPECT_EQ(out[1].body, "{}");
  // No Content-Length at all, then garbage glued to the next header.
  out = feedAll(r, "X-Foo: 1\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n[]");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Frame::Kind::BadHeader);
  EXPECT_EQ(out[1].body, "[]");
  // Negative and absurd lengths.
  out = feedAll(r, "Content-Length: -5\r\n\r\nContent-Length: 99999999999999999999\r\n\r\nContent-Length: 1\r\n\r\n7");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].body, "7");
  // A flood without any header terminator is dropped, not buffered forever.
  std::string flood(100000, 'x');
  out = feedAll(r, flood);
  EXPECT_FALSE(out.empty());
  EXPECT_LT(r.pending(), 20000u);
  out = feedAll(r, "\r\n\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().body, "ok");
}

TEST(LspFraming, OversizedBodiesAreSkipped) {
  FrameReader r(-1, 10);
  std::string big(50, 'z');
  auto out = feedAll(r, "Content-Length: 50\r\n\r\n" + big.substr(0, 20));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Frame::Kind::Oversized);
  out = feedAll(r, big.substr(20) + "Content-Length: 2\r\n\r\nhi");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].body, "hi");
}

TEST(LspFraming, TruncatedBodyStaysPending) {
  FrameReader r(-1, 1024);
  auto out = feedAll(r, "Content-Length: 10\r\n\r\n{\"a\"");
  EXPECT_TRUE(out.empty());
  EXPECT_GT(r.pending(), 0u);
}

TEST(LspScan, Contexts) {
  std::string text =
      "import \"std/base\";\n"
      "policy web extends base.unprivileged, {\n"
      "  syscalls {\n"
      "    allow read, @sys\n"
      "    deny clone(flags & \n"
      "  }\n"
      "  // a comment\n"
      "  \n"
      "}\n";
  auto toks = scan(text);
  auto at = [&](const std::string& needle, int delta = 0) {
    return contextAt(text, toks, static_cast<std::uint32_t>(text.find(needle) + needle.size() + delta));
  };
  Context c = at("extends base.unprivileged, ");
  EXPECT_EQ(c.where, Context::Where::TopLevel);
  ASSERT_FALSE(c.statement.empty());
  EXPECT_TRUE(c.statement[0].is("policy"));
  EXPECT_EQ(c.statement.back().punct(), ',');

  c = at("allow read, @sys");
  EXPECT_EQ(c.where, Context::Where::Section);
  EXPECT_EQ(c.section, "syscalls");
  EXPECT_EQ(c.declName, "web");
  ASSERT_TRUE(c.hasWord);
  EXPECT_EQ(c.word.text, "@sys");
  EXPECT_TRUE(c.statement[0].is("allow"));

  c = at("flags & ");
  EXPECT_EQ(c.parenDepth, 1);

  c = at("// a comm");
  EXPECT_TRUE(c.inComment);

  c = at("  // a comment\n  ");
  EXPECT_EQ(c.where, Context::Where::PolicyBody);
  EXPECT_TRUE(c.statement.empty());

  c = at("import \"std/b");
  EXPECT_TRUE(c.inString);

  const Token* t = tokenAt(toks, static_cast<std::uint32_t>(text.find("base.unprivileged") + 3));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->text, "base.unprivileged");
}

TEST(LspScan, NeverFailsOnGarbage) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  junk += "\"unterminated /* also";
  auto toks = scan(junk);
  for (std::uint32_t off = 0; off <= junk.size(); off += 97) (void)contextAt(junk, toks, off);
  SUCCEED();
}

}  // namespace
}  // namespace ward::lsp
