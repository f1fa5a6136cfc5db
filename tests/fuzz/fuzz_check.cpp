// libFuzzer entry point: parse + check arbitrary bytes as a policy file, with the real stdlib on the
// search path, and lower what checks clean. Any crash, leak or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/driver.h"
#include "lower/lower.h"
#include "syntax/parse.h"
#include "ward/config.h"
#include "ward/source_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ward::driver::Session session;
  ward::driver::LoadOptions options;
  options.includeDirs = {WARD_SOURCE_STDLIB};
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = ward::driver::loadText(session, "fuzz.ward", text, options);
  for (auto& p : loaded.policies) (void)ward::lower::lower(std::move(p), session.diags);
  // The formatter must accept whatever parses cleanly.
  ward::driver::Session fmtSession;
  auto id = fmtSession.sources.add("fuzz.ward", "fuzz.ward", std::move(text));
  auto file = ward::syntax::parse(fmtSession.sources, id, fmtSession.diags);
  if (!fmtSession.diags.hasErrors()) (void)ward::syntax::format(fmtSession.sources, file);
  return 0;
}
