// The base a learned policy extends, and run ids.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "backend/seccomp/filter.h"
#include "backend/seccomp/seccomp.h"
#include "base/capabilities.h"
#include "base/sha256.h"
#include "learn/learn.h"
#include "lower/lower.h"

namespace ward::learn {

std::optional<BaseSpec> parseBaseSpec(const std::string& spec, std::string* error) {
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    if (error) *error = fmt::format("--base '{}': expected MODULE:POLICY, e.g. std/base:unprivileged", spec);
    return std::nullopt;
  }
  BaseSpec b;
  b.module = spec.substr(0, colon);
  b.policy = spec.substr(colon + 1);
  std::string last = b.module.substr(b.module.rfind('/') + 1);
  if (last.size() > 5 && last.ends_with(".ward")) last.resize(last.size() - 5);
  b.alias = last;
  const auto ident = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  };
  if (!ident(b.alias) || !ident(b.policy)) {
    if (error) *error = fmt::format("--base '{}': the module's last name and the policy must be identifiers", spec);
    return std::nullopt;
  }
  return b;
}

std::optional<Base> loadBase(const BaseSpec& spec, driver::Session& session, const driver::LoadOptions& options) {
  const std::string text = fmt::format("import \"{}\";\npolicy ward_learn_base extends {}.{} {{}}\n", spec.module,
                                       spec.alias, spec.policy);
  driver::Loaded loaded = driver::loadText(session, "ward-learn-base.ward", text, options);
  if (!loaded.ok || loaded.policies.size() != 1 || session.diags.hasErrors()) return std::nullopt;
  Base b;
  b.spec = spec;
  b.policy = std::move(loaded.policies.front());
  // The network is what is learned: while learning, socket() is decided by the base's syscalls section
  // alone (`network { families any; }`), unless the base has no network at all. The kernel still refuses
  // raw and packet sockets without net_raw, which std/base does not keep.
  ir::Policy learning = b.policy;
  if (!learning.network.none) learning.network.familiesAny = Span{};
  auto loweredBase = lower::lower(b.policy, session.diags);
  auto loweredLearning = lower::lower(std::move(learning), session.diags);
  if (!loweredBase || !loweredLearning || session.diags.hasErrors()) return std::nullopt;
  b.policy = loweredBase->policy();
  auto filter = backend::seccomp::buildFilter(*loweredLearning, {}, session.diags);
  if (!filter) return std::nullopt;
  std::string error;
  auto program = backend::seccomp::bpf::parse(filter->bpf, &error);
  if (!program) {
    session.diags.error(Code::E1001, {}, "the base's seccomp filter: " + error);
    return std::nullopt;
  }
  b.filter = std::move(*program);
  auto plan = backend::seccomp::planRules(loweredLearning->policy(), session.diags);
  if (!plan) return std::nullopt;
  b.lxcSeccomp = backend::seccomp::lxcSeccomp(loweredLearning->policy(), *plan);
  if (!b.policy.capabilities.keepAll) {
    for (int n = 0; n < static_cast<int>(capabilityNames().size()); ++n) {
      const bool kept = std::any_of(b.policy.mechanism.capabilities.begin(), b.policy.mechanism.capabilities.end(),
                                    [&](const ir::Capability& c) { return c.number == n; });
      if (!kept) b.dropCapabilities.push_back(n);
    }
  }
  return b;
}

std::string newRunId(const std::vector<std::string>& argv) {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  std::string seed = fmt::format("{} {} {}", now, ::getpid(), fmt::join(argv, " "));
  return sha256Hex(seed).substr(0, 8);
}

}  // namespace ward::learn
