#pragma once
// The ward abstract syntax tree: owned plain values, every node with its source span. No ANTLR type appears
// here or anywhere outside src/syntax/*.cpp.
//
// The language has one statement shape (see docs/language.md): a statement is a comma-separated list of
// clauses, each clause a run of terms, optionally followed by `= value`, and closed by `;`:
//
//     read "/etc/nginx/**", "/usr/share/nginx/**";          clauses: [read "/etc/nginx/**"] ["/usr/share/nginx/**"]
//     listen tcp 80, 443;                                    clauses: [listen tcp 80] [443]
//     deny clone(flags & CLONE_NEWUSER != 0) errno EPERM;   one clause; `clone(...)` is a Term with conditions
//     net.ipv4.ip_forward = 0;                               one clause [net.ipv4.ip_forward], assigned 0
//
// Sections give statements their meaning; sema interprets them and reports located errors.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/source.h"

namespace ward::ast {

struct Value {
  enum class Kind {
    Ident,     // foo, net.ipv4.ip_forward, ESC-SYSRQ, kill_thread, CLONE_NEWUSER (letters, digits, _ . -)
    String,    // "text": `text` is the unescaped value
    Integer,   // 42, 0x1f, 0o755 (text as written; sema converts and checks overflow)
    Decimal,   // 1.5
    Quantity,  // 512MiB, 10ms, 2MB: `text` is the number part as written, `unit` the suffix
    Group,     // @system-service: `text` includes the '@'
    Device,    // 10:229 or 1:* (major:minor): text as written
    Range,     // 8000-8080: text as written
  };
  Kind kind = Kind::Ident;
  std::string text;
  std::string unit;  // Quantity only
  Span span;
};

// One argument condition of a syscall term: `arg OP value` or `arg & mask OP value`.
// Values may be OR-ed: `flags & (CLONE_NEWUSER | CLONE_NEWNS) != 0` is written `flags & CLONE_NEWUSER | CLONE_NEWNS != 0`.
struct Condition {
  Value arg;                        // Ident: arg0..arg5 or a parameter name (flags, domain, ...)
  std::vector<Value> mask;          // empty: no mask; otherwise OR-ed Integer/Ident values
  std::string op;                   // "==", "!=", "<", "<=", ">", ">="
  Span opSpan;
  std::vector<Value> value;         // OR-ed Integer/Ident values, at least one
  Span span;
};

// A term: a value, or a call `name(cond, cond...)` (syscall with argument conditions).
struct Term {
  Value head;
  bool isCall = false;              // written with parentheses (possibly empty)
  std::vector<Condition> conditions;
  Span span;
};

struct Clause {
  std::vector<Term> terms;          // at least one
  Span span;
};

struct Statement {
  std::vector<Clause> clauses;      // at least one
  std::optional<Value> assigned;    // `= value`
  Span span;                        // from first term to ';'
};

struct QualName {                   // base.unprivileged, logs
  std::vector<std::string> parts;
  Span span;
  std::string text() const {
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "." : "") + parts[i];
    return s;
  }
};

struct Section {                    // files { ... }
  Value name;                       // Ident
  std::vector<Statement> statements;
  Span span;                        // name to closing brace
};

struct Use {                        // use logs, common.audit;
  std::vector<QualName> names;
  Span span;
};

using Member = std::variant<Use, Section>;

struct PolicyDecl {                 // policy NAME extends A, B { members }   |   fragment NAME { members }
  bool isFragment = false;
  Value name;                       // Ident
  std::vector<QualName> extends;    // always empty for fragments
  std::vector<Member> members;      // in source order
  Span span;                        // keyword to closing brace
};

struct GroupDecl {                  // group @name "description" { read, write, @other; }
  Value name;                       // Group
  std::optional<Value> description; // String
  std::vector<Statement> statements;  // each clause is one syscall name or @group
  Span span;
};

struct Import {                     // import "std/base" as base;
  Value path;                       // String
  std::optional<Value> alias;       // Ident
  Span span;
};

struct Comment {                    // kept for `ward fmt`
  std::string text;                 // including the // or /* */ markers
  Span span;
};

using Decl = std::variant<Import, PolicyDecl, GroupDecl>;

struct File {
  FileId file = kNoFile;
  std::vector<Decl> decls;          // in source order
  std::vector<Comment> comments;    // in source order
};

}  // namespace ward::ast
