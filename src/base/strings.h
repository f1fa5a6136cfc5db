#pragma once
// Small string helpers, one copy for every library.
#include <string>
#include <string_view>

namespace ward {

inline constexpr std::string_view kWhitespace = " \t\r\n\f\v";

inline bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
inline bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
// Without the leading and trailing characters of `chars` (whitespace by default).
inline std::string_view trim(std::string_view s, std::string_view chars = kWhitespace) {
  const auto b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}
// The same, as an owned string.
inline std::string trimmed(std::string_view s, std::string_view chars = kWhitespace) {
  return std::string(trim(s, chars));
}
inline std::string_view trimRight(std::string_view s, std::string_view chars = kWhitespace) {
  const auto e = s.find_last_not_of(chars);
  return e == std::string_view::npos ? std::string_view{} : s.substr(0, e + 1);
}

}  // namespace ward
