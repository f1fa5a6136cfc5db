// The hand-written lexer. It implements the lexer rules of grammar/Ward.g4 exactly: at each position the
// longest match of any rule wins and a tie goes to the rule written first (keywords before IDENT). ANTLR's
// generated lexer spends ~100 ns per character on DFA edge lookups and locks, which alone blew the 10,000-
// line budget; this one is ten times faster. The generated WardLexer stays the reference:
// compareWithAntlr() (lexer_reference.cpp) runs both, and the unit tests run it over every test input, the
// docs' snippets and random inputs.
#include <antlr4-runtime.h>

#include <algorithm>
#include <string>

#include "WardLexer.h"
#include "syntax/internal.h"

namespace ward::syntax::internal {
namespace {

using grammar::WardLexer;

bool isDigit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool isLetter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool isIdentStart(char32_t c) { return isLetter(c) || c == U'_'; }
bool isIdentPart(char32_t c) { return isIdentStart(c) || isDigit(c) || c == U'.' || c == U'-'; }
bool isHex(char32_t c) { return isDigit(c) || (c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F'); }
bool isSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\f'; }
// Characters that start some token other than ERROR_CHAR's run (the run's excluded set in the grammar).
bool startsToken(char32_t c) {
  if (isIdentStart(c) || isDigit(c) || isSpace(c)) return true;
  switch (c) {
    case U'"': case U'@': case U'{': case U'}': case U'(': case U')': case U';': case U',': case U'=':
    case U'!': case U'<': case U'>': case U'&': case U'|': case U'*': case U'/':
      return true;
    default:
      return false;
  }
}

std::size_t keyword(std::u32string_view w) {
  if (w == U"import") return WardLexer::IMPORT;
  if (w == U"as") return WardLexer::AS;
  if (w == U"policy") return WardLexer::POLICY;
  if (w == U"fragment") return WardLexer::FRAGMENT;
  if (w == U"extends") return WardLexer::EXTENDS;
  if (w == U"group") return WardLexer::GROUP;
  if (w == U"use") return WardLexer::USE;
  return WardLexer::IDENT;
}

}  // namespace

std::size_t Lexer::identEnd(std::size_t i) const {
  while (i < s_.size() && isIdentPart(s_[i])) ++i;
  return i;
}
std::size_t Lexer::digitsEnd(std::size_t i) const {
  while (i < s_.size() && isDigit(s_[i])) ++i;
  return i;
}

void Lexer::advance(std::size_t to) {
  for (; pos_ < to; ++pos_) {
    if (s_[pos_] == U'\n') {
      ++line_;
      col_ = 0;
    } else {
      ++col_;
    }
  }
}

RawToken Lexer::next() {
  const std::size_t n = s_.size();
  while (pos_ < n && isSpace(s_[pos_])) advance(pos_ + 1);
  RawToken t;
  t.start = pos_;
  t.line = line_;
  t.col = col_;
  if (pos_ >= n) {
    t.type = static_cast<std::size_t>(antlr4::Token::EOF);
    t.stop = pos_ - 1;  // ANTLR's convention (wraps to INVALID_INDEX for an empty file)
    return t;
  }
  auto at = [&](std::size_t i) -> char32_t { return i < n ? s_[i] : U'\0'; };
  const std::size_t i = pos_;
  const char32_t c = s_[i];
  std::size_t end = i + 1;  // one past the token
  std::size_t type = WardLexer::ERROR_CHAR;

  if (isIdentStart(c)) {
    end = identEnd(i + 1);
    type = keyword(s_.substr(i, end - i));
  } else if (isDigit(c) || c == U'*') {
    // Numbers: the longest of INTEGER, DECIMAL, QUANTITY, DEVICE, RANGE (in that order on a tie).
    std::size_t best = i + 1;  // `*` alone, or nothing better than ERROR_CHAR's `.`
    type = WardLexer::ERROR_CHAR;
    auto consider = [&](std::size_t e, std::size_t ty) {
      if (e > best || (e == best && type == WardLexer::ERROR_CHAR)) {
        best = e;
        type = ty;
      }
    };
    std::size_t d = isDigit(c) ? digitsEnd(i) : i;  // end of the leading digits (i when `*`)
    if (isDigit(c)) {
      // INTEGER: DIGITS | '0x' HEX+ | '0o' [0-7]+
      consider(d, WardLexer::INTEGER);
      if (c == U'0' && at(i + 1) == U'x' && isHex(at(i + 2))) {
        std::size_t e = i + 2;
        while (isHex(at(e))) ++e;
        consider(e, WardLexer::INTEGER);
      }
      if (c == U'0' && at(i + 1) == U'o' && at(i + 2) >= U'0' && at(i + 2) <= U'7') {
        std::size_t e = i + 2;
        while (at(e) >= U'0' && at(e) <= U'7') ++e;
        consider(e, WardLexer::INTEGER);
      }
      // DECIMAL: DIGITS '.' DIGITS
      if (at(d) == U'.' && isDigit(at(d + 1))) consider(digitsEnd(d + 1), WardLexer::DECIMAL);
      // QUANTITY: DIGITS ('.' DIGITS)? [A-Za-z]+
      std::size_t q = d;
      if (at(q) == U'.' && isDigit(at(q + 1))) q = digitsEnd(q + 1);
      if (isLetter(at(q))) {
        std::size_t e = q;
        while (isLetter(at(e))) ++e;
        consider(e, WardLexer::QUANTITY);
      }
    }
    // DEVICE: (DIGITS | '*') ':' (DIGITS | '*')
    std::size_t major = isDigit(c) ? d : i + 1;
    if (at(major) == U':') {
      if (isDigit(at(major + 1))) consider(digitsEnd(major + 1), WardLexer::DEVICE);
      else if (at(major + 1) == U'*') consider(major + 2, WardLexer::DEVICE);
    }
    // RANGE: DIGITS '-' DIGITS
    if (isDigit(c) && at(d) == U'-' && isDigit(at(d + 1))) consider(digitsEnd(d + 1), WardLexer::RANGE);
    end = best;
  } else {
    switch (c) {
      case U'"': {
        // STRING, or UNTERMINATED_STRING up to the end of the line (including a final backslash).
        std::size_t e = i + 1;
        type = WardLexer::UNTERMINATED_STRING;
        while (e < n) {
          char32_t ch = s_[e];
          if (ch == U'"') {
            ++e;
            type = WardLexer::STRING;
            break;
          }
          if (ch == U'\r' || ch == U'\n') break;
          if (ch == U'\\') {
            if (e + 1 < n && s_[e + 1] != U'\r' && s_[e + 1] != U'\n') {
              e += 2;
              continue;
            }
            ++e;  // '\\'? at the end
            break;
          }
          ++e;
        }
        end = e;
        break;
      }
      case U'/':
        if (at(i + 1) == U'/') {
          std::size_t e = i + 2;
          while (e < n && s_[e] != U'\r' && s_[e] != U'\n') ++e;
          end = e;
          type = WardLexer::LINE_COMMENT;
        } else if (at(i + 1) == U'*') {
          std::size_t e = i + 2;
          while (e + 1 < n && !(s_[e] == U'*' && s_[e + 1] == U'/')) ++e;
          if (e + 1 < n) {
            end = e + 2;
            type = WardLexer::BLOCK_COMMENT;
          } else {
            end = n;
            type = WardLexer::UNTERMINATED_COMMENT;
          }
        }
        break;
      case U'@':
        if (isIdentStart(at(i + 1))) {
          end = identEnd(i + 2);
          type = WardLexer::GROUP_NAME;
        }
        break;
      case U'{': type = WardLexer::LBRACE; break;
      case U'}': type = WardLexer::RBRACE; break;
      case U'(': type = WardLexer::LPAREN; break;
      case U')': type = WardLexer::RPAREN; break;
      case U';': type = WardLexer::SEMI; break;
      case U',': type = WardLexer::COMMA; break;
      case U'&': type = WardLexer::AMP; break;
      case U'|': type = WardLexer::PIPE; break;
      case U'=':
        if (at(i + 1) == U'=') { type = WardLexer::EQ; end = i + 2; }
        else type = WardLexer::ASSIGN;
        break;
      case U'!':
        if (at(i + 1) == U'=') { type = WardLexer::NE; end = i + 2; }
        break;
      case U'<':
        if (at(i + 1) == U'=') { type = WardLexer::LE; end = i + 2; }
        else type = WardLexer::LT;
        break;
      case U'>':
        if (at(i + 1) == U'=') { type = WardLexer::GE; end = i + 2; }
        else type = WardLexer::GT;
        break;
      default: {
        // ERROR_CHAR: a run of characters that start no token.
        std::size_t e = i + 1;
        while (e < n && !startsToken(s_[e])) ++e;
        end = e;
        break;
      }
    }
  }
  switch (type) {
    case WardLexer::LINE_COMMENT:
    case WardLexer::BLOCK_COMMENT:
    case WardLexer::UNTERMINATED_COMMENT:
    case WardLexer::ERROR_CHAR:
      t.channel = antlr4::Token::HIDDEN_CHANNEL;
      break;
    default:
      t.channel = antlr4::Token::DEFAULT_CHANNEL;
  }
  t.type = type;
  t.stop = end - 1;
  advance(end);
  return t;
}

std::u32string decodeForTest(std::string_view utf8) {
  std::u32string out;
  for (std::size_t i = 0; i < utf8.size();) {
    auto c = static_cast<unsigned char>(utf8[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < utf8.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace ward::syntax::internal
