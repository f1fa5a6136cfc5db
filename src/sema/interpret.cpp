// Section interpretation: the dispatch of a section's statements to their handler (statements.def names
// both; the handlers are in sections_*.cpp), "did you mean", and the operations on a Level.
#include "sema/interp.h"

#include "base/suggest.h"

namespace ward::sema::detail {

Interp::Handler Interp::handler(std::string_view section) {
  static constexpr std::pair<std::string_view, Handler> kHandlers[] = {
#define WARD_SECTION(id, doc) {#id, &Interp::id},
#include "sema/statements.def"
  };
  for (const auto& [name, h] : kHandlers)
    if (name == section) return h;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------
void Interp::section(const ast::Section& s) {
  const std::string& name = s.name.text;
  const auto& sections = names::sectionNames();
  if (std::find(sections.begin(), sections.end(), name) == sections.end()) {
    err(Code::E0201, s.name.span, "unknown section " + q(name) + suggest(name, sections));
    return;
  }
  const Handler run = handler(name);   // a known section has one: both come from statements.def
  if (name == "selinux" || name == "apparmor") level_.presence.emplace(name, s.span);
  for (const auto& st : s.statements) {
    if (st.clauses.empty() || st.clauses[0].terms.empty()) continue;
    const ast::Term& head = st.clauses[0].terms[0];
    if (name == "sysctl") { (this->*run)(st, std::string{}); continue; }   // `key = value;`, no verbs
    if (head.head.kind != VK::Ident) {
      err(Code::E0206, head.span, "expected a statement name in " + q(name) + ", found " + kindName(head.head.kind));
      continue;
    }
    const std::string& verb = head.head.text;
    const auto& verbs = names::sectionVerbs(name);
    if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) {
      if (name == "limits")
        err(Code::E0209, head.head.span, "unknown limit " + q(verb) + suggest(verb, verbs));
      else
        err(Code::E0206, head.head.span, "unknown statement " + q(verb) + " in " + q(name) + suggest(verb, verbs));
      continue;
    }
    if (head.isCall && name != "syscalls") {
      err(Code::E0304, head.span, q(verb) + " takes no argument conditions");
      continue;
    }
    (this->*run)(st, verb);
  }
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string m = closestMatch(word, candidates);
  if (!m.empty() || word.size() > 64) return m;
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::size_t best = limit + 1;
  for (const auto& c : candidates) {
    if (c.size() > word.size() + limit || word.size() > c.size() + limit) continue;
    std::size_t d = typoDistance(word, c);
    if (d < best) { best = d; m = c; }
  }
  return best <= limit ? m : std::string{};
}

namespace {
auto condKey(const ir::ArgCondition& c) { return std::tuple(c.index, static_cast<int>(c.op), c.value, c.mask); }
}  // namespace

void canonicalize(ir::SyscallRule& r) {
  std::stable_sort(r.conditions.begin(), r.conditions.end(),
                   [](const ir::ArgCondition& a, const ir::ArgCondition& b) { return condKey(a) < condKey(b); });
  r.conditions.erase(std::unique(r.conditions.begin(), r.conditions.end()), r.conditions.end());
}

bool sameConditions(const ir::SyscallRule& a, const ir::SyscallRule& b) { return a.conditions == b.conditions; }

bool ruleLess(const ir::SyscallRule& a, const ir::SyscallRule& b) {
  if (a.name != b.name) return a.name < b.name;
  if (a.conditions.size() != b.conditions.size()) return a.conditions.size() < b.conditions.size();
  for (std::size_t i = 0; i < a.conditions.size(); ++i)
    if (condKey(a.conditions[i]) != condKey(b.conditions[i])) return condKey(a.conditions[i]) < condKey(b.conditions[i]);
  auto ak = std::tuple(static_cast<int>(a.action.kind), a.action.errnoValue);
  auto bk = std::tuple(static_cast<int>(b.action.kind), b.action.errnoValue);
  return ak < bk;
}

void setSingle(Level& level, const std::string& key, Single s, Diagnostics& diags) {
  auto it = level.singles.find(key);
  if (it != level.singles.end()) {
    auto& d = diags.error(Code::E0402, s.span, s.what + " is set twice in this policy");
    d.notes.push_back({it->second.span, "first set here"});
    return;
  }
  level.singles.emplace(key, std::move(s));
}

void addRule(Level& level, ir::SyscallRule rule, Diagnostics& diags) {
  canonicalize(rule);
  auto& positions = level.ruleIndex[rule.name];
  for (std::size_t pos : positions) {
    const auto& r = level.rules[pos];
    if (!sameConditions(r, rule)) continue;
    if (r.action == rule.action) return;  // duplicate: keep the first
    bool allowVsDeny = (r.action.kind == ir::Action::Kind::Allow) != (rule.action.kind == ir::Action::Kind::Allow);
    std::string cond = rule.conditions.empty() ? "" : " (with the same argument conditions)";
    auto& d = diags.error(Code::E0403, rule.span,
                          allowVsDeny ? "system call " + std::string("`") + rule.name + "` is both allowed and denied" + cond
                                      : "system call `" + rule.name + "` gets two actions" + cond + ": " +
                                            actionText(r.action) + " and " + actionText(rule.action));
    std::string via = r.viaGroup.empty() ? "" : " (through " + r.viaGroup + ")";
    d.notes.push_back({r.span, actionText(r.action) + " here" + via});
    return;
  }
  positions.push_back(level.rules.size());
  level.rules.push_back(std::move(rule));
}

void mergeSameLevel(Level& into, const Level& from, Diagnostics& diags) {
  for (const auto& [k, s] : from.singles) setSingle(into, k, s, diags);
  for (const auto& [k, s] : from.presence) into.presence.emplace(k, s);
  auto cat = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  cat(into.fileRules, from.fileRules);
  cat(into.devices, from.devices);
  cat(into.listen, from.listen);
  cat(into.connect, from.connect);
  for (const auto& c : from.keep) {
    auto contra = std::find_if(into.drop.begin(), into.drop.end(), [&](const ir::Capability& x) { return x.name == c.name; });
    if (contra != into.drop.end()) {
      auto& d = diags.error(Code::E0405, c.span, "capability `" + c.name + "` is both kept and dropped in this policy");
      d.notes.push_back({contra->span, "dropped here"});
      continue;
    }
    into.keep.push_back(c);
  }
  for (const auto& c : from.drop) {
    auto contra = std::find_if(into.keep.begin(), into.keep.end(), [&](const ir::Capability& x) { return x.name == c.name; });
    if (contra != into.keep.end()) {
      auto& d = diags.error(Code::E0405, c.span, "capability `" + c.name + "` is both kept and dropped in this policy");
      d.notes.push_back({contra->span, "kept here"});
      continue;
    }
    into.drop.push_back(c);
  }
  for (const auto& r : from.rules) addRule(into, r, diags);
  cat(into.apparmorFlags, from.apparmorFlags);
  cat(into.apparmorRaw, from.apparmorRaw);
  cat(into.lxcRaw, from.lxcRaw);
  cat(into.hooks, from.hooks);
}

void interpretSection(const ast::Section& section, const Groups& groups, Level& level, Diagnostics& diags) {
  Interp(groups, level, diags).section(section);
}

}  // namespace ward::sema::detail
