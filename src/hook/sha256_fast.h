#pragma once
// SHA-256 for the hook's warm path: the x86 SHA extensions when the CPU has them (checked at run time),
// otherwise ward's portable implementation (base/sha256.h). Same digests, lower-case hex.
#include <string>
#include <string_view>

namespace ward::hook {

std::string sha256HexFast(std::string_view data);
bool sha256Accelerated();   // true when the SHA extensions are used

}  // namespace ward::hook
