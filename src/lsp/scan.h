#pragma once
// A tolerant scanner for editor features. The parser needs a complete file; completion and hover run on
// text that is being typed ("allow |" with no `;` yet). This scanner tokenizes any bytes (comments are
// skipped, an unterminated string ends at the line's end) and tracks where a position sits: top level, a
// policy or fragment body, a section, a group body, and the statement written so far.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ward::lsp {

struct Token {
  enum class Kind { Ident, String, Group, Number, Punct, Comment };
  Kind kind = Kind::Ident;
  std::uint32_t begin = 0, end = 0;  // bytes
  std::string_view text;             // view into the scanned text (for strings: including quotes)
  bool terminated = true;            // strings only
  char punct() const { return kind == Kind::Punct && !text.empty() ? text[0] : '\0'; }
  bool is(std::string_view word) const { return kind == Kind::Ident && text == word; }
};

// Every token including comments (kind Comment), in order.
std::vector<Token> scan(std::string_view text);

// True for the words the grammar reserves.
bool isKeyword(std::string_view word);

struct Context {
  enum class Where { TopLevel, PolicyBody, Section, GroupBody, Other };
  Where where = Where::TopLevel;
  std::string section;               // Section: its name
  std::string declName;              // PolicyBody / Section: the enclosing policy or fragment
  bool inComment = false;            // the position is inside a comment
  bool inString = false;             // inside a string literal (`word` is the string token)
  int parenDepth = 0;                // inside a syscall's argument conditions
  // Tokens of the current statement before the word at the position (for the header of a declaration at
  // top level: `policy app extends base.` -> [policy, app, extends]).
  std::vector<Token> statement;
  // The token the position is in or touching at its end (an identifier, group or string being typed);
  // kind Punct with empty text when there is none.
  Token word;
  bool hasWord = false;
};

// The context at byte `offset` of `text` (scanning from the start).
Context contextAt(std::string_view text, const std::vector<Token>& tokens, std::uint32_t offset);

// The token at byte `offset` (begin <= offset < end, or offset == end for an identifier, group or string
// ending there); nullptr when there is none.
const Token* tokenAt(const std::vector<Token>& tokens, std::uint32_t offset);

}  // namespace ward::lsp
