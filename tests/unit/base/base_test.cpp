#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/codes.h"
#include "base/diagnostics.h"
#include "base/sha256.h"
#include "base/source.h"

using namespace ward;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Lengths around the padding boundary (55, 56, 63, 64 bytes) differ from each other.
  std::set<std::string> seen;
  for (int n : {55, 56, 63, 64, 65}) EXPECT_TRUE(seen.insert(sha256Hex(std::string(n, 'x'))).second);
}

TEST(Sha256, AcceleratedAndPortableAgree) {
  // On a CPU without SHA extensions both calls run the portable code and this still holds.
  std::string s;
  for (int n = 0; n < 300; ++n) {
    EXPECT_EQ(sha256Hex(s), sha256HexPortable(s)) << "length " << n;
    s.push_back(static_cast<char>((n * 131 + 7) & 0xff));
  }
  std::string big(1 << 20, 'x');
  EXPECT_EQ(sha256Hex(big), sha256HexPortable(big));
  EXPECT_EQ(sha256HexPortable("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SourceManager, LinesAndColumns) {
  SourceManager sm;
  FileId f = sm.add("a.ward", "/x/a.ward", "ab\ncd\r\nef");
  EXPECT_EQ(sm.lineCol(f, 0), std::make_pair(1u, 1u));
  EXPECT_EQ(sm.lineCol(f, 4), std::make_pair(2u, 2u));
  EXPECT_EQ(sm.lineCol(f, 7), std::make_pair(3u, 1u));
  EXPECT_EQ(sm.lineText(f, 2), "cd");  // CR stripped
  EXPECT_EQ(sm.lineText(f, 3), "ef");
  EXPECT_EQ(sm.lineText(f, 9), "");
  Span s = sm.span(f, 3, 5);
  EXPECT_EQ(s.line, 2u);
  EXPECT_EQ(s.col, 1u);
  EXPECT_EQ(s.endCol, 3u);
  EXPECT_EQ(sm.findByPath("/x/a.ward"), f);
  EXPECT_FALSE(sm.findByPath("/nope").has_value());
}

TEST(Diagnostics, CountsSortsAndCapsErrors) {
  SourceManager sm;
  FileId f = sm.add("a.ward", "a.ward", "x\ny\n");
  Diagnostics d;
  d.warning(ward::Code::W0001, sm.span(f, 2, 3), "second line");
  d.error(ward::Code::E0001, sm.span(f, 0, 1), "first line");
  EXPECT_TRUE(d.hasErrors());
  d.sort();
  EXPECT_EQ(d.items()[0].code, "E0001");
  Diagnostics many;
  for (int i = 0; i < 1000; ++i) many.error(ward::Code::E0001, sm.span(f, 0, 1), "e");
  EXPECT_EQ(many.errorCount(), 1000u);
  EXPECT_EQ(many.items().size(), Diagnostics::kMaxErrors + 1);  // + the "too many errors" note
  EXPECT_EQ(many.items().back().code, "E0009");
}

TEST(Diagnostics, ClosestMatch) {
  std::vector<std::string> c = {"memory", "memory.high", "pids", "nofile"};
  EXPECT_EQ(closestMatch("memroy", c), "memory");
  EXPECT_EQ(closestMatch("pid", c), "pids");
  EXPECT_EQ(closestMatch("zzzzzzzz", c), "");
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

TEST(Codes, UniqueAndEveryCodeDocumented) {
  std::set<std::string_view> seen;
  for (const auto& c : diagnosticCodes()) {
    EXPECT_TRUE(seen.insert(c.code).second) << "duplicate " << c.code;
    EXPECT_TRUE(std::regex_match(std::string(c.code), std::regex("[EW][0-9]{4}|DIFF-[A-Z-]+"))) << c.code;
  }
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/docs/diagnostics.md");
  ASSERT_TRUE(in) << "docs/diagnostics.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  for (const auto& c : diagnosticCodes())
    EXPECT_NE(ss.str().find(std::string(c.code)), std::string::npos) << c.code << " is not documented";
}
