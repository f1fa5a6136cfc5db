#pragma once
// Byte offsets of the values of a JSON text, by JSON pointer ("/process/capabilities/bounding/0"), for
// locating findings in configurations ward did not write (the OCI audit, the engine audits). Tolerant: a
// malformed text yields the pointers read so far.
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ward::verify {

// For object members the offset of the key's opening quote, for array elements the value's first byte.
class JsonPositions {
 public:
  explicit JsonPositions(std::string_view text) : t_(text) {
    ws();
    value("", i_);
  }
  std::optional<std::uint32_t> find(const std::string& pointer) const {
    auto it = at_.find(pointer);
    if (it == at_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
  std::map<std::string, std::uint32_t> at_;
  int depth_ = 0;

  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
  }
  std::string str() {   // at '"': the string's raw contents (escapes kept but never matter for keys here)
    std::string out;
    ++i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) out += t_[i_++];
      out += t_[i_++];
    }
    ++i_;
    return out;
  }
  static std::string escape(const std::string& key) {
    std::string out;
    for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
  }
  void value(const std::string& path, std::size_t at) {
    if (++depth_ > 256 || i_ >= t_.size()) return;
    at_[path] = static_cast<std::uint32_t>(at);
    char c = t_[i_];
    if (c == '{') {
      ++i_;
      ws();
      while (i_ < t_.size() && t_[i_] != '}') {
        if (t_[i_] != '"') return;
        std::size_t keyAt = i_;
        std::string key = str();
        ws();
        if (i_ >= t_.size() || t_[i_] != ':') return;
        ++i_;
        ws();
        value(path + "/" + escape(key), keyAt);
        ws();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          ws();
        }
      }
      ++i_;
    } else if (c == '[') {
      ++i_;
      ws();
      for (std::size_t n = 0; i_ < t_.size() && t_[i_] != ']'; ++n) {
        value(path + "/" + std::to_string(n), i_);
        ws();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          ws();
        }
      }
      ++i_;
    } else if (c == '"') {
      str();
    } else {
      while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' &&
             !std::isspace(static_cast<unsigned char>(t_[i_])))
        ++i_;
    }
    --depth_;
  }
};

}  // namespace ward::verify
