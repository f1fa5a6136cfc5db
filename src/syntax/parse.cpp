// The parser, in stages:
//   0. bytes: skip a BOM, report invalid UTF-8 (E0004) and NUL (E0006), decode to code points for ANTLR and
//      keep a code point -> byte table (only when the text is not ASCII): spans are byte offsets.
//   1. tokens (lexer.cpp): report invalid characters (E0002), unterminated strings and comments (E0005),
//      nesting deeper than kMaxNesting (E0003: the parser is then not run), collect comments.
//   2. fast path: SLL prediction, BailErrorStrategy, no parse tree; an accepted file's AST is built from
//      its tokens (TokenBuilder).
//   3. otherwise: LL prediction with ward's error strategy (friendly E0001 messages, no ANTLR wording), a
//      parse tree, and the AST from the tree (TreeBuilder), partial after errors.
// Nothing in here throws past parse(); no ANTLR type escapes this file.
#include <antlr4-runtime.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "WardLexer.h"
#include "WardParser.h"
#include "syntax/internal.h"
#include "syntax/parse.h"

namespace ward::syntax {
namespace {

using grammar::WardLexer;
using grammar::WardParser;
using antlr4::Token;

// A policy of 10,000 lines has about 60,000 tokens; a file with more than this many is not a policy, and
// keeping its tokens and parse tree in memory would cost hundreds of megabytes.
constexpr std::size_t kMaxTokens = 500'000;

// Thrown (and caught in parse()) once the diagnostics cap is reached: nothing more would be recorded.
struct AbortParse {};

// ---- the decoded text ----------------------------------------------------------------------------------

// ANTLR works on code points; spans are byte offsets. `byteOf[i]` is the byte offset of code point i (with
// one extra entry for the end); when the text is ASCII the table is left empty and offset = bom + i.
struct Decoded {
  std::u32string cps;
  std::vector<std::uint32_t> byteOf;
  std::uint32_t bom = 0;
  std::uint32_t size = 0;   // bytes in the file
  std::size_t count = 0;    // code points (cps is handed to ANTLR after decoding)
  std::uint32_t byteAt(std::size_t cp) const {
    if (cp >= count) return size;
    if (byteOf.empty()) return bom + static_cast<std::uint32_t>(cp);
    return byteOf[cp];
  }
};

class Input : public antlr4::ANTLRInputStream {
 public:
  explicit Input(std::u32string data) {
    _data = std::move(data);
    p = 0;
  }
  std::u32string_view data() const { return _data; }
};

// The token source every token names (ANTLR's error recovery asks it for the input and a token factory when
// it conjures a missing token). Tokens come from internal::Lexer, not from here.
class Origin : public antlr4::TokenSource {
 public:
  explicit Origin(antlr4::CharStream* input) : input_(input) {}
  std::unique_ptr<Token> nextToken() override {
    return antlr4::CommonTokenFactory::DEFAULT->create({this, input_}, Token::EOF, "", Token::DEFAULT_CHANNEL,
                                                      input_->size(), input_->size() - 1, 0, 0);
  }
  std::size_t getLine() const override { return 0; }
  std::size_t getCharPositionInLine() override { return 0; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return "ward"; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  antlr4::CharStream* input_;
};

// A compact token (ANTLR's CommonToken carries a std::string and two pointers more): the parser reads tokens
// through the Token interface, the fast AST builder reads the fields directly.
class WardToken final : public Token {
 public:
  WardToken(Origin* origin, const internal::RawToken& r, std::size_t tokenIndex)
      : type(r.type),
        start(static_cast<std::uint32_t>(r.start)),
        len(static_cast<std::uint32_t>(r.stop + 1 - r.start)),
        line(static_cast<std::uint32_t>(r.line)),
        col(static_cast<std::uint32_t>(r.col)),
        index(static_cast<std::uint32_t>(tokenIndex)),
        origin_(origin) {}
  std::string getText() const override {
    if (type == Token::EOF || len == 0) return {};
    return origin_->getInputStream()->getText(antlr4::misc::Interval(getStartIndex(), getStopIndex()));
  }
  std::size_t getType() const override { return type; }
  std::size_t getLine() const override { return line; }
  std::size_t getCharPositionInLine() const override { return col; }
  std::size_t getChannel() const override { return Token::DEFAULT_CHANNEL; }
  std::size_t getTokenIndex() const override { return index; }
  std::size_t getStartIndex() const override { return start; }
  std::size_t getStopIndex() const override { return std::size_t{start} + len - 1; }
  antlr4::TokenSource* getTokenSource() const override { return origin_; }
  antlr4::CharStream* getInputStream() const override { return origin_->getInputStream(); }
  std::string toString() const override { return getText(); }

  std::size_t type;
  std::uint32_t start, len, line, col, index;

 private:
  Origin* origin_;
};

// The parser's view of the file: the visible tokens only (comments and invalid characters never reach it),
// ending with EOF.
class Stream final : public antlr4::TokenStream {
 public:
  Stream(std::vector<WardToken>& tokens, Origin* origin) : toks_(tokens), origin_(origin) {}
  Token* LT(ssize_t k) override {
    if (k == 0) return nullptr;
    if (k < 0) {
      auto back = static_cast<std::size_t>(-k);
      return back > p_ ? nullptr : &toks_[p_ - back];
    }
    return &toks_[std::min(p_ + static_cast<std::size_t>(k) - 1, toks_.size() - 1)];
  }
  Token* get(std::size_t i) const override { return &toks_[std::min(i, toks_.size() - 1)]; }
  antlr4::TokenSource* getTokenSource() const override { return origin_; }
  std::string getText(const antlr4::misc::Interval& iv) override {
    std::string out;
    if (iv.a < 0 || iv.b < iv.a) return out;
    for (auto i = static_cast<std::size_t>(iv.a); i <= static_cast<std::size_t>(iv.b) && i < toks_.size(); ++i)
      out += toks_[i].getText();
    return out;
  }
  std::string getText() override { return getText(antlr4::misc::Interval(0, static_cast<ssize_t>(toks_.size()) - 1)); }
  std::string getText(antlr4::RuleContext* ctx) override { return ctx ? getText(ctx->getSourceInterval()) : ""; }
  std::string getText(Token* a, Token* b) override {
    if (!a || !b) return {};
    return getText(antlr4::misc::Interval(a->getTokenIndex(), b->getTokenIndex()));
  }
  void consume() override {
    if (p_ + 1 < toks_.size()) ++p_;
  }
  std::size_t LA(ssize_t i) override {
    Token* t = LT(i);
    return t ? t->getType() : Token::INVALID_TYPE;
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  std::size_t index() override { return p_; }
  void seek(std::size_t i) override { p_ = std::min(i, toks_.size() - 1); }
  std::size_t size() override { return toks_.size(); }
  std::string getSourceName() const override { return "ward"; }

 private:
  std::vector<WardToken>& toks_;
  Origin* origin_;
  std::size_t p_ = 0;
};

// ---- reporting -----------------------------------------------------------------------------------------

// What every stage needs to turn tokens into located diagnostics.
class Context {
 public:
  Context(const SourceManager& sm, FileId file, Diagnostics& diags, Decoded& dec)
      : sm_(sm), file_(file), diags_(diags), dec_(dec), text_(sm.file(file).text) {}

  const std::string& text() const { return text_; }
  Diagnostics& diags() { return diags_; }
  bool capped() const { return diags_.errorCount() > Diagnostics::kMaxErrors; }

  // The same as SourceManager::span, with a cursor: spans are asked for in nearly increasing order, so the
  // line is almost always the last one or the next (a binary search per span showed in profiles).
  Span span(std::uint32_t b, std::uint32_t e) const {
    Span s;
    s.file = file_;
    s.begin = b;
    s.end = std::max(b, e);
    std::tie(s.line, s.col) = lineCol(s.begin);
    std::tie(s.endLine, s.endCol) = lineCol(s.end);
    return s;
  }
  std::pair<std::uint32_t, std::uint32_t> lineCol(std::uint32_t off) const {
    const auto& ls = sm_.file(file_).lineStarts;
    off = std::min<std::uint32_t>(off, static_cast<std::uint32_t>(text_.size()));
    auto within = [&](std::size_t h) { return ls[h] <= off && (h + 1 == ls.size() || off < ls[h + 1]); };
    if (!within(hint_)) {
      if (hint_ + 1 < ls.size() && within(hint_ + 1)) ++hint_;
      else hint_ = static_cast<std::size_t>(std::upper_bound(ls.begin(), ls.end(), off) - ls.begin()) - 1;
    }
    return {static_cast<std::uint32_t>(hint_ + 1), off - ls[hint_] + 1};
  }
  std::uint32_t byteAt(std::size_t cp) const { return dec_.byteAt(cp); }
  std::uint32_t tokBegin(const Token* t) const {
    auto s = t->getStartIndex();
    return s == INVALID_INDEX ? dec_.size : dec_.byteAt(s);
  }
  std::uint32_t tokEnd(const Token* t) const {
    auto s = t->getStartIndex(), e = t->getStopIndex();
    if (s == INVALID_INDEX || e == INVALID_INDEX || e + 1 < s) return tokBegin(t);
    return dec_.byteAt(e + 1);
  }
  Span tokSpan(const Token* t) const { return span(tokBegin(t), tokEnd(t)); }
  std::string_view tokText(const Token* t) const {
    auto b = tokBegin(t), e = tokEnd(t);
    return std::string_view(text_).substr(b, e - b);
  }

  // How a token is named in a message: quoted source text (truncated), or "end of file".
  std::string display(const Token* t) const {
    if (!t || t->getType() == Token::EOF) return "end of file";
    return quote(tokText(t));
  }

  static std::string quote(std::string_view s) {
    constexpr std::size_t kMax = 32;
    std::string out = "'";
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (n >= kMax && (c & 0xC0) != 0x80) {
        out += "...";
        break;
      }
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
      else out += static_cast<char>(c);
      if ((c & 0xC0) != 0x80) ++n;
    }
    return out + "'";
  }

  Diagnostic& error(Code code, Span s, std::string msg) { return diags_.error(code, s, std::move(msg)); }

 private:
  const SourceManager& sm_;
  FileId file_;
  Diagnostics& diags_;
  Decoded& dec_;
  const std::string& text_;
  mutable std::size_t hint_ = 0;  // line index of the last lookup
};

// ---- stage 0: bytes ------------------------------------------------------------------------------------

// Length of a valid UTF-8 sequence starting at s[i], or 0 (strict: no overlongs, surrogates or > U+10FFFF).
std::size_t utf8Length(const std::string& s, std::size_t i, char32_t& cp) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (at(k) & 0xC0) == 0x80; };
  unsigned char c = at(i);
  if (c < 0x80) { cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) {
    if (!cont(i + 1)) return 0;
    cp = (char32_t(c & 0x1F) << 6) | (at(i + 1) & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char c1 = at(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 > 0x9F) return 0;   // surrogate
    cp = (char32_t(c & 0x0F) << 12) | (char32_t(c1 & 0x3F) << 6) | (at(i + 2) & 0x3F);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char c1 = at(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;   // > U+10FFFF
    cp = (char32_t(c & 0x07) << 18) | (char32_t(c1 & 0x3F) << 12) | (char32_t(at(i + 2) & 0x3F) << 6) |
         (at(i + 3) & 0x3F);
    return 4;
  }
  return 0;
}

// Decodes the file into code points. Invalid UTF-8 (E0004) and NUL bytes (E0006) are reported, one
// diagnostic per run, and replaced by one space per byte so that the rest of the file still parses with
// exact positions. Returns false when the error cap was reached (nothing more is worth doing).
bool decode(const std::string& text, Context& cx, Decoded& dec) {
  dec.size = static_cast<std::uint32_t>(text.size());
  dec.bom = text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  bool ascii = std::all_of(text.begin() + dec.bom, text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  dec.cps.reserve(text.size() - dec.bom);
  if (!ascii) dec.byteOf.reserve(text.size() - dec.bom + 1);

  enum class Bad { None, Utf8, Nul };
  Bad run = Bad::None;
  std::size_t runBegin = 0;
  auto flush = [&](std::size_t end) {
    if (run == Bad::Utf8) {
      auto first = static_cast<unsigned char>(text[runBegin]);
      std::string msg = end - runBegin == 1
                            ? fmt::format("invalid UTF-8 byte 0x{:02X}", first)
                            : fmt::format("invalid UTF-8: {} bytes starting with 0x{:02X}", end - runBegin, first);
      cx.error(Code::E0004, cx.span(std::uint32_t(runBegin), std::uint32_t(end)), std::move(msg));
    } else if (run == Bad::Nul) {
      cx.error(Code::E0006, cx.span(std::uint32_t(runBegin), std::uint32_t(end)),
               end - runBegin == 1 ? "NUL byte in source" : fmt::format("{} NUL bytes in source", end - runBegin));
    }
    run = Bad::None;
  };
  auto bad = [&](Bad kind, std::size_t i) {
    if (run != kind) {
      flush(i);
      run = kind;
      runBegin = i;
    }
  };

  for (std::size_t i = dec.bom; i < text.size();) {
    if (auto c = static_cast<unsigned char>(text[i]); c != 0 && c < 0x80 && run == Bad::None) {  // fast path
      if (!ascii) dec.byteOf.push_back(std::uint32_t(i));
      dec.cps.push_back(c);
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t n = utf8Length(text, i, cp);
    if (n == 0 || cp == 0) {
      bad(n == 0 ? Bad::Utf8 : Bad::Nul, i);
      if (!ascii) dec.byteOf.push_back(std::uint32_t(i));
      dec.cps.push_back(U' ');
      ++i;
      if (cx.capped()) return false;
      continue;
    }
    flush(i);
    if (cx.capped()) return false;
    if (!ascii) dec.byteOf.push_back(std::uint32_t(i));
    dec.cps.push_back(cp);
    i += n;
  }
  flush(text.size());
  if (!ascii) dec.byteOf.push_back(std::uint32_t(text.size()));
  dec.count = dec.cps.size();
  return !cx.capped();
}

// ---- stage 1: tokens -----------------------------------------------------------------------------------

struct Lexed {
  std::vector<WardToken> tokens;  // visible tokens, ending with EOF
  std::vector<ast::Comment> comments;
  bool complete = false;          // false: stop here, do not run the parser
};

std::string describeChars(std::string_view s) {
  // One stray non-printable character is named by its code point; anything else is quoted.
  if (s.size() == 1 && (static_cast<unsigned char>(s[0]) < 0x20 || s[0] == 0x7F))
    return fmt::format("U+{:04X}", static_cast<unsigned char>(s[0]));
  return Context::quote(s);
}

// Lexes the whole file, reporting invalid characters (E0002), unterminated strings and comments (E0005),
// and nesting deeper than kMaxNesting (E0003), and collecting comments.
Lexed lexAll(std::u32string_view text, Context& cx, Origin* origin) {
  Lexed out;
  internal::Lexer lexer(text);
  int depth = 0;
  std::size_t count = 0;
  std::uint32_t badBegin = 0, badEnd = 0;
  bool bad = false;
  auto flushBad = [&] {
    if (!bad) return;
    bad = false;
    std::string_view chars = std::string_view(cx.text()).substr(badBegin, badEnd - badBegin);
    auto n = std::count_if(chars.begin(), chars.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    cx.error(Code::E0002, cx.span(badBegin, badEnd),
             fmt::format("unexpected {} {}", n == 1 ? "character" : "characters", describeChars(chars)));
  };
  for (;;) {
    internal::RawToken t = lexer.next();
    const std::uint32_t b = cx.byteAt(t.start), e = cx.byteAt(t.stop + 1);
    if (t.type == WardLexer::ERROR_CHAR) {
      if (bad && b == badEnd) {
        badEnd = e;
      } else {
        flushBad();
        bad = true;
        badBegin = b;
        badEnd = e;
      }
      if (cx.capped()) return out;
      continue;
    }
    flushBad();
    switch (t.type) {
      case WardLexer::UNTERMINATED_STRING:
        cx.error(Code::E0005, cx.span(b, e), "unterminated string: a string must end with '\"' on the same line");
        t.type = WardLexer::STRING;  // the parser takes it as the string it was meant to be
        break;
      case WardLexer::UNTERMINATED_COMMENT:
        cx.error(Code::E0005, cx.span(b, b + 2), "unterminated comment: '/*' without a closing '*/'");
        [[fallthrough]];
      case WardLexer::LINE_COMMENT:
      case WardLexer::BLOCK_COMMENT:
        out.comments.push_back({std::string(std::string_view(cx.text()).substr(b, e - b)), cx.span(b, e)});
        break;
      case WardLexer::LBRACE:
      case WardLexer::LPAREN:
        if (++depth > kMaxNesting) {
          cx.error(Code::E0003, cx.span(b, e),
                   fmt::format("braces and parentheses nest deeper than {} levels", kMaxNesting));
          return out;
        }
        break;
      case WardLexer::RBRACE:
      case WardLexer::RPAREN:
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
    if (cx.capped()) return out;
    if (++count > kMaxTokens) {
      cx.error(Code::E0008, cx.span(b, e), fmt::format("file too large: more than {} tokens", kMaxTokens));
      return out;
    }
    if (t.channel == Token::DEFAULT_CHANNEL) out.tokens.emplace_back(origin, t, out.tokens.size());
    if (t.type == static_cast<std::size_t>(Token::EOF)) break;
  }
  out.complete = !cx.capped();
  return out;
}

// ---- stage 2: parse errors ------------------------------------------------------------------------------

const char* literal(std::size_t type) {
  switch (type) {
    case WardParser::IMPORT: return "'import'";
    case WardParser::AS: return "'as'";
    case WardParser::POLICY: return "'policy'";
    case WardParser::FRAGMENT: return "'fragment'";
    case WardParser::EXTENDS: return "'extends'";
    case WardParser::GROUP: return "'group'";
    case WardParser::USE: return "'use'";
    case WardParser::LBRACE: return "'{'";
    case WardParser::RBRACE: return "'}'";
    case WardParser::LPAREN: return "'('";
    case WardParser::RPAREN: return "')'";
    case WardParser::SEMI: return "';'";
    case WardParser::COMMA: return "','";
    case WardParser::EQ: return "'=='";
    case WardParser::NE: return "'!='";
    case WardParser::LE: return "'<='";
    case WardParser::GE: return "'>='";
    case WardParser::LT: return "'<'";
    case WardParser::GT: return "'>'";
    case WardParser::ASSIGN: return "'='";
    case WardParser::AMP: return "'&'";
    case WardParser::PIPE: return "'|'";
    case WardParser::STRING: return "a string";
    case WardParser::INTEGER: return "an integer";
    case WardParser::DECIMAL: return "a decimal number";
    case WardParser::QUANTITY: return "a quantity";
    case WardParser::GROUP_NAME: return "a group name (@name)";
    case WardParser::DEVICE: return "a device (major:minor)";
    case WardParser::RANGE: return "a range";
    case Token::EOF: return "end of file";
    default: return nullptr;
  }
}

// "a value", "';'", "'{' or a string", ...: empty when the set is too large to be useful.
std::string describeExpected(const antlr4::misc::IntervalSet& set, antlr4::ParserRuleContext* ctx) {
  std::size_t rule = ctx ? ctx->getRuleIndex() : static_cast<std::size_t>(-1);
  // In a policy body a name starts a section; before the body it is the policy's (or a parent's) name.
  bool sectionName = rule == WardParser::RuleMember ||
                     (rule == WardParser::RulePolicyDecl && ctx->getToken(WardParser::LBRACE, 0) != nullptr);
  std::vector<std::string> names;
  std::vector<std::size_t> types;
  for (ssize_t t : set.toList())
    if (t >= 0 || t == static_cast<ssize_t>(Token::EOF)) types.push_back(static_cast<std::size_t>(t));
  auto has = [&](std::size_t t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  auto drop = [&](std::initializer_list<std::size_t> ts) {
    for (auto t : ts) types.erase(std::remove(types.begin(), types.end(), t), types.end());
  };
  if (has(WardParser::IMPORT) && has(WardParser::POLICY) && has(WardParser::FRAGMENT) && has(WardParser::GROUP)) {
    names.push_back("a declaration ('import', 'policy', 'fragment' or 'group')");
    drop({WardParser::IMPORT, WardParser::POLICY, WardParser::FRAGMENT, WardParser::GROUP, Token::EOF});
  }
  const std::initializer_list<std::size_t> ops = {WardParser::EQ, WardParser::NE, WardParser::LT,
                                                  WardParser::LE, WardParser::GT, WardParser::GE};
  if (std::all_of(ops.begin(), ops.end(), has)) {
    names.push_back("a comparison ('==', '!=', '<', '<=', '>' or '>=')");
    drop(ops);
  }
  const std::initializer_list<std::size_t> values = {WardParser::IDENT,    WardParser::STRING,  WardParser::INTEGER,
                                                     WardParser::DECIMAL,  WardParser::QUANTITY, WardParser::GROUP_NAME,
                                                     WardParser::DEVICE,   WardParser::RANGE};
  if (std::all_of(values.begin(), values.end(), has)) {
    names.push_back("a value");
    drop(values);
  }
  for (auto t : types) {
    if (t == WardParser::IDENT) {
      names.push_back(sectionName ? "a section name" : "a name");
    } else if (const char* l = literal(t)) {
      names.push_back(l);
    }
  }
  if (names.empty() || names.size() > 6) return {};
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// DefaultErrorStrategy's recovery with ward's own messages, straight into Diagnostics.
class Strategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit Strategy(Context& cx) : cx_(cx) {}

  antlr4::ParserRuleContext* root() const { return root_; }

  void reportError(antlr4::Parser* p, const antlr4::RecognitionException& e) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Token* t = e.getOffendingToken();
    if (!t) t = p->getCurrentToken();
    report(p, t, e.getExpectedTokens(), false);
  }

 protected:
  void reportUnwantedToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Token* t = p->getCurrentToken();
    antlr4::misc::IntervalSet expected = getExpectedTokens(p);
    // A stray closing brace or parenthesis is just "unexpected"; otherwise say what was expected.
    bool closing = t->getType() == WardParser::RBRACE || t->getType() == WardParser::RPAREN;
    if (!closing || semiSpecial(p, expected)) {
      report(p, t, expected, false);
      return;
    }
    cx_.error(Code::E0001, cx_.tokSpan(t), "unexpected " + cx_.display(t));
    checkCap(p);
  }

  // Deleting a ';' or a brace to make the next token fit is rarely right (`write = ;` would take the next
  // statement's first word as its value): insert the missing token or resynchronize instead.
  Token* singleTokenDeletion(antlr4::Parser* p) override {
    std::size_t la = p->getTokenStream()->LA(1);
    if (la == WardParser::SEMI || la == WardParser::RBRACE || la == WardParser::LBRACE) return nullptr;
    return DefaultErrorStrategy::singleTokenDeletion(p);
  }

  void reportMissingToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    report(p, p->getCurrentToken(), getExpectedTokens(p), true);
  }

 private:
  static bool inStatement(std::size_t rule) {
    return rule == WardParser::RuleStatement || rule == WardParser::RuleTerm || rule == WardParser::RuleValue;
  }

  static std::size_t ruleOf(antlr4::Parser* p) {
    antlr4::ParserRuleContext* ctx = p->getContext();
    return ctx ? ctx->getRuleIndex() : static_cast<std::size_t>(-1);
  }
  // Whether the error is best described as a missing ';' at the end of a statement, import or use.
  static bool semiSpecial(antlr4::Parser* p, const antlr4::misc::IntervalSet& expected) {
    std::size_t rule = ruleOf(p);
    bool semiEnds = inStatement(rule) || rule == WardParser::RuleImportDecl || rule == WardParser::RuleUseDecl;
    return semiEnds && expected.contains(std::size_t{WardParser::SEMI}) && p->getTokenStream()->index() > 0;
  }

  void report(antlr4::Parser* p, Token* t, const antlr4::misc::IntervalSet& expected, bool missing) {
    antlr4::ParserRuleContext* ctx = p->getContext();
    std::size_t rule = ruleOf(p);
    Token* prev = p->getTokenStream()->index() > 0 ? p->getTokenStream()->LT(-1) : nullptr;
    if (semiSpecial(p, expected) && prev) {
      // Point just after the statement, where the ';' belongs.
      std::uint32_t at = cx_.tokEnd(prev);
      const char* what = rule == WardParser::RuleImportDecl ? "import"
                         : rule == WardParser::RuleUseDecl  ? "'use'"
                                                            : "statement";
      cx_.error(Code::E0001, cx_.span(at, at), fmt::format("expected ';' after {}", what));
    } else if (t->getType() == Token::EOF && expected.contains(std::size_t{WardParser::RBRACE})) {
      std::uint32_t at = cx_.tokBegin(t);
      Diagnostic& d = cx_.error(Code::E0001, cx_.span(at, at), "expected '}' before end of file");
      // The innermost '{' that is still open.
      for (auto* c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext*>(c->parent)) {
        auto* brace = c->getToken(WardParser::LBRACE, 0);
        if (brace && !dynamic_cast<antlr4::tree::ErrorNode*>(brace)) {
          d.notes.push_back({cx_.tokSpan(brace->getSymbol()), "to match this '{'"});
          break;
        }
      }
    } else {
      std::string want = describeExpected(expected, ctx);
      std::string msg = want.empty()   ? "unexpected " + cx_.display(t)
                        : missing      ? "expected " + want + " before " + cx_.display(t)
                                       : "expected " + want + ", found " + cx_.display(t);
      cx_.error(Code::E0001, cx_.tokSpan(t), std::move(msg));
    }
    checkCap(p);
  }

  void checkCap(antlr4::Parser* p) {
    if (!cx_.capped()) return;
    antlr4::ParserRuleContext* c = p->getContext();
    while (c && c->parent) c = dynamic_cast<antlr4::ParserRuleContext*>(c->parent);
    root_ = c;
    throw AbortParse{};
  }

  Context& cx_;
  antlr4::ParserRuleContext* root_ = nullptr;
};

// Anything that still reaches the parser's listeners (nothing should: Strategy reports everything).
class ParserListener : public antlr4::BaseErrorListener {
 public:
  explicit ParserListener(Context& cx) : cx_(cx) {}
  void syntaxError(antlr4::Recognizer*, Token* t, std::size_t, std::size_t, const std::string&,
                   std::exception_ptr) override {
    if (t) cx_.error(Code::E0001, cx_.tokSpan(t), "syntax error at " + cx_.display(t));
    else cx_.error(Code::E0001, cx_.span(0, 0), "syntax error");
  }

 private:
  Context& cx_;
};

// ---- stage 3: the AST ------------------------------------------------------------------------------------

// What both AST builders share: values from tokens, string unescaping (E0007), qualified names.
class Maker {
 public:
  explicit Maker(Context& cx) : cx_(cx) {}

  ast::Value value(std::size_t type, std::uint32_t b, std::uint32_t e) {
    ast::Value v;
    v.span = cx_.span(b, e);
    std::string_view text = std::string_view(cx_.text()).substr(b, e - b);
    switch (type) {
      case WardParser::STRING:
        v.kind = ast::Value::Kind::String;
        v.text = unescape(text, b);
        return v;
      case WardParser::INTEGER: v.kind = ast::Value::Kind::Integer; break;
      case WardParser::DECIMAL: v.kind = ast::Value::Kind::Decimal; break;
      case WardParser::QUANTITY: {
        v.kind = ast::Value::Kind::Quantity;
        std::size_t n = text.find_first_not_of("0123456789.");
        v.text = std::string(text.substr(0, n));
        v.unit = n == std::string_view::npos ? std::string() : std::string(text.substr(n));
        return v;
      }
      case WardParser::GROUP_NAME: v.kind = ast::Value::Kind::Group; break;
      case WardParser::DEVICE: v.kind = ast::Value::Kind::Device; break;
      case WardParser::RANGE: v.kind = ast::Value::Kind::Range; break;
      default: v.kind = ast::Value::Kind::Ident; break;
    }
    v.text = std::string(text);
    return v;
  }

  ast::QualName qualName(std::uint32_t b, std::uint32_t e) {
    ast::QualName q;
    q.span = cx_.span(b, e);
    std::string_view text = std::string_view(cx_.text()).substr(b, e - b);
    std::size_t from = 0;
    for (;;) {
      std::size_t dot = text.find('.', from);
      q.parts.emplace_back(text.substr(from, dot == std::string_view::npos ? dot : dot - from));
      if (dot == std::string_view::npos) break;
      from = dot + 1;
    }
    return q;
  }

 protected:
  Context& cx_;

 private:
  // `raw` is the token text including its quotes (the closing one is missing when unterminated).
  std::string unescape(std::string_view raw, std::uint32_t at) {
    std::string out;
    std::size_t i = 1, n = raw.size();
    if (n >= 2 && raw.back() == '"') {
      // Terminated unless that last quote is escaped: find the real end by scanning.
      std::size_t k = 1;
      while (k < n && raw[k] != '"') k += raw[k] == '\\' ? 2 : 1;
      if (k < n) n = k;
    }
    out.reserve(n);
    while (i < n) {
      char c = raw[i];
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= n) {  // a trailing backslash in an unterminated string
        out += c;
        break;
      }
      char d = raw[i + 1];
      switch (d) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        default: {
          auto lead = static_cast<unsigned char>(d);
          std::size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
          len = std::min(len, n - (i + 1));
          auto b = at + static_cast<std::uint32_t>(i);
          cx_.error(Code::E0007, cx_.span(b, b + 1 + static_cast<std::uint32_t>(len)),
                    fmt::format("invalid escape {} in string; use \\\", \\\\, \\n or \\t",
                                Context::quote(raw.substr(i, 1 + len))));
          out.append(raw.substr(i, 1 + len));
          i += 1 + len;
          continue;
        }
      }
      i += 2;
    }
    return out;
  }
};

// The AST from ANTLR's parse tree: used after syntax errors, so every child may be missing or an error node.
class TreeBuilder : Maker {
 public:
  explicit TreeBuilder(Context& cx) : Maker(cx) {}

  void file(antlr4::ParserRuleContext* root, ast::File& out) {
    if (!root) return;
    for (auto* child : root->children) {
      auto* decl = dynamic_cast<WardParser::DeclContext*>(child);
      if (!decl) continue;
      for (auto* d : decl->children) {
        if (auto* im = dynamic_cast<WardParser::ImportDeclContext*>(d)) {
          if (auto v = importDecl(im)) out.decls.emplace_back(std::move(*v));
        } else if (auto* po = dynamic_cast<WardParser::PolicyDeclContext*>(d)) {
          if (auto v = policyDecl(po)) out.decls.emplace_back(std::move(*v));
        } else if (auto* gr = dynamic_cast<WardParser::GroupDeclContext*>(d)) {
          if (auto v = groupDecl(gr)) out.decls.emplace_back(std::move(*v));
        }
      }
    }
  }

 private:
  // The token of a child that is a real terminal (not an error node or a token conjured by recovery).
  static Token* token(antlr4::tree::ParseTree* child) {
    auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (!term || dynamic_cast<antlr4::tree::ErrorNode*>(child)) return nullptr;
    Token* t = term->getSymbol();
    if (!t || t->getStartIndex() == INVALID_INDEX || t->getTokenIndex() == INVALID_INDEX) return nullptr;
    return t;
  }

  Span ctxSpan(antlr4::ParserRuleContext* ctx) const {
    Token* start = ctx->start;
    if (!start) return {};
    std::uint32_t b = cx_.tokBegin(start);
    Token* stop = ctx->stop;
    std::uint32_t e = b;
    if (stop && stop->getTokenIndex() != INVALID_INDEX && stop->getTokenIndex() >= start->getTokenIndex() &&
        stop->getType() != Token::EOF)
      e = std::max(b, cx_.tokEnd(stop));
    return cx_.span(b, e);
  }

  ast::Value valueOf(Token* t) { return value(t->getType(), cx_.tokBegin(t), cx_.tokEnd(t)); }

  using Maker::value;
  std::optional<ast::Value> value(WardParser::ValueContext* ctx) {
    if (!ctx) return std::nullopt;
    for (auto* c : ctx->children)
      if (Token* t = token(c)) return valueOf(t);
    return std::nullopt;
  }

  std::optional<ast::QualName> qualName(WardParser::QualNameContext* ctx) {
    for (auto* c : ctx->children) {
      Token* t = token(c);
      if (t && t->getType() == WardParser::IDENT) return Maker::qualName(cx_.tokBegin(t), cx_.tokEnd(t));
    }
    return std::nullopt;
  }

  std::optional<ast::Import> importDecl(WardParser::ImportDeclContext* ctx) {
    ast::Import im;
    bool hasPath = false;
    for (auto* c : ctx->children) {
      Token* t = token(c);
      if (!t) continue;
      if (t->getType() == WardParser::STRING && !hasPath) {
        im.path = valueOf(t);
        hasPath = true;
      } else if (t->getType() == WardParser::IDENT) {
        im.alias = valueOf(t);
      }
    }
    if (!hasPath) return std::nullopt;
    im.span = ctxSpan(ctx);
    return im;
  }

  std::optional<ast::PolicyDecl> policyDecl(WardParser::PolicyDeclContext* ctx) {
    ast::PolicyDecl p;
    bool hasName = false;
    for (auto* c : ctx->children) {
      if (Token* t = token(c)) {
        if (t->getType() == WardParser::FRAGMENT) p.isFragment = true;
        if (t->getType() == WardParser::IDENT && !hasName) {
          p.name = valueOf(t);
          hasName = true;
        }
      } else if (auto* q = dynamic_cast<WardParser::QualNameContext*>(c)) {
        if (auto v = qualName(q)) p.extends.push_back(std::move(*v));
      } else if (auto* m = dynamic_cast<WardParser::MemberContext*>(c)) {
        for (auto* mc : m->children) {
          if (auto* u = dynamic_cast<WardParser::UseDeclContext*>(mc)) {
            if (auto v = useDecl(u)) p.members.emplace_back(std::move(*v));
          } else if (auto* s = dynamic_cast<WardParser::SectionContext*>(mc)) {
            if (auto v = section(s)) p.members.emplace_back(std::move(*v));
          }
        }
      }
    }
    if (!hasName) return std::nullopt;
    p.span = ctxSpan(ctx);
    return p;
  }

  std::optional<ast::Use> useDecl(WardParser::UseDeclContext* ctx) {
    ast::Use u;
    for (auto* c : ctx->children)
      if (auto* q = dynamic_cast<WardParser::QualNameContext*>(c))
        if (auto v = qualName(q)) u.names.push_back(std::move(*v));
    if (u.names.empty()) return std::nullopt;
    u.span = ctxSpan(ctx);
    return u;
  }

  std::optional<ast::Section> section(WardParser::SectionContext* ctx) {
    ast::Section s;
    bool hasName = false;
    for (auto* c : ctx->children) {
      if (Token* t = token(c)) {
        if (t->getType() == WardParser::IDENT && !hasName) {
          s.name = valueOf(t);
          hasName = true;
        }
      } else if (auto* st = dynamic_cast<WardParser::StatementContext*>(c)) {
        if (auto v = statement(st)) s.statements.push_back(std::move(*v));
      }
    }
    if (!hasName) return std::nullopt;
    s.span = ctxSpan(ctx);
    return s;
  }

  std::optional<ast::GroupDecl> groupDecl(WardParser::GroupDeclContext* ctx) {
    ast::GroupDecl g;
    bool hasName = false;
    for (auto* c : ctx->children) {
      if (Token* t = token(c)) {
        if (t->getType() == WardParser::GROUP_NAME && !hasName) {
          g.name = valueOf(t);
          hasName = true;
        } else if (t->getType() == WardParser::STRING && !g.description) {
          g.description = valueOf(t);
        }
      } else if (auto* st = dynamic_cast<WardParser::StatementContext*>(c)) {
        if (auto v = statement(st)) g.statements.push_back(std::move(*v));
      }
    }
    if (!hasName) return std::nullopt;
    g.span = ctxSpan(ctx);
    return g;
  }

  // Children: term+ (',' term+)* ('=' value)? ';' -- clauses are split at the commas.
  std::optional<ast::Statement> statement(WardParser::StatementContext* ctx) {
    ast::Statement st;
    ast::Clause clause;
    auto close = [&] {
      if (clause.terms.empty()) return;
      clause.span = clause.terms.front().span.cover(clause.terms.back().span);
      st.clauses.push_back(std::move(clause));
      clause = ast::Clause{};
    };
    for (auto* c : ctx->children) {
      if (auto* tm = dynamic_cast<WardParser::TermContext*>(c)) {
        if (auto v = term(tm)) clause.terms.push_back(std::move(*v));
      } else if (auto* v = dynamic_cast<WardParser::ValueContext*>(c)) {
        close();
        st.assigned = value(v);
      } else if (Token* t = token(c); t && t->getType() == WardParser::COMMA) {
        close();
      }
    }
    close();
    if (st.clauses.empty()) return std::nullopt;
    st.span = ctxSpan(ctx);
    return st;
  }

  std::optional<ast::Term> term(WardParser::TermContext* ctx) {
    ast::Term tm;
    if (auto* call = dynamic_cast<WardParser::CallTermContext*>(ctx)) {
      tm.isCall = true;
      bool hasHead = false;
      for (auto* c : call->children) {
        if (auto* cond = dynamic_cast<WardParser::ConditionContext*>(c)) {
          if (auto v = condition(cond)) tm.conditions.push_back(std::move(*v));
        } else if (Token* t = token(c); t && t->getType() == WardParser::IDENT && !hasHead) {
          tm.head = valueOf(t);
          hasHead = true;
        }
      }
      if (!hasHead) return std::nullopt;
      tm.span = ctxSpan(ctx);
      return tm;
    }
    // A value term: one token.
    for (auto* c : ctx->children) {
      if (Token* t = token(c)) {
        tm.head = valueOf(t);
        tm.span = tm.head.span;
        return tm;
      }
    }
    return std::nullopt;
  }

  std::optional<ast::Condition> condition(WardParser::ConditionContext* ctx) {
    ast::Condition cond;
    bool hasArg = false, seenAmp = false, hasOp = false;
    for (auto* c : ctx->children) {
      if (auto* v = dynamic_cast<WardParser::ValueContext*>(c)) {
        if (auto val = value(v); val && !hasArg) {
          cond.arg = std::move(*val);
          hasArg = true;
        }
      } else if (Token* t = token(c); t && t->getType() == WardParser::AMP) {
        seenAmp = true;
      } else if (auto* op = dynamic_cast<WardParser::CompareOpContext*>(c)) {
        for (auto* oc : op->children) {
          if (Token* ot = token(oc)) {
            cond.op = std::string(cx_.tokText(ot));
            cond.opSpan = cx_.tokSpan(ot);
            hasOp = true;
          }
        }
      } else if (auto* list = dynamic_cast<WardParser::OrListContext*>(c)) {
        std::vector<ast::Value>& into = seenAmp && !hasOp ? cond.mask : cond.value;
        for (auto* lc : list->children)
          if (auto* lv = dynamic_cast<WardParser::ValueContext*>(lc))
            if (auto val = value(lv)) into.push_back(std::move(*val));
      }
    }
    if (!hasArg || !hasOp || cond.value.empty()) return std::nullopt;
    cond.span = ctxSpan(ctx);
    return cond;
  }

};


// The AST straight from the token list, for a file the parser accepted without error (the fast path: the
// SLL stage then builds no parse tree). The tokens are known to follow the grammar, so this is a plain walk;
// it still never reads past the EOF token. tests/unit/syntax checks it builds the same AST as TreeBuilder.
class TokenBuilder : Maker {
 public:
  TokenBuilder(Context& cx, const std::vector<WardToken>& toks) : Maker(cx), t_(toks) {}

  void file(ast::File& out) {
    while (!at(Token::EOF)) {
      std::size_t before = i_;
      switch (type()) {
        case WardParser::IMPORT: out.decls.emplace_back(importDecl()); break;
        case WardParser::POLICY:
        case WardParser::FRAGMENT: out.decls.emplace_back(policyDecl()); break;
        case WardParser::GROUP: out.decls.emplace_back(groupDecl()); break;
        default: break;
      }
      if (i_ == before) ++i_;  // unreachable for accepted input; guarantees progress
    }
  }

 private:
  std::size_t type() const { return t_[i_].type; }
  bool at(std::size_t ty) const { return t_[i_].type == ty; }
  const WardToken& take() {
    const WardToken& t = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return t;
  }
  std::uint32_t begin(const WardToken& t) const { return cx_.byteAt(t.start); }
  std::uint32_t end(const WardToken& t) const { return cx_.byteAt(std::size_t{t.start} + t.len); }
  std::uint32_t prevEnd() const { return i_ > 0 ? end(t_[i_ - 1]) : 0; }
  ast::Value valueTok() {
    const WardToken& t = take();
    return value(t.type, begin(t), end(t));
  }
  ast::QualName qual() {
    const WardToken& t = take();
    return qualName(begin(t), end(t));
  }

  ast::Import importDecl() {
    ast::Import im;
    std::uint32_t b = begin(take());
    im.path = valueTok();
    if (at(WardParser::AS)) {
      take();
      im.alias = valueTok();
    }
    take();  // ;
    im.span = cx_.span(b, prevEnd());
    return im;
  }

  ast::PolicyDecl policyDecl() {
    ast::PolicyDecl p;
    p.isFragment = at(WardParser::FRAGMENT);
    std::uint32_t b = begin(take());
    p.name = valueTok();
    if (at(WardParser::EXTENDS)) {
      do {
        take();  // extends or ,
        p.extends.push_back(qual());
      } while (at(WardParser::COMMA));
    }
    take();  // {
    while (at(WardParser::USE) || at(WardParser::IDENT)) {
      if (at(WardParser::USE)) {
        ast::Use u;
        std::uint32_t ub = begin(take());
        u.names.push_back(qual());
        while (at(WardParser::COMMA)) {
          take();
          u.names.push_back(qual());
        }
        take();  // ;
        u.span = cx_.span(ub, prevEnd());
        p.members.emplace_back(std::move(u));
      } else {
        ast::Section sec;
        sec.name = valueTok();
        take();  // {
        statements(sec.statements);
        take();  // }
        sec.span = cx_.span(sec.name.span.begin, prevEnd());
        p.members.emplace_back(std::move(sec));
      }
    }
    take();  // }
    p.span = cx_.span(b, prevEnd());
    return p;
  }

  ast::GroupDecl groupDecl() {
    ast::GroupDecl g;
    std::uint32_t b = begin(take());
    g.name = valueTok();
    if (at(WardParser::STRING)) g.description = valueTok();
    take();  // {
    statements(g.statements);
    take();  // }
    g.span = cx_.span(b, prevEnd());
    return g;
  }

  void statements(std::vector<ast::Statement>& out) {
    while (!at(WardParser::RBRACE) && !at(Token::EOF)) {
      std::size_t before = i_;
      out.push_back(statement());
      if (i_ == before) take();
    }
  }

  ast::Statement statement() {
    ast::Statement st;
    ast::Clause clause;
    std::uint32_t b = begin(t_[i_]);
    auto close = [&] {
      if (clause.terms.empty()) return;
      clause.span = clause.terms.front().span.cover(clause.terms.back().span);
      st.clauses.push_back(std::move(clause));
      clause = ast::Clause{};
    };
    while (!at(WardParser::SEMI) && !at(Token::EOF) && !at(WardParser::RBRACE)) {
      if (at(WardParser::COMMA)) {
        take();
        close();
      } else if (at(WardParser::ASSIGN)) {
        take();
        close();
        st.assigned = valueTok();
      } else {
        clause.terms.push_back(term());
      }
    }
    close();
    take();  // ;
    st.span = cx_.span(b, prevEnd());
    return st;
  }

  ast::Term term() {
    ast::Term tm;
    tm.head = valueTok();
    if (tm.head.kind == ast::Value::Kind::Ident && at(WardParser::LPAREN)) {
      tm.isCall = true;
      take();  // (
      while (!at(WardParser::RPAREN) && !at(Token::EOF)) {
        if (at(WardParser::COMMA)) {
          take();
          continue;
        }
        tm.conditions.push_back(condition());
      }
      take();  // )
      tm.span = cx_.span(tm.head.span.begin, prevEnd());
    } else {
      tm.span = tm.head.span;
    }
    return tm;
  }

  ast::Condition condition() {
    ast::Condition c;
    c.arg = valueTok();
    auto list = [&](std::vector<ast::Value>& into) {
      into.push_back(valueTok());
      while (at(WardParser::PIPE)) {
        take();
        into.push_back(valueTok());
      }
    };
    if (at(WardParser::AMP)) {
      take();
      list(c.mask);
    }
    const WardToken& op = take();
    c.op = std::string(std::string_view(cx_.text()).substr(begin(op), end(op) - begin(op)));
    c.opSpan = cx_.span(begin(op), end(op));
    list(c.value);
    c.span = cx_.span(c.arg.span.begin, prevEnd());
    return c;
  }

  const std::vector<WardToken>& t_;
  std::size_t i_ = 0;
};

}  // namespace

namespace internal {

ast::File parseWith(const SourceManager& sources, FileId file, Diagnostics& diags, const ParseOptions& options) {
  ast::File out;
  out.file = file;
  if (file == kNoFile || file >= sources.size()) return out;
  try {
    const std::string& text = sources.file(file).text;
    Decoded dec;
    Context cx(sources, file, diags, dec);
    if (text.size() >= 0xFFFFFFF0u) {
      cx.error(Code::E0008, cx.span(0, 0), "file too large");
      return out;
    }
    if (!decode(text, cx, dec)) return out;

    Input input(std::move(dec.cps));
    Origin origin(&input);
    Lexed lexed = lexAll(input.data(), cx, &origin);
    out.comments = std::move(lexed.comments);
    if (!lexed.complete || lexed.tokens.empty()) return out;

    Stream tokens(lexed.tokens, &origin);
    WardParser parser(&tokens);
    parser.removeErrorListeners();
    auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();

    // Stage 1: SLL prediction, no parse tree, bail out at the first error. A file that passes is built
    // straight from its tokens.
    if (!options.forceTreeWalk) {
      sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      parser.setBuildParseTree(false);
      bool ok = true;
      try {
        parser.file();
      } catch (const antlr4::ParseCancellationException&) {
        ok = false;
      }
      if (ok) {
        TokenBuilder(cx, lexed.tokens).file(out);
        return out;
      }
      tokens.seek(0);
      parser.reset();
    }
    // Stage 2: full LL with a parse tree, error recovery and ward's messages; the AST from the tree.
    ParserListener parserListener(cx);
    auto strategy = std::make_shared<Strategy>(cx);
    parser.setErrorHandler(strategy);
    parser.addErrorListener(&parserListener);
    parser.setBuildParseTree(true);
    sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
    antlr4::ParserRuleContext* root = nullptr;
    try {
      root = parser.file();
    } catch (const AbortParse&) {
      root = strategy->root();
    }
    TreeBuilder(cx).file(root, out);
  } catch (const std::exception& e) {
    diags.error(Code::E0001, sources.span(file, 0, 0), std::string("internal error while parsing: ") + e.what());
  } catch (...) {
    diags.error(Code::E0001, sources.span(file, 0, 0), "internal error while parsing");
  }
  return out;
}

}  // namespace internal

ast::File parse(const SourceManager& sources, FileId file, Diagnostics& diags) {
  return internal::parseWith(sources, file, diags, {});
}

}  // namespace ward::syntax
