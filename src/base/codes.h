#pragma once
// The catalog of diagnostic codes. Codes are stable: never renumber, only add. docs/diagnostics.md
// documents each one (a unit test checks that every code here appears there).
//   E00xx syntax · E01xx modules, imports, extends · E02xx unknown names · E03xx values and units
//   E04xx conflicts · E05xx safety rules · E1xxx backends · E2xxx I/O and driver · Wxxxx warnings
#include <string_view>
#include <vector>

namespace ward {

struct CodeInfo {
  std::string_view code;
  std::string_view summary;
};

const std::vector<CodeInfo>& diagnosticCodes();
const CodeInfo* findCode(std::string_view code);

}  // namespace ward
