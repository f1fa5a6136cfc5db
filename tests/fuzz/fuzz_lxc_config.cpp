// libFuzzer target: an LXC container configuration as `ward verify --lxc-config` and the hook's drift
// check read it. The input's parts ("@@" lines) are served from memory as the config (/c/config), a file it
// may include (/c/inc.conf, also reachable as /c/conf.d/a.conf), its seccomp profile (/c/seccomp) and its
// AppArmor profile (/c/apparmor.d/p). Crashes, sanitizer reports and leaks are bugs.
#include "fuzz_input.h"
#include "verify/audit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = ward::fuzz::splitParts(data, size, 4);
  ward::fuzz::MemoryFileSystem fs;
  static const char* kPaths[] = {"/c/config", "/c/inc.conf", "/c/seccomp", "/c/apparmor.d/p"};
  for (std::size_t i = 0; i < parts.size(); ++i) fs.files[kPaths[i]] = parts[i];
  if (parts.size() > 1) fs.files["/c/conf.d/a.conf"] = parts[1];

  ward::lxcconf::ParseOptions parse;
  parse.fs = &fs;
  auto config = ward::lxcconf::parseFile("/c/config", parse);
  (void)ward::lxcconf::capabilities(config, 40);
  (void)ward::lxcconf::autoMounts(config);
  for (const auto& e : config.all("lxc.mount.entry")) (void)ward::lxcconf::parseMountEntry(e.value);

  ward::SourceManager sources;
  ward::verify::AuditOptions options;
  options.fs = &fs;
  options.apparmorDir = "/c/apparmor.d";
  auto audited = ward::verify::auditLxcConfig(sources, "/c/config", options);
  if (audited.ok()) (void)ward::verify::verifyAudited(audited, ward::fuzz::shippedCatalog());
  return 0;
}
