#pragma once
// Runs a command under ptrace and records what it does (docs/learn.md explains the choice of mechanism).
//
// The command's process tree is followed through fork, vfork, clone and exec. At every system call's entry
// the tracer reads PTRACE_GET_SYSCALL_INFO (the audit arch, so an i386 call is named as i386 names it) and,
// when a seccomp filter is given, runs that very program on the same seccomp_data (bpf_interp.h): the
// filter is also loaded in the child before its exec, so what the interpreter says is what the kernel does.
// At the call's exit it reads the result and the kernel's view of what was used (/proc/PID/fd/N for the
// file a call opened, /proc/PID/net/{tcp,udp}{,6} for a socket's port).
//
// Learning records only what happens from the command's own execve on (after the filter is in place);
// replaying (learn = false) only counts the calls the filter refuses.
//
// Container mode (`ward learn --lxc`): the command is the runtime (lxc-start -F), which installs the filter
// itself. Recording arms at the execve of the container's init (pid 1 of a pid namespace below the
// tracer's), never at the runtime's own: the runtime's tasks outside the container are not learned, and
// the calls the container's init makes after its filter is installed (a successful seccomp(2) or
// prctl(PR_SET_SECCOMP)) and before that execve are recorded apart (Observations::runtime).
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backend/seccomp/bpf_interp.h"
#include "learn/observations.h"

namespace ward::learn {

struct TraceOptions {
  std::vector<std::string> argv;                        // the command (argv[0] searched in PATH)
  std::vector<backend::seccomp::bpf::Insn> filter;      // loaded in the child and evaluated; empty = none
  std::vector<int> dropCapabilities;                    // dropped from the bounding set before the exec
  std::string runId;
  bool learn = true;                                    // false: count refusals only
  std::function<void(pid_t)> started;                   // called with the command's pid (signal forwarding)
  bool container = false;                               // container mode (above)
  // Polled whenever a signal interrupts the tracer's wait: true once asks to stop the run, and stopCommand
  // (lxc-stop) is then started, untraced and unwaited (the tracer reaps it).
  std::function<bool()> stopRequested;
  std::vector<std::string> stopCommand;
};

struct TraceResult {
  bool ok = false;                   // the command ran (its exit status is below)
  std::string error;                 // why it did not
  int exitStatus = 0;                // exit code, or 128 + signal
  int termSignal = 0;                // the signal that ended the command, 0 when it exited
  std::uint64_t calls = 0;           // system calls made after the command's execve (container: the init's)
  std::uint64_t runtimeCalls = 0;    // container mode: the runtime's, after its filter, before the payload
  bool stopped = false;              // stopCommand was started
  std::uint64_t refused = 0;         // ... of which the filter refused (errno, trap)
  std::uint64_t killed = 0;          // ... of which the filter answered with a kill
  std::map<std::string, std::uint64_t> refusedBy;   // "clone3 ERRNO(38)" -> count
  Observations observations;
};

TraceResult trace(const TraceOptions& options);

// Drops the capabilities from the bounding set, sets no_new_privs, loads the filter and executes the command
// in place of this process. Returns only on failure, with the reason.
std::string execConfined(const std::vector<std::string>& argv, const std::vector<backend::seccomp::bpf::Insn>& filter,
                         const std::vector<int>& dropCapabilities);

}  // namespace ward::learn
