#pragma once
// SHA-256 (FIPS 180-4), for manifests, provenance and the hook's content-addressed cache.
#include <string>
#include <string_view>

namespace ward {

// Uses the CPU's SHA extensions when it has them (checked at run time), else the portable code.
std::string sha256Hex(std::string_view data);
std::string sha256HexPortable(std::string_view data);
bool sha256Accelerated();

}  // namespace ward
