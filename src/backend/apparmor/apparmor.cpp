// The AppArmor backend: P.apparmor, one profile built from Policy::mechanism.apparmorRules (lower/ decides
// every rule; this file only checks and prints them).
#include "backend/apparmor/apparmor.h"

#include <algorithm>
#include <exception>
#include <string_view>

#include <fmt/format.h>

namespace ward::backend::apparmor {
namespace {

constexpr std::string_view kDefaultFlags[] = {"attach_disconnected", "mediate_deleted"};

// Flags apparmor_parser 3.0 knows, and the pairs it refuses together.
constexpr std::string_view kKnownFlags[] = {
    "complain",        "enforce",          "kill",           "unconfined",         "audit",
    "mediate_deleted", "delegate_deleted", "attach_disconnected", "no_attach_disconnected",
    "chroot_relative", "namespace_relative", "chroot_attach", "chroot_no_attach"};
constexpr std::pair<std::string_view, std::string_view> kOpposites[] = {
    {"attach_disconnected", "no_attach_disconnected"},
    {"mediate_deleted", "delegate_deleted"},
    {"chroot_relative", "namespace_relative"},
    {"chroot_attach", "chroot_no_attach"},
};
constexpr std::string_view kModeFlags[] = {"complain", "enforce", "kill", "unconfined"};

bool validProfileName(std::string_view n) {
  if (n.empty() || n.size() > 255) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || c == '_') continue;
    if (i > 0 && std::string_view(".+:@-").find(c) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

bool singleLine(std::string_view s) { return s.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos; }

std::string commentText(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\0') c = ' ';
  return s;
}

// A rule must be one complete rule: one line, ending in ',', braces balanced outside quotes (so that a
// raw rule cannot close the profile and open another), no comment that would swallow the comma.
std::string ruleProblem(std::string_view text) {
  if (text.empty()) return "the rule is empty";
  if (!singleLine(text)) return "a rule must be on one line";
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth < 0) return "'}' closes a brace the rule did not open";
    else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) return "'#' starts a comment";
  }
  if (quoted) return "unterminated quote";
  if (depth != 0) return "unbalanced braces";
  std::string_view t = text;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.empty() || t.back() != ',') return "an AppArmor rule ends with ','";
  return {};
}

}  // namespace

std::vector<Artifact> emit(const lower::Lowered& lowered, const Options& /*options*/, Diagnostics& diags) {
  auto text = profileText(lowered.policy(), diags);
  if (!text) return {};
  return {Artifact{lowered->name + ".apparmor", std::move(*text)}};
}

std::optional<std::string> profileText(const ir::Policy& policy, Diagnostics& diags) {
  try {
    const Span aaSpan = policy.apparmor.span.valid() ? policy.apparmor.span : policy.span;
    Diagnostics local;
    const std::string& name = policy.apparmor.profileName;   // lower/ gave it the default when unnamed
    if (!validProfileName(name))
      local.error(Code::E1101, aaSpan,
                  fmt::format("'{}' is not a usable AppArmor profile name (letters, digits and _ . + : @ -, "
                              "starting with a letter, digit or _)",
                              commentText(name)));

    // flags: ward's defaults unless the policy picks the opposite, then the policy's, in order, unique.
    std::vector<std::string> flags;
    auto has = [&](std::string_view f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
    const auto& own = policy.apparmor.flags;
    auto ownHas = [&](std::string_view f) { return std::find(own.begin(), own.end(), f) != own.end(); };
    for (auto d : kDefaultFlags) {
      bool opposed = false;
      for (auto [a, b] : kOpposites)
        if ((d == a && ownHas(b)) || (d == b && ownHas(a))) opposed = true;
      if (!opposed) flags.emplace_back(d);
    }
    for (const auto& f : own) {
      if (std::find(std::begin(kKnownFlags), std::end(kKnownFlags), f) == std::end(kKnownFlags)) {
        local.error(Code::E1101, aaSpan, fmt::format("unknown AppArmor profile flag '{}'", commentText(f)));
        continue;
      }
      if (!has(f)) flags.push_back(f);
    }
    int modes = 0;
    for (auto m : kModeFlags) modes += has(m) ? 1 : 0;
    if (modes > 1) local.error(Code::E1101, aaSpan, "AppArmor profile flags complain, enforce, kill and unconfined exclude each other");
    for (auto [a, b] : kOpposites)
      if (has(a) && has(b)) local.error(Code::E1101, aaSpan, fmt::format("AppArmor profile flags {} and {} exclude each other", a, b));

    std::string body;
    for (const auto& r : policy.mechanism.apparmorRules) {
      if (std::string problem = ruleProblem(r.text); !problem.empty()) {
        local.error(Code::E1101, r.span.valid() ? r.span : aaSpan,
                    fmt::format("AppArmor rule '{}' cannot be emitted: {}", commentText(r.text), problem));
        continue;
      }
      std::string where = policy.where(r.span);
      std::string comment = commentText(where.empty() ? r.why : where + " " + r.why);
      body += "  # " + comment + "\n  " + r.text + "\n";
    }
    const bool failed = local.hasErrors();
    diags.append(local);
    if (failed) return std::nullopt;

    std::string out;
    const std::string where = policy.where(policy.span);
    out += fmt::format("# AppArmor profile for ward policy \"{}\"{}.\n", commentText(policy.name),
                       where.empty() ? "" : " (" + commentText(where) + ")");
    out += "# Generated by ward; edit the policy, not this file. Each rule follows the comment naming the\n";
    out += "# policy line it comes from (\"ward base\" rules come from ward's container base).\n";
    out += "# Check: apparmor_parser -Q -K FILE    Load: apparmor_parser -r -W FILE\n";
    out += "\n#include <tunables/global>\n\n";
    out += "profile " + name;
    if (!flags.empty()) {
      out += " flags=(";
      for (std::size_t i = 0; i < flags.size(); ++i) out += (i ? "," : "") + flags[i];
      out += ")";
    }
    out += " {\n" + body + "}\n";
    return out;
  } catch (const std::exception& e) {
    diags.error(Code::E1101, policy.span, std::string("AppArmor profile could not be generated: ") + e.what());
  } catch (...) {
    diags.error(Code::E1101, policy.span, "AppArmor profile could not be generated");
  }
  return std::nullopt;
}

}  // namespace ward::backend::apparmor
