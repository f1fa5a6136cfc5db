#include <gtest/gtest.h>

#include "report/render.h"

using namespace ward;

TEST(Render, ClangStyleWithCaretAndNotes) {
  SourceManager sm;
  FileId f = sm.add("p.ward", "p.ward", "policy p {\n  limits { memroy 512MiB; }\n}\n");
  Diagnostics d;
  auto& e = d.error(ward::Code::E0209, sm.span(f, 22, 28), "unknown limit 'memroy'; did you mean 'memory'?");
  e.notes.push_back({sm.span(f, 0, 6), "in this policy"});
  std::string t = report::renderText(sm, d);
  EXPECT_NE(t.find("p.ward:2:12: error: unknown limit 'memroy'; did you mean 'memory'? [E0209]\n"), std::string::npos) << t;
  EXPECT_NE(t.find(" 2 |   limits { memroy 512MiB; }\n   |            ^~~~~~\n"), std::string::npos) << t;
  EXPECT_NE(t.find("p.ward:1:1: note: in this policy"), std::string::npos) << t;
  EXPECT_EQ(report::summary(d), "1 error generated.");
}

TEST(Render, LongLinesAreWindowedAndControlBytesHidden) {
  SourceManager sm;
  std::string line(5000, 'a');
  line[4000] = '\x01';
  FileId f = sm.add("l.ward", "l.ward", line);
  Diagnostics d;
  d.error(ward::Code::E0002, sm.span(f, 4000, 4001), "invalid character");
  std::string t = report::renderText(sm, d);
  EXPECT_LT(t.size(), 1000u);
  EXPECT_EQ(t.find('\x01'), std::string::npos);
  EXPECT_NE(t.find("l.ward:1:4001:"), std::string::npos);
  auto caret = t.find('^');
  auto bar = t.rfind('|', caret);
  auto q = t.find('?');
  auto bar1 = t.rfind('|', q);
  EXPECT_EQ(caret - bar, q - bar1);  // the caret is under the offending byte
}

TEST(Render, Json) {
  SourceManager sm;
  FileId f = sm.add("p.ward", "p.ward", "x");
  Diagnostics d;
  d.error(ward::Code::E0001, sm.span(f, 0, 1), "bad");
  auto j = report::toJson(sm, d);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["code"], "E0001");
  EXPECT_EQ(j[0]["summary"], "syntax error");
  EXPECT_EQ(j[0]["span"]["file"], "p.ward");
  EXPECT_EQ(j[0]["span"]["col"], 1);
}
