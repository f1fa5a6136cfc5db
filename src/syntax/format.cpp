// `ward fmt`: the canonical text of a parsed file, with every comment kept.
//
// Layout: 2-space indent, one statement per line, `a, b`, `name(cond, cond)`, spaces around operators,
// one blank line between top-level declarations (consecutive imports stay together), blank lines between
// members and statements kept from the source (at most one), LF line endings, a final newline.
//
// Comments: a comment on the same line as the end of the previous element (`read "x";  // why`, or after
// a `{` or `}`) stays there as a trailing comment; any other comment is written on its own line, at the
// indentation of the element that follows it. A comment inside a statement or a declaration's header is
// moved to its own line before that statement or declaration.
#include <algorithm>
#include <string>
#include <string_view>

#include "syntax/parse.h"

namespace ward::syntax {
namespace {

std::string escape(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string render(const ast::Value& v) {
  switch (v.kind) {
    case ast::Value::Kind::String: return escape(v.text);
    case ast::Value::Kind::Quantity: return v.text + v.unit;
    default: return v.text;
  }
}

std::string renderList(const std::vector<ast::Value>& vs, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < vs.size(); ++i) out += (i ? sep : "") + render(vs[i]);
  return out;
}

std::string render(const ast::Condition& c) {
  std::string out = render(c.arg);
  if (!c.mask.empty()) out += " & " + renderList(c.mask, " | ");
  return out + " " + c.op + " " + renderList(c.value, " | ");
}

std::string render(const ast::Term& t) {
  std::string out = render(t.head);
  if (!t.isCall) return out;
  out += '(';
  for (std::size_t i = 0; i < t.conditions.size(); ++i) out += (i ? ", " : "") + render(t.conditions[i]);
  return out + ')';
}

std::string render(const ast::Statement& s) {
  std::string out;
  for (std::size_t i = 0; i < s.clauses.size(); ++i) {
    if (i) out += ", ";
    const auto& terms = s.clauses[i].terms;
    for (std::size_t j = 0; j < terms.size(); ++j) out += (j ? " " : "") + render(terms[j]);
  }
  if (s.assigned) out += " = " + render(*s.assigned);
  return out + ';';
}

std::string renderNames(const std::vector<ast::QualName>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i].text();
  return out;
}

Span spanOf(const ast::Decl& d) {
  return std::visit([](const auto& x) { return x.span; }, d);
}
Span spanOf(const ast::Member& m) {
  return std::visit([](const auto& x) { return x.span; }, m);
}

class Formatter {
 public:
  Formatter(const std::string& text, const std::vector<ast::Comment>& comments)
      : text_(text), comments_(comments) {}

  std::string run(const ast::File& f) {
    bool prevImport = false;
    for (std::size_t i = 0; i < f.decls.size(); ++i) {
      const ast::Decl& d = f.decls[i];
      bool isImport = std::holds_alternative<ast::Import>(d);
      // Before the first element after a declaration: one blank line, none inside a run of imports.
      Gap gap = i == 0 ? Gap::Source : (prevImport && isImport ? Gap::None : Gap::One);
      std::uint32_t next = i + 1 < f.decls.size() ? syntax::spanOf(f.decls[i + 1]).begin : kEnd;
      if (const auto* im = std::get_if<ast::Import>(&d)) {
        leading(im->span.end, 0, gap);
        open(im->span.begin, 0, gap);
        std::string s = "import " + render(im->path);
        if (im->alias) s += " as " + render(*im->alias);
        emit(s + ";", im->span.end);
      } else if (const auto* p = std::get_if<ast::PolicyDecl>(&d)) {
        policy(*p, gap);
      } else if (const auto* g = std::get_if<ast::GroupDecl>(&d)) {
        group(*g, gap);
      }
      trailing(next);
      prevImport = isImport;
    }
    // Comments after the last declaration.
    leading(kEnd, 0, Gap::Source);
    return out_;
  }

 private:
  static constexpr std::uint32_t kEnd = 0xFFFFFFFFu;
  enum class Gap { None, One, Source };  // how the next element is separated from the previous one

  bool blankBetween(std::uint32_t a, std::uint32_t b) const {
    if (a >= b || b > text_.size()) return false;
    return std::count(text_.begin() + a, text_.begin() + b, '\n') >= 2;
  }
  bool sameLine(std::uint32_t a, std::uint32_t b) const {
    if (a > b || b > text_.size()) return false;
    return std::find(text_.begin() + a, text_.begin() + b, '\n') == text_.begin() + b;
  }

  // Starts a new line for an element beginning at `begin`, first separating it from what came before.
  // `gap` is consumed by the first element it applies to; later ones keep the source's blank lines.
  void open(std::uint32_t begin, int indent, Gap& gap) {
    bool blank = false;
    if (started_) {
      switch (gap) {
        case Gap::None: blank = false; break;
        case Gap::One: blank = true; break;
        case Gap::Source: blank = blankBetween(lastEnd_, begin); break;
      }
    }
    gap = Gap::Source;
    if (blank) out_ += '\n';
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    started_ = true;
  }
  void emit(const std::string& s, std::uint32_t end) {
    out_ += s;
    out_ += '\n';
    lastEnd_ = std::max(lastEnd_, end);
  }

  static std::string commentText(const ast::Comment& c) {
    std::string s;
    s.reserve(c.text.size());
    for (std::size_t i = 0; i < c.text.size(); ++i)
      if (!(c.text[i] == '\r' && i + 1 < c.text.size() && c.text[i + 1] == '\n')) s += c.text[i];
    if (s.rfind("//", 0) == 0) {
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
    }
    return s;
  }

  // Own-line comments that begin before `before`.
  void leading(std::uint32_t before, int indent, Gap& gap) {
    while (next_ < comments_.size() && comments_[next_].span.begin < before) {
      const ast::Comment& c = comments_[next_++];
      open(c.span.begin, indent, gap);
      emit(commentText(c), c.span.end);
    }
  }
  void leading(std::uint32_t before, int indent, Gap&& gap) { leading(before, indent, gap); }

  // Comments on the same line as the last element, before `before`: appended to the last line.
  void trailing(std::uint32_t before) {
    while (next_ < comments_.size() && comments_[next_].span.begin < before && !out_.empty() &&
           sameLine(lastEnd_, comments_[next_].span.begin)) {
      const ast::Comment& c = comments_[next_++];
      out_.pop_back();  // the '\n'
      out_ += "  " + commentText(c) + '\n';
      lastEnd_ = std::max(lastEnd_, c.span.end);
    }
  }

  bool hasCommentBefore(std::uint32_t end) const {
    return next_ < comments_.size() && comments_[next_].span.begin < end;
  }

  // A `header { ... }` block whose body is a list of elements, each emitted by `item`.
  template <typename Items, typename Item>
  void block(std::string header, std::uint32_t begin, std::uint32_t headerEnd, std::uint32_t end, int indent,
             Gap& gap, const Items& items, Item item) {
    leading(headerEnd, indent, gap);
    open(begin, indent, gap);
    if (items.empty() && !hasCommentBefore(end)) {
      emit(header + " {}", end);
      return;
    }
    emit(header + " {", headerEnd);
    Gap inner = Gap::None;
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::uint32_t next = i + 1 < items.size() ? spanOf(items[i + 1]).begin : end;
      trailing(spanOf(items[i]).begin);
      item(items[i], inner);
      trailing(next);
    }
    trailing(end);
    leading(end, indent + 1, inner);
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    emit("}", end);
  }

  static Span spanOf(const ast::Statement& s) { return s.span; }
  static Span spanOf(const ast::Member& m) { return syntax::spanOf(m); }

  void statement(const ast::Statement& s, int indent, Gap& gap) {
    leading(s.span.end, indent, gap);
    open(s.span.begin, indent, gap);
    emit(render(s), s.span.end);
  }

  void section(const ast::Section& s, int indent, Gap& gap) {
    block(s.name.text, s.span.begin, s.name.span.end, s.span.end, indent, gap, s.statements,
          [&](const ast::Statement& st, Gap& g) { statement(st, indent + 1, g); });
  }

  void policy(const ast::PolicyDecl& p, Gap& gap) {
    std::string header = (p.isFragment ? "fragment " : "policy ") + p.name.text;
    std::uint32_t headerEnd = p.name.span.end;
    if (!p.extends.empty()) {
      header += " extends " + renderNames(p.extends);
      headerEnd = std::max(headerEnd, p.extends.back().span.end);
    }
    block(header, p.span.begin, headerEnd, p.span.end, 0, gap, p.members, [&](const ast::Member& m, Gap& g) {
      if (const auto* u = std::get_if<ast::Use>(&m)) {
        leading(u->span.end, 1, g);
        open(u->span.begin, 1, g);
        emit("use " + renderNames(u->names) + ";", u->span.end);
      } else {
        section(std::get<ast::Section>(m), 1, g);
      }
    });
  }

  void group(const ast::GroupDecl& g, Gap& gap) {
    std::string header = "group " + g.name.text;
    std::uint32_t headerEnd = g.name.span.end;
    if (g.description) {
      header += " " + render(*g.description);
      headerEnd = std::max(headerEnd, g.description->span.end);
    }
    block(header, g.span.begin, headerEnd, g.span.end, 0, gap, g.statements,
          [&](const ast::Statement& st, Gap& gg) { statement(st, 1, gg); });
  }

  const std::string& text_;
  const std::vector<ast::Comment>& comments_;
  std::size_t next_ = 0;       // the first comment not yet written
  std::string out_;
  std::uint32_t lastEnd_ = 0;  // end offset of the last source element written
  bool started_ = false;       // whether anything was written
};

}  // namespace

std::string format(const SourceManager& sources, const ast::File& file) {
  if (file.file == kNoFile || file.file >= sources.size()) return {};
  const std::string& text = sources.file(file.file).text;
  try {
    // The contract: only a file that parses cleanly is reformatted.
    Diagnostics check;
    parse(sources, file.file, check);
    if (check.hasErrors()) return text;
    return Formatter(text, file.comments).run(file);
  } catch (...) {
    return text;
  }
}

}  // namespace ward::syntax
