#include "base/codes.h"

namespace ward {

const std::vector<CodeInfo>& diagnosticCodes() {
  static const std::vector<CodeInfo> codes = {
#define WARD_CODE(id, summary) {#id, summary},
#define WARD_NAMED_CODE(id, text, summary) {text, summary},
#include "base/codes.def"
#undef WARD_NAMED_CODE
#undef WARD_CODE
  };
  return codes;
}

const CodeInfo& codeInfo(Code code) { return diagnosticCodes()[static_cast<std::size_t>(code)]; }

const CodeInfo* findCode(std::string_view code) {
  for (const auto& c : diagnosticCodes())
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace ward
