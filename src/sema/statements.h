#pragma once
// The sections of a policy body and their statements, from the one declaration in statements.def: the
// checker dispatches each section to its handler through it (sema/interpret.cpp), completion and hover
// read names and docs from it (lsp/), and tests hold docs/language.md and the editor syntax files to it.
#include <string>
#include <string_view>
#include <vector>

namespace ward::names {

struct SectionSpec {
  std::string_view name;   // `identity`
  std::string_view doc;    // hover markdown
};

struct StatementSpec {
  std::string_view section;   // `network`
  std::string_view verb;      // `listen`
  std::string_view usage;     // the values it takes, as written: `tcp|udp PORTS` ("" = none)
  std::string_view doc;       // what it does
};

inline constexpr SectionSpec kSectionSpecs[] = {
#define WARD_SECTION(id, doc) {#id, doc},
#include "sema/statements.def"
};

inline constexpr StatementSpec kStatementSpecs[] = {
#define WARD_STATEMENT(section, verb, usage, doc) {#section, #verb, usage, doc},
#include "sema/statements.def"
};

const SectionSpec* findSection(std::string_view name);
const StatementSpec* findStatement(std::string_view section, std::string_view verb);
// Hover markdown for a statement: "**verb** usage — doc".
std::string statementDoc(const StatementSpec& s);

}  // namespace ward::names
