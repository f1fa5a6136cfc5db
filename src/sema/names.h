#pragma once
// The name tables ward checks policies against: system calls (through libseccomp, for x86_64, x86 and
// x32), capabilities, errno values, syscall argument constants and parameter names, namespaced sysctls,
// known device nodes and limit names. Used by sema, the verifier and the language server (hover,
// completion). Pure data: every table is a function-local static const, built on first use; nothing here
// is mutable after construction.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::names {

// ---- system calls ---------------------------------------------------------------------------------
inline constexpr int kArchCount = 3;
// In the order ir::Syscalls::arches uses: x86_64 (native), x86, x32.
const std::vector<std::string>& archNames();
// Canonical arch name for a written one ("x86_64", "x86", "i386", "i686", "x32"); nullopt if unknown.
std::optional<std::string> canonicalArch(std::string_view name);

struct SyscallInfo {
  std::string name;
  // The number libseccomp resolves the name to on each arch (archNames() order), nullopt when the call
  // does not exist there. x32 numbers include the x32 bit (0x40000000). Negative values are libseccomp's
  // pseudo numbers for calls multiplexed through socketcall(2) / ipc(2) on x86.
  std::optional<int> number[kArchCount];
};

// Every name libseccomp knows on at least one of the three arches, sorted by name.
const std::vector<SyscallInfo>& syscalls();
const SyscallInfo* findSyscall(std::string_view name);
// Just the names (for closestMatch).
const std::vector<std::string>& syscallNames();

// Parameter names of a system call, index = argument number (empty when ward knows none).
const std::vector<std::string>& syscallParams(std::string_view syscall);
// Resolve an argument name for a syscall: "arg0".."arg5" always, otherwise a parameter name.
std::optional<unsigned> argumentIndex(std::string_view syscall, std::string_view arg);

// Constants usable as argument values: CLONE_*, AF_*, SOCK_*, IPPROTO_*, NETLINK_*, TIOC*, PR_*, MS_*,
// personality values, O_*.
struct Constant {
  std::string_view name;
  std::uint64_t value;
};
const std::vector<Constant>& constants();
std::optional<std::uint64_t> findConstant(std::string_view name);
const std::vector<std::string>& constantNames();

// System calls the container runtime (runc's Go runtime between installing the filter and execve, LXC's
// start sequence) makes after the seccomp filter is in place. A filter that blocks one of these stops the
// container from starting (W0004).
struct RuntimeSyscall {
  std::string_view name;
  std::string_view why;
};
const std::vector<RuntimeSyscall>& runtimeSyscalls();

// ---- capabilities ---------------------------------------------------------------------------------
struct CapabilityInfo {
  std::string_view name;         // without cap_, lower case
  int number;
  std::string_view description;  // one line
};
const std::vector<CapabilityInfo>& capabilities();   // by number, 0..40
const CapabilityInfo* findCapability(std::string_view name);
const CapabilityInfo* findCapability(int number);
const std::vector<std::string>& capabilityNames();

// ---- errno ------------------------------------------------------------------------------------------
struct ErrnoInfo {
  std::string_view name;         // EPERM
  int number;
  std::string_view description;  // strerror text
};
const std::vector<ErrnoInfo>& errnos();  // by number; aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) included
const ErrnoInfo* findErrno(std::string_view name);
const ErrnoInfo* findErrno(int number);  // the primary name for a number
const std::vector<std::string>& errnoNames();
inline constexpr int kMaxErrno = 4095;

// ---- sysctl -------------------------------------------------------------------------------------------
// True when the key is namespaced (setting it in a container does not change the host): net.*,
// kernel.shmmax/shmall/shmmni/shm_rmid_forced, kernel.msgmax/msgmnb/msgmni, kernel.sem, kernel.hostname,
// kernel.domainname, fs.mqueue.*. Everything else (kernel.core_pattern, vm.*, user.* ...) is not.
bool sysctlIsNamespaced(std::string_view key);
const std::vector<std::string>& namespacedSysctlPatterns();  // for docs and hover ("net.*", ...)

// ---- devices -----------------------------------------------------------------------------------------
struct DeviceNode {
  std::string_view path;         // "/dev/null"
  char type;                     // 'c' or 'b'
  int major, minor;
  std::string_view description;
};
const std::vector<DeviceNode>& deviceNodes();
const DeviceNode* findDeviceNode(std::string_view path);

// ---- limits --------------------------------------------------------------------------------------------
struct LimitInfo {
  std::string_view name;         // as written in `limits { }`
  enum class Kind { Bytes, Count, Cpu, Weight, String, DeviceBps, Hugetlb, RlimitBytes, RlimitCount };
  Kind kind;
  std::string_view description;
};
const std::vector<LimitInfo>& limits();
const LimitInfo* findLimit(std::string_view name);
const std::vector<std::string>& limitNames();

// ---- sections and statements ----------------------------------------------------------------------------
const std::vector<std::string>& sectionNames();
// The statement verbs a section accepts (empty for an unknown section; sysctl takes assignments).
const std::vector<std::string>& sectionVerbs(std::string_view section);

}  // namespace ward::names
