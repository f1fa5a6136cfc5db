#pragma once
// Internal to src/learn: turns one traced system call into observations (files, network, argument values).
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "learn/observations.h"

namespace ward::learn::detail {

// One system call of one task, from its entry to its exit.
struct Call {
  std::uint32_t auditArch = 0;
  std::int32_t nr = 0;
  std::uint64_t ip = 0;
  std::array<std::uint64_t, 6> args{};
  std::string name;                  // as the task's arch names it ("" when libseccomp does not know it)
  std::string arch;                  // x86_64, x86, x32
  bool refused = false;              // the filter refused it (errno, trap or kill)
  std::vector<std::string> paths;    // path arguments resolved at entry (absolute, lexically normal)
  bool existed = true;               // open with O_CREAT: the path existed before the call
};

// "x86_64", "x86" or "x32" for a task's audit arch and call number; "" for another arch.
std::string archName(std::uint32_t auditArch, std::int32_t nr);
// The call's name as libseccomp names it on that arch ("" when unknown).
std::string syscallName(const std::string& arch, std::int32_t nr);

class Recorder {
 public:
  Recorder(Observations& obs, std::string runId) : obs_(obs), run_(std::move(runId)) {}
  // At the entry of a call the filter let through: reads the path arguments (they may be gone at exit).
  void entry(pid_t pid, Call& call, const std::string& program);
  // At its exit: what the call used, from the kernel's view where there is one.
  void exit(pid_t pid, const Call& call, std::int64_t rval, bool failed, const std::string& program);
  // A successful execve: the program now running (`invoked`: the path it was called by, as the task sees it).
  void exec(pid_t pid, const std::string& program, const std::string& invoked);
  // A call of the container runtime after its filter is in place (its name and argument values only).
  void runtimeCall(const Call& call, const std::string& program);

 private:
  void file(const std::string& path, unsigned access, bool created, const std::string& program);
  void openResult(pid_t pid, const Call& call, std::int64_t fd, const std::string& program);
  void network(pid_t pid, const Call& call, std::int64_t rval, bool failed, const std::string& program);
  Observations& obs_;
  std::string run_;
};

// A path as the task sees it (its root: a container's rootfs), resolved through symlinks and named as the
// task names it; "" when it cannot be resolved.
std::string resolveInRoot(pid_t pid, const std::string& path);
// Reads a NUL-terminated string from the task's memory ("" when it cannot).
std::string readString(pid_t pid, std::uint64_t address);
// Reads `size` bytes from the task's memory; false when it cannot.
bool readMemory(pid_t pid, std::uint64_t address, void* out, std::size_t size);
// Resident and peak resident bytes of a process (/proc/PID/status VmRSS, VmHWM); 0 when unknown.
std::uint64_t residentBytes(pid_t pid, bool peak);

}  // namespace ward::learn::detail
