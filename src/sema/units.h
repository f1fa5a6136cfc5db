#pragma once
// Exact number and unit parsing for policy values (no floating point anywhere).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::sema {

enum class NumError {
  None,
  Syntax,     // not a number
  Overflow,   // does not fit in 64 bits (E0303)
  BadUnit,    // unknown unit (E0302)
  NotWhole,   // a decimal that does not come out as a whole number of bytes / microseconds (E0301)
};

struct Num {
  std::uint64_t value = 0;
  NumError error = NumError::None;
  bool ok() const { return error == NumError::None; }
};

// 42, 0x1f, 0o755, 0b101 (no sign).
Num parseInteger(std::string_view text);

// Multiplier of a size unit: B 1; KiB/K 2^10, MiB/M 2^20, GiB/G 2^30, TiB 2^40; KB 10^3, MB 10^6, GB 10^9.
std::optional<std::uint64_t> unitMultiplier(std::string_view unit);
const std::vector<std::string>& sizeUnits();

// `number` is an integer or a decimal ("1.5"), `unit` a size unit or empty (bytes). The result must be a
// whole number of bytes.
Num parseBytes(std::string_view number, std::string_view unit);

// CPUs as a decimal ("1.5", "0.25", "2") -> microseconds of quota per 100000us period (cpus * 100000).
Num parseCpuQuota(std::string_view text);

}  // namespace ward::sema
