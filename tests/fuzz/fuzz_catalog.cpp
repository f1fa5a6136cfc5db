// libFuzzer target: a site escape catalog (catalog/*.json on the module search path, written by a user or
// an administrator), parsed and validated as `ward verify` and `ward explain` load it.
#include <string>
#include <string_view>
#include <vector>

#include "verify/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ward::verify::Catalog catalog;
  std::vector<std::string> errors;
  if (ward::verify::parseCatalog("site.json", text, catalog, errors)) (void)ward::verify::validate(catalog);
  return 0;
}
