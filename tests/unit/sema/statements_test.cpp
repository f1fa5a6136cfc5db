// The one declaration of sections and statements (src/sema/statements.def) against everything that
// describes them: the checker's name lists, docs/language.md and the editor syntax files.
#include "sema/statements.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "sema/names.h"

namespace {

using ward::names::kSectionSpecs;
using ward::names::kStatementSpecs;

std::string slurp(const std::string& rel) {
  std::ifstream in(std::string(WARD_SOURCE_DIR) + "/" + rel);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `word` stands alone in `text` (not part of a longer name such as `kill_thread` or `io.weight`).
bool mentions(const std::string& text, std::string_view word) {
  const std::regex re("(^|[^A-Za-z0-9_.-])" + std::string(word) + "($|[^A-Za-z0-9_.-])");
  return std::regex_search(text, re);
}

// The part of `text` from the line holding `marker` to the end of that line.
std::string lineWith(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  if (at == std::string::npos) return {};
  const auto begin = text.rfind('\n', at);
  const auto end = text.find('\n', at);
  return text.substr(begin == std::string::npos ? 0 : begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace

TEST(Statements, EachSectionAndStatementIsDeclaredOnceWithItsDocs) {
  std::set<std::string_view> sections;
  std::string_view previous;
  for (const auto& s : kSectionSpecs) {
    EXPECT_TRUE(sections.insert(s.name).second) << s.name << " is declared twice";
    EXPECT_LT(previous, s.name) << "sections are kept sorted";
    previous = s.name;
    EXPECT_NE(s.doc.find("**" + std::string(s.name) + "**"), std::string_view::npos) << s.name;
  }
  EXPECT_EQ(sections.size(), 13u);
  std::set<std::pair<std::string_view, std::string_view>> statements;
  for (const auto& st : kStatementSpecs) {
    EXPECT_TRUE(sections.count(st.section)) << st.section << " " << st.verb << ": no such section";
    EXPECT_TRUE(statements.insert({st.section, st.verb}).second) << st.section << " " << st.verb << " twice";
    EXPECT_FALSE(st.doc.empty()) << st.section << " " << st.verb << " has no documentation";
    EXPECT_EQ(ward::names::statementDoc(st).rfind("**" + std::string(st.verb) + "**", 0), 0u);
  }
  EXPECT_EQ(ward::names::statementDoc(*ward::names::findStatement("network", "listen")),
            "**listen** tcp|udp PORTS — accept connections; a port below 1024 derives net_bind_service.");
  EXPECT_EQ(ward::names::findStatement("network", "nosuch"), nullptr);
}

TEST(Statements, TheCheckersNameListsComeFromTheTable) {
  std::vector<std::string> names;
  for (const auto& s : kSectionSpecs) names.emplace_back(s.name);
  EXPECT_EQ(ward::names::sectionNames(), names);
  for (const auto& s : kSectionSpecs) {
    if (s.name == "limits") {
      EXPECT_EQ(ward::names::sectionVerbs("limits"), ward::names::limitNames());
      continue;
    }
    std::vector<std::string> verbs;
    for (const auto& st : kStatementSpecs)
      if (st.section == s.name) verbs.emplace_back(st.verb);
    EXPECT_EQ(ward::names::sectionVerbs(s.name), verbs) << s.name;
  }
  EXPECT_TRUE(ward::names::sectionVerbs("sysctl").empty());
  EXPECT_TRUE(ward::names::sectionVerbs("nosuch").empty());
}

TEST(Statements, LanguageReferenceDescribesEverySectionAndStatement) {
  const std::string doc = slurp("docs/language.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& s : kSectionSpecs) {
    const std::string heading = "\n### " + std::string(s.name) + "\n";
    const auto at = doc.find(heading);
    ASSERT_NE(at, std::string::npos) << "docs/language.md has no `### " << s.name << "`";
    const auto next = doc.find("\n##", at + heading.size());
    const std::string part = doc.substr(at, next == std::string::npos ? std::string::npos : next - at);
    for (const auto& st : kStatementSpecs) {
      if (st.section != s.name) continue;
      EXPECT_TRUE(mentions(part, st.verb)) << "docs/language.md, ### " << s.name << ", never shows `" << st.verb << "`";
    }
  }
}

TEST(Statements, EditorSyntaxFilesKnowEverySectionAndStatement) {
  const std::string vim = slurp("editors/vim/syntax/ward.vim");
  const std::string code = slurp("editors/vscode/syntaxes/ward.tmLanguage.json");
  ASSERT_FALSE(vim.empty());
  ASSERT_FALSE(code.empty());
  const std::string vimSections = lineWith(vim, "syn match   wardSection");
  const std::string codeSections = lineWith(code, "(?=\\\\s*\\\\{)");
  std::string vimVerbs;
  for (const char* group : {"syn keyword wardAction", "syn keyword wardVerb"})
    for (auto at = vim.find(group); at != std::string::npos; at = vim.find(group, at + 1))
      vimVerbs += lineWith(vim.substr(at), group);
  // The "match" pattern that follows each scope name.
  auto patternOf = [&](const std::string& scope) {
    const auto at = code.find("\"" + scope + "\"");
    return at == std::string::npos ? std::string{} : lineWith(code.substr(at), "\"match\"");
  };
  const std::string codeVerbs = patternOf("keyword.other.action.ward") + patternOf("keyword.other.verb.ward");
  for (const auto& s : kSectionSpecs) {
    EXPECT_TRUE(mentions(vimSections, s.name)) << "editors/vim/syntax/ward.vim: section " << s.name;
    EXPECT_TRUE(mentions(codeSections, s.name)) << "ward.tmLanguage.json: section " << s.name;
  }
  for (const auto& st : kStatementSpecs) {
    EXPECT_TRUE(mentions(vimVerbs, st.verb)) << "editors/vim/syntax/ward.vim: " << st.section << " " << st.verb;
    EXPECT_TRUE(mentions(codeVerbs, st.verb)) << "ward.tmLanguage.json: " << st.section << " " << st.verb;
  }
}
