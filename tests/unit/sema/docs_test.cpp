// docs/diagnostics.md documents every code in the catalog, each with an example.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/codes.h"

TEST(SemaDocs, EveryCodeHasASection) {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/docs/diagnostics.md");
  ASSERT_TRUE(in) << "docs/diagnostics.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (const auto& c : ward::diagnosticCodes()) {
    std::string heading = "\n## " + std::string(c.code) + "\n";
    auto at = doc.find(heading);
    ASSERT_NE(at, std::string::npos) << c.code << " is not documented";
    auto next = doc.find("\n## ", at + heading.size());
    std::string section = doc.substr(at, next == std::string::npos ? std::string::npos : next - at);
    EXPECT_NE(section.find("```"), std::string::npos) << c.code << " has no example";
  }
}
