#pragma once
// SHA-256 (FIPS 180-4), for manifests, provenance and the hook's content-addressed cache.
#include <string>
#include <string_view>

namespace ward {

std::string sha256Hex(std::string_view data);

}  // namespace ward
