#pragma once
// The Linux capability names, in capabilities(7) order: capabilityNames()[n] is capability number n.
// One table for the checker, lower/, the backends and the LXC config parser.
#include <string>
#include <string_view>
#include <vector>

namespace ward {

const std::vector<std::string_view>& capabilityNames();
// -1 when unknown; accepts upper case and a cap_ prefix ("CAP_SYS_ADMIN", "sys_admin").
int capabilityNumber(std::string_view name);
// "" when out of range.
std::string capabilityName(int number);

}  // namespace ward
