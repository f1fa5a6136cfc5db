#pragma once
// The parser's public face. Only src/syntax/*.cpp include ANTLR headers.
#include "base/diagnostics.h"
#include "base/source.h"
#include "syntax/ast.h"

namespace ward::syntax {

// Nesting deeper than this (braces, parentheses) is a located error (E0003), never a stack overflow.
inline constexpr int kMaxNesting = 64;

// Parses one file already added to `sources`. Syntax errors go to `diags` with codes E0001..E0099; the
// returned tree holds everything that could be recovered (for the language server), and is complete when
// `diags` gained no error. Never throws for any input bytes.
ast::File parse(const SourceManager& sources, FileId file, Diagnostics& diags);

// The canonical text of a file (`ward fmt`): idempotent, keeps every comment. Requires a parse with no
// errors; returns the input unchanged otherwise.
std::string format(const SourceManager& sources, const ast::File& file);

}  // namespace ward::syntax
