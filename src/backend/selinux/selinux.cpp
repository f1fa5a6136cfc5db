#include "backend/selinux/selinux.h"

#include <selinux/context.h>
#include <selinux/selinux.h>

#include <exception>

#include <fmt/format.h>

namespace ward::backend::selinux {
namespace {

bool identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) return false;
  return true;
}

bool sensitivity(std::string_view s) {
  if (s.size() < 2 || s[0] != 's') return false;
  for (char c : s.substr(1))
    if (c < '0' || c > '9') return false;
  return s.size() <= 4;
}

}  // namespace

HostStatus hostStatus() {
  HostStatus h;
  h.enabled = ::is_selinux_enabled() > 0;
  if (!h.enabled)
    h.reason = "SELinux is not enabled on this host (libselinux: is_selinux_enabled() is 0, no selinuxfs is "
               "mounted); labels are checked for syntax with libselinux's context API only, not against a "
               "loaded policy";
  return h;
}

std::string checkLabel(const std::string& label) {
  context_t ctx = ::context_new(label.c_str());
  if (!ctx) return "libselinux's context_new() cannot parse it";
  const char* str = ::context_str(ctx);
  std::string back = str ? str : "";
  ::context_free(ctx);
  if (back != label) return fmt::format("libselinux reads it back as '{}'", back);
  if (::is_selinux_enabled() > 0 && ::security_check_context(label.c_str()) != 0)
    return "the loaded SELinux policy does not accept it (security_check_context)";
  return {};
}

std::optional<Label> label(const ir::Policy& policy, const Options& options, Diagnostics& diags,
                           const RegistryOptions* registry) {
  const auto& s = policy.selinux;
  if (!s.enabled) return std::nullopt;
  const Span span = s.span.valid() ? s.span : policy.span;
  if (!identifier(s.user) || !identifier(s.role) || !identifier(s.type) || !sensitivity(s.level)) {
    diags.error(Code::E1201, span,
                fmt::format("SELinux label parts must be identifiers and the level a sensitivity such as s0 "
                            "(got user '{}', role '{}', type '{}', level '{}')",
                            s.user, s.role, s.type, s.level));
    return std::nullopt;
  }
  const std::string base = s.user + ":" + s.role + ":" + s.type + ":" + s.level;
  std::string text = base;
  if (s.categoriesAuto) {
    const std::string name = options.containerName.empty() ? policy.name : options.containerName;
    RegistryOptions ro;
    if (registry) ro = *registry;
    else ro.stateDir = options.stateDir;
    McsResult r = options.allocate ? allocate(ro, name) : lookup(ro.stateDir, name);
    if (!r.ok()) {
      diags.error(r.code, span, r.error);
      return std::nullopt;
    }
    if (!r.pair) return Label{base + ":auto", true};
    text += ":" + r.pair->text();
  } else if (!s.categories.empty()) {
    for (std::size_t i = 0; i < s.categories.size(); ++i) {
      if (s.categories[i] > 1023) {
        diags.error(Code::E1201, span, fmt::format("MCS category c{} is out of range (c0..c1023)", s.categories[i]));
        return std::nullopt;
      }
      text += fmt::format("{}c{}", i ? "," : ":", s.categories[i]);
    }
  }
  if (std::string problem = checkLabel(text); !problem.empty()) {
    diags.error(Code::E1201, span, fmt::format("SELinux label '{}' is invalid: {}", text, problem));
    return std::nullopt;
  }
  return Label{text, false};
}

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations) {
  if (!allocations.selinux) return {};
  return {Artifact{lowered.policy().name + ".selinux", allocations.selinux->text + "\n"}};
}

}  // namespace ward::backend::selinux
