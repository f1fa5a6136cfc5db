#pragma once
// Policy algebra (issue 13): compares two LOWERED policies layer by layer and returns typed differences.
// "Wider" means NEW allows something OLD does not. The comparison fails closed: what it cannot classify is
// reported as PossiblyWider, never dropped. docs/diff.md has the semantics per layer.
//
// seccomp is decided on the compiled BPF programs (the .bpf artifacts compile ships), run through the
// backend's interpreter (backend/seccomp/bpf_interp.h) for every syscall number of x86_64, i386 and x32,
// with each argument word split at every constant either program compares it against (seccomp.cpp).
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"
#include "ir/policy.h"

namespace ward::diff {

enum class Layer {
  Capabilities, NoNewPrivs, Idmap, Mounts, Devices, Limits, Sysctls, Network, LxcRaw, Selinux, Apparmor, Seccomp,
};
enum class Direction { Wider, Narrower, Changed, PossiblyWider };

const char* layerName(Layer l);          // "capabilities", "no_new_privs", ... "seccomp"
const char* directionName(Direction d);  // "wider", "narrower", "changed", "possibly-wider"
// Wider and PossiblyWider fail the no-widening gate.
inline bool widens(Direction d) { return d == Direction::Wider || d == Direction::PossiblyWider; }

struct Difference {
  Layer layer = Layer::Capabilities;
  Direction direction = Direction::Changed;
  std::string what;        // one line: "keeps sys_admin", "x86_64 ptrace: ERRNO(1) -> ALLOW"
  Span oldSpan, newSpan;   // the source of each side (file indexes that side's Policy::sources); may be invalid
};

// One side: a lowered policy and, when available, the exact .bpf artifact compile produced for it (empty:
// compare() builds it with backend::seccomp::buildFilter, the same function the backend uses).
struct Side {
  const ir::Policy* policy = nullptr;
  std::string bpf;
};

struct Result {
  std::vector<Difference> differences;   // sorted by layer, then direction, then text
  std::vector<std::string> errors;       // a side could not be compared (e.g. its filter did not build)
  std::vector<std::string> notes;        // how a layer was decided (the AppArmor confirmation)
  bool equal() const { return differences.empty() && errors.empty(); }
  bool widened() const;
};

struct CompareOptions {
  // Confirm the AppArmor layer on the compiled profiles (apparmor_confirm.cpp, docs/diff.md): identical
  // binaries from `apparmor_parser -Q -K -S` drop the rule-level AppArmor differences (they are none);
  // binaries that differ where the rules compare equal add a possibly-wider difference. Off by default:
  // the parser reads the host's /etc/apparmor.d (unit tests stay hermetic).
  bool confirmApparmor = false;
  std::string apparmorParser = "apparmor_parser";
};

Result compare(const Side& oldSide, const Side& newSide, const CompareOptions& options = {});

enum class CompiledApparmor { Equal, Different, Unavailable };
// Both profiles as the apparmor backend writes them, under one profile name, through `parser -Q -K -S`;
// Unavailable (with *why) when the parser cannot run or refuses a profile, or a side has none.
CompiledApparmor compareCompiledApparmor(const ir::Policy& a, const ir::Policy& b, const std::string& parser,
                                         std::string* why = nullptr);
// What compare() does with it when options.confirmApparmor is set (exposed for tests).
void confirmApparmor(const ir::Policy& a, const ir::Policy& b, const CompareOptions& options, Result& r);

// ---- the layers (exposed for tests; compare() calls them all) ------------------------------------------
using Out = std::vector<Difference>;
void compareCapabilities(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareIdentity(const ir::Policy& a, const ir::Policy& b, Out& out);   // no_new_privs and idmap
void compareMounts(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareDevices(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareLimits(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareSysctls(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareNetwork(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareLxcRaw(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareSelinux(const ir::Policy& a, const ir::Policy& b, Out& out);
void compareApparmor(const ir::Policy& a, const ir::Policy& b, Out& out);

// seccomp on two exported BPF programs (seccomp_export_bpf bytes). On a malformed program, *error is set.
void compareSeccomp(const ir::Policy& a, const std::string& bpfA, const ir::Policy& b, const std::string& bpfB,
                    Out& out, std::string* error);

// ---- seccomp cells (exposed for the kernel test) ---------------------------------------------------------
struct SeccompCell {
  std::string arch;        // "x86_64", "x86", "x32"
  std::uint32_t auditArch = 0;
  int nr = 0;              // as the kernel sees it (x32 includes __X32_SYSCALL_BIT)
  std::string syscall;     // libseccomp's name ("" when none)
  std::uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  std::uint32_t oldRet = 0, newRet = 0;   // SECCOMP_RET_* of each program
  bool anyArguments = false;   // the programs differ this way for every argument value (args are all zero)
};
// Every cell on which the two programs decide differently (nullopt on a malformed program).
// `undecided` gets "arch nr" for syscalls whose argument space could not be split exactly (too many cells,
// or arithmetic on an argument): only their all-zero cell was compared.
std::optional<std::vector<SeccompCell>> seccompCells(const std::string& bpfA, const std::string& bpfB,
                                                     std::string* error = nullptr,
                                                     std::vector<std::string>* undecided = nullptr);
// Order of actions for "wider": allow > log > trace/notify > errno > trap > kill. An errno number change
// (same rank) is Changed.
Direction seccompDirection(std::uint32_t oldRet, std::uint32_t newRet);

}  // namespace ward::diff
