// The generated WardLexer as the reference for the hand-written lexer (lexer.cpp): compareWithAntlr() runs
// both over the same text. A file of its own so that only what calls it (the tests) links WardLexer: the
// ward executable does not carry it, nor run its static initialiser (ANTLR 4.9 deserialises the lexer's
// ATN when the program starts), which every `ward lxc-hook` start would pay for.
#include <antlr4-runtime.h>

#include <string>

#include <fmt/format.h>

#include "WardLexer.h"
#include "syntax/internal.h"

namespace ward::syntax::internal {

using grammar::WardLexer;

namespace {

class Input : public antlr4::ANTLRInputStream {
 public:
  explicit Input(std::u32string_view data) {
    _data.assign(data.begin(), data.end());
    p = 0;
  }
};

std::string describe(const RawToken& t) {
  return fmt::format("type {} channel {} [{}, {}] at {}:{}", static_cast<long long>(t.type), t.channel,
                     static_cast<long long>(t.start), static_cast<long long>(t.stop), t.line, t.col);
}

}  // namespace

std::string compareWithAntlr(std::u32string_view text) {
  try {
    Input input(text);
    WardLexer antlrLexer(&input);
    antlrLexer.removeErrorListeners();
    Lexer mine(text);
    for (std::size_t k = 0;; ++k) {
      std::unique_ptr<antlr4::Token> a = antlrLexer.nextToken();
      RawToken want;
      want.type = a->getType();
      want.channel = a->getChannel();
      want.start = a->getStartIndex();
      want.stop = a->getStopIndex();
      want.line = a->getLine();
      want.col = a->getCharPositionInLine();
      RawToken got = mine.next();
      if (got.type != want.type || got.channel != want.channel || got.start != want.start ||
          got.stop != want.stop || got.line != want.line || got.col != want.col)
        return fmt::format("token {}: ANTLR {}, hand-written {}", k, describe(want), describe(got));
      if (want.type == static_cast<std::size_t>(antlr4::Token::EOF)) return {};
    }
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what();
  }
}

}  // namespace ward::syntax::internal
