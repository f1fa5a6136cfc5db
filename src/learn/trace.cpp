#include "learn/trace.h"

#include <linux/filter.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fstream>

#include <fmt/format.h>

#include "base/strings.h"
#include "learn/record.h"

namespace ward::learn {
namespace {

namespace bpf = backend::seccomp::bpf;
using detail::Call;

constexpr unsigned long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                   PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
                                   PTRACE_O_EXITKILL;

// What a task's calls are: the launcher's or runtime's set-up (not recorded), the container runtime's after
// its filter is installed (recorded apart), or the workload's (from the command's or the payload's execve).
enum class Role { Setup, Runtime, Workload };

struct Task {
  bool seen = false;                 // its first stop (the attach SIGSTOP) was consumed
  bool known = false;                // its role came from its parent's fork event
  bool leader = true;                // a process, not a thread of one (memory is summed over processes)
  bool pending = false;              // between a call's entry and its exit
  Role role = Role::Setup;
  Call call;
  std::string program;
};

std::string readExe(pid_t pid) {
  char buf[4096];
  const ssize_t n = ::readlink(fmt::format("/proc/{}/exe", pid).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// A field of /proc/PID/status ("" when absent).
std::string statusField(pid_t pid, const std::string& key) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size() + 1, key + ":") == 0) return trimmed(std::string_view(line).substr(key.size() + 1));
  return {};
}

// The task is pid 1 of a pid namespace below the tracer's: a container's init ("NSpid: 4242 1").
bool containerInit(pid_t pid) {
  const std::string ns = statusField(pid, "NSpid");
  return ns.find_first_of(" \t") != std::string::npos && ns.substr(ns.find_last_of(" \t") + 1) == "1";
}

// seccomp(SECCOMP_SET_MODE_FILTER, ...) or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ...).
bool loadsFilter(const Call& c) {
  return (c.name == "seccomp" && c.args[0] == SECCOMP_SET_MODE_FILTER) ||
         (c.name == "prctl" && c.args[0] == PR_SET_SECCOMP && c.args[1] == SECCOMP_MODE_FILTER);
}

// The capability bound (a capability the kernel does not know is skipped), no_new_privs and the filter.
// Async-signal-safe (it runs between fork and exec). 0, or the errno of the step that failed.
int confine(const std::vector<int>& dropCapabilities, sock_fprog* prog) {
  for (int cap : dropCapabilities) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (prog != nullptr && ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0) return errno;
  return 0;
}

// The child: traced from its first instruction, then confined, then the command.
[[noreturn]] void runChild(const TraceOptions& o, std::vector<char*>& argv, sock_fprog* prog) {
  ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
  ::raise(SIGSTOP);
  // Container mode: the runtime installs the filter and the bound in the container's init, not in itself.
  if (!o.container && confine(o.dropCapabilities, prog) != 0) ::_exit(126);
  if (o.container) ::dup2(2, 1);   // the container's console goes to stderr; stdout may be the learned policy
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

struct Program {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::vector<sock_filter> insns;
  sock_fprog prog{};
  Program(const std::vector<std::string>& a, const std::vector<bpf::Insn>& code) : args(a) {
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (const auto& i : code) insns.push_back({i.code, i.jt, i.jf, i.k});
    prog = {static_cast<unsigned short>(insns.size()), insns.data()};
  }
  sock_fprog* filter() { return insns.empty() ? nullptr : &prog; }
};

class Tracer {
 public:
  Tracer(const TraceOptions& o, TraceResult& r) : o_(o), r_(r), rec_(r.observations, o.runId) {}

  void run(pid_t root) {
    root_ = root;
    status_ = o_.container ? -1 : root;
    tasks_[root].seen = tasks_[root].known = true;
    tasks_[root].program = readExe(root);
    resume(root, 0);
    while (!tasks_.empty()) {
      pollStop();
      int st = 0;
      const pid_t pid = ::waitpid(-1, &st, __WALL);
      if (pid < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (WIFEXITED(st) || WIFSIGNALED(st)) {
        if (pid == status_) {
          r_.termSignal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
          r_.exitStatus = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        }
        if (pid == root_) runtimeStatus_ = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        tasks_.erase(pid);
        continue;
      }
      if (WIFSTOPPED(st)) stopped(pid, st);
    }
  }

  bool executed() const { return executed_; }
  int runtimeStatus() const { return runtimeStatus_; }

 private:
  void resume(pid_t pid, int sig) { ::ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig))); }

  // The stop command (lxc-stop) once asked for: not traced, not waited for here (the loop's wait reaps it).
  void pollStop() {
    if (r_.stopped || o_.stopCommand.empty() || !o_.stopRequested || !o_.stopRequested()) return;
    r_.stopped = true;
    Program stop(o_.stopCommand, {});
    if (::fork() == 0) {
      ::execvp(stop.argv[0], stop.argv.data());
      ::_exit(127);
    }
  }

  // A task whose parent's fork event has not been seen yet takes its role from its thread group or parent.
  Role inheritedRole(pid_t pid) {
    for (const char* key : {"Tgid", "PPid"}) {
      const auto p = static_cast<pid_t>(std::strtol(statusField(pid, key).c_str(), nullptr, 10));
      if (p != pid && tasks_.count(p)) return tasks_[p].role;
    }
    return Role::Setup;
  }

  const std::string& program(pid_t pid, Task& t) {
    if (t.program.empty()) t.program = readExe(pid);
    return t.program;
  }

  void stopped(pid_t pid, int st) {
    Task& t = tasks_[pid];
    const int sig = WSTOPSIG(st);
    const int event = st >> 16;
    if (sig == (SIGTRAP | 0x80)) {
      syscallStop(pid, t);
      resume(pid, 0);
    } else if (sig == SIGTRAP && event != 0) {
      ptraceEvent(pid, t, event);
    } else if (sig == SIGSTOP && !t.seen) {
      t.seen = true;   // a new task's attach stop
      if (!t.known) t.role = inheritedRole(pid);
      resume(pid, 0);
    } else {
      siginfo_t si{};
      // A group-stop (no siginfo) is resumed: learning does not support job control.
      resume(pid, ::ptrace(PTRACE_GETSIGINFO, pid, nullptr, &si) == 0 ? sig : 0);
    }
  }

  void ptraceEvent(pid_t pid, Task& t, int event) {
    unsigned long msg = 0;
    ::ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &msg);
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      const auto child = static_cast<pid_t>(msg);
      Task& c = tasks_[child];
      c.program = program(pid, t);
      c.role = t.role;
      c.known = true;
      c.leader = !(event == PTRACE_EVENT_CLONE && t.pending && t.call.name == "clone" &&
                   (t.call.args[0] & CLONE_THREAD));
      if (t.role == Role::Workload) {
        const auto alive = std::count_if(tasks_.begin(), tasks_.end(), [](const auto& e) { return e.second.role == Role::Workload; });
        r_.observations.peakTasks = std::max<std::uint64_t>(r_.observations.peakTasks, static_cast<std::uint64_t>(alive));
      }
    } else if (event == PTRACE_EVENT_EXEC) {
      const auto former = static_cast<pid_t>(msg);
      if (former != pid && tasks_.count(former)) {   // a thread exec'd: it took over the leader's pid
        tasks_[pid] = tasks_[former];
        tasks_.erase(former);
      }
      Task& now = tasks_[pid];
      now.program = readExe(pid);
      if (now.role != Role::Workload) return resume(pid, 0);
      if (pid == status_ || former == status_) {
        status_ = pid;
        executed_ = true;
      }
      if (o_.learn) rec_.exec(pid, now.program, now.pending && !now.call.paths.empty() ? now.call.paths[0] : "");
      sampleMemory();
    } else if (event == PTRACE_EVENT_EXIT && t.role == Role::Workload) {
      r_.observations.peakMemory = std::max(r_.observations.peakMemory, detail::residentBytes(pid, true));
    }
    resume(pid, 0);
  }

  void sampleMemory() {
    std::uint64_t sum = 0;
    for (const auto& [pid, task] : tasks_)
      if (task.leader && task.role == Role::Workload) sum += detail::residentBytes(pid, false);
    r_.observations.peakMemory = std::max(r_.observations.peakMemory, sum);
  }

  void syscallStop(pid_t pid, Task& t) {
    __ptrace_syscall_info info{};
    if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof info), &info) <= 0) return;
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      entry(pid, t, info);
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT && t.pending) {
      t.pending = false;
      if (t.role == Role::Setup) {   // a container's init loading its filter: the runtime's calls from here on
        if (info.exit.is_error == 0 && containerTask(pid)) t.role = Role::Runtime;
      } else if (t.role == Role::Workload && o_.learn && !t.call.refused && !t.call.name.empty()) {
        rec_.exit(pid, t.call, info.exit.rval, info.exit.is_error != 0, program(pid, t));
      }
    }
  }

  // The task lives in a pid namespace below the tracer's.
  static bool containerTask(pid_t pid) { return statusField(pid, "NSpid").find_first_of(" \t") != std::string::npos; }

  // The execve that starts the workload: the command's own (its first call after the launcher's set-up), or
  // in container mode the container init's (the runtime's own execve and its hooks' are not).
  bool arms(pid_t pid, const Call& c) const {
    if (c.name != "execve" && c.name != "execveat") return false;
    return o_.container ? containerInit(pid) : pid == root_;
  }

  void entry(pid_t pid, Task& t, const __ptrace_syscall_info& info) {
    Call c;
    c.auditArch = info.arch;
    c.nr = static_cast<std::int32_t>(info.entry.nr);
    c.ip = info.instruction_pointer;
    for (int i = 0; i < 6; ++i) c.args[i] = info.entry.args[i];
    c.arch = detail::archName(c.auditArch, c.nr);
    c.name = detail::syscallName(c.arch, c.nr);
    if (t.role != Role::Workload && arms(pid, c)) {
      t.role = Role::Workload;
      if (o_.container && status_ < 0) status_ = pid;
    }
    if (t.role == Role::Setup) {   // not recorded; a filter being loaded in a container is watched to its exit
      if (o_.container && loadsFilter(c)) {
        t.call = std::move(c);
        t.pending = true;
      }
      return;
    }
    const bool runtime = t.role == Role::Runtime;
    ++(runtime ? r_.runtimeCalls : r_.calls);
    if (!runtime) ++r_.observations.calls;
    if (!o_.filter.empty()) evaluate(pid, t, c, runtime);
    if (o_.learn && !c.refused && !c.name.empty()) {
      if (runtime) rec_.runtimeCall(c, program(pid, t));
      else rec_.entry(pid, c, program(pid, t));
    }
    t.call = std::move(c);
    t.pending = true;
  }

  // Runs the filter on the call as the kernel will, and counts what it refuses.
  void evaluate(pid_t pid, Task& t, Call& c, bool runtime) {
    bpf::Data d;
    d.nr = c.nr;
    d.arch = c.auditArch;
    d.instructionPointer = c.ip;
    d.args = c.args;
    const std::uint32_t ret = bpf::run(o_.filter, d).ret;
    const std::uint32_t action = ret & bpf::kRetActionFull;
    if (action == bpf::kRetAllow || action == bpf::kRetLog) return;
    c.refused = true;
    const bool kill = action == bpf::kRetKillProcess || action == bpf::kRetKillThread;
    ++(kill ? r_.killed : r_.refused);
    const std::string key = fmt::format("{} {}{}", c.name.empty() ? fmt::format("#{}", c.nr) : c.name,
                                        bpf::describe(ret), runtime ? " (the runtime, before the payload)" : "");
    ++r_.refusedBy[key];
    if (o_.learn) r_.observations.refused[key].add(1, program(pid, t), o_.runId, c.arch);
  }

  bool executed_ = false;
  const TraceOptions& o_;
  TraceResult& r_;
  detail::Recorder rec_;
  std::map<pid_t, Task> tasks_;
  pid_t root_ = -1;
  pid_t status_ = -1;                // the command, or the container's payload: whose exit status is the run's
  int runtimeStatus_ = -1;           // the command's (container mode: lxc-start's) own exit status
};

}  // namespace

TraceResult trace(const TraceOptions& o) {
  TraceResult r;
  if (o.argv.empty()) {
    r.error = "no command to run";
    return r;
  }
  r.observations.runs.insert(o.runId);
  Program program(o.argv, o.filter);

  const pid_t child = ::fork();
  if (child < 0) {
    r.error = fmt::format("fork: {}", std::strerror(errno));
    return r;
  }
  if (child == 0) runChild(o, program.argv, program.filter());
  int st = 0;
  if (::waitpid(child, &st, __WALL) != child || !WIFSTOPPED(st)) {
    r.error = "the command's process did not stop for the tracer";
    return r;
  }
  if (::ptrace(PTRACE_SETOPTIONS, child, nullptr, reinterpret_cast<void*>(kOptions)) != 0) {
    r.error = fmt::format("ptrace: {} (is ward itself traced, or ptrace disabled?)", std::strerror(errno));
    ::kill(child, SIGKILL);
    ::waitpid(child, &st, __WALL);
    return r;
  }
  if (o.started) o.started(child);
  Tracer tracer(o, r);
  tracer.run(child);
  if (!tracer.executed()) {
    if (o.container)
      r.error = fmt::format("the container's init never ran ('{}' exited with status {})", o.argv[0], tracer.runtimeStatus());
    else
      r.error = r.exitStatus == 126 ? "the seccomp filter or no_new_privs could not be set"
                                    : fmt::format("cannot run '{}'", o.argv[0]);
    return r;
  }
  r.ok = true;
  return r;
}

std::string execConfined(const std::vector<std::string>& argv, const std::vector<bpf::Insn>& filter,
                         const std::vector<int>& dropCapabilities) {
  if (argv.empty()) return "no command to run";
  Program program(argv, filter);
  if (int e = confine(dropCapabilities, program.filter()); e != 0)
    return fmt::format("cannot set no_new_privs or load the seccomp filter: {}", std::strerror(e));
  ::execvp(program.argv[0], program.argv.data());
  return fmt::format("cannot run '{}': {}", argv[0], std::strerror(errno));
}

}  // namespace ward::learn
