#pragma once
// What a refused start leaves behind, so that the reason reaches the person who started the container
// without a re-run (docs/lxc.md, "When a start is refused"). LXC 5 prints only "Script exited with status
// 1 ... Failed to run lxc.hook.pre-start": it reads a hook's standard output and error through a pipe and
// logs them at INFO, below its default priority. So a refusal also goes to
//   - the system log: one syslog(3) line per message, ident "ward", LOG_AUTHPRIV, LOG_ERR;
//   - STATE/containers/NAME/last-refusal.json: time, container, hook type, policy file, the messages and
//     the diagnostics they locate (file:line:col), written atomically; the next successful start marks it
//     resolved (the record stays, with the time of that start);
//   - the standard error of the LXC tool that ran the hook (lxc-start -F, lxc-execute: the hook's
//     parent, its descriptor taken with pidfd_getfd), so that the lines appear above LXC's own.
// `ward lxc-status NAME` prints the record.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ward::hook {

// A place the lines of a refusal go to. Injectable so that tests record them.
class SystemLog {
 public:
  virtual ~SystemLog();
  virtual void error(const std::string& line) = 0;
};
// syslog(3): openlog("ward", LOG_PID, LOG_AUTHPRIV), syslog(LOG_ERR, "%s", line).
SystemLog& realSystemLog();

struct Reporting {
  SystemLog* log = nullptr;               // nullptr: no system log (the library's default; the CLI sets it)
  bool tellStarter = false;               // write to the hook's parent's stderr (the CLI turns it on)
  std::function<std::string()> now;       // an ISO 8601 UTC time; empty: the clock
};

struct RefusalDiagnostic {
  std::string message;                    // the whole line
  std::string file;                       // "" when the line names no location
  std::uint32_t line = 0, col = 0;        // col 0: the line names no column
};

struct Refusal {
  std::string container, time, hookType, policyFile;
  int exitCode = 0;
  std::vector<std::string> messages;      // as printed, without the "ward lxc-hook: NAME: " prefix
  std::vector<RefusalDiagnostic> diagnostics;   // one per message, its location when it names one
  std::optional<std::string> resolvedAt;  // the time of a later successful start
};

inline constexpr const char* kRefusalFile = "last-refusal.json";

// The location a message names: "FILE:LINE:COL: ...", "FILE:LINE: ..." or "... [FILE:LINE:COL]", where
// FILE is absolute or ends in .ward (the forms ward's compiler, verifier and drift check print).
RefusalDiagnostic locate(const std::string& message);

std::string refusalJson(const Refusal& r);
std::optional<Refusal> parseRefusal(const std::string& text, std::string& error);
// What `ward lxc-status` prints.
std::string formatRefusal(const Refusal& r);

// After a pre-start hook: on a refusal (rc != 0) sends `messages` to the system log and the starter and
// writes the record; on success marks an earlier record resolved. Problems doing so are appended to
// `messages`; the outcome (rc) never changes.
void reportOutcome(const Reporting& rep, const std::string& stateDir, const std::string& container,
                   const std::string& hookType, const std::string& policyFile, int rc, std::string& messages);

struct StatusArgs {
  std::string container;
  std::string stateDir;
  bool json = false;
};
// `ward lxc-status NAME`: 0 when no refusal is outstanding (none recorded, or resolved since), 1 when the
// last start was refused, 2 on bad arguments or an unreadable record. `out` gets the report.
int status(const StatusArgs& args, std::string& out, std::string& messages);

}  // namespace ward::hook
