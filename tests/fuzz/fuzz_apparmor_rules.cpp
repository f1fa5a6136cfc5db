// libFuzzer target: AppArmor profile text as the verifier reads it (LXC's profiles and abstractions, a
// profile named by a config), then the questions the verifier asks of the rules it parsed.
#include <algorithm>
#include <string_view>
#include <vector>

#include "verify/apparmor_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> flags;
  auto rules = ward::verify::aa::parseProfile(text, &flags);
  (void)ward::verify::aa::fileAccess(rules, "/proc/sysrq-trigger", "w");
  (void)ward::verify::aa::fileAccess(rules, "/sys/kernel/security/apparmor/policy", "r");
  (void)ward::verify::aa::mountAccess(rules, "securityfs", "/sys/kernel/security");
  (void)ward::verify::aa::networkAccess(rules, "packet", "raw");
  (void)ward::verify::aa::capabilityAccess(rules, "sys_admin");
  // The input's first line as a pattern against its second line as a path: the glob matcher must stay
  // bounded (a hostile rule in a profile an LXC config names reaches it).
  auto nl = text.find('\n');
  if (nl != std::string_view::npos) {
    auto rest = text.substr(nl + 1);
    (void)ward::verify::aa::globMatchBounded(text.substr(0, std::min<std::size_t>(nl, 1024)),
                                            rest.substr(0, std::min<std::size_t>(rest.find('\n'), 4096)));
  }
  return 0;
}
