#pragma once
// The catalog of diagnostic codes, typed: codes.def lists each code once (id and summary); this header
// turns it into the `Code` enum that every diagnostic is raised with, so a misspelt code does not compile.
// docs/diagnostics.md documents each one (a unit test checks that every code here appears there).
#include <cstdint>
#include <string_view>
#include <vector>

namespace ward {

enum class Code : std::uint16_t {
#define WARD_CODE(id, summary) id,
#include "base/codes.def"
#undef WARD_CODE
};

struct CodeInfo {
  std::string_view code;      // "E0403"
  std::string_view summary;   // "system call both allowed and denied"
};

const CodeInfo& codeInfo(Code code);
inline std::string_view codeId(Code code) { return codeInfo(code).code; }

// Every code, in codes.def order.
const std::vector<CodeInfo>& diagnosticCodes();
// By its text ("E0403"); null when no such code (e.g. a verifier finding's catalog id).
const CodeInfo* findCode(std::string_view code);

}  // namespace ward
