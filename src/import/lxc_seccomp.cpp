// LXC seccomp policies (src/lxc/seccomp.c, LXC 5.0): version 1 (allowlist of numbers) and version 2.
#include <seccomp.h>
#include <string.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "import/import.h"
#include "import/ward_writer.h"
#include "base/strings.h"

namespace ward::import {

namespace {


std::optional<std::uint64_t> parseNumber(const std::string& s) {
  if (s.empty() || s[0] == '-') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || *end != '\0') return std::nullopt;
  return v;
}

// LXC's get_v2_default_action(): kill | errno N | allow | trap | notify (a prefix match, like LXC).
std::optional<ir::Action> lxcAction(const std::string& word, std::string* rest) {
  ir::Action a;
  a.errnoValue = 0;
  a.errnoName.clear();
  std::string s = trimmed(word);
  auto eat = [&](std::size_t n) { *rest = trimmed(s.substr(n)); };
  if (startsWith(s, "kill")) {
    a.kind = ir::Action::Kind::KillThread;   // SCMP_ACT_KILL
    eat(4);
  } else if (startsWith(s, "errno")) {
    std::string t = trimmed(s.substr(5));
    std::size_t n = 0;
    while (n < t.size() && std::isdigit(static_cast<unsigned char>(t[n]))) ++n;
    if (n == 0) return std::nullopt;
    a.kind = ir::Action::Kind::Errno;
    a.errnoValue = std::atoi(t.substr(0, n).c_str());
    const char* name = strerrorname_np(a.errnoValue);
    a.errnoName = name ? name : std::to_string(a.errnoValue);
    *rest = trimmed(t.substr(n));
  } else if (startsWith(s, "allow")) {
    a.kind = ir::Action::Kind::Allow;
    eat(5);
  } else if (startsWith(s, "trap")) {
    a.kind = ir::Action::Kind::Trap;
    eat(4);
  } else {
    return std::nullopt;
  }
  return a;
}

std::optional<ir::ArgCondition::Op> lxcOp(const std::string& s) {
  using Op = ir::ArgCondition::Op;
  if (s == "SCMP_CMP_NE" || s == "!=") return Op::Ne;
  if (s == "SCMP_CMP_LT" || s == "<") return Op::Lt;
  if (s == "SCMP_CMP_LE" || s == "<=") return Op::Le;
  if (s == "SCMP_CMP_EQ" || s == "==") return Op::Eq;
  if (s == "SCMP_CMP_GE" || s == ">=") return Op::Ge;
  if (s == "SCMP_CMP_GT" || s == ">") return Op::Gt;
  if (s == "SCMP_CMP_MASKED_EQ" || s == "&=") return Op::MaskedEq;
  return std::nullopt;
}

}  // namespace

std::optional<Imported> importLxcSeccomp(const std::string& text, const LxcOptions& options, Diagnostics& diags) {
  std::istringstream in(text);
  std::string line;
  std::size_t lineNo = 0;
  auto bad = [&](const std::string& what) -> std::optional<Imported> {
    diags.error(Code::E0304, {}, fmt::format("{}:{}: {}", options.sourceName, lineNo, what));
    return std::nullopt;
  };
  // Version line (LXC reads it with fscanf("%d\n"), which also skips blank lines after it).
  int version = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (trimmed(line).empty()) continue;
    auto v = parseNumber(trimmed(line));
    if (!v || (*v != 1 && *v != 2)) return bad("the first line must be the policy version, 1 or 2");
    version = static_cast<int>(*v);
    break;
  }
  if (version == 0) return bad("empty policy");
  if (!std::getline(in, line)) return bad("no allowlist/denylist line");
  ++lineNo;
  line = trimmed(line);
  if (line.find("debug") != std::string::npos) return bad("'debug' is not supported (LXC rejects it too)");

  WardWriter w(options.policyName, options.sourceName);
  w.header(fmt::format("Imported by `ward import lxc-seccomp` from {} (LXC seccomp policy version {}).",
                       options.sourceName, version));
  w.header("LXC adds every rule to x86_64, x86 and x32 whatever its [section]; so does this policy.");
  w.setArches({"x86_64", "x86", "x32"});
  ir::Action allow;
  allow.kind = ir::Action::Kind::Allow;
  allow.errnoValue = 0;
  allow.errnoName.clear();

  if (version == 1) {
    if (line.find("allowlist") == std::string::npos && line.find("whitelist") == std::string::npos)
      return bad("version 1 policies must be allowlists");
    ir::Action def;
    def.kind = ir::Action::Kind::KillThread;
    def.errnoValue = 0;
    def.errnoName.clear();
    w.setDefault(def);
    while (std::getline(in, line)) {
      ++lineNo;
      const std::string t = trimmed(line);
      if (t.empty()) continue;
      auto nr = parseNumber(t);
      if (!nr) return bad("version 1 lines are syscall numbers");
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(*nr));
      if (!name) return bad(fmt::format("no x86_64 system call has number {}", *nr));
      std::string n = name;
      std::free(name);
      w.addEntry({n}, allow, {{}}, fmt::format("{}:{}", options.sourceName, lineNo));
    }
    return w.finish(diags);
  }

  bool denylist = false;
  if (startsWith(line, "denylist") || startsWith(line, "blacklist")) denylist = true;
  else if (!startsWith(line, "allowlist") && !startsWith(line, "whitelist")) return bad("expected 'allowlist' or 'denylist'");
  ir::Action def;
  def.kind = denylist ? ir::Action::Kind::Allow : ir::Action::Kind::KillThread;
  def.errnoValue = 0;
  def.errnoName.clear();
  if (auto sp = line.find(' '); sp != std::string::npos && !trimmed(line.substr(sp)).empty()) {
    std::string rest;
    auto a = lxcAction(line.substr(sp + 1), &rest);
    if (!a) return bad("unknown default action '" + trimmed(line.substr(sp + 1)) + "'");
    def = *a;
  }
  ir::Action ruleDefault;
  ruleDefault.kind = denylist ? ir::Action::Kind::KillThread : ir::Action::Kind::Allow;
  ruleDefault.errnoValue = 0;
  ruleDefault.errnoName.clear();
  w.setDefault(def);

  bool relevant = true;   // the current [arch] section applies on an x86_64 host
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line[0] == '#') continue;
    std::string t = trimmed(line);
    if (t.empty()) continue;
    if (t[0] == '[') {
      static const char* x86[] = {"[x86]", "[X86]", "[x32]", "[X32]", "[x86_64]", "[X86_64]", "[all]", "[ALL]"};
      static const char* other[] = {"[arm]", "[ARM]", "[arm64]", "[ARM64]", "[ppc64le]", "[PPC64LE]", "[ppc64]",
                                    "[PPC64]", "[ppc]", "[PPC]", "[mips64]", "[MIPS64]", "[mips64n32]", "[MIPS64N32]",
                                    "[mips]", "[MIPS]", "[mipsel64]", "[MIPSEL64]", "[mipsel64n32]", "[MIPSEL64N32]",
                                    "[mipsel]", "[MIPSEL]", "[s390x]", "[S390X]", "[s390]", "[S390]"};
      bool found = false;
      for (const char* s : x86) found = found || t == s;
      if (found) {
        relevant = true;
        continue;
      }
      for (const char* s : other) found = found || t == s;
      if (!found) return bad("unsupported architecture section " + t);
      relevant = false;
      continue;
    }
    if (!relevant) continue;
    const std::string where = fmt::format("{}:{}", options.sourceName, lineNo);
    const auto sp = t.find(' ');
    const std::string name = t.substr(0, sp);
    std::string rest = sp == std::string::npos ? "" : trimmed(t.substr(sp + 1));
    if (name == "reject_force_umount") {   // LXC: umount2(target, MNT_FORCE) -> EACCES
      ir::Action a;
      a.kind = ir::Action::Kind::Errno;
      a.errnoValue = EACCES;
      a.errnoName = "EACCES";
      ir::ArgCondition c;
      c.index = 1;
      c.op = ir::ArgCondition::Op::MaskedEq;
      c.mask = 1;   // MNT_FORCE
      c.value = 1;
      w.addEntry({"umount2"}, a, {{c}}, where + " reject_force_umount");
      continue;
    }
    ir::Action action = ruleDefault;
    if (!rest.empty() && rest[0] != '[' && rest[0] != '#') {
      std::string after;
      auto a = lxcAction(rest, &after);
      if (!a) return bad("unknown action in '" + t + "'");
      action = *a;
      rest = after;
    }
    std::vector<ir::ArgCondition> conds;
    while (!rest.empty() && rest[0] == '[') {
      const auto close = rest.find(']');
      if (close == std::string::npos) return bad("unterminated argument condition");
      std::string inner = rest.substr(1, close - 1);
      rest = trimmed(rest.substr(close + 1));
      std::vector<std::string> f;
      std::stringstream ss(inner);
      for (std::string part; std::getline(ss, part, ',');) f.push_back(trimmed(part));
      if (f.size() != 3 && f.size() != 4) return bad("argument condition needs [index,value,op] or [index,value,op,mask]");
      auto idx = parseNumber(f[0]);
      auto val = parseNumber(f[1]);
      auto op = lxcOp(f[2]);
      auto mask = f.size() == 4 ? parseNumber(f[3]) : std::optional<std::uint64_t>(0);
      if (!idx || *idx > 5 || !val || !op || !mask) return bad("bad argument condition [" + inner + "]");
      ir::ArgCondition c;
      c.index = static_cast<unsigned>(*idx);
      c.op = *op;
      c.value = *val;
      c.mask = *mask;   // LXC: SCMP_CMP(index, MASKED_EQ, mask, value) = (arg & mask) == value
      conds.push_back(c);
    }
    if (conds.size() > 6) return bad("more than 6 argument conditions");
    w.addEntry({name}, action, {conds}, where);
  }
  return w.finish(diags);
}

std::string importLxcSeccomp(const std::string& text, Diagnostics& diags) {
  auto r = importLxcSeccomp(text, LxcOptions{}, diags);
  return r ? r->ward : std::string();
}

}  // namespace ward::import
