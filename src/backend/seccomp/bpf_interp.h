#pragma once
// An interpreter for classic BPF seccomp programs, the way the kernel runs them (kernel/seccomp.c and
// net/core/filter.c): it executes a program on one seccomp_data and returns the SECCOMP_RET_* value plus the
// path it took. ward uses it to prove properties of the filters it ships (no argument loads on the path of
// an unconditionally allowed syscall, so the kernel's seccomp action cache (Linux 5.11+) applies), to compare
// filters (an imported profile against its original) and to measure path lengths.
//
// Pure functions, no global state, never throws.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::backend::seccomp::bpf {

// struct sock_filter, as seccomp_export_bpf writes it (host byte order, 8 bytes each).
struct Insn {
  std::uint16_t code = 0;
  std::uint8_t jt = 0, jf = 0;
  std::uint32_t k = 0;
};

// struct seccomp_data (64 bytes): nr at 0, arch at 4, instruction_pointer at 8, args[6] at 16.
struct Data {
  std::int32_t nr = 0;
  std::uint32_t arch = 0;
  std::uint64_t instructionPointer = 0;
  std::array<std::uint64_t, 6> args{};
};

inline constexpr std::uint32_t kAuditArchX86_64 = 0xC000003Eu;  // AUDIT_ARCH_X86_64 (also x32)
inline constexpr std::uint32_t kAuditArchI386 = 0x40000003u;    // AUDIT_ARCH_I386
inline constexpr std::uint32_t kX32SyscallBit = 0x40000000u;    // __X32_SYSCALL_BIT

// SECCOMP_RET_* (the action in the upper 16 bits, data in the lower 16).
inline constexpr std::uint32_t kRetKillProcess = 0x80000000u;
inline constexpr std::uint32_t kRetKillThread = 0x00000000u;
inline constexpr std::uint32_t kRetTrap = 0x00030000u;
inline constexpr std::uint32_t kRetErrno = 0x00050000u;
inline constexpr std::uint32_t kRetUserNotif = 0x7fc00000u;
inline constexpr std::uint32_t kRetTrace = 0x7ff00000u;
inline constexpr std::uint32_t kRetLog = 0x7ffc0000u;
inline constexpr std::uint32_t kRetAllow = 0x7fff0000u;
inline constexpr std::uint32_t kRetActionFull = 0xffff0000u;
inline constexpr std::uint32_t kRetData = 0x0000ffffu;

// The program in a .bpf file; nullopt (with *error set) when the size is not a multiple of 8, the program is
// empty or longer than BPF_MAXINSNS (4096), or when it fails the kernel's static checks (an opcode seccomp
// does not allow, a jump out of range, a load outside seccomp_data, no return at the end).
std::optional<std::vector<Insn>> parse(std::string_view bytes, std::string* error = nullptr);
// The checks alone (for programs built in memory).
bool check(const std::vector<Insn>& program, std::string* error = nullptr);
// The bytes of a program (the inverse of parse).
std::string serialize(const std::vector<Insn>& program);

struct Result {
  std::uint32_t ret = kRetKillProcess;  // what the filter returned (action | data)
  std::size_t executed = 0;             // instructions executed, the final return included
  bool argsLoaded = false;              // some load read seccomp_data.args on this path
  bool ipLoaded = false;                // some load read seccomp_data.instruction_pointer
  bool ok = true;                       // false: a runtime fault (the kernel would kill); error says why
  std::string error;
  std::vector<std::uint32_t> path;      // indexes of executed instructions (only when asked for)
};

// Runs a checked program (call check() or parse() first) on one seccomp_data.
Result run(const std::vector<Insn>& program, const Data& data, bool recordPath = false);

// "ALLOW", "ERRNO(38)", "KILL_PROCESS", "KILL_THREAD", "TRAP(0)", "LOG", "NOTIFY", "TRACE(1)".
std::string describe(std::uint32_t ret);
// One line per instruction, in the style of libseccomp's scmp_bpf_disasm (for test failures and debugging).
std::string disassemble(const std::vector<Insn>& program);

}  // namespace ward::backend::seccomp::bpf
