// runc's masked and read-only paths: the one table ward keeps of them (lower/ puts the paths a policy gets
// into Policy::mechanism; the LXC backend asks which are directories; the audit of a foreign config asks
// which defaults it lacks).
#include <algorithm>

#include "base/paths.h"
#include "lower/internal.h"
#include "lower/lower.h"

namespace ward::lower {
namespace {

struct RuntimePath {
  const char* path;
  bool readonly;    // false: masked (/dev/null or an empty read-only tmpfs)
  bool directory;   // masked with a tmpfs (or bound read-only as a directory)
};

// runc's defaults (libcontainer/specconv): maskedPaths and readonlyPaths.
constexpr RuntimePath kRuntimePaths[] = {
    {"/proc/acpi", false, true},         {"/proc/asound", false, true},
    {"/proc/kcore", false, false},       {"/proc/keys", false, false},
    {"/proc/latency_stats", false, false}, {"/proc/sched_debug", false, false},
    {"/proc/scsi", false, true},         {"/proc/timer_list", false, false},
    {"/proc/timer_stats", false, false}, {"/sys/devices/virtual/powercap", false, true},
    {"/sys/firmware", false, true},      {"/proc/bus", true, true},
    {"/proc/fs", true, true},            {"/proc/irq", true, true},
    {"/proc/sys", true, true},           {"/proc/sysrq-trigger", true, false},
};

std::vector<std::string> runtimePaths(bool readonly, ir::FsMode proc, ir::FsMode sys) {
  std::vector<std::string> out;
  for (const auto& r : kRuntimePaths) {
    if (r.readonly != readonly) continue;
    const std::string_view p = r.path;
    if (proc == ir::FsMode::Off && pathUnder(p, "/proc")) continue;
    if (sys == ir::FsMode::Off && pathUnder(p, "/sys")) continue;
    // `proc rw` asks for a writable /proc/sys (the verifier reports it); the rest stays protected.
    if (readonly && proc == ir::FsMode::Rw && (p == "/proc/sys" || p == "/proc/sysrq-trigger")) continue;
    out.emplace_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> runtimeMaskedPaths(ir::FsMode proc, ir::FsMode sys) { return runtimePaths(false, proc, sys); }
std::vector<std::string> runtimeReadonlyPaths(ir::FsMode proc, ir::FsMode sys) { return runtimePaths(true, proc, sys); }

bool isDirectoryMask(std::string_view path) {
  for (const auto& r : kRuntimePaths)
    if (r.directory && path == r.path) return true;
  return path.ends_with("/");
}

std::string defaultProfileName(const std::string& policyName) { return "ward-" + policyName; }

namespace detail {

void lowerMasks(ir::Policy& policy) {
  policy.mechanism.maskedPaths = runtimeMaskedPaths(policy.files.proc.value, policy.files.sys.value);
  policy.mechanism.readonlyPaths = runtimeReadonlyPaths(policy.files.proc.value, policy.files.sys.value);
}

}  // namespace detail
}  // namespace ward::lower
