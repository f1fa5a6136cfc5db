#include "verify/apparmor_rules.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ward::verify::aa {

namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string expandVariables(std::string_view p) {
  std::string out(p);
  auto replace = [&](const std::string& var, const std::string& with) {
    for (std::size_t pos; (pos = out.find(var)) != std::string::npos;) out.replace(pos, var.size(), with);
  };
  replace("@{PROC}", "/proc/");
  replace("@{proc}", "/proc/");
  replace("@{sys}", "/sys/");
  replace("@{SYS}", "/sys/");
  // Collapse the "//" the expansions leave behind ("@{PROC}/kcore").
  std::string collapsed;
  for (char c : out)
    if (!(c == '/' && !collapsed.empty() && collapsed.back() == '/')) collapsed += c;
  return collapsed;
}

// {a,b{c,d}} -> alternatives. Bounded: past `limit` alternatives the rest are dropped (the caller treats a
// pattern it could not fully expand as not matching, which for deny rules errs towards "open").
void expandBraces(const std::string& p, std::vector<std::string>& out, std::size_t limit, bool& truncated) {
  std::size_t open = std::string::npos;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') { ++i; continue; }
    if (p[i] == '[') {  // skip a class
      while (i < p.size() && p[i] != ']') ++i;
      continue;
    }
    if (p[i] == '{') { open = i; break; }
  }
  if (open == std::string::npos) {
    if (out.size() >= limit) truncated = true;
    else out.push_back(p);
    return;
  }
  int depth = 0;
  std::vector<std::size_t> commas;
  std::size_t close = std::string::npos;
  for (std::size_t i = open; i < p.size(); ++i) {
    if (p[i] == '\\') { ++i; continue; }
    if (p[i] == '{') ++depth;
    else if (p[i] == '}') {
      if (--depth == 0) { close = i; break; }
    } else if (p[i] == ',' && depth == 1) commas.push_back(i);
  }
  if (close == std::string::npos) {  // unbalanced: match literally
    out.push_back(p);
    return;
  }
  std::string head = p.substr(0, open), tail = p.substr(close + 1);
  std::size_t start = open + 1;
  commas.push_back(close);
  for (std::size_t c : commas) {
    expandBraces(head + p.substr(start, c - start) + tail, out, limit, truncated);
    start = c + 1;
  }
}

// *, **, ?, [..] (no braces left).
bool matchSimple(std::string_view pat, std::string_view s) {
  if (pat.empty()) return s.empty();
  char c = pat[0];
  if (c == '*') {
    bool dbl = pat.size() > 1 && pat[1] == '*';
    std::string_view rest = pat.substr(dbl ? 2 : 1);
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (matchSimple(rest, s.substr(i))) return true;
      if (i < s.size() && s[i] == '/' && !dbl) return false;
    }
    return false;
  }
  if (s.empty()) return false;
  if (c == '?') return s[0] != '/' && matchSimple(pat.substr(1), s.substr(1));
  if (c == '[') {
    std::size_t end = pat.find(']', 2);
    if (end == std::string_view::npos) return s[0] == '[' && matchSimple(pat.substr(1), s.substr(1));
    std::string_view cls = pat.substr(1, end - 1);
    bool negate = !cls.empty() && cls[0] == '^';
    if (negate) cls.remove_prefix(1);
    bool in = false;
    for (std::size_t i = 0; i < cls.size(); ++i) {
      if (i + 2 < cls.size() && cls[i + 1] == '-') {
        if (s[0] >= cls[i] && s[0] <= cls[i + 2]) in = true;
        i += 2;
      } else if (cls[i] == s[0]) {
        in = true;
      }
    }
    if (s[0] == '/') return false;  // a class never matches a path separator
    return (in != negate) && matchSimple(pat.substr(end + 1), s.substr(1));
  }
  if (c == '\\' && pat.size() > 1) return s[0] == pat[1] && matchSimple(pat.substr(2), s.substr(1));
  return s[0] == c && matchSimple(pat.substr(1), s.substr(1));
}

// Does a rule's permission string cover one needed letter? For allow rules, append counts as write (an
// attacker opens with O_APPEND); a deny of 'w' also denies append, a deny of 'a' alone does not deny write.
bool hasLetter(std::string_view perms, char letter, bool deny) {
  if (perms.find(letter) != std::string_view::npos) return true;
  if (letter == 'w' && !deny) return perms.find('a') != std::string_view::npos;
  if (letter == 'a') return perms.find('w') != std::string_view::npos;
  return false;
}

bool isPermString(std::string_view s) {
  return !s.empty() && s.find_first_not_of("rwaxlkmiupcUPCbBn") == std::string_view::npos;
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view path) {
  std::vector<std::string> alts;
  bool truncated = false;
  expandBraces(expandVariables(pattern), alts, 4096, truncated);
  for (const auto& a : alts) {
    // Collapse "//" created by empty alternatives ("/x/{,/**}" -> "/x//**" is not what AppArmor means).
    std::string p;
    for (char c : a)
      if (!(c == '/' && !p.empty() && p.back() == '/')) p += c;
    if (matchSimple(p, path)) return true;
  }
  return false;
}

std::optional<Rule> parseRule(std::string_view input) {
  std::string text = trim(input);
  if (text.empty() || text[0] == '#') return std::nullopt;
  if (text.back() == ',') text.pop_back();
  text = trim(text);
  if (text.empty()) return std::nullopt;
  Rule r;
  r.text = text;
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::size_t i = 0;
  // qualifiers
  for (; i < words.size(); ++i) {
    if (words[i] == "deny") r.deny = true;
    else if (words[i] == "audit" || words[i] == "allow" || words[i] == "quiet") continue;
    else if (words[i] == "owner") r.owner = true;
    else break;
  }
  if (i >= words.size()) return r;
  const std::string& head = words[i];
  if (head == "mount") {
    r.kind = Rule::Kind::Mount;
    for (std::size_t j = i + 1; j < words.size(); ++j) {
      const std::string& w = words[j];
      if (w.rfind("fstype=", 0) == 0 || w.rfind("type=", 0) == 0) {
        std::string v = w.substr(w.find('=') + 1);
        bool list = !v.empty() && v.front() == '(';
        if (list) v = v.substr(1);
        // "(a, b)" may span words
        std::string all = v;
        while (list && all.find(')') == std::string::npos && j + 1 < words.size()) all += " " + words[++j];
        std::string cur;
        for (char c : all) {
          if (c == ',' || c == ' ' || c == ')') {
            if (!cur.empty()) r.fstypes.push_back(cur);
            cur.clear();
          } else {
            cur += c;
          }
        }
        if (!cur.empty()) r.fstypes.push_back(cur);
      } else if (w.rfind("options", 0) == 0 || w.rfind("-o", 0) == 0) {
        r.mountHasOptions = true;
        if (w.find('(') != std::string::npos)
          while (w.find(')') == std::string::npos && j + 1 < words.size() &&
                 words[j + 1].find(')') == std::string::npos)
            ++j;
      } else if (w == "->" && j + 1 < words.size()) {
        r.mountTarget = expandVariables(words[++j]);
      }
    }
    return r;
  }
  if (head == "network") {
    r.kind = Rule::Kind::Network;
    if (i + 1 < words.size()) r.family = words[i + 1];
    if (i + 2 < words.size()) r.type = words[i + 2];
    return r;
  }
  if (head == "capability") {
    r.kind = Rule::Kind::Capability;
    for (std::size_t j = i + 1; j < words.size(); ++j) r.caps.push_back(words[j]);
    return r;
  }
  if (head == "file" && i + 1 < words.size()) ++i;  // "file /path rw"
  if (i < words.size() && (words[i][0] == '/' || words[i][0] == '@' || words[i][0] == '"')) {
    r.kind = Rule::Kind::File;
    std::string path = words[i];
    if (path.front() == '"' && path.size() > 1 && path.back() == '"') path = path.substr(1, path.size() - 2);
    r.path = expandVariables(path);
    for (std::size_t j = i + 1; j < words.size(); ++j)
      if (isPermString(words[j])) r.perms += words[j];
    return r;
  }
  if (i < words.size() && isPermString(words[i]) && i + 1 < words.size() && words[i + 1][0] == '/') {
    r.kind = Rule::Kind::File;  // "rw /path" (permissions first)
    r.perms = words[i];
    r.path = expandVariables(words[i + 1]);
    return r;
  }
  return r;  // Other: ptrace, signal, unix, dbus, change_profile, ...
}

std::vector<Rule> parseProfile(std::string_view text, std::vector<std::string>* flags) {
  std::vector<Rule> rules;
  int depth = 0;
  bool started = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    // Strip a trailing comment (not inside a quoted path; ward's paths have no '#').
    if (auto hash = line.find(" #"); hash != std::string::npos) line = trim(line.substr(0, hash));
    if (line.empty() || line[0] == '#') continue;
    if (!line.empty() && line.back() == '{') {
      if (!started) {
        started = true;
        if (flags) {
          auto f = line.find("flags=(");
          if (f != std::string::npos) {
            auto e = line.find(')', f);
            std::string list = line.substr(f + 7, e == std::string::npos ? std::string::npos : e - f - 7);
            std::string cur;
            for (char c : list + ",") {
              if (c == ',' || c == ' ') {
                if (!cur.empty()) flags->push_back(cur);
                cur.clear();
              } else {
                cur += c;
              }
            }
          }
        }
      }
      ++depth;
      continue;
    }
    if (line == "}") {
      --depth;
      continue;
    }
    if (depth != 1) continue;  // outside the profile, or in a nested profile / hat
    if (auto r = parseRule(line)) rules.push_back(std::move(*r));
    if (pos > text.size()) break;
  }
  return rules;
}

Decision fileAccess(const std::vector<Rule>& rules, std::string_view path, std::string_view access) {
  Decision d;
  d.granted = true;
  for (char letter : access) {
    const Rule* allow = nullptr;
    const Rule* deny = nullptr;
    for (const auto& r : rules) {
      if (r.kind != Rule::Kind::File || !hasLetter(r.perms, letter, r.deny) || !globMatch(r.path, path)) continue;
      if (r.deny) {
        if (!deny) deny = &r;
      } else if (!allow) {
        allow = &r;
      }
    }
    if (deny) return Decision{false, deny};
    if (!allow) return Decision{false, nullptr};
    d.by = allow;
  }
  return d;
}

Decision mountAccess(const std::vector<Rule>& rules, std::string_view fstype, std::string_view target) {
  auto fsMatches = [&](const Rule& r) {
    if (r.fstypes.empty()) return true;
    return std::any_of(r.fstypes.begin(), r.fstypes.end(),
                       [&](const std::string& f) { return globMatch(f, fstype); });
  };
  auto targetMatches = [&](const Rule& r) { return r.mountTarget.empty() || globMatch(r.mountTarget, target); };
  const Rule* allow = nullptr;
  for (const auto& r : rules) {
    if (r.kind != Rule::Kind::Mount || !fsMatches(r) || !targetMatches(r)) continue;
    if (r.deny) {
      if (!r.mountHasOptions) return Decision{false, &r};  // a deny narrowed by options may not cover it
    } else if (!allow) {
      allow = &r;
    }
  }
  return Decision{allow != nullptr, allow};
}

Decision networkAccess(const std::vector<Rule>& rules, std::string_view family, std::string_view type) {
  const Rule* allow = nullptr;
  for (const auto& r : rules) {
    if (r.kind != Rule::Kind::Network) continue;
    if (!r.family.empty() && r.family != family) continue;
    if (r.deny) {
      // A deny of one type covers the need only when the need names that type.
      if (r.type.empty() || r.type == type) return Decision{false, &r};
    } else if (r.type.empty() || type.empty() || r.type == type) {
      if (!allow) allow = &r;
    }
  }
  return Decision{allow != nullptr, allow};
}

Decision capabilityAccess(const std::vector<Rule>& rules, std::string_view cap) {
  const Rule* allow = nullptr;
  for (const auto& r : rules) {
    if (r.kind != Rule::Kind::Capability) continue;
    bool names = r.caps.empty() || std::find(r.caps.begin(), r.caps.end(), cap) != r.caps.end();
    if (!names) continue;
    if (r.deny) return Decision{false, &r};
    if (!allow) allow = &r;
  }
  return Decision{allow != nullptr, allow};
}

}  // namespace ward::verify::aa
