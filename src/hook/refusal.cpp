#include "hook/refusal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <regex>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "hook/fsutil.h"
#include "hook/hook.h"

namespace ward::hook {

namespace {

class Syslog : public SystemLog {
 public:
  void error(const std::string& line) override {
    if (!opened_) {
      ::openlog("ward", LOG_PID, LOG_AUTHPRIV);
      opened_ = true;
    }
    ::syslog(LOG_ERR | LOG_AUTHPRIV, "%s", line.c_str());
  }

 private:
  bool opened_ = false;
};

std::string clockNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The lines of `messages` that belong to this hook run, without the "ward lxc-hook: NAME: " prefix.
std::vector<std::string> messageLines(const std::string& messages, const std::string& container) {
  std::vector<std::string> out;
  const std::string full = "ward lxc-hook: " + container + ": ", tool = "ward lxc-hook: ";
  std::size_t pos = 0;
  while (pos < messages.size()) {
    auto nl = messages.find('\n', pos);
    std::string line = messages.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? messages.size() : nl + 1;
    if (startsWith(line, full)) line = line.substr(full.size());
    else if (startsWith(line, tool)) line = line.substr(tool.size());
    if (!trim(line).empty()) out.push_back(line);
  }
  return out;
}

// Writes `text` to the standard error of the LXC tool that ran the hook (a parent whose name starts with
// "lxc-": lxc-start -F, lxc-execute), so that the lines appear where LXC prints its own. The descriptor
// is the parent's own (pidfd_getfd: the same open file and offset), so lines written to a redirected file
// are not overwritten by LXC's next ones. Skipped when it is our own stderr. Best effort: waits at most a
// second for a full pipe or terminal, never fails the hook.
void tellStarter(const std::string& text) {
  pid_t parent = ::getppid();
  if (parent <= 1) return;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, parent, 0));
  if (pidfd < 0) return;
  // Only an LXC tool (lxc-start, lxc-execute, ...): a script that runs the hook by hand and silences it
  // gets nothing on its own stderr.
  std::string error;
  auto comm = fsx::readAt(AT_FDCWD, "/proc/" + std::to_string(parent) + "/comm", error, nullptr, 64);
  int fd = comm && startsWith(*comm, "lxc-") && ::getppid() == parent
               ? static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, STDERR_FILENO, 0))
               : -1;
  ::close(pidfd);
  if (fd < 0) return;
  struct stat theirs{}, ours{};
  bool usable = ::fstat(fd, &theirs) == 0;
  if (usable && ::fstat(STDERR_FILENO, &ours) == 0 && ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino)
    usable = false;
  std::size_t done = 0;
  while (usable && done < text.size()) {
    struct pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 1000) != 1 || !(p.revents & POLLOUT)) break;
    // At most PIPE_BUF bytes: a pipe that polls writable takes them without blocking.
    ssize_t n = ::write(fd, text.data() + done, std::min<std::size_t>(text.size() - done, PIPE_BUF));
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string writeRecord(const std::string& stateDir, const std::string& container, const Refusal& r) {
  std::string error;
  fsx::Fd dir = fsx::openDir(containerDir(stateDir, container), true, error);
  if (!dir.valid()) return error;
  return fsx::writeAt(dir.get(), kRefusalFile, refusalJson(r));
}

// A successful start: an outstanding record gets the time of this start.
std::string markResolved(const std::string& stateDir, const std::string& container, const std::string& now) {
  std::string error;
  std::string path = containerDir(stateDir, container);
  if (::access(path.c_str(), F_OK) != 0) return {};
  fsx::Fd dir = fsx::openDir(path, false, error);
  if (!dir.valid()) return error;
  bool missing = false;
  auto text = fsx::readAt(dir.get(), kRefusalFile, error, &missing);
  if (!text) return missing ? "" : error;
  auto r = parseRefusal(*text, error);
  if (!r) return fsx::removeAt(dir.get(), kRefusalFile);   // unreadable: nothing worth keeping
  if (r->resolvedAt) return {};
  r->resolvedAt = now;
  return fsx::writeAt(dir.get(), kRefusalFile, refusalJson(*r));
}

}  // namespace

SystemLog::~SystemLog() = default;

SystemLog& realSystemLog() {
  static Syslog log;
  return log;
}

RefusalDiagnostic locate(const std::string& message) {
  static const std::regex where(R"(((?:/|[A-Za-z0-9_.-]+/)[^\s:\[\]]*|[^\s:\[\]]+\.ward):([0-9]+)(?::([0-9]+))?)");
  static const std::regex trailing(R"(\[([^\s\[\]:]+):([0-9]+)(?::([0-9]+))?\]\s*$)");
  RefusalDiagnostic d;
  d.message = message;
  std::smatch m;
  if (!std::regex_search(message, m, trailing) && !std::regex_search(message, m, where)) return d;
  const std::string file = m[1].str();
  if (file.front() != '/' && !file.ends_with(".ward")) return d;
  try {
    d.line = static_cast<std::uint32_t>(std::stoul(m[2].str()));
    d.col = m[3].matched ? static_cast<std::uint32_t>(std::stoul(m[3].str())) : 0;
  } catch (...) {
    return RefusalDiagnostic{message, "", 0, 0};
  }
  d.file = file;
  return d;
}

std::string refusalJson(const Refusal& r) {
  nlohmann::json diags = nlohmann::json::array();
  for (const auto& d : r.diagnostics) {
    nlohmann::json j = {{"message", d.message}};
    if (!d.file.empty()) {
      j["file"] = d.file;
      j["line"] = d.line;
      if (d.col) j["col"] = d.col;
    }
    diags.push_back(std::move(j));
  }
  nlohmann::json j = {{"container", r.container}, {"time", r.time},         {"hookType", r.hookType},
                      {"policyFile", r.policyFile}, {"exitCode", r.exitCode}, {"messages", r.messages},
                      {"diagnostics", diags},
                      {"resolvedAt", r.resolvedAt ? nlohmann::json(*r.resolvedAt) : nlohmann::json(nullptr)}};
  return j.dump(2) + "\n";
}

std::optional<Refusal> parseRefusal(const std::string& text, std::string& error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  try {
    Refusal r;
    r.container = j.at("container").get<std::string>();
    r.time = j.at("time").get<std::string>();
    r.hookType = j.value("hookType", "");
    r.policyFile = j.value("policyFile", "");
    r.exitCode = j.value("exitCode", 1);
    r.messages = j.at("messages").get<std::vector<std::string>>();
    for (const auto& d : j.value("diagnostics", nlohmann::json::array())) {
      RefusalDiagnostic rd;
      rd.message = d.at("message").get<std::string>();
      rd.file = d.value("file", "");
      rd.line = d.value("line", 0u);
      rd.col = d.value("col", 0u);
      r.diagnostics.push_back(std::move(rd));
    }
    if (j.contains("resolvedAt") && j["resolvedAt"].is_string()) r.resolvedAt = j["resolvedAt"].get<std::string>();
    return r;
  } catch (const std::exception& e) {
    error = std::string("unexpected content: ") + e.what();
    return std::nullopt;
  }
}

std::string formatRefusal(const Refusal& r) {
  std::string out = r.container + ": the last start was refused at " + r.time + " (" +
                    (r.hookType.empty() ? "pre-start" : r.hookType) + " hook" +
                    (r.policyFile.empty() ? "" : ", policy " + r.policyFile) + "):\n";
  for (const auto& m : r.messages) out += "  " + m + "\n";
  if (r.resolvedAt) out += r.container + ": started successfully since, at " + *r.resolvedAt + "\n";
  return out;
}

void reportOutcome(const Reporting& rep, const std::string& stateDir, const std::string& container,
                   const std::string& hookType, const std::string& policyFile, int rc, std::string& messages) {
  const std::string now = rep.now ? rep.now() : clockNow();
  const bool recordable = validContainerName(container) && !stateDir.empty() && stateDir.front() == '/';
  if (rc == kHookOk) {
    if (!recordable) return;
    if (std::string e = markResolved(stateDir, container, now); !e.empty())
      messages += "ward lxc-hook: " + container + ": cannot mark the last refusal resolved: " + e + "\n";
    return;
  }
  Refusal r;
  r.container = container;
  r.time = now;
  r.hookType = hookType;
  r.policyFile = policyFile;
  r.exitCode = rc;
  r.messages = messageLines(messages, container);
  for (const auto& m : r.messages) r.diagnostics.push_back(locate(m));
  std::string where = containerDir(stateDir, container) + "/" + kRefusalFile;
  if (recordable) {
    if (std::string e = writeRecord(stateDir, container, r); !e.empty())
      messages += "ward lxc-hook: " + container + ": the refusal is not recorded in " + where + ": " + e + "\n";
    else
      messages += "ward lxc-hook: " + container + ": the reason is kept in " + where + " (ward lxc-status " +
                  container + (stateDir == kDefaultStateDir ? "" : " --state-dir " + stateDir) + ")\n";
  }
  if (rep.log)
    for (const auto& l : messageLines(messages, "")) rep.log->error(l);
  if (rep.tellStarter) tellStarter(messages);
}

int status(const StatusArgs& args, std::string& out, std::string& messages) {
  if (!validContainerName(args.container)) {
    messages += "ward lxc-status: '" + args.container + "' is not a container name ward accepts\n";
    return kHookUsage;
  }
  if (args.stateDir.empty() || args.stateDir.front() != '/') {
    messages += "ward lxc-status: --state-dir must be an absolute path\n";
    return kHookUsage;
  }
  const std::string path = containerDir(args.stateDir, args.container);
  std::string error;
  bool missing = ::access((path + "/" + kRefusalFile).c_str(), F_OK) != 0 && errno == ENOENT;
  std::optional<std::string> text;
  if (!missing) {
    fsx::Fd dir = fsx::openDir(path, false, error);
    if (dir.valid()) text = fsx::readAt(dir.get(), kRefusalFile, error, &missing);
    if (!text && !missing) {
      messages += "ward lxc-status: " + path + "/" + kRefusalFile + ": " + error + "\n";
      return kHookUsage;
    }
  }
  if (missing) {
    out += args.json ? "null\n" : args.container + ": no refused start recorded in " + path + "\n";
    return kHookOk;
  }
  auto r = parseRefusal(*text, error);
  if (!r) {
    messages += "ward lxc-status: " + path + "/" + kRefusalFile + ": " + error + "\n";
    return kHookUsage;
  }
  out += args.json ? *text : formatRefusal(*r);
  return r->resolvedAt ? kHookOk : kHookRefused;
}

}  // namespace ward::hook
