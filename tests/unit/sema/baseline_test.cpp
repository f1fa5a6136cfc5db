// verify { baseline "FILE" [POLICY]; accept DIFF-WIDER "LAYER: WHAT" "reason"; } (issue 13).
#include "helpers.h"

using namespace ward;
using namespace ward::sema::testing;

namespace {
std::string pol(const std::string& body) { return "policy p {\n" + body + "\n}\n"; }
}  // namespace

TEST(SemaBaseline, BaselineAndAcceptedWidening) {
  SemaRun r;
  analyzeText(r, pol("  verify { baseline \"main.ward\" web; accept DIFF-WIDER \"capabilities: keeps sys_admin\" "
                     "\"the entrypoint mounts\"; accept ESC-KCORE \"masked\"; }"));
  ASSERT_TRUE(r.errorFree()) << r.dump();
  const auto& v = r.policy().verify;
  ASSERT_TRUE(v.baseline.has_value());
  EXPECT_EQ(v.baseline->path, "main.ward");
  EXPECT_EQ(v.baseline->policy, "web");
  EXPECT_EQ(v.baseline->span.line, 2u);
  ASSERT_EQ(v.accepts.size(), 2u);
  EXPECT_EQ(v.accepts[0].id, "DIFF-WIDER");
  EXPECT_EQ(v.accepts[0].selector, "capabilities: keeps sys_admin");
  EXPECT_EQ(v.accepts[0].reason, "the entrypoint mounts");
  EXPECT_EQ(v.accepts[1].selector, "");
}

TEST(SemaBaseline, AWideningAcceptNamesWhatItAccepts) {
  std::string t = pol("  verify { accept DIFF-WIDER \"blanket\"; }");   // the reason alone: which widening?
  SemaRun r;
  analyzeText(r, t);
  EXPECT_NE(r.find("E0305"), nullptr) << r.dump();   // missing reason (the string was taken as the selector)
  std::string u = pol("  verify { accept DIFF-WIDER \"capabilities\" \"  \"; }");
  SemaRun s;
  analyzeText(s, u);
  EXPECT_DIAG_AT(s, "E0305", u, "\"  \"");
}

TEST(SemaBaseline, BaselineTakesAFileThenAPolicyName) {
  std::string t = pol("  verify { baseline main; }");
  SemaRun r;
  analyzeText(r, t);
  EXPECT_DIAG_AT(r, "E0304", t, "main");
  std::string u = pol("  verify { baseline \"a.ward\"; baseline \"b.ward\"; }");
  SemaRun s;
  analyzeText(s, u);
  EXPECT_FALSE(s.errorFree());   // set twice in one policy
}

TEST(SemaBaseline, AChildInheritsAndOverridesTheBaseline) {
  SemaRun r;
  analyzeText(r, "policy a { verify { baseline \"a.ward\"; } }\npolicy b extends a { }\n"
                 "policy c extends a { verify { baseline \"c.ward\"; } }\n");
  ASSERT_TRUE(r.errorFree()) << r.dump();
  ASSERT_EQ(r.result.policies.size(), 3u);
  ASSERT_TRUE(r.policy(1).verify.baseline.has_value());
  EXPECT_EQ(r.policy(1).verify.baseline->path, "a.ward");
  EXPECT_EQ(r.policy(2).verify.baseline->path, "c.ward");
}
