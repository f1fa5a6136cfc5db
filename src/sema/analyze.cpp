// analyze() and analyzePolicy(): the analysis with ward's parser.
#include "sema/run.h"
#include "syntax/parse.h"

namespace ward::sema {

namespace {
ast::File parseFile(const SourceManager& sources, FileId file, Diagnostics& diags) {
  return syntax::parse(sources, file, diags);
}
}  // namespace

Result analyze(SourceManager& sources, FileId root, const Options& options, Diagnostics& diags) {
  return detail::run(sources, root, std::nullopt, options, diags, parseFile);
}

Result analyzePolicy(SourceManager& sources, FileId root, std::string_view name, const Options& options,
                     Diagnostics& diags) {
  return detail::run(sources, root, name, options, diags, parseFile);
}

}  // namespace ward::sema
