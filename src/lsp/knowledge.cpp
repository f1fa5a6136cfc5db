#include "lsp/knowledge.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sema/names.h"
#include "sema/statements.h"

namespace ward::lsp {

namespace {

struct Doc {
  std::string_view key;
  const char* text;
};

template <std::size_t N>
const char* lookup(const Doc (&table)[N], std::string_view key) {
  for (const auto& d : table)
    if (d.key == key) return d.text;
  return nullptr;
}

constexpr Doc kKeywords[] = {
    {"import",
     "**import** — makes a module's policies, fragments and groups visible.\n\n"
     "```ward\nimport \"std/base\";                       // visible as `base`\n"
     "import \"./shared/logging.ward\" as logging; // relative to this file\n```\n\n"
     "A path starting with `./` or `../` is relative to this file; any other path is a module searched in "
     "`-I` directories, `WARD_PATH` and the stdlib."},
    {"as", "**as** — renames an imported module: `import \"./shared/logging.ward\" as logging;`"},
    {"policy",
     "**policy** NAME [extends A, B] { ... } — a container policy: sections (files, syscalls, capabilities, "
     "...) and `use`d fragments. Parents are applied left to right, then the policy's own members."},
    {"fragment",
     "**fragment** NAME { ... } — reusable members, brought into a policy with `use NAME;`. A fragment "
     "cannot extend; it can `use` other fragments."},
    {"extends",
     "**extends** — the parent policies, applied left to right before the policy's own members. List-like "
     "settings accumulate; single values are overridden by the child."},
    {"group",
     "**group** @name \"description\" { calls...; } — a named set of system calls (and other groups) for "
     "`syscalls` rules. Groups are global once imported."},
    {"use", "**use** NAME, ...; — inserts a fragment's members, as if written here."},
};

std::string readAll(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  if (!ok) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string errnoText(long long n) {
  if (const auto* e = names::findErrno(static_cast<int>(n))) return fmt::format("{} ({})", e->name, n);
  return std::to_string(n);
}

std::string dockerAction(const nlohmann::json& rule) {
  const std::string action = rule.value("action", "");
  if (action == "SCMP_ACT_ALLOW") return "allowed";
  if (action == "SCMP_ACT_ERRNO") return "fails with " + errnoText(rule.value("errnoRet", 1LL));
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD") return "kills the thread";
  if (action == "SCMP_ACT_KILL_PROCESS") return "kills the process";
  if (action == "SCMP_ACT_TRAP") return "raises SIGSYS";
  if (action == "SCMP_ACT_LOG") return "allowed and logged";
  if (action == "SCMP_ACT_TRACE") return "notifies a tracer";
  return action.empty() ? "unknown action" : action;
}

// Docker's default capability set (moby/oci/caps/defaults.go): a rule that includes one of these applies
// to every container started with the defaults.
bool dockerDefaultCap(std::string_view cap) {
  static const std::set<std::string, std::less<>> caps{
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",      "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",     "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE"};
  return caps.count(cap) > 0;
}

bool onX86(const nlohmann::json& arches) {
  if (!arches.is_array()) return false;
  for (const auto& a : arches)
    if (a.is_string() && (a == "amd64" || a == "x86" || a == "x32" || a == "386")) return true;
  return false;
}

std::string dockerCondition(std::string_view syscall, const nlohmann::json& args) {
  std::vector<std::string> parts;
  const auto& params = names::syscallParams(syscall);
  for (const auto& a : args) {
    if (!a.is_object()) continue;
    const auto index = a.value("index", 0U);
    std::string arg = index < params.size() ? params[index] : fmt::format("arg{}", index);
    const auto value = a.value("value", 0ULL);
    const auto valueTwo = a.value("valueTwo", 0ULL);
    const std::string op = a.value("op", "");
    if (op == "SCMP_CMP_MASKED_EQ") {
      parts.push_back(fmt::format("`{} & {:#x} == {}`", arg, value, valueTwo));
      continue;
    }
    const char* sym = op == "SCMP_CMP_EQ" ? "==" : op == "SCMP_CMP_NE" ? "!=" : op == "SCMP_CMP_LT" ? "<"
                    : op == "SCMP_CMP_LE" ? "<=" : op == "SCMP_CMP_GT" ? ">" : op == "SCMP_CMP_GE" ? ">=" : "?";
    parts.push_back(fmt::format("`{} {} {:#x}`", arg, sym, value));
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " and " : "") + parts[i];
  return out;
}

}  // namespace

const char* keywordDoc(std::string_view k) { return lookup(kKeywords, k); }
const char* sectionDoc(std::string_view s) {
  const auto* spec = names::findSection(s);
  return spec ? spec->doc.data() : nullptr;   // a string literal of statements.def
}
std::string verbDoc(std::string_view section, std::string_view verb) {
  const auto* spec = names::findStatement(section, verb);
  return spec ? names::statementDoc(*spec) : std::string{};
}

const std::vector<std::string>& syscallActions() {
  static const std::vector<std::string> v{"allow", "errno", "kill", "kill_thread", "trap", "log"};
  return v;
}

std::optional<StockProfile> StockProfile::loadDocker(const std::string& path) {
  bool ok = false;
  std::string text = readAll(path, ok);
  if (!ok) return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("syscalls") || !j["syscalls"].is_array()) return std::nullopt;
  StockProfile p;
  p.source_ = path;
  {
    nlohmann::json def{{"action", j.value("defaultAction", "SCMP_ACT_ERRNO")},
                       {"errnoRet", j.value("defaultErrnoRet", 1LL)}};
    p.fallback_ = dockerAction(def) + " (the profile's default action)";
  }
  for (const auto& rule : j["syscalls"]) {
    if (!rule.is_object() || !rule.contains("names") || !rule["names"].is_array()) continue;
    const auto inc = rule.value("includes", nlohmann::json::object());
    const auto exc = rule.value("excludes", nlohmann::json::object());
    if (inc.is_object() && inc.contains("arches") && !onX86(inc["arches"])) continue;
    if (exc.is_object() && exc.contains("arches") && onX86(exc["arches"])) continue;
    for (const auto& nameJ : rule["names"]) {
      if (!nameJ.is_string()) continue;
      const std::string name = nameJ.get<std::string>();
      std::string line = dockerAction(rule);
      std::vector<std::string> when;
      if (rule.contains("args") && rule["args"].is_array() && !rule["args"].empty())
        when.push_back("when " + dockerCondition(name, rule["args"]));
      if (inc.is_object() && inc.contains("caps") && inc["caps"].is_array())
        for (const auto& c : inc["caps"])
          if (c.is_string())
            when.push_back(fmt::format("with {} ({})", c.get<std::string>(),
                                       dockerDefaultCap(c.get<std::string>()) ? "in Docker's default capabilities"
                                                                              : "not granted by default"));
      if (exc.is_object() && exc.contains("caps") && exc["caps"].is_array())
        for (const auto& c : exc["caps"])
          if (c.is_string()) when.push_back("without " + c.get<std::string>());
      if (inc.is_object() && inc.contains("minKernel") && inc["minKernel"].is_string())
        when.push_back("on kernel " + inc["minKernel"].get<std::string>() + " or later");
      for (std::size_t i = 0; i < when.size(); ++i) line += (i ? ", " : " ") + when[i];
      p.rules_[name].push_back({std::move(line), !when.empty()});
    }
  }
  return p;
}

std::optional<StockProfile> StockProfile::loadLxc(const std::string& path) {
  bool ok = false;
  std::string text = readAll(path, ok);
  if (!ok) return std::nullopt;
  std::istringstream in(text);
  std::string line;
  StockProfile p;
  p.source_ = path;
  bool denylist = true;
  bool relevant = true;  // inside an [arch] section that applies to x86
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string first, action, arg;
    if (!(words >> first)) continue;
    if (lineNo == 1) continue;  // the format version
    if (first == "denylist" || first == "blacklist") { denylist = true; continue; }
    if (first == "allowlist" || first == "whitelist") { denylist = false; continue; }
    if (first.front() == '[') {
      std::string arch = first.substr(1, first.find(']') == std::string::npos ? std::string::npos : first.find(']') - 1);
      for (auto& ch : arch) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      relevant = arch == "all" || arch == "x86_64" || arch == "amd64" || arch == "x86" || arch == "i386" ||
                 arch == "x32";
      continue;
    }
    if (first == "reject_force_umount") {
      p.rules_["umount2"].push_back({"fails with EACCES when called with `MNT_FORCE` (reject_force_umount)", true});
      continue;
    }
    if (!relevant) continue;
    words >> action >> arg;
    std::string what;
    if (action == "errno") what = "fails with " + errnoText(std::atoll(arg.c_str()));
    else if (action == "kill") what = "kills the process";
    else if (action == "trap") what = "raises SIGSYS";
    else if (action == "allow") what = "allowed";
    else if (action == "notify") what = "is sent to the seccomp notifier";
    else if (action.empty()) what = denylist ? "kills the process" : "allowed";
    else what = action;
    p.rules_[first].push_back({std::move(what), false});
  }
  p.fallback_ = denylist ? "allowed (not on LXC's deny list)" : "denied (not on LXC's allow list)";
  return p;
}

std::string StockProfile::describe(std::string_view syscall) const {
  auto it = rules_.find(syscall);
  if (it == rules_.end()) return fallback_;
  std::string out;
  bool unconditional = false;
  for (const auto& r : it->second) {
    out += (out.empty() ? "" : "; ") + r.text;
    unconditional = unconditional || !r.conditional;
  }
  if (!unconditional) out += "; otherwise " + fallback_;
  return out;
}

}  // namespace ward::lsp
