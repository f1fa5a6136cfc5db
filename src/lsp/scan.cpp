#include "lsp/scan.h"

#include <array>

namespace ward::lsp {

namespace {

bool identStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool identChar(char c) { return identStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

bool wordLike(const Token& t) {
  return t.kind == Token::Kind::Ident || t.kind == Token::Kind::Group || t.kind == Token::Kind::Number ||
         (t.kind == Token::Kind::String && !t.terminated);
}

}  // namespace

bool isKeyword(std::string_view w) {
  static constexpr std::array<std::string_view, 7> kw{"import", "as", "policy", "fragment", "extends", "group", "use"};
  for (auto k : kw)
    if (k == w) return true;
  return false;
}

std::vector<Token> scan(std::string_view s) {
  std::vector<Token> out;
  const auto n = static_cast<std::uint32_t>(s.size());
  std::uint32_t i = 0;
  if (n >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  auto push = [&](Token::Kind k, std::uint32_t b, std::uint32_t e, bool terminated = true) {
    Token t;
    t.kind = k;
    t.begin = b;
    t.end = e;
    t.text = s.substr(b, e - b);
    t.terminated = terminated;
    out.push_back(t);
  };
  while (i < n) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    const std::uint32_t b = i;
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
      push(Token::Kind::Comment, b, i);
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/')) ++i;
      i = i < n ? i + 2 : n;
      push(Token::Kind::Comment, b, i);
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') {
          i += 2;
          continue;
        }
        if (s[i] == '"') {
          ++i;
          closed = true;
          break;
        }
        ++i;
      }
      if (!closed && i > b + 1 && s[i - 1] == '\r') --i;
      push(Token::Kind::String, b, i, closed);
    } else if (c == '@') {
      ++i;
      while (i < n && identChar(s[i])) ++i;
      push(Token::Kind::Group, b, i);
    } else if (identStart(c)) {
      while (i < n && identChar(s[i])) ++i;
      push(Token::Kind::Ident, b, i);
    } else if (digit(c)) {
      while (i < n && (identChar(s[i]) || s[i] == ':' || s[i] == '*')) ++i;
      push(Token::Kind::Number, b, i);
    } else {
      ++i;
      push(Token::Kind::Punct, b, i);
    }
  }
  return out;
}

const Token* tokenAt(const std::vector<Token>& tokens, std::uint32_t offset) {
  // Binary search for the first token ending at or after offset.
  std::size_t lo = 0, hi = tokens.size();
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (tokens[mid].end < offset) lo = mid + 1;
    else hi = mid;
  }
  for (std::size_t i = lo; i < tokens.size() && tokens[i].begin <= offset; ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::Comment) continue;
    if (offset < t.end) return &t;
    if (offset == t.end && t.kind != Token::Kind::Punct) {
      // Touching the end of a word; prefer a token that starts exactly here ("a|b" cannot happen).
      if (i + 1 < tokens.size() && tokens[i + 1].begin == offset && tokens[i + 1].kind != Token::Kind::Punct &&
          tokens[i + 1].kind != Token::Kind::Comment)
        return &tokens[i + 1];
      return &t;
    }
  }
  return nullptr;
}

Context contextAt(std::string_view, const std::vector<Token>& tokens, std::uint32_t offset) {
  struct Frame {
    Context::Where where;
    std::string section, decl;
  };
  std::vector<Frame> frames{{Context::Where::TopLevel, {}, {}}};
  Context ctx;
  std::vector<Token> stmt;
  int paren = 0;
  for (const Token& t : tokens) {
    if (t.begin >= offset) break;
    if (t.kind == Token::Kind::Comment) {
      if (offset < t.end || (offset == t.end && t.text.substr(0, 2) == "//")) {
        ctx.inComment = true;
        break;
      }
      continue;
    }
    if (offset < t.end || (offset == t.end && wordLike(t))) {
      ctx.word = t;
      ctx.hasWord = true;
      ctx.inString = t.kind == Token::Kind::String;
      break;
    }
    switch (t.punct()) {
      case '{': {
        const Frame& cur = frames.back();
        Frame f{Context::Where::Other, {}, cur.decl};
        if (cur.where == Context::Where::TopLevel && !stmt.empty() && (stmt[0].is("policy") || stmt[0].is("fragment"))) {
          f.where = Context::Where::PolicyBody;
          f.decl = stmt.size() > 1 ? std::string(stmt[1].text) : std::string();
        } else if (cur.where == Context::Where::TopLevel && !stmt.empty() && stmt[0].is("group")) {
          f.where = Context::Where::GroupBody;
          f.decl = stmt.size() > 1 ? std::string(stmt[1].text) : std::string();
        } else if (cur.where == Context::Where::PolicyBody && stmt.size() == 1 && stmt[0].kind == Token::Kind::Ident) {
          f.where = Context::Where::Section;
          f.section = std::string(stmt[0].text);
        }
        frames.push_back(std::move(f));
        stmt.clear();
        paren = 0;
        break;
      }
      case '}':
        if (frames.size() > 1) frames.pop_back();
        stmt.clear();
        paren = 0;
        break;
      case ';':
        stmt.clear();
        paren = 0;
        break;
      case '(':
        ++paren;
        stmt.push_back(t);
        break;
      case ')':
        if (paren > 0) --paren;
        stmt.push_back(t);
        break;
      default:
        stmt.push_back(t);
    }
  }
  const Frame& f = frames.back();
  ctx.where = f.where;
  ctx.section = f.section;
  ctx.declName = f.decl;
  ctx.parenDepth = paren;
  ctx.statement = std::move(stmt);
  return ctx;
}

}  // namespace ward::lsp
