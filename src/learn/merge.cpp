// `ward learn --merge`: learned files read back into observations (their rules and evidence comments), and
// observations added up. Only the lines `ward learn` writes are understood; anything else is an error with
// its line, so a hand-edited file is never merged by guesswork.
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "base/strings.h"
#include "ir/policy.h"
#include "learn/learn.h"

namespace ward::learn {
namespace {

void mergeMap(std::map<std::string, Evidence>& a, const std::map<std::string, Evidence>& b) {
  for (const auto& [k, e] : b) a[k].merge(e);
}

// "seen 12 on x86_64 x86, first /usr/bin/busybox, run 1a2b3c4d" (or "runs A B").
std::optional<Evidence> parseEvidence(std::string_view text) {
  if (!startsWith(text, "seen ")) return std::nullopt;
  Evidence e;
  text.remove_prefix(5);
  e.count = std::strtoull(std::string(text).c_str(), nullptr, 10);
  const auto first = text.find(", first ");
  auto run = text.rfind(", run ");
  std::size_t runLen = 6;
  if (const auto runs = text.rfind(", runs "); runs != std::string_view::npos && (run == std::string_view::npos || runs > run))
    run = runs, runLen = 7;
  if (first == std::string_view::npos || run == std::string_view::npos || run < first) return std::nullopt;
  const std::string_view head = text.substr(0, first);
  if (const auto on = head.find(" on "); on != std::string_view::npos) {
    std::istringstream as{std::string(head.substr(on + 4))};
    for (std::string a; as >> a;) e.arches.insert(a);
  }
  e.first = std::string(text.substr(first + 8, run - first - 8));
  std::istringstream rs{std::string(text.substr(run + runLen))};
  for (std::string r; rs >> r;) e.runs.insert(r);
  return e;
}

struct Line {
  std::string statement;   // without the trailing `;`, trimmed ("" for a comment line)
  std::string comment;     // after `//`, trimmed
};

Line split(std::string_view raw) {
  Line l;
  const auto slashes = raw.find("//");
  const auto semi = raw.find(';');
  if (slashes != std::string_view::npos && (semi == std::string_view::npos || slashes < semi)) {
    l.comment = trimmed(raw.substr(slashes + 2));
    return l;
  }
  l.statement = trimmed(raw.substr(0, semi));
  if (slashes != std::string_view::npos) l.comment = trimmed(raw.substr(slashes + 2));
  return l;
}

class Reader {
 public:
  explicit Reader(Learned& out) : out_(out), obs_(out.observations) {}

  // false: the line is not one learn writes.
  bool line(std::string_view raw) {
    const std::string_view t = trim(raw);
    if (section_.empty() && startsWith(t, "// not learned: ")) return notLearned(t.substr(16));
    if (t.empty() || (section_.empty() && startsWith(t, "//"))) return true;
    if (startsWith(t, "import \"")) {
      out_.base.module = std::string(t.substr(8, t.rfind('"') - 8));
      return true;
    }
    if (startsWith(t, "policy ")) return policyLine(t);
    if (t == "}") {
      section_.clear();
      return true;
    }
    if (endsWith(t, "{")) {
      section_ = trimmed(t.substr(0, t.size() - 1));
      return true;
    }
    const Line l = split(t);
    if (section_ == "syscalls") return syscallLine(l);
    if (section_ == "files") return fileLine(l);
    if (section_ == "network") return networkLine(l);
    if (section_ == "limits") return limitLine(l);
    return section_ == "capabilities";   // recomputed from the merged system calls
  }

  void finish() {
    if (!sawEndpoint_) return;
    obs_.families["inet"];
    if (!ipv6Off_) obs_.families["inet6"];
  }

 private:
  // "read /proc/kcore: denied by the base (seen 1, first P, run R)"
  bool notLearned(std::string_view t) {
    const auto open = t.rfind(" (seen ");
    if (open == std::string_view::npos || !endsWith(t, ")")) return false;
    auto e = parseEvidence(t.substr(open + 2, t.size() - open - 3));
    if (!e) return false;
    obs_.deniedFiles[std::string(t.substr(0, open))].merge(*e);
    return true;
  }

  bool policyLine(std::string_view t) {
    std::istringstream ps{std::string(t)};
    std::string kw, name, ext, parent;
    ps >> kw >> name >> ext >> parent;
    const auto dot = parent.find('.');
    if (ext != "extends" || dot == std::string::npos) return false;
    out_.policyName = name;
    out_.base.alias = parent.substr(0, dot);
    out_.base.policy = parent.substr(dot + 1);
    if (!unixOffSeen_) obs_.families["unix"];
    return true;
  }

  bool syscallLine(const Line& l) {
    if (l.statement.empty()) {
      const std::string prefix = "refused by the base, not learned: ";
      if (!startsWith(l.comment, prefix)) return true;
      const std::string rest = l.comment.substr(prefix.size());
      const auto colon = rest.rfind(": seen ");
      auto e = colon == std::string::npos ? std::nullopt : parseEvidence(rest.substr(colon + 2));
      if (!e) return false;
      obs_.refused[rest.substr(0, colon)].merge(*e);
      return true;
    }
    if (startsWith(l.statement, "default ") || startsWith(l.statement, "arch ")) return true;
    if (l.comment.empty()) return startsWith(l.statement, "deny ");   // the base's unused calls: recomputed
    if (l.comment == "not seen in the run") return true;
    if (startsWith(l.comment, "not seen: the container runtime")) return true;   // recomputed too
    std::string ev = l.comment;
    const std::string valuesPrefix = "values not seen in the run; ";
    if (startsWith(ev, valuesPrefix)) ev = ev.substr(valuesPrefix.size());
    const bool runtime = startsWith(ev, kRuntimeSeen);
    if (runtime) ev = ev.substr(std::string_view(kRuntimeSeen).size());
    auto e = parseEvidence(ev);
    if (!e) return false;
    std::istringstream ss(l.statement);
    std::string verb, target;
    ss >> verb;
    std::getline(ss, target);
    target = trimmed(target);
    const auto paren = target.find('(');
    if (paren == std::string::npos) {
      const auto sp = target.find(' ');
      (runtime ? obs_.runtime : obs_.syscalls)[target.substr(0, sp)].merge(*e);
      return true;
    }
    // name(argN == V) or name(argN & M == V)
    const std::string name = target.substr(0, paren);
    const auto eq = target.find("== ");
    if (eq == std::string::npos) return false;
    (runtime ? obs_.runtimeArgs : obs_.args)[name][std::strtoull(target.c_str() + eq + 3, nullptr, 0)].merge(*e);
    if (runtime) obs_.runtime[name];   // the call itself: its rules are written again
    return true;
  }

  bool fileLine(const Line& l) {
    if (l.statement.empty()) return true;
    const auto q1 = l.statement.find('"'), q2 = l.statement.rfind('"');
    if (q1 == std::string::npos || q2 <= q1) return false;
    const std::string verb = trimmed(l.statement.substr(0, q1));
    const std::string path = l.statement.substr(q1 + 1, q2 - q1 - 1);
    auto e = parseEvidence(l.comment);
    if (!e) return false;
    unsigned access = verb == "read" ? ir::kRead : verb == "write" ? ir::kWrite : verb == "append" ? ir::kAppend
                      : verb == "exec" ? ir::kExec : verb == "link" ? ir::kLink : 0u;
    if (access == 0) return false;
    auto& use = obs_.files[path];
    use.access |= access;
    use.evidence.merge(*e);
    return true;
  }

  bool networkLine(const Line& l) {
    if (l.statement.empty()) {
      if (!startsWith(l.comment, "socket ")) return true;
      const auto colon = l.comment.rfind(": seen ");
      auto e = colon == std::string::npos ? std::nullopt : parseEvidence(l.comment.substr(colon + 2));
      if (!e) return false;
      obs_.sockets[l.comment.substr(7, colon - 7)].merge(*e);
      return true;
    }
    const std::string& s = l.statement;
    if (s == "none" || s == "ipv6 off" || s == "unix off") {
      if (s == "ipv6 off") ipv6Off_ = true;
      if (s == "unix off") {
        unixOffSeen_ = true;
        obs_.families.erase("unix");
      }
      return true;
    }
    auto e = parseEvidence(l.comment);
    if (!e) return false;
    if (s == "netlink") obs_.families["netlink"].merge(*e);
    else if (startsWith(s, "listen ") || startsWith(s, "connect ")) {
      obs_.endpoints[s].merge(*e);
      sawEndpoint_ = true;
    } else {
      return false;
    }
    return true;
  }

  bool limitLine(const Line& l) {
    const auto peak = l.comment.find("peak ");
    if (l.statement.empty() || peak == std::string::npos) return l.statement.empty();
    const std::uint64_t v = std::strtoull(l.comment.c_str() + peak + 5, nullptr, 10);
    if (startsWith(l.statement, "memory ")) obs_.peakMemory = std::max(obs_.peakMemory, v);
    else if (startsWith(l.statement, "pids ")) obs_.peakTasks = std::max(obs_.peakTasks, v);
    else return false;
    return true;
  }

  Learned& out_;
  Observations& obs_;
  std::string section_;
  bool sawEndpoint_ = false, ipv6Off_ = false, unixOffSeen_ = false;
};

}  // namespace

std::optional<Learned> readLearned(const std::string& displayName, const std::string& text, std::string* error) {
  Learned out;
  Reader reader(out);
  std::istringstream in(text);
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    if (!reader.line(raw)) {
      if (error) *error = fmt::format("{}:{}: not a line `ward learn` writes: {}", displayName, line, trimmed(raw));
      return std::nullopt;
    }
  }
  reader.finish();
  if (out.base.module.empty() || out.policyName.empty()) {
    if (error) *error = fmt::format("{}: not a policy `ward learn` wrote (no import and extends)", displayName);
    return std::nullopt;
  }
  for (const auto& [name, e] : out.observations.syscalls) out.observations.runs.insert(e.runs.begin(), e.runs.end());
  return out;
}

void mergeInto(Observations& a, const Observations& b) {
  a.runs.insert(b.runs.begin(), b.runs.end());
  a.calls += b.calls;
  mergeMap(a.syscalls, b.syscalls);
  for (const auto& [name, values] : b.args)
    for (const auto& [v, e] : values) a.args[name][v].merge(e);
  mergeMap(a.refused, b.refused);
  mergeMap(a.runtime, b.runtime);
  for (const auto& [name, values] : b.runtimeArgs)
    for (const auto& [v, e] : values) a.runtimeArgs[name][v].merge(e);
  for (const auto& [path, use] : b.files) {
    auto& u = a.files[path];
    u.access |= use.access;
    u.created = u.created || use.created;
    u.evidence.merge(use.evidence);
  }
  mergeMap(a.deniedFiles, b.deniedFiles);
  mergeMap(a.families, b.families);
  mergeMap(a.sockets, b.sockets);
  mergeMap(a.endpoints, b.endpoints);
  a.peakTasks = std::max(a.peakTasks, b.peakTasks);
  a.peakMemory = std::max(a.peakMemory, b.peakMemory);
}

}  // namespace ward::learn
