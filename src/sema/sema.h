#pragma once
// Semantic analysis: .ward sources -> resolved, checked ir::Policy values.
//
// analyze() parses the root file and, recursively, every module it imports; resolves imports, extends,
// fragments (`use`) and syscall groups; interprets every section; checks names, units and safety rules;
// and returns one fully resolved ir::Policy per policy declared in the root file. Diagnostics are data
// appended to `diags`; analyze() never throws, prints or exits, and keeps no state between calls.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/source.h"
#include "ir/policy.h"
#include "syntax/ast.h"

namespace ward::sema {

// How imported files are read. The default reads the filesystem; the language server overrides it to
// serve unsaved editor buffers.
struct FileReader {
  virtual ~FileReader();
  // The file's bytes, or nullopt when it does not exist or cannot be read.
  virtual std::optional<std::string> read(const std::string& path) const;
};

struct Options {
  std::vector<std::string> searchPath;   // directories searched for module imports, in order
  const FileReader* reader = nullptr;    // nullptr: the default FileReader
};

// The module search path: each -I dir, then the colon-separated entries of WARD_PATH (empty entries are
// skipped), then the installed stdlib (WARD_INSTALL_STDLIB), then the source tree's stdlib
// (WARD_SOURCE_STDLIB) when `executableDir` is inside a build tree (it or a parent holds a
// CMakeCache.txt). `wardPathEnv` may be nullptr; `executableDir` may be empty.
std::vector<std::string> searchPath(const std::vector<std::string>& includeDirs, const char* wardPathEnv,
                                    const std::string& executableDir);

struct Result {
  std::vector<ir::Policy> policies;        // one per policy requested (root file order)
  std::vector<std::string> dependencies;   // every file read (root first), as opened
  std::vector<ast::File> files;            // parsed ASTs, root first (for the language server)
};

// Analyzes every policy declared in `root` (not those of imported modules).
Result analyze(SourceManager& sources, FileId root, const Options& options, Diagnostics& diags);

// Analyzes one named policy: `name` is a policy of the root file, or `module.name` for a policy of a
// module the root file imports (e.g. "base.unprivileged"). Unknown names are E0211 with a suggestion.
Result analyzePolicy(SourceManager& sources, FileId root, std::string_view name, const Options& options,
                     Diagnostics& diags);

}  // namespace ward::sema
