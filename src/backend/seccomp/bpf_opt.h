#pragma once
// A decision-preserving clean-up of the programs libseccomp exports. libseccomp tests every comparison of
// a 64-bit argument on both halves, so on x86_64 a masked comparison with a 32-bit mask costs a load, an
// `and 0` and a `jeq 0` that always holds (`$a1.hi32 & 0x00000000 == 0` in its PFC text), and the
// always-true fallback `argN >= 0` (filter.h, PlannedRule::byOrder) costs five instructions that always
// reach the same return. simplify() removes such tests by tracking the range of values the accumulator can
// hold on every path (an `and K` bounds it by K, a failed `jgt K` by K, ...), then drops the loads no
// test reads, threads jumps through the instructions that became jumps, and drops what no path reaches.
//
// It only shortens paths and never changes what a path returns: every decided test is decided for every
// value the accumulator can hold there. Tests (seccomp_opt_test) compare decisions before and after on
// every syscall number of three ABIs with argument vectors around every constant of the program.
#include <vector>

#include "backend/seccomp/bpf_interp.h"

namespace ward::backend::seccomp::bpf {

// The simplified program, or the input unchanged when it uses an instruction outside what libseccomp emits
// (LD W ABS, ALU AND K, JA, JEQ/JGT/JGE/JSET K, RET K) or a result would not encode (a jump over 255).
std::vector<Insn> simplify(const std::vector<Insn>& program);

}  // namespace ward::backend::seccomp::bpf
