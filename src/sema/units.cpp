#include "sema/units.h"

namespace ward::sema {

namespace {

__extension__ typedef unsigned __int128 u128;

// Parses "123" or "123.456" into mantissa / 10^scale exactly.
struct Decimal {
  u128 mantissa = 0;
  std::uint64_t scale = 1;
  bool ok = false;
  bool overflow = false;
};

Decimal parseDecimal(std::string_view t) {
  Decimal d;
  if (t.empty()) return d;
  bool dot = false, digits = false;
  for (char c : t) {
    if (c == '.') {
      if (dot) return d;
      dot = true;
      continue;
    }
    if (c == '_') continue;
    if (c < '0' || c > '9') return d;
    digits = true;
    d.mantissa = d.mantissa * 10 + static_cast<unsigned>(c - '0');
    if (dot) {
      if (d.scale > 100000000000000000ULL) { d.overflow = true; return d; }
      d.scale *= 10;
    }
    if (d.mantissa > (u128{1} << 100)) { d.overflow = true; return d; }
  }
  if (t.back() == '.' || t.front() == '.') return d;
  d.ok = digits;
  return d;
}

Num fromDecimal(const Decimal& d, std::uint64_t multiplier) {
  if (d.overflow) return {0, NumError::Overflow};
  if (!d.ok) return {0, NumError::Syntax};
  // mantissa < 2^100 and multiplier <= 2^40: the product fits in 128 bits.
  u128 p = d.mantissa * multiplier;
  if (p % d.scale != 0) return {0, NumError::NotWhole};
  u128 v = p / d.scale;
  if (v > ~std::uint64_t{0}) return {0, NumError::Overflow};
  return {static_cast<std::uint64_t>(v), NumError::None};
}

}  // namespace

Num parseInteger(std::string_view t) {
  unsigned base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) { base = 16; t.remove_prefix(2); }
  else if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O')) { base = 8; t.remove_prefix(2); }
  else if (t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B')) { base = 2; t.remove_prefix(2); }
  if (t.empty()) return {0, NumError::Syntax};
  std::uint64_t v = 0;
  bool any = false;
  for (char c : t) {
    if (c == '_') continue;
    unsigned digit;
    if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
    else return {0, NumError::Syntax};
    if (digit >= base) return {0, NumError::Syntax};
    any = true;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, digit, &v))
      return {0, NumError::Overflow};
  }
  if (!any) return {0, NumError::Syntax};
  return {v, NumError::None};
}

const std::vector<std::string>& sizeUnits() {
  static const std::vector<std::string> v = {"B", "K", "KiB", "KB", "M", "MiB", "MB", "G", "GiB", "GB", "TiB"};
  return v;
}

std::optional<std::uint64_t> unitMultiplier(std::string_view u) {
  if (u.empty() || u == "B") return 1;
  if (u == "K" || u == "KiB") return std::uint64_t{1} << 10;
  if (u == "M" || u == "MiB") return std::uint64_t{1} << 20;
  if (u == "G" || u == "GiB") return std::uint64_t{1} << 30;
  if (u == "TiB") return std::uint64_t{1} << 40;
  if (u == "KB") return 1000;
  if (u == "MB") return 1000000;
  if (u == "GB") return 1000000000;
  return std::nullopt;
}

Num parseBytes(std::string_view number, std::string_view unit) {
  auto mult = unitMultiplier(unit);
  if (!mult) return {0, NumError::BadUnit};
  if (number.find('.') == std::string_view::npos) {
    Num n = parseInteger(number);
    if (!n.ok()) return n;
    std::uint64_t v;
    if (__builtin_mul_overflow(n.value, *mult, &v)) return {0, NumError::Overflow};
    return {v, NumError::None};
  }
  return fromDecimal(parseDecimal(number), *mult);
}

Num parseCpuQuota(std::string_view text) {
  if (text.find('.') == std::string_view::npos) {
    Num n = parseInteger(text);
    if (!n.ok()) return n;
    std::uint64_t v;
    if (__builtin_mul_overflow(n.value, std::uint64_t{100000}, &v)) return {0, NumError::Overflow};
    return {v, NumError::None};
  }
  return fromDecimal(parseDecimal(text), 100000);
}

}  // namespace ward::sema
