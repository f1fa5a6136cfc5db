#pragma once
// What `ward learn` saw a workload do (docs/learn.md): the raw material of a learned policy, with the
// evidence of every item (how often, the first program that needed it, the runs it came from). The tracer
// (trace.h) fills it from one run; reading a learned .ward file (merge.cpp) fills it back from the evidence
// comments, so that `ward learn --merge` adds runs up.
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace ward::learn {

struct Evidence {
  std::uint64_t count = 0;
  std::string first;                 // the first program (its executable) that needed it
  std::set<std::string> runs;        // run ids
  std::set<std::string> arches;      // system calls only: x86_64, x86, x32

  void add(std::uint64_t n, const std::string& program, const std::string& run, const std::string& arch = {}) {
    if (count == 0 && first.empty()) first = program;
    count += n;
    if (!run.empty()) runs.insert(run);
    if (!arch.empty()) arches.insert(arch);
  }
  void merge(const Evidence& o) {
    if (first.empty()) first = o.first;
    count += o.count;
    runs.insert(o.runs.begin(), o.runs.end());
    arches.insert(o.arches.begin(), o.arches.end());
  }
};

// One path the run used, with the access it used it with (ir::FileAccess bits).
struct FileUse {
  unsigned access = 0;
  bool created = false;              // the run created it (it did not exist before the call)
  Evidence evidence;
};

struct Observations {
  std::set<std::string> runs;        // the run ids these observations come from
  std::uint64_t calls = 0;           // system calls seen (refused ones included)
  std::map<std::string, Evidence> syscalls;                         // name -> evidence (with its arches)
  std::map<std::string, std::map<std::uint64_t, Evidence>> args;    // ioctl, clone, ... -> value -> evidence
  std::map<std::string, Evidence> refused;                          // "clone3 ERRNO(38)" -> evidence
  std::map<std::string, FileUse> files;                             // path (or glob, when read back)
  std::map<std::string, Evidence> deniedFiles;                      // the base denies it: "read /proc/kcore"
  std::map<std::string, Evidence> families;                         // "unix", "inet", "inet6", "netlink", ...
  std::map<std::string, Evidence> sockets;                          // "AF_INET SOCK_STREAM 0" (evidence only)
  std::map<std::string, Evidence> endpoints;                        // "listen tcp 8080", "connect udp 53"
  // The container runtime's own calls after its seccomp filter is in place and before the payload's execve
  // (`ward learn --lxc`: LXC's init between loading lxc.seccomp.profile and executing lxc.init.cmd): kept
  // apart from the workload's, and allowed in the learned policy as the runtime's.
  std::map<std::string, Evidence> runtime;                          // name -> evidence
  std::map<std::string, std::map<std::uint64_t, Evidence>> runtimeArgs;   // prctl, ... -> value -> evidence
  std::uint64_t peakTasks = 0;       // tasks (threads included) alive at once
  std::uint64_t peakMemory = 0;      // bytes resident, summed over the processes alive at once (sampled)
};

}  // namespace ward::learn
