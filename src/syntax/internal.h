#pragma once
// Private to the syntax library and its tests. No ANTLR type appears here.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/diagnostics.h"
#include "base/source.h"
#include "syntax/ast.h"

namespace ward::syntax::internal {

// One token of grammar/Ward.g4, with ANTLR's conventions: `type` is the generated token type (EOF is
// size_t(-1) as in ANTLR), indices are code-point indices into the decoded text, `stop` is inclusive (for
// EOF, start - 1). Whitespace is skipped, as the grammar's WS rule does.
struct RawToken {
  std::size_t type = 0;
  std::size_t channel = 0;  // 0 default, 1 hidden (comments, ERROR_CHAR)
  std::size_t start = 0, stop = 0;
  std::size_t line = 1, col = 0;  // as ANTLR's lexer counts them: 1-based line, 0-based code-point column
};

// The hand-written lexer: the grammar's lexer rules (longest match, earlier rule wins a tie), without the
// ANTLR lexer's per-character cost. compareWithAntlr() (lexer_reference.cpp) checks it against the generated lexer.
class Lexer {
 public:
  explicit Lexer(std::u32string_view text) : s_(text) {}
  RawToken next();  // after EOF, returns EOF again

 private:
  std::size_t identEnd(std::size_t i) const;
  std::size_t digitsEnd(std::size_t i) const;
  void advance(std::size_t to);
  std::u32string_view s_;
  std::size_t pos_ = 0, line_ = 1, col_ = 0;
};

// Runs the hand-written lexer and ANTLR's generated WardLexer over the same text and describes the first
// difference (type, channel, start, stop, line, column); "" when the token streams are identical.
std::string compareWithAntlr(std::u32string_view text);

// UTF-8 to code points for tests (the text must be valid UTF-8).
std::u32string decodeForTest(std::string_view utf8);

struct ParseOptions {
  bool forceTreeWalk = false;  // skip the fast path (SLL without a parse tree, AST from tokens)
};
ast::File parseWith(const SourceManager& sources, FileId file, Diagnostics& diags, const ParseOptions& options);

}  // namespace ward::syntax::internal
