#include "backend/seccomp/bpf_opt.h"

#include <linux/filter.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace ward::backend::seccomp::bpf {

namespace {

constexpr std::uint32_t kAll = 0xffffffffu;

// The values the accumulator can hold at one point: lo..hi (unsigned, inclusive).
struct Range {
  std::uint32_t lo = 0, hi = kAll;
};

Range hull(Range a, Range b) { return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }

enum class Kind { Load, And, Test, Goto, Ret };

// One instruction with absolute successors: Load/And continue at t, Test goes to t or f, Goto to t.
struct Node {
  Insn insn;
  Kind kind = Kind::Ret;
  std::size_t t = 0, f = 0;
  std::optional<Range> in;   // what A can hold on entry; nullopt = no path reaches it
};

std::optional<std::vector<Node>> decode(const std::vector<Insn>& program) {
  std::vector<Node> nodes(program.size());
  for (std::size_t i = 0; i < program.size(); ++i) {
    Node& n = nodes[i];
    n.insn = program[i];
    const Insn& in = program[i];
    n.t = i + 1;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS: n.kind = Kind::Load; break;
      case BPF_ALU | BPF_AND | BPF_K: n.kind = Kind::And; break;
      case BPF_RET | BPF_K: n.kind = Kind::Ret; break;
      case BPF_JMP | BPF_JA:
        n.kind = Kind::Goto;
        n.t = i + 1 + in.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JGT | BPF_K:
      case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JSET | BPF_K:
        n.kind = Kind::Test;
        n.t = i + 1 + in.jt;
        n.f = i + 1 + in.jf;
        break;
      default: return std::nullopt;   // not what libseccomp writes: leave the program alone
    }
    if (n.kind != Kind::Ret && (n.t >= program.size() || (n.kind == Kind::Test && n.f >= program.size())))
      return std::nullopt;
  }
  return nodes;
}

// Where a test sends A in r: the range on the true edge and on the false edge (nullopt: never taken).
std::pair<std::optional<Range>, std::optional<Range>> split(std::uint16_t op, Range r, std::uint32_t k) {
  std::optional<Range> yes, no;
  switch (op) {
    case BPF_JEQ:
      if (r.lo <= k && k <= r.hi) yes = Range{k, k};
      if (r.lo != k || r.hi != k) no = Range{r.lo == k ? k + 1 : r.lo, r.hi == k ? k - 1 : r.hi};
      break;
    case BPF_JGT:
      if (r.hi > k) yes = Range{std::max(r.lo, k + 1), r.hi};
      if (r.lo <= k) no = Range{r.lo, std::min(r.hi, k)};
      break;
    case BPF_JGE:
      if (r.hi >= k) yes = Range{std::max(r.lo, k), r.hi};
      if (r.lo < k) no = Range{r.lo, std::min(r.hi, k - 1)};
      break;
    default:   // BPF_JSET: decided only for a known value
      if (r.lo != r.hi || (r.lo & k) != 0) yes = r;
      if (r.lo != r.hi || (r.lo & k) == 0) no = r;
      break;
  }
  return {yes, no};
}

// Range analysis in program order (every jump goes forward); a test with one feasible edge becomes a Goto.
void decide(std::vector<Node>& nodes) {
  nodes[0].in = Range{};
  for (auto& n : nodes) {
    if (!n.in) continue;
    auto send = [&](std::size_t to, Range r) {
      auto& d = nodes[to].in;
      d = d ? hull(*d, r) : r;
    };
    switch (n.kind) {
      case Kind::Load: send(n.t, Range{}); break;
      case Kind::And:
        send(n.t, n.in->lo == n.in->hi ? Range{n.in->lo & n.insn.k, n.in->lo & n.insn.k} : Range{0, std::min(n.in->hi, n.insn.k)});
        break;
      case Kind::Goto: send(n.t, *n.in); break;
      case Kind::Test: {
        auto [yes, no] = split(BPF_OP(n.insn.code), *n.in, n.insn.k);
        if (yes) send(n.t, *yes);
        if (no) send(n.f, *no);
        if (!yes) n.t = n.f;
        if (!yes || !no) n.kind = Kind::Goto;
        break;
      }
      case Kind::Ret: break;
    }
  }
}

// Follows Gotos (except those kept as jumps, `stop`) to the instruction that runs next.
std::size_t resolve(const std::vector<Node>& nodes, std::size_t at, const std::vector<bool>* stop = nullptr) {
  while (nodes[at].kind == Kind::Goto && !(stop && (*stop)[at])) at = nodes[at].t;
  return at;
}

// Drops loads and masks whose value no test reads and tests whose edges lead to one place, until nothing
// changes (each is turned into a Goto that resolve() skips).
void prune(std::vector<Node>& nodes) {
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<bool> liveIn(nodes.size(), false);   // does some path from here read A before writing it?
    for (std::size_t i = nodes.size(); i-- > 0;) {
      Node& n = nodes[i];
      switch (n.kind) {
        case Kind::Ret: break;
        case Kind::Test: liveIn[i] = true; break;
        case Kind::Goto: liveIn[i] = liveIn[n.t]; break;
        case Kind::Load: case Kind::And:
          if (!liveIn[n.t]) {
            n.kind = Kind::Goto;
            changed = true;
            liveIn[i] = liveIn[n.t];
          } else {
            liveIn[i] = n.kind == Kind::And;
          }
          break;
      }
    }
    for (std::size_t i = nodes.size(); i-- > 0;) {
      Node& n = nodes[i];
      if (n.kind != Kind::Test) continue;
      const std::size_t t = resolve(nodes, n.t);
      if (t != resolve(nodes, n.f)) continue;
      n.kind = Kind::Goto;
      n.t = t;
      changed = true;
    }
  }
}

// Lays the remaining instructions out in their order, with a JA where a load or mask no longer falls
// through to its successor. A conditional jump reaches at most 255 instructions ahead: where threading
// would take it further, the first Goto on its way is kept as a JA (as libseccomp's own trampolines are),
// and the layout is redone. nullopt when that does not converge.
std::optional<std::vector<Insn>> layout(const std::vector<Node>& nodes) {
  std::vector<bool> jump(nodes.size(), false);   // Gotos emitted as JA
  for (int attempt = 0; attempt < 64; ++attempt) {
    auto next = [&](std::size_t at) { return resolve(nodes, at, &jump); };
    std::vector<bool> reach(nodes.size(), false);
    reach[next(0)] = true;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!reach[i] || nodes[i].kind == Kind::Ret) continue;
      reach[next(nodes[i].t)] = true;
      if (nodes[i].kind == Kind::Test) reach[next(nodes[i].f)] = true;
    }
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (reach[i]) order.push_back(i);
    if (order.empty() || order.front() != next(0)) return std::nullopt;
    std::vector<std::size_t> pos(nodes.size(), 0);
    std::vector<bool> needsJump(order.size(), false);
    std::size_t at = 0;
    for (std::size_t j = 0; j < order.size(); ++j) {
      const Node& n = nodes[order[j]];
      pos[order[j]] = at++;
      const bool falls = n.kind == Kind::Load || n.kind == Kind::And;
      needsJump[j] = falls && (j + 1 == order.size() || next(n.t) != order[j + 1]);
      if (needsJump[j]) ++at;
    }
    bool redo = false;
    std::vector<bool> more = jump;
    for (std::size_t i : order) {   // conditional jumps too long: keep the first Goto on the way
      const Node& n = nodes[i];
      if (n.kind != Kind::Test) continue;
      for (std::size_t edge : {n.t, n.f}) {
        if (pos[next(edge)] - pos[i] - 1 <= 255) continue;
        if (nodes[edge].kind != Kind::Goto || jump[edge]) return std::nullopt;
        more[edge] = true;
        redo = true;
      }
    }
    jump = std::move(more);
    if (redo) continue;
    std::vector<Insn> out;
    out.reserve(at);
    for (std::size_t j = 0; j < order.size(); ++j) {
      const Node& n = nodes[order[j]];
      const std::size_t here = pos[order[j]];
      Insn in = n.insn;
      if (n.kind == Kind::Test) {
        in.jt = static_cast<std::uint8_t>(pos[next(n.t)] - here - 1);
        in.jf = static_cast<std::uint8_t>(pos[next(n.f)] - here - 1);
      } else if (n.kind == Kind::Goto) {   // kept as a jump
        in = {BPF_JMP | BPF_JA, 0, 0, static_cast<std::uint32_t>(pos[next(n.t)] - here - 1)};
      }
      out.push_back(in);
      if (needsJump[j]) out.push_back({BPF_JMP | BPF_JA, 0, 0, static_cast<std::uint32_t>(pos[next(n.t)] - here - 2)});
    }
    return out;
  }
  return std::nullopt;
}

std::optional<std::vector<Insn>> simplifyOnce(const std::vector<Insn>& program) {
  auto nodes = decode(program);
  if (!nodes || nodes->empty()) return std::nullopt;
  decide(*nodes);
  prune(*nodes);
  auto out = layout(*nodes);
  if (!out || !check(*out)) return std::nullopt;
  return out;
}

}  // namespace

std::vector<Insn> simplify(const std::vector<Insn>& program) {
  std::vector<Insn> best = program;
  for (int round = 0; round < 8; ++round) {   // a round can expose more (a test decided by a pruned one)
    auto next = simplifyOnce(best);
    if (!next || next->size() >= best.size()) break;
    best = std::move(*next);
  }
  return best;
}

}  // namespace ward::backend::seccomp::bpf
