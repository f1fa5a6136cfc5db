#include "sema/statements.h"

#include "sema/names.h"

namespace ward::names {

const SectionSpec* findSection(std::string_view name) {
  for (const auto& s : kSectionSpecs)
    if (s.name == name) return &s;
  return nullptr;
}

const StatementSpec* findStatement(std::string_view section, std::string_view verb) {
  for (const auto& s : kStatementSpecs)
    if (s.section == section && s.verb == verb) return &s;
  return nullptr;
}

std::string statementDoc(const StatementSpec& s) {
  std::string out = "**" + std::string(s.verb) + "**";
  if (!s.usage.empty()) out += " " + std::string(s.usage);
  return out + " — " + std::string(s.doc);
}

const std::vector<std::string>& sectionNames() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (const auto& s : kSectionSpecs) out.emplace_back(s.name);
    return out;
  }();
  return v;
}

const std::vector<std::string>& sectionVerbs(std::string_view section) {
  static const std::vector<std::vector<std::string>> bySection = [] {
    std::vector<std::vector<std::string>> out;
    for (const auto& sec : kSectionSpecs) {
      out.emplace_back();
      for (const auto& st : kStatementSpecs)
        if (st.section == sec.name) out.back().emplace_back(st.verb);
    }
    return out;
  }();
  static const std::vector<std::string> none;
  if (section == "limits") return limitNames();   // the limits table names them (names.h)
  for (std::size_t i = 0; i < std::size(kSectionSpecs); ++i)
    if (kSectionSpecs[i].name == section) return bySection[i];
  return none;
}

}  // namespace ward::names
