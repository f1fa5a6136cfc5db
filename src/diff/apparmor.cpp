// AppArmor at rule level, with deny precedence (verify/apparmor_rules.h is the rule model):
//  - an allow rule only in NEW widens unless NEW's deny rules cover every permission it grants, or OLD
//    already granted it (an OLD allow rule whose glob covers its path with at least its permissions);
//  - a deny rule only in OLD widens unless a NEW deny rule covers it;
//  - a removed allow or a new deny narrows;
//  - a rule the model does not understand (mount, signal, ptrace, ...) that changed is possibly wider;
//  - profile flags: complain/unconfined added is wider.
// Glob containment is decided only where it is provable (equal globs, a literal path, or a `PREFIX**`
// glob over a path under PREFIX); anything else is possibly wider (fail closed).
#include <algorithm>
#include <map>
#include <set>

#include "diff/diff.h"
#include "diff/internal.h"
#include "verify/apparmor_rules.h"

namespace ward::diff {

namespace {

using Rule = verify::aa::Rule;

bool hasGlob(const std::string& s) { return s.find_first_of("*?[{@") != std::string::npos; }

// Every path `inner` can match, `outer` matches (provable cases only).
bool globCovers(const std::string& outer, const std::string& inner) {
  if (outer == inner) return true;
  if (!hasGlob(inner)) return verify::aa::globMatch(outer, inner);
  if (outer.size() >= 2 && outer.compare(outer.size() - 2, 2, "**") == 0) {
    const std::string prefix = outer.substr(0, outer.size() - 2);
    if (hasGlob(prefix)) return false;
    // `PREFIX**` where ** is a whole component matches at least one character after PREFIX.
    return inner.size() > prefix.size() && inner.compare(0, prefix.size(), prefix) == 0 && inner[prefix.size()] != '*' &&
           inner[prefix.size()] != '{';
  }
  return false;
}

// The permission letters a file rule grants ('a' is covered by 'w').
bool permsCover(const std::string& outer, const std::string& inner) {
  for (char c : inner) {
    if (c == 'a' && outer.find('w') != std::string::npos) continue;
    if (outer.find(c) == std::string::npos) return false;
  }
  return true;
}

// Does some rule among `rules` (allow rules when deny is false) cover the file rule `r`?
bool fileCovered(const std::vector<Rule>& rules, const Rule& r, bool deny) {
  std::string left = r.perms;
  for (const auto& o : rules) {
    if (o.kind != Rule::Kind::File || o.deny != deny) continue;
    if (!deny && o.owner && !r.owner) continue;   // an owner-only grant does not cover an unrestricted one
    if (!globCovers(o.path, r.path)) continue;
    std::string rest;
    for (char c : left)
      if (!permsCover(o.perms, std::string(1, c))) rest += c;
    left = rest;
    if (left.empty()) return true;
  }
  return false;
}

// Is the grant of an allow rule `r` (only in NEW) nothing new? Covered by NEW's denies, or by OLD's allows.
bool allowIsNotNew(const Rule& r, const std::vector<Rule>& oldRules, const std::vector<Rule>& newRules) {
  switch (r.kind) {
    case Rule::Kind::File:
      return fileCovered(newRules, r, true) || fileCovered(oldRules, r, false);
    case Rule::Kind::Capability:
      if (r.caps.empty()) return false;
      return std::all_of(r.caps.begin(), r.caps.end(), [&](const std::string& c) {
        return !verify::aa::capabilityAccess(newRules, c).granted || verify::aa::capabilityAccess(oldRules, c).granted;
      });
    case Rule::Kind::Network:
      if (r.families.empty()) return verify::aa::networkAccess(oldRules, "", r.type).granted;
      return std::all_of(r.families.begin(), r.families.end(), [&](const std::string& f) {
        return !verify::aa::networkAccess(newRules, f, r.type).granted ||
               verify::aa::networkAccess(oldRules, f, r.type).granted;
      });
    default:
      return false;
  }
}

// The part of a glob before its first special character: no path outside it matches.
std::string literalPrefix(const std::string& glob) {
  const auto n = glob.find_first_of("*?[{@");
  return n == std::string::npos ? glob : glob.substr(0, n);
}

// Can some path match both globs? (false only when provably not: their literal prefixes disagree)
bool mayOverlap(const std::string& x, const std::string& y) {
  const std::string px = literalPrefix(x), py = literalPrefix(y);
  const std::size_t n = std::min(px.size(), py.size());
  return px.compare(0, n, py, 0, n) == 0;
}

// Is a deny rule `r` (only in OLD) still enforced by NEW's denies, or moot because no allow rule of NEW can
// grant any of its permissions on any of its paths? (Only file rules grant file access.)
bool denyKept(const Rule& r, const std::vector<Rule>& newRules) {
  if (r.kind == Rule::Kind::File) {
    if (fileCovered(newRules, r, true)) return true;
    return std::none_of(newRules.begin(), newRules.end(), [&](const Rule& o) {
      if (o.kind != Rule::Kind::File || o.deny) return false;
      const bool perms = r.perms.empty() || o.perms.find_first_of(r.perms + (r.perms.find('w') != std::string::npos ? "a" : "")) !=
                                               std::string::npos;
      return perms && mayOverlap(o.path, r.path);
    });
  }
  if (r.kind == Rule::Kind::Capability && !r.caps.empty())
    return std::all_of(r.caps.begin(), r.caps.end(),
                       [&](const std::string& c) { return !verify::aa::capabilityAccess(newRules, c).granted; });
  return false;
}

std::vector<Rule> rulesOf(const ir::Policy& p, std::vector<std::string>& unparsed) {
  std::vector<Rule> rules;
  for (const auto& m : p.mechanism.apparmorRules) {
    auto r = verify::aa::parseRule(m.text);
    if (!r) {
      unparsed.push_back(m.text);
      continue;
    }
    r->span = m.span;
    rules.push_back(std::move(*r));
  }
  return rules;
}

std::string ruleText(const Rule& r) { return r.text + ","; }

}  // namespace

void compareApparmor(const ir::Policy& a, const ir::Policy& b, Out& out) {
  std::vector<std::string> ua, ub;
  const std::vector<Rule> ra = rulesOf(a, ua), rb = rulesOf(b, ub);
  std::set<std::string> ta, tb;
  for (const auto& r : ra) ta.insert(r.text);
  for (const auto& r : rb) tb.insert(r.text);
  for (const auto& r : rb) {
    if (ta.count(r.text)) continue;
    if (r.deny) {
      addDiff(out, Layer::Apparmor, Direction::Narrower, "adds `" + ruleText(r) + "`", {}, r.span);
    } else if (r.kind == Rule::Kind::Other || r.kind == Rule::Kind::Mount) {
      addDiff(out, Layer::Apparmor, Direction::PossiblyWider, "adds `" + ruleText(r) + "` (not modelled)", {}, r.span);
    } else if (!allowIsNotNew(r, ra, rb)) {
      addDiff(out, Layer::Apparmor, Direction::Wider, "allows `" + ruleText(r) + "`", {}, r.span);
    }
  }
  for (const auto& r : ra) {
    if (tb.count(r.text)) continue;
    if (!r.deny) {
      addDiff(out, Layer::Apparmor, Direction::Narrower, "no longer allows `" + ruleText(r) + "`", r.span, {});
    } else if (!denyKept(r, rb)) {
      addDiff(out, Layer::Apparmor, Direction::Wider, "removes `" + ruleText(r) + "`", r.span, {});
    }
  }
  for (const auto& t : ub)
    if (std::find(ua.begin(), ua.end(), t) == ua.end())
      addDiff(out, Layer::Apparmor, Direction::PossiblyWider, "adds unparsed `" + t + "`", {}, {});
  auto flags = [](const ir::Policy& p) { return std::set<std::string>(p.apparmor.flags.begin(), p.apparmor.flags.end()); };
  const auto fa = flags(a), fb = flags(b);
  for (const char* f : {"complain", "unconfined"})
    if (!fa.count(f) && fb.count(f))
      addDiff(out, Layer::Apparmor, Direction::Wider, std::string("profile flag ") + f + " added", a.apparmor.span,
              b.apparmor.span);
  if (a.apparmor.nesting.value != b.apparmor.nesting.value)
    addDiff(out, Layer::Apparmor, b.apparmor.nesting.value ? Direction::Wider : Direction::Narrower,
            b.apparmor.nesting.value ? "nesting on" : "nesting off", a.apparmor.nesting.span, b.apparmor.nesting.span);
}

}  // namespace ward::diff
