// AppArmor equality confirmed on the compiled profiles (issue 13): the rule-level comparison (apparmor.cpp)
// errs towards "wider" where it cannot prove containment; apparmor_parser can settle equality. Both sides'
// profiles, exactly as the apparmor backend writes them but under one profile name, are compiled with
// `apparmor_parser -Q -K -S` (compile only: no kernel, no AppArmor enabled needed; the binary policy on
// standard output). The parser's output does not depend on rule order, comments or spelling, so identical
// binaries prove the two profiles equal; different binaries prove nothing about direction.
#include <algorithm>

#include "backend/apparmor/apparmor.h"
#include "backend/backend.h"
#include "base/process.h"
#include "base/strings.h"
#include "diff/diff.h"

namespace ward::diff {
namespace {

constexpr const char* kName = "ward-diff-confirm";

// The compiled binary policy of `p`'s profile, or nullopt and `why`.
std::optional<std::string> compiled(const ir::Policy& p, const std::string& parser, std::string& why) {
  ir::Policy copy = p;   // the profile name is part of the binary: give both sides the same one
  copy.name = kName;
  copy.apparmor.profileName = kName;
  Diagnostics diags;
  std::string text = backend::apparmor::profileText(copy, diags).value_or("");
  if (text.empty()) {
    why = "policy '" + p.name + "' has no AppArmor profile";
    return std::nullopt;
  }
  RunResult r = runProcess({parser, "-Q", "-K", "-S"}, text);
  if (r.status != 0 || r.out.empty()) {
    const std::string err(trim(r.err.substr(r.err.rfind('\n', r.err.size() > 1 ? r.err.size() - 2 : 0) + 1)));
    why = parser + (r.spawnError.empty() ? " refused the profile of '" + p.name + "': " + err : ": " + r.spawnError);
    return std::nullopt;
  }
  return std::move(r.out);
}

}  // namespace

CompiledApparmor compareCompiledApparmor(const ir::Policy& a, const ir::Policy& b, const std::string& parser,
                                         std::string* why) {
  std::string reason;
  auto ca = compiled(a, parser, reason);
  auto cb = ca ? compiled(b, parser, reason) : std::nullopt;
  if (!ca || !cb) {
    if (why) *why = reason;
    return CompiledApparmor::Unavailable;
  }
  return *ca == *cb ? CompiledApparmor::Equal : CompiledApparmor::Different;
}

void confirmApparmor(const ir::Policy& a, const ir::Policy& b, const CompareOptions& options, Result& r) {
  auto isAa = [](const Difference& d) { return d.layer == Layer::Apparmor; };
  const auto ruleDiffs = std::count_if(r.differences.begin(), r.differences.end(), isAa);
  std::string why;
  switch (compareCompiledApparmor(a, b, options.apparmorParser, &why)) {
    case CompiledApparmor::Equal:
      r.differences.erase(std::remove_if(r.differences.begin(), r.differences.end(), isAa), r.differences.end());
      r.notes.push_back(ruleDiffs ? "apparmor: the compiled profiles are identical (apparmor_parser), so the " +
                                        std::to_string(ruleDiffs) + " rule-level differences are none"
                                  : std::string("apparmor: equal, confirmed on the compiled profiles (apparmor_parser)"));
      break;
    case CompiledApparmor::Different:
      if (ruleDiffs == 0)   // the rule model missed something: never miss "wider"
        r.differences.push_back({Layer::Apparmor, Direction::PossiblyWider,
                                 "the compiled profiles differ (apparmor_parser) where the rules compare equal", {}, {}});
      break;
    case CompiledApparmor::Unavailable:
      r.notes.push_back("apparmor: not confirmed on the compiled profiles: " + why);
      break;
  }
}

}  // namespace ward::diff
