#include "verify/apparmor_rules.h"
#include "base/strings.h"

#include <algorithm>
#include <cctype>

namespace ward::verify::aa {

namespace {

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }


// Cuts a comment: a '#' at the start or after white space, outside a quoted string ("/x#y" is a path).
std::string stripComment(std::string_view s) {
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    else if (s[i] == '#' && !quoted && (i == 0 || isSpace(s[i - 1]))) return std::string(s.substr(0, i));
  }
  return std::string(s);
}

// Words separated by white space; a quoted string and a parenthesised group ("options=(rw, bind)",
// "(receive)") stay one word.
std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (char c : s) {
    if (quoted) {
      cur += c;
      if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    if (isSpace(c) && depth == 0) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  // "->/target" and "/source->" written without spaces
  std::vector<std::string> split;
  for (auto& t : out) {
    auto arrow = t.find("->");
    if (t.size() > 2 && arrow != std::string::npos && t.front() != '"') {
      if (arrow > 0) split.push_back(t.substr(0, arrow));
      split.emplace_back("->");
      if (arrow + 2 < t.size()) split.push_back(t.substr(arrow + 2));
    } else {
      split.push_back(std::move(t));
    }
  }
  return split;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
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

// A * or ** that is a whole path component (after a '/', before a '/' or the end) must match at least
// one character that is not '/': apparmor_parser compiles "/x/*" to /x/[^/][^/]* and "/x/**" to
// /x/[^/].* (but "/x/{,/**}" and "/x/**.conf" as written). Marked before the braces are expanded, since
// the rule looks at the pattern as written.
constexpr char kStarComponent = '\x01';
constexpr char kDoubleStarComponent = '\x02';

std::string markComponentStars(const std::string& p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      out += p[i];
      out += p[++i];
      continue;
    }
    if (p[i] != '*') {
      out += p[i];
      continue;
    }
    std::size_t run = 1;
    while (i + run < p.size() && p[i + run] == '*') ++run;
    bool afterSlash = i > 0 && p[i - 1] == '/';
    bool beforeSlashOrEnd = i + run == p.size() || p[i + run] == '/';
    if (afterSlash && beforeSlashOrEnd) out += run == 1 ? kStarComponent : kDoubleStarComponent;
    else out.append(run == 1 ? 1 : 2, '*');
    i += run - 1;
  }
  return out;
}

// {a,b{c,d}} -> alternatives. Bounded: past `limit` alternatives the rest are dropped and `truncated` is set
// (globMatchBounded then answers TooComplex, and the rule readers assume the answer that credits AppArmor
// with less: an allow rule matches, a deny rule does not).
void expandBraces(const std::string& p, std::vector<std::string>& out, std::size_t limit, bool& truncated) {
  if (out.size() >= limit) {  // stop exploring, not only stop collecting: n groups of two are 2^n calls
    truncated = true;
    return;
  }
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

// *, **, ?, [..] and the component stars (no braces left), memoised on (pattern index, path index): a
// backtracking matcher is exponential in the number of stars ("*a*a*a*a*b" against a long name).
class SimpleMatcher {
 public:
  SimpleMatcher(std::string_view pat, std::string_view s)
      : pat_(pat), s_(s), memo_((pat.size() + 1) * (s.size() + 1), kUnknown) {}
  // Patterns and paths longer than this are not judged (the recursion depth is their sum).
  static bool fits(std::string_view pat, std::string_view s) {
    return pat.size() + s.size() <= 8192 && (pat.size() + 1) * (s.size() + 1) <= (std::size_t{1} << 22);
  }
  bool match(std::size_t i, std::size_t j) {
    auto& m = memo_[i * (s_.size() + 1) + j];
    if (m == kUnknown) m = compute(i, j) ? kYes : kNo;
    return m == kYes;
  }

 private:
  static constexpr signed char kUnknown = -1, kNo = 0, kYes = 1;

  bool compute(std::size_t i, std::size_t j) {
    if (i == pat_.size()) return j == s_.size();
    char c = pat_[i];
    if (c == '*' || c == kStarComponent || c == kDoubleStarComponent) {
      bool component = c != '*';
      bool dbl = c == kDoubleStarComponent || (c == '*' && i + 1 < pat_.size() && pat_[i + 1] == '*');
      std::size_t rest = i + (c == '*' && dbl ? 2 : 1);
      std::size_t first = j;
      if (component) {
        if (j == s_.size() || s_[j] == '/') return false;
        first = j + 1;
      }
      for (std::size_t k = first; k <= s_.size(); ++k) {
        if (match(rest, k)) return true;
        if (k < s_.size() && s_[k] == '/' && !dbl) return false;
      }
      return false;
    }
    if (j == s_.size()) return false;
    char ch = s_[j];
    if (c == '?') return ch != '/' && match(i + 1, j + 1);
    if (c == '[') {
      std::size_t end = pat_.find(']', i + 2);
      if (end == std::string_view::npos) return ch == '[' && match(i + 1, j + 1);
      std::string_view cls = pat_.substr(i + 1, end - i - 1);
      bool negate = !cls.empty() && cls[0] == '^';
      if (negate) cls.remove_prefix(1);
      bool in = false;
      for (std::size_t k = 0; k < cls.size(); ++k) {
        if (k + 2 < cls.size() && cls[k + 1] == '-') {
          if (ch >= cls[k] && ch <= cls[k + 2]) in = true;
          k += 2;
        } else if (cls[k] == ch) {
          in = true;
        }
      }
      if (ch == '/') return false;  // a class never matches a path separator
      return (in != negate) && match(end + 1, j + 1);
    }
    if (c == '\\' && i + 1 < pat_.size()) return ch == pat_[i + 1] && match(i + 2, j + 1);
    return ch == c && match(i + 1, j + 1);
  }

  std::string_view pat_, s_;
  std::vector<signed char> memo_;
};

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

bool isPathWord(std::string_view w) { return !w.empty() && (w[0] == '/' || w[0] == '@' || w[0] == '"'); }

// "(a, b)", "a,b", "a" -> {a, b}
std::vector<std::string> listValue(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == '(' || c == ')' || c == ',' || isSpace(c)) {
      if (!cur.empty()) out.push_back(unquote(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(unquote(cur));
  return out;
}

// Mount flags that make a rule a bind, move, remount or propagation-change rule (apparmor_parser's
// mnt_opts_table entries in MS_CMDS); every other option leaves room for a generic new mount.
bool isCommandOption(std::string_view o) {
  static const std::vector<std::string_view> cmds{
      "bind", "B", "rbind", "R", "move", "M", "remount",
      "unbindable", "make-unbindable", "runbindable", "make-runbindable", "private", "make-private",
      "rprivate", "make-rprivate", "slave", "make-slave", "rslave", "make-rslave", "shared", "make-shared",
      "rshared", "make-rshared"};
  return std::find(cmds.begin(), cmds.end(), o) != cmds.end();
}

void parseMount(const std::vector<std::string>& w, std::size_t from, Rule& r) {
  r.kind = Rule::Kind::Mount;
  auto isCond = [](std::string_view n) { return n == "options" || n == "option" || n == "fstype" || n == "vfstype"; };
  for (std::size_t j = from; j < w.size(); ++j) {
    const std::string& t = w[j];
    if (t == "->") {
      if (j + 1 < w.size()) r.mountTarget = expandVariables(unquote(w[++j]));
      continue;
    }
    auto eq = t.find('=');
    std::string name = eq == std::string::npos ? t : t.substr(0, eq);
    if (isCond(name)) {
      std::string value;
      bool have = false;
      if (eq != std::string::npos) {
        value = t.substr(eq + 1);
        have = true;
        if (value.empty() && j + 1 < w.size()) value = w[++j];
      } else if (j + 1 < w.size() && (w[j + 1] == "=" || w[j + 1] == "in")) {
        ++j;
        if (j + 1 < w.size()) value = w[++j];
        have = true;
      } else if (j + 1 < w.size() && w[j + 1].front() == '=') {
        value = w[++j].substr(1);
        if (value.empty() && j + 1 < w.size()) value = w[++j];
        have = true;
      }
      if (have) {
        auto list = listValue(value);
        if (name == "fstype" || name == "vfstype") r.fstypes.insert(r.fstypes.end(), list.begin(), list.end());
        else r.mountOptions.push_back(std::move(list));
        continue;
      }
    }
    if (r.mountSource.empty()) r.mountSource = expandVariables(unquote(t));
  }
  r.mountHasOptions = !r.mountOptions.empty();
}

void parseNetwork(const std::vector<std::string>& w, std::size_t from, Rule& r) {
  r.kind = Rule::Kind::Network;
  static const std::vector<std::string_view> types{"stream", "dgram", "seqpacket", "rdm", "raw", "packet"};
  auto isType = [&](std::string_view t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  auto protocolType = [](std::string_view t) -> std::string {
    if (t == "tcp") return "stream";
    if (t == "udp") return "dgram";
    if (t == "icmp") return "raw";
    return "";
  };
  std::vector<std::string> words;
  for (std::size_t j = from; j < w.size(); ++j)
    if (w[j].front() != '(' && w[j].find('=') == std::string::npos) words.push_back(w[j]);   // AppArmor 4 conds
  if (words.empty()) return;
  std::size_t k = 0;
  if (std::string p = protocolType(words[0]); !p.empty()) {   // "network tcp": inet and inet6
    r.type = p;
    r.families = {"inet", "inet6"};
    return;
  }
  if (words[0] == "packet" || !isType(words[0])) {   // a domain ("packet" is AF_PACKET here)
    r.family = words[0];
    r.families = {words[0]};
    k = 1;
  }
  if (k < words.size()) {
    if (std::string p = protocolType(words[k]); !p.empty()) r.type = p;
    else if (isType(words[k])) r.type = words[k];
  }
}

}  // namespace

GlobResult globMatchBounded(std::string_view pattern, std::string_view path) {
  std::vector<std::string> alts;
  bool truncated = false;
  expandBraces(markComponentStars(expandVariables(pattern)), alts, 4096, truncated);
  bool unsure = truncated;
  for (const auto& a : alts) {
    // Collapse "//" created by empty alternatives ("/x/{,/**}" -> "/x//**" is not what AppArmor means).
    std::string p;
    for (char c : a)
      if (!(c == '/' && !p.empty() && p.back() == '/')) p += c;
    if (!SimpleMatcher::fits(p, path)) {
      unsure = true;
      continue;
    }
    if (SimpleMatcher(p, path).match(0, 0)) return GlobResult::Yes;
  }
  return unsure ? GlobResult::TooComplex : GlobResult::No;
}

bool globMatch(std::string_view pattern, std::string_view path) {
  return globMatchBounded(pattern, path) == GlobResult::Yes;
}

std::optional<Rule> parseRule(std::string_view input) {
  std::string text = trimmed(input);
  if (text.empty() || text[0] == '#') return std::nullopt;
  text = trimmed(stripComment(text));
  if (!text.empty() && text.back() == ',') text.pop_back();
  text = trimmed(text);
  if (text.empty()) return std::nullopt;
  Rule r;
  r.text = text;
  std::vector<std::string> words = tokens(text);
  if (!words.empty() && words[0] == "include") return std::nullopt;
  std::size_t i = 0;
  // qualifiers
  for (; i < words.size(); ++i) {
    if (words[i] == "deny") r.deny = true;
    else if (words[i] == "audit") r.audit = true;
    else if (words[i] == "allow" || words[i] == "quiet") continue;
    else if (words[i] == "owner") r.owner = true;
    else break;
  }
  if (i >= words.size()) return r;
  const std::string& head = words[i];
  if (head == "mount") {
    parseMount(words, i + 1, r);
    return r;
  }
  if (head == "network") {
    parseNetwork(words, i + 1, r);
    return r;
  }
  if (head == "capability") {
    r.kind = Rule::Kind::Capability;
    for (std::size_t j = i + 1; j < words.size(); ++j) r.caps.push_back(words[j]);
    return r;
  }
  if (head == "file") {
    if (i + 1 == words.size()) {   // bare `file,`: every file, every access (apparmor_parser: /{**,})
      r.kind = Rule::Kind::File;
      r.path = "/{**,}";
      r.perms = r.deny ? "rwalkmx" : "rwalkmix";
      return r;
    }
    ++i;   // "file /path rw", "file rw /path"
  }
  if (isPathWord(words[i])) {
    r.kind = Rule::Kind::File;
    r.path = expandVariables(unquote(words[i]));
    for (std::size_t j = i + 1; j < words.size() && words[j] != "->"; ++j)
      if (isPermString(words[j])) r.perms += words[j];
    return r;
  }
  if (isPermString(words[i]) && i + 1 < words.size() && isPathWord(words[i + 1])) {
    r.kind = Rule::Kind::File;  // "rw /path" (permissions first)
    r.perms = words[i];
    r.path = expandVariables(unquote(words[i + 1]));
    return r;
  }
  return r;  // Other: remount, umount, pivot_root, ptrace, signal, unix, dbus, link, change_profile, ...
}

namespace {

bool onlyQualifiers(const std::vector<std::string>& w) {
  if (w.empty()) return false;
  return std::all_of(w.begin(), w.end(), [](const std::string& x) {
    return x == "audit" || x == "allow" || x == "deny" || x == "owner";
  });
}

void profileFlags(const std::string& header, std::vector<std::string>* flags) {
  if (!flags) return;
  auto f = header.find("flags=(");
  if (f == std::string::npos) return;
  auto e = header.find(')', f);
  std::string list = header.substr(f + 7, e == std::string::npos ? std::string::npos : e - f - 7);
  for (auto& v : listValue(list)) flags->push_back(v);
}

// Rules at the level of a profile: inside the first block (a profile file) or at the top (an
// abstraction), and inside qualifier blocks there; nested profiles, hats and conditionals are skipped.
// A rule may span lines: a line that ends neither in ',' nor in a brace goes on on the next line.
std::vector<Rule> collect(std::string_view text, bool headerless, std::vector<std::string>* flags) {
  struct Block {
    enum class Kind { Profile, Qualifier, Skip } kind;
    std::string prefix;   // a qualifier block's qualifiers
  };
  std::vector<Rule> rules;
  std::vector<Block> stack;
  bool started = headerless;
  std::string pending;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string raw(text.substr(pos, nl - pos));
    pos = nl + 1;
    std::string line = trimmed(stripComment(raw));
    if (line.empty()) {
      if (pos > text.size()) break;
      continue;
    }
    auto atRuleLevel = [&] {
      std::size_t k = headerless ? 0 : 1;
      if (!headerless && (stack.empty() || stack[0].kind != Block::Kind::Profile)) return false;
      for (; k < stack.size(); ++k)
        if (stack[k].kind != Block::Kind::Qualifier) return false;
      return true;
    };
    if (line == "}" || (line.front() == '}' && trimmed(line.substr(1)).empty())) {
      pending.clear();
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    if (!pending.empty()) {
      line = pending + " " + line;
      pending.clear();
    }
    if (line.back() == '{') {
      std::string header = trimmed(line.substr(0, line.size() - 1));
      if (!started && stack.empty()) {
        started = true;
        profileFlags(header, flags);
        stack.push_back({Block::Kind::Profile, ""});
      } else if (atRuleLevel() && onlyQualifiers(tokens(header))) {
        stack.push_back({Block::Kind::Qualifier, header});
      } else {
        stack.push_back({Block::Kind::Skip, ""});
      }
      continue;
    }
    if (!atRuleLevel()) continue;
    if (line.back() != ',') {
      if (startsWith(line, "include") || startsWith(line, "#include")) continue;
      pending = line;   // a rule that goes on on the next line
      continue;
    }
    std::string prefix;
    for (const auto& b : stack)
      if (b.kind == Block::Kind::Qualifier) prefix += b.prefix + " ";
    if (auto r = parseRule(prefix + line)) rules.push_back(std::move(*r));
    if (pos > text.size()) break;
  }
  return rules;
}

}  // namespace

std::vector<Rule> parseProfile(std::string_view text, std::vector<std::string>* flags) {
  return collect(text, false, flags);
}

std::vector<Rule> parseRules(std::string_view text) { return collect(text, true, nullptr); }

namespace {
// Does a rule's pattern cover `s`? A pattern too complex to judge covers it when the rule allows and does
// not when it denies: the verifier never credits AppArmor with a refusal it could not confirm.
bool ruleCovers(const Rule& r, std::string_view pattern, std::string_view s) {
  GlobResult m = globMatchBounded(pattern, s);
  return m == GlobResult::Yes || (m == GlobResult::TooComplex && !r.deny);
}
}  // namespace

Decision fileAccess(const std::vector<Rule>& rules, std::string_view path, std::string_view access) {
  Decision d;
  d.granted = true;
  for (char letter : access) {
    const Rule* allow = nullptr;
    const Rule* deny = nullptr;
    for (const auto& r : rules) {
      if (r.kind != Rule::Kind::File || !hasLetter(r.perms, letter, r.deny) || !ruleCovers(r, r.path, path)) continue;
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
                       [&](const std::string& f) { return ruleCovers(r, f, fstype); });
  };
  // An allow rule's options leave a generic new mount when one of its conditions names a flag that is
  // not a command (bind, move, remount, propagation); see the header.
  auto allowsNewMount = [](const Rule& r) {
    if (r.mountOptions.empty()) return true;
    return std::any_of(r.mountOptions.begin(), r.mountOptions.end(), [](const std::vector<std::string>& cond) {
      return std::any_of(cond.begin(), cond.end(), [](const std::string& o) { return !isCommandOption(o); });
    });
  };
  const Rule* allow = nullptr;
  for (const auto& r : rules) {
    if (r.kind != Rule::Kind::Mount || !fsMatches(r)) continue;
    if (r.deny) {
      // Covers the need only when it leaves the attacker no way around: any flags, any source, and the
      // need's mount point (all of them when the need names none).
      bool anySource = r.mountSource.empty() || r.mountSource == "**";
      bool atTarget = r.mountTarget.empty() || (!target.empty() && ruleCovers(r, r.mountTarget, target));
      if (!r.mountHasOptions && anySource && atTarget) return Decision{false, &r};
    } else if (!allow && allowsNewMount(r) &&
               (r.mountTarget.empty() || target.empty() || ruleCovers(r, r.mountTarget, target))) {
      allow = &r;
    }
  }
  return Decision{allow != nullptr, allow};
}

Decision networkAccess(const std::vector<Rule>& rules, std::string_view family, std::string_view type) {
  const Rule* allow = nullptr;
  for (const auto& r : rules) {
    if (r.kind != Rule::Kind::Network) continue;
    if (!r.families.empty() && std::find(r.families.begin(), r.families.end(), family) == r.families.end()) continue;
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
