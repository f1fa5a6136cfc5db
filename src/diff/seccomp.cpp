// seccomp decided on the two compiled programs. For each architecture's audit value and every syscall
// number (0..1023 and each side of every constant a program compares against), a walk over the program's
// control flow (nr and arch known, argument words unknown) collects the constants each argument word is
// compared against on that syscall's paths; each word's domain is cut at those constants into cells (for
// masked comparisons: the value, the value with each mask bit flipped and with every bit outside the mask
// set). Both programs then run in the interpreter (backend/seccomp/bpf_interp.h): a run that reads a word
// not assigned yet is repeated for each of the word's cells, a run that reads none decides all its cell's
// inputs. docs/diff.md says where this is exact.
#include <seccomp.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "diff/diff.h"
#include "diff/internal.h"

namespace ward::diff {

namespace bpf = backend::seccomp::bpf;

namespace {

constexpr std::uint16_t kClass = 0x07, kLd = 0x00, kAlu = 0x04, kJmp = 0x05, kRet = 0x06;
constexpr std::uint16_t kOp = 0xf0, kJa = 0x00, kJeq = 0x10, kJgt = 0x20, kJge = 0x30, kJset = 0x40;
constexpr std::uint16_t kAnd = 0x50, kModeAbs = 0x20, kModeMask = 0xe0, kSrcX = 0x08;
constexpr std::size_t kMaxCellsPerSyscall = 1u << 16;

using Words = std::map<std::uint32_t, std::set<std::uint32_t>>;   // seccomp_data offset -> representatives

void addCompare(std::set<std::uint32_t>& reps, std::uint16_t op, std::uint32_t k, std::uint32_t mask) {
  if (op == kJset) {
    for (int b = 0; b < 32; ++b)
      if (k & (1u << b)) reps.insert(1u << b);
    reps.insert(k);
    return;
  }
  if (mask != 0xffffffffu) {
    reps.insert(k);
    reps.insert(k | ~mask);
    for (int b = 0; b < 32; ++b)
      if (mask & (1u << b)) reps.insert(k ^ (1u << b));
    return;
  }
  // Each comparison splits the domain at a boundary b (x < b or x >= b): == at c and c+1, > at c+1, >= at c.
  // The smallest value of each cell represents it (0 is always added).
  if (op == kJeq || op == kJge) reps.insert(k);
  if (op == kJeq || op == kJgt) reps.insert(k + 1);
}

// The argument words (offset >= 8) the program reads on the paths of one (arch, nr), with their
// representatives. `inexact` is set when the program computes on a loaded word in a way the walk does not follow.
struct Walk {
  const std::vector<bpf::Insn>& prog;
  std::uint32_t arch;
  std::uint32_t nr;
  Words& words;
  bool& inexact;
  std::set<std::tuple<std::uint32_t, std::int64_t, std::uint32_t>> seen;

  void run(std::uint32_t pc, std::int64_t src, std::uint32_t mask) {
    while (pc < prog.size()) {
      if (!seen.insert({pc, src, mask}).second) return;
      const bpf::Insn& in = prog[pc];
      const std::uint16_t cls = in.code & kClass;
      if (cls == kRet) return;
      if (cls == kLd) {
        src = (in.code & kModeMask) == kModeAbs ? std::int64_t{in.k} : -1;
        mask = 0xffffffffu;
        ++pc;
        continue;
      }
      if (cls == kAlu) {
        if ((in.code & kOp) == kAnd && !(in.code & kSrcX)) mask &= in.k;
        else if (src >= 8) inexact = true, src = -1;
        else src = -1;
        ++pc;
        continue;
      }
      if (cls != kJmp) {
        if (cls != 0x02 && cls != 0x03) src = -1;   // ST/STX keep A
        ++pc;
        continue;
      }
      const std::uint16_t op = in.code & kOp;
      if (op == kJa) {
        pc += 1 + in.k;
        continue;
      }
      if (in.code & kSrcX) inexact = true;
      if (src == 0 || src == 4) {   // nr or arch: known, follow the one branch
        std::uint32_t a = (src == 0 ? nr : arch) & mask;
        bool t = op == kJeq ? a == in.k : op == kJgt ? a > in.k : op == kJge ? a >= in.k : (a & in.k) != 0;
        pc += 1 + (t ? in.jt : in.jf);
        continue;
      }
      if (src >= 8) addCompare(words[static_cast<std::uint32_t>(src)], op, in.k, mask);
      else if (src < 0) inexact = true;
      run(pc + 1 + in.jt, src, mask);
      pc += 1 + in.jf;
    }
  }
};

int rank(std::uint32_t ret) {
  switch (ret & bpf::kRetActionFull) {
    case bpf::kRetAllow: return 6;
    case bpf::kRetLog: return 5;
    case bpf::kRetTrace: case bpf::kRetUserNotif: return 4;
    case bpf::kRetErrno: return 3;
    case bpf::kRetTrap: return 2;
    default: return 1;   // kill thread, kill process, anything unknown
  }
}

struct ArchDef {
  const char* name;
  std::uint32_t audit;
  std::uint32_t token;   // SCMP_ARCH_*
};

std::string syscallName(const ArchDef& a, std::uint32_t nr) {
  char* n = seccomp_syscall_resolve_num_arch(a.token, static_cast<int>(nr));
  if (!n) return {};
  std::string s(n);
  std::free(n);
  return s;
}

void setWord(bpf::Data& d, std::uint32_t off, std::uint32_t v) {
  if (off < 16) {
    d.instructionPointer = off == 8 ? (d.instructionPointer & ~0xffffffffull) | v
                                    : (d.instructionPointer & 0xffffffffull) | (std::uint64_t{v} << 32);
    return;
  }
  std::uint64_t& x = d.args[(off - 16) / 8];
  x = (off - 16) % 8 == 4 ? (x & 0xffffffffull) | (std::uint64_t{v} << 32) : (x & ~0xffffffffull) | v;
}

// The first argument word a run read that is not assigned yet, or 0.
std::uint32_t firstUnassigned(const std::vector<bpf::Insn>& prog, const bpf::Result& r,
                              const std::set<std::uint32_t>& assigned) {
  for (std::uint32_t pc : r.path) {
    const bpf::Insn& in = prog[pc];
    if ((in.code & kClass) == kLd && (in.code & kModeMask) == kModeAbs && in.k >= 8 && !assigned.count(in.k & ~3u))
      return in.k & ~3u;
  }
  return 0;
}

// Runs both programs on every cell of the argument space, exactly: a run that reads a word not assigned yet
// is repeated for each of that word's representatives; a run that reads none decides the whole cell (no
// other word can change its path). `budget` bounds the number of leaves (false when exhausted).
struct Explorer {
  const std::vector<bpf::Insn>& a;
  const std::vector<bpf::Insn>& b;
  const Words& words;
  const std::function<void(const bpf::Data&, std::uint32_t, std::uint32_t)>& onDiff;
  std::size_t budget = kMaxCellsPerSyscall;

  bool explore(bpf::Data d, std::set<std::uint32_t>& assigned) {
    const bpf::Result ra = bpf::run(a, d, true), rb = bpf::run(b, d, true);
    std::uint32_t w = firstUnassigned(a, ra, assigned);
    if (!w) w = firstUnassigned(b, rb, assigned);
    if (!w) {
      if (budget == 0) return false;
      --budget;
      if (ra.ret != rb.ret) onDiff(d, ra.ret, rb.ret);
      return true;
    }
    std::set<std::uint32_t> reps{0u, 0xffffffffu};
    if (auto it = words.find(w); it != words.end()) reps.insert(it->second.begin(), it->second.end());
    assigned.insert(w);
    bool ok = true;
    for (std::uint32_t v : reps) {
      setWord(d, w, v);
      if (!(ok = explore(d, assigned))) break;
    }
    assigned.erase(w);
    return ok;
  }
};

}  // namespace

Direction seccompDirection(std::uint32_t oldRet, std::uint32_t newRet) {
  const int a = rank(oldRet), b = rank(newRet);
  return b > a ? Direction::Wider : b < a ? Direction::Narrower : Direction::Changed;
}

std::optional<std::vector<SeccompCell>> seccompCells(const std::string& bpfA, const std::string& bpfB,
                                                     std::string* error, std::vector<std::string>* undecided) {
  auto pa = bpf::parse(bpfA, error);
  if (!pa) return std::nullopt;
  auto pb = bpf::parse(bpfB, error);
  if (!pb) return std::nullopt;
  if (bpfA == bpfB) return std::vector<SeccompCell>{};   // the same program decides every cell the same way
  std::set<std::uint32_t> nrs;
  for (std::uint32_t n = 0; n < 1024; ++n) {   // every number of the tables, named or not
    nrs.insert(n);
    nrs.insert(n | bpf::kX32SyscallBit);
  }
  for (const auto* p : {&*pa, &*pb})
    for (const auto& in : *p)
      if ((in.code & kClass) == kJmp && (in.code & kOp) != kJa)
        for (std::uint32_t d : {in.k - 1, in.k, in.k + 1}) nrs.insert(d);
  nrs.insert(0xffffffffu);
  static const ArchDef arches[] = {{"x86_64", bpf::kAuditArchX86_64, SCMP_ARCH_X86_64},
                                   {"x86", bpf::kAuditArchI386, SCMP_ARCH_X86},
                                   {"foreign", 0xC00000B7u /* AUDIT_ARCH_AARCH64 */, SCMP_ARCH_AARCH64}};
  std::vector<SeccompCell> cells;
  for (const auto& arch : arches) {
    for (std::uint32_t nr : nrs) {
      if (std::string_view(arch.name) == "foreign" && nr > 0) break;
      const bool x32 = arch.audit == bpf::kAuditArchX86_64 && (nr & bpf::kX32SyscallBit);
      const ArchDef& named = x32 ? ArchDef{"x32", arch.audit, SCMP_ARCH_X32} : arch;
      Words words;
      bool inexact = false;
      for (const auto* p : {&*pa, &*pb}) Walk{*p, arch.audit, nr, words, inexact, {}}.run(0, -1, 0xffffffffu);
      bpf::Data base;
      base.nr = static_cast<std::int32_t>(nr);
      base.arch = arch.audit;
      auto onDiff = [&](const bpf::Data& d, std::uint32_t ra, std::uint32_t rb) {
        SeccompCell c;
        c.arch = named.name;
        c.auditArch = arch.audit;
        c.nr = static_cast<int>(nr);
        c.syscall = syscallName(named, nr);
        std::copy(d.args.begin(), d.args.end(), c.args);
        c.oldRet = ra;
        c.newRet = rb;
        cells.push_back(c);
      };
      std::set<std::uint32_t> assigned;
      const std::size_t first = cells.size();
      Explorer ex{*pa, *pb, words, onDiff};
      if ((inexact || !ex.explore(base, assigned)) && undecided)
        undecided->push_back(fmt::format("{} {}", named.name, nr));
      // Every leaf differed the same way: the arguments do not matter; one cell, arguments zero.
      const std::size_t leaves = kMaxCellsPerSyscall - ex.budget, differing = cells.size() - first;
      const bool same = std::all_of(cells.begin() + static_cast<std::ptrdiff_t>(first), cells.end(), [&](const SeccompCell& c) {
        return c.oldRet == cells[first].oldRet && c.newRet == cells[first].newRet;
      });
      if (differing > 0 && differing == leaves && same) {
        cells.resize(first + 1);
        cells[first].anyArguments = true;
        std::fill(std::begin(cells[first].args), std::end(cells[first].args), 0);
      }
    }
  }
  return cells;
}

namespace {

// The rule of `policy` that decides `syscall` with the action `ret` (else any rule of it, else the default).
Span ruleSpan(const ir::Policy& policy, const std::string& syscall, std::uint32_t ret) {
  const ir::SyscallRule* any = nullptr;
  for (const auto& r : backend::seccomp::effectiveRules(policy)) {
    if (r.name != syscall) continue;
    if (backend::seccomp::actionValue(r.action) == ret) return r.span;
    if (!any) any = &r;
  }
  if (any) return any->span;
  return policy.syscalls.defaultAction.span.valid() ? policy.syscalls.defaultAction.span : policy.span;
}

std::string argsText(const SeccompCell& c) {
  std::string s;
  for (int i = 0; i < 6; ++i)
    if (c.args[i] != 0) s += fmt::format("{}arg{}={:#x}", s.empty() ? "" : ", ", i, c.args[i]);
  return s;
}

}  // namespace

void compareSeccomp(const ir::Policy& a, const std::string& bpfA, const ir::Policy& b, const std::string& bpfB,
                    Out& out, std::string* error) {
  std::vector<std::string> undecided;
  auto cells = seccompCells(bpfA, bpfB, error, &undecided);
  if (!cells) return;
  struct Group {
    std::set<std::string> arches;
    std::size_t count = 0;
    const SeccompCell* example = nullptr;
    bool anyArguments = true;   // on every arch, every argument value differs the same way
  };
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, Group> groups;
  std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t>> order;
  for (const auto& c : *cells) {
    // Numbers outside the tables (0..1023, and x32's 0x40000000 + 0..1023) are represented by the cells
    // around the programs' constants, which depend on the filters' shape: they are named as one range.
    const auto n = static_cast<std::uint32_t>(c.nr);
    const bool inTable = c.arch == "x32" ? (n & ~bpf::kX32SyscallBit) < 1024 : n < 1024;
    std::string name = !c.syscall.empty() ? c.syscall : inTable ? fmt::format("nr {}", c.nr) : "nr >1023";
    auto key = std::make_tuple(name, c.oldRet, c.newRet);
    auto [it, fresh] = groups.try_emplace(key);
    if (fresh) order.push_back(key);
    Group& g = it->second;
    g.arches.insert(c.arch);
    ++g.count;
    g.anyArguments = g.anyArguments && c.anyArguments;
    // The example: the smallest differing argument vector (stable whatever shape the filters have).
    if (!c.anyArguments && (!g.example || g.example->anyArguments ||
                            std::lexicographical_compare(std::begin(c.args), std::end(c.args),
                                                         std::begin(g.example->args), std::end(g.example->args))))
      g.example = &c;
    if (!g.example) g.example = &c;
  }
  // Syscalls that differ the same way for any argument, on the same arches and by the same rules, are one
  // difference: "x86_64 {mount, umount2}: ERRNO(1) -> ALLOW"; numbers without a name become ranges.
  struct Merged {
    std::vector<std::string> names;
    std::vector<std::uint32_t> numbers;
    Span oldSpan, newSpan;
  };
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>, Merged> merged;
  std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>> mergedOrder;
  for (const auto& key : order) {
    const Group& g = groups[key];
    const auto& [name, ra, rb] = key;
    std::string arches;
    for (const auto& x : g.arches) arches += (arches.empty() ? "" : ",") + x;
    const Span os = ruleSpan(a, name, ra), ns = ruleSpan(b, name, rb);
    if (!g.anyArguments) {
      std::string ex = argsText(*g.example);
      std::string what = fmt::format("{} {}: {} -> {} (for some arguments, e.g. {})", arches, name, bpf::describe(ra),
                                     bpf::describe(rb), ex.empty() ? "all zero" : ex);
      addDiff(out, Layer::Seccomp, seccompDirection(ra, rb), std::move(what), os, ns);
      continue;
    }
    auto mk = std::make_tuple(arches, ra, rb, os.begin + (os.valid() ? os.file << 24 : 0u),
                              ns.begin + (ns.valid() ? ns.file << 24 : 0u));
    auto [it, fresh] = merged.try_emplace(mk);
    if (fresh) mergedOrder.push_back(mk);
    it->second.oldSpan = os;
    it->second.newSpan = ns;
    if (g.example->syscall.empty() && name != "nr >1023")   // x32 numbers without __X32_SYSCALL_BIT
      it->second.numbers.push_back(static_cast<std::uint32_t>(g.example->nr) & ~bpf::kX32SyscallBit);
    else it->second.names.push_back(name);
  }
  for (const auto& mk : mergedOrder) {
    Merged& m = merged[mk];
    const auto& [arches, ra, rb, ok, nk] = mk;
    std::sort(m.numbers.begin(), m.numbers.end());
    for (std::size_t i = 0; i < m.numbers.size();) {
      std::size_t j = i;
      while (j + 1 < m.numbers.size() && m.numbers[j + 1] == m.numbers[j] + 1) ++j;
      m.names.push_back(i == j ? fmt::format("nr {}", m.numbers[i]) : fmt::format("nr {}-{}", m.numbers[i], m.numbers[j]));
      i = j + 1;
    }
    const Direction dir = seccompDirection(ra, rb);
    std::string list;
    const std::size_t shown = dir == Direction::Changed ? std::min<std::size_t>(m.names.size(), 8) : m.names.size();
    for (std::size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + m.names[i];
    if (shown < m.names.size()) list += fmt::format(" and {} more", m.names.size() - shown);
    if (m.names.size() > 1) list = "{" + list + "}";
    addDiff(out, Layer::Seccomp, dir, fmt::format("{} {}: {} -> {}", arches, list, bpf::describe(ra), bpf::describe(rb)),
            m.oldSpan, m.newSpan);
  }
  for (const auto& u : undecided)
    addDiff(out, Layer::Seccomp, Direction::PossiblyWider, u + ": argument space too large to decide exactly", {}, {});
}

}  // namespace ward::diff
