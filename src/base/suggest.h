#pragma once
// The second chance of "did you mean" (sema's closest()): an edit distance that counts a swap of two
// adjacent letters (`flies` -> `files`) or a difference in letter case (`eperm` -> `EPERM`) as one edit.
// It shares its one implementation with editDistance() (base/diagnostics.h).
#include <cstddef>
#include <string_view>

namespace ward {

std::size_t typoDistance(std::string_view a, std::string_view b);

}  // namespace ward
