// libFuzzer target: an OCI runtime-spec config.json as `ward verify --oci` reads it (a bundle ward did not
// write, e.g. one Docker or Podman handed to runc). Crashes, sanitizer reports and leaks are bugs.
#include "fuzz_input.h"
#include "verify/audit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ward::fuzz::MemoryFileSystem fs;   // nothing on the host is read
  ward::SourceManager sources;
  ward::verify::AuditOptions options;
  options.fs = &fs;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto audited = ward::verify::auditOciText(sources, "config.json", text, options);
  if (audited.ok()) (void)ward::verify::verifyAudited(audited, ward::fuzz::shippedCatalog());
  return 0;
}
