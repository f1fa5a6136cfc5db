#pragma once
// The analysis entry point with the parser injected (analyze() passes ward::syntax::parse). Internal.
#include <functional>
#include <optional>
#include <string_view>

#include "sema/sema.h"

namespace ward::sema::detail {

using ParseFn = std::function<ast::File(const SourceManager&, FileId, Diagnostics&)>;

// `only`: analyze just that policy (see analyzePolicy); nullopt: every policy of the root file.
Result run(SourceManager& sources, FileId root, std::optional<std::string_view> only, const Options& options,
           Diagnostics& diags, const ParseFn& parse);

}  // namespace ward::sema::detail
