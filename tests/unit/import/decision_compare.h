#pragma once
// Compares the decisions of two seccomp BPF programs on every syscall number 0..1023 of the three x86 ABIs
// (x86_64, i386, x32), with argument vectors chosen around every constant either program compares an
// argument with on that syscall's path: starting from all-zero and all-ones arguments, each comparison
// seen on a path (JEQ/JGT/JGE/JSET of an argument word, after an optional AND mask) gives new vectors with
// that word set to the constant and its neighbours (k-1, k, k+1; for JSET the bits set and cleared), and
// those are run in turn, up to a bound per syscall. So a rule on (arg0, arg1) such as socket(AF_INET,
// SOCK_STREAM) is reached through arg0 = 2 first, then arg1's constants on the path that opens.
//
// Header-only: used by test_import and by tests/tools/ward-seccomp-compare (the command-line round trip).
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"

namespace ward::decisions {

namespace bpf = ward::backend::seccomp::bpf;
using Args = std::array<std::uint64_t, 6>;

struct AbiInfo {
  const char* name;
  std::uint32_t audit;
  std::uint32_t nrBit;
  bool wide;   // 64-bit argument registers (i386 arguments are 32 bits: the upper words are always 0)
};
inline const std::vector<AbiInfo>& x86Abis() {
  static const std::vector<AbiInfo> v = {{"x86_64", bpf::kAuditArchX86_64, 0, true},
                                         {"i386", bpf::kAuditArchI386, 0, false},
                                         {"x32", bpf::kAuditArchX86_64, bpf::kX32SyscallBit, true}};
  return v;
}

struct Comparison {
  std::size_t vectors = 0;      // (ABI, syscall number, argument vector) triples run on both programs
  std::size_t differ = 0;       // of which the two programs decided differently
  std::size_t constants = 0;    // distinct (word, constant) comparisons seen on the paths
  std::vector<std::string> examples;   // the first differences, readable
};

namespace detail {

// An argument word: index*2 + (1 for the upper 32 bits).
struct Cmp {
  int word;
  std::uint32_t op;   // BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET
  std::uint32_t k, mask;
};

// The comparisons of argument words on one executed path.
inline void comparisonsOnPath(const std::vector<bpf::Insn>& prog, const std::vector<std::uint32_t>& path,
                              std::vector<Cmp>& out) {
  struct Src {
    int word = -1;
    std::uint32_t mask = 0xffffffffu;
  };
  Src a, x;
  std::array<Src, 16> mem{};
  for (std::uint32_t at : path) {
    const bpf::Insn& in = prog[at];
    const std::uint16_t cls = in.code & 0x07, op = in.code & 0xf0, mode = in.code & 0xe0;
    if (cls == 0x00) {   // LD
      a = Src{};
      if (mode == 0x20 && in.k >= 16 && in.k < 64 && in.k % 4 == 0) a.word = static_cast<int>((in.k - 16) / 4);
      else if (mode == 0x60) a = mem[in.k % 16];
    } else if (cls == 0x01) {
      x = mode == 0x60 ? mem[in.k % 16] : Src{};
    } else if (cls == 0x02) {
      mem[in.k % 16] = a;
    } else if (cls == 0x03) {
      mem[in.k % 16] = x;
    } else if (cls == 0x04) {   // ALU: only AND with a constant keeps the word recognisable
      if (op == 0x50 && (in.code & 0x08) == 0) a.mask &= in.k;
      else a = Src{};
    } else if (cls == 0x05 && op != 0x00 && (in.code & 0x08) == 0 && a.word >= 0) {
      out.push_back({a.word, op, in.k, a.mask});
    } else if (cls == 0x07) {
      if ((in.code & 0xf8) == 0x00) x = a;
      else a = x;
    }
  }
}

inline Args withWord(Args v, int word, std::uint32_t value) {
  std::uint64_t& arg = v[static_cast<std::size_t>(word / 2)];
  if (word % 2) arg = (arg & 0xffffffffull) | (static_cast<std::uint64_t>(value) << 32);
  else arg = (arg & ~0xffffffffull) | value;
  return v;
}

inline std::uint32_t wordOf(const Args& v, int word) {
  const std::uint64_t arg = v[static_cast<std::size_t>(word / 2)];
  return static_cast<std::uint32_t>(word % 2 ? arg >> 32 : arg);
}

inline std::uint32_t normalise(std::uint32_t ret, bool killThreadIsProcess) {
  return killThreadIsProcess && ret == bpf::kRetKillProcess ? bpf::kRetKillThread : ret;
}

}  // namespace detail

// killThreadIsProcess: count KILL_THREAD and KILL_PROCESS as one decision (LXC's format has only `kill`).
inline Comparison compare(const std::vector<bpf::Insn>& a, const std::vector<bpf::Insn>& b,
                          bool killThreadIsProcess = false, std::size_t maxVectorsPerSyscall = 512) {
  Comparison out;
  std::set<std::pair<int, std::uint32_t>> constants;
  for (const auto& abi : x86Abis()) {
    for (std::uint32_t nr = 0; nr < 1024; ++nr) {
      const Args ones = abi.wide ? Args{~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull}
                                 : Args{0xffffffffull, 0xffffffffull, 0xffffffffull, 0xffffffffull,
                                        0xffffffffull, 0xffffffffull};
      std::deque<Args> queue{Args{}, ones};
      std::set<Args> seen(queue.begin(), queue.end());
      while (!queue.empty()) {
        const Args args = queue.front();
        queue.pop_front();
        bpf::Data d;
        d.arch = abi.audit;
        d.nr = static_cast<std::int32_t>(nr | abi.nrBit);
        d.args = args;
        const auto ra = bpf::run(a, d, true), rb = bpf::run(b, d, true);
        ++out.vectors;
        const auto x = detail::normalise(ra.ret, killThreadIsProcess), y = detail::normalise(rb.ret, killThreadIsProcess);
        if (!ra.ok || !rb.ok || x != y) {
          if (out.differ++ < 20)
            out.examples.push_back(fmt::format("{} nr {} args {:#x} {:#x} {:#x}: first {}, second {}", abi.name, nr,
                                               args[0], args[1], args[2], ra.ok ? bpf::describe(ra.ret) : ra.error,
                                               rb.ok ? bpf::describe(rb.ret) : rb.error));
        }
        std::vector<detail::Cmp> cmps;
        detail::comparisonsOnPath(a, ra.path, cmps);
        detail::comparisonsOnPath(b, rb.path, cmps);
        for (const auto& c : cmps) {
          if (!abi.wide && c.word % 2) continue;   // i386: the upper words are 0
          constants.insert({c.word, c.k});
          const std::uint32_t cur = detail::wordOf(args, c.word);
          std::vector<std::uint32_t> values;
          if (c.op == 0x40) {   // JSET
            values = {cur | (c.k & c.mask), cur & ~c.k, c.k};
          } else {
            for (std::uint32_t k : {c.k - 1, c.k, c.k + 1}) values.push_back((cur & ~c.mask) | (k & c.mask));
          }
          for (std::uint32_t v : values) {
            if (seen.size() >= maxVectorsPerSyscall) break;
            Args next = detail::withWord(args, c.word, v);
            if (seen.insert(next).second) queue.push_back(next);
          }
        }
      }
    }
  }
  out.constants = constants.size();
  return out;
}

}  // namespace ward::decisions
