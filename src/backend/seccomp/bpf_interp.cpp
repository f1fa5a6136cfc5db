#include "backend/seccomp/bpf_interp.h"

#include <cstring>

#include <fmt/format.h>

namespace ward::backend::seccomp::bpf {

namespace {

// Classic BPF opcode fields (linux/bpf_common.h, linux/filter.h).
constexpr std::uint16_t kClass(std::uint16_t c) { return c & 0x07; }
constexpr std::uint16_t kSize(std::uint16_t c) { return c & 0x18; }
constexpr std::uint16_t kMode(std::uint16_t c) { return c & 0xe0; }
constexpr std::uint16_t kOp(std::uint16_t c) { return c & 0xf0; }
constexpr std::uint16_t kSrc(std::uint16_t c) { return c & 0x08; }

enum : std::uint16_t {
  LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07,
  W = 0x00, H = 0x08, B = 0x10,
  IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0,
  ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
  NEG = 0x80, MOD = 0x90, XOR = 0xa0,
  JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40,
  K = 0x00, X = 0x08, A = 0x10,
  TAX = 0x00, TXA = 0x80,
};

constexpr std::uint32_t kDataSize = 64;   // sizeof(struct seccomp_data)
constexpr std::uint32_t kMemWords = 16;   // BPF_MEMWORDS
constexpr std::size_t kMaxInsns = 4096;   // BPF_MAXINSNS

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// Is this opcode one seccomp accepts (kernel/seccomp.c: seccomp_check_filter)?
bool allowedOpcode(std::uint16_t code) {
  switch (code) {
    case LD | W | ABS: case LD | W | LEN: case LDX | W | LEN:
    case LD | IMM: case LDX | IMM: case LD | MEM: case LDX | MEM: case ST: case STX:
    case RET | K: case RET | A:
    case MISC | TAX: case MISC | TXA:
    case JMP | JA:
    case JMP | JEQ | K: case JMP | JEQ | X: case JMP | JGE | K: case JMP | JGE | X:
    case JMP | JGT | K: case JMP | JGT | X: case JMP | JSET | K: case JMP | JSET | X:
    case ALU | NEG:
      return true;
    default: break;
  }
  if (kClass(code) == ALU) {
    switch (kOp(code)) {
      case ADD: case SUB: case MUL: case DIV: case AND: case OR: case XOR: case LSH: case RSH:
        return true;
      default: return false;
    }
  }
  return false;
}

}  // namespace

bool check(const std::vector<Insn>& program, std::string* error) {
  if (program.empty()) return fail(error, "empty program");
  if (program.size() > kMaxInsns) return fail(error, fmt::format("{} instructions (at most {})", program.size(), kMaxInsns));
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const Insn& in = program[pc];
    if (!allowedOpcode(in.code)) return fail(error, fmt::format("{}: opcode {:#06x} not allowed in seccomp", pc, in.code));
    const std::size_t rest = program.size() - pc - 1;  // instructions after this one
    switch (kClass(in.code)) {
      case LD: case LDX:
        if (kMode(in.code) == ABS && (in.k >= kDataSize || (in.k & 3) != 0))
          return fail(error, fmt::format("{}: load at offset {} outside seccomp_data or misaligned", pc, in.k));
        if (kMode(in.code) == MEM && in.k >= kMemWords) return fail(error, fmt::format("{}: bad scratch slot {}", pc, in.k));
        break;
      case ST: case STX:
        if (in.k >= kMemWords) return fail(error, fmt::format("{}: bad scratch slot {}", pc, in.k));
        break;
      case ALU:
        if (kSrc(in.code) == K && kOp(in.code) == DIV && in.k == 0) return fail(error, fmt::format("{}: division by 0", pc));
        if (kSrc(in.code) == K && (kOp(in.code) == LSH || kOp(in.code) == RSH) && in.k >= 32)
          return fail(error, fmt::format("{}: shift by {}", pc, in.k));
        break;
      case JMP:
        if (kOp(in.code) == JA) {
          if (in.k >= rest) return fail(error, fmt::format("{}: jump out of range", pc));
        } else if (in.jt >= rest || in.jf >= rest) {
          return fail(error, fmt::format("{}: conditional jump out of range", pc));
        }
        break;
      default: break;
    }
  }
  if (kClass(program.back().code) != RET) return fail(error, "the last instruction is not a return");
  return true;
}

std::optional<std::vector<Insn>> parse(std::string_view bytes, std::string* error) {
  if (bytes.size() % 8 != 0) {
    fail(error, fmt::format("{} bytes is not a whole number of 8-byte instructions", bytes.size()));
    return std::nullopt;
  }
  std::vector<Insn> program(bytes.size() / 8);
  for (std::size_t i = 0; i < program.size(); ++i) {
    const char* p = bytes.data() + i * 8;
    std::memcpy(&program[i].code, p, 2);
    std::memcpy(&program[i].jt, p + 2, 1);
    std::memcpy(&program[i].jf, p + 3, 1);
    std::memcpy(&program[i].k, p + 4, 4);
  }
  if (!check(program, error)) return std::nullopt;
  return program;
}

std::string serialize(const std::vector<Insn>& program) {
  std::string out(program.size() * 8, '\0');
  for (std::size_t i = 0; i < program.size(); ++i) {
    char* p = out.data() + i * 8;
    std::memcpy(p, &program[i].code, 2);
    std::memcpy(p + 2, &program[i].jt, 1);
    std::memcpy(p + 3, &program[i].jf, 1);
    std::memcpy(p + 4, &program[i].k, 4);
  }
  return out;
}

Result run(const std::vector<Insn>& program, const Data& data, bool recordPath) {
  Result r;
  unsigned char raw[kDataSize];
  std::memcpy(raw, &data.nr, 4);
  std::memcpy(raw + 4, &data.arch, 4);
  std::memcpy(raw + 8, &data.instructionPointer, 8);
  for (int i = 0; i < 6; ++i) std::memcpy(raw + 16 + 8 * i, &data.args[static_cast<std::size_t>(i)], 8);

  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[kMemWords] = {};
  std::size_t pc = 0;
  // Every jump goes forward, so a checked program runs at most program.size() instructions.
  while (pc < program.size()) {
    const Insn& in = program[pc];
    ++r.executed;
    if (recordPath) r.path.push_back(static_cast<std::uint32_t>(pc));
    const std::uint16_t c = in.code;
    switch (kClass(c)) {
      case LD:
        switch (kMode(c)) {
          case ABS:
            if (kSize(c) != W || in.k >= kDataSize || (in.k & 3)) { r.ok = false; r.error = "bad load"; r.ret = 0; return r; }
            std::memcpy(&a, raw + in.k, 4);
            if (in.k >= 16) r.argsLoaded = true;
            else if (in.k >= 8) r.ipLoaded = true;
            break;
          case LEN: a = kDataSize; break;
          case IMM: a = in.k; break;
          case MEM: a = mem[in.k % kMemWords]; break;
          default: r.ok = false; r.error = "bad load mode"; r.ret = 0; return r;
        }
        break;
      case LDX:
        switch (kMode(c)) {
          case LEN: x = kDataSize; break;
          case IMM: x = in.k; break;
          case MEM: x = mem[in.k % kMemWords]; break;
          default: r.ok = false; r.error = "bad ldx mode"; r.ret = 0; return r;
        }
        break;
      case ST: mem[in.k % kMemWords] = a; break;
      case STX: mem[in.k % kMemWords] = x; break;
      case ALU: {
        const std::uint32_t v = kSrc(c) == X ? x : in.k;
        switch (kOp(c)) {
          case ADD: a += v; break;
          case SUB: a -= v; break;
          case MUL: a *= v; break;
          case DIV:
            if (v == 0) { r.ret = 0; return r; }  // the kernel's classic-BPF semantics: return 0
            a /= v;
            break;
          case AND: a &= v; break;
          case OR: a |= v; break;
          case XOR: a ^= v; break;
          case LSH: a = v >= 32 ? 0 : a << v; break;
          case RSH: a = v >= 32 ? 0 : a >> v; break;
          case NEG: a = 0u - a; break;
          default: r.ok = false; r.error = "bad alu op"; r.ret = 0; return r;
        }
        break;
      }
      case JMP: {
        if (kOp(c) == JA) {
          pc += 1 + in.k;
          continue;
        }
        const std::uint32_t v = kSrc(c) == X ? x : in.k;
        bool taken = false;
        switch (kOp(c)) {
          case JEQ: taken = a == v; break;
          case JGT: taken = a > v; break;
          case JGE: taken = a >= v; break;
          case JSET: taken = (a & v) != 0; break;
          default: r.ok = false; r.error = "bad jump"; r.ret = 0; return r;
        }
        pc += 1 + (taken ? in.jt : in.jf);
        continue;
      }
      case RET:
        r.ret = (c & 0x18) == A ? a : in.k;
        return r;
      case MISC:
        if ((c & 0xf8) == TXA) a = x;
        else x = a;
        break;
      default: r.ok = false; r.error = "bad class"; r.ret = 0; return r;
    }
    ++pc;
  }
  r.ok = false;
  r.error = "ran off the end of the program";
  r.ret = 0;
  return r;
}

std::string describe(std::uint32_t ret) {
  const std::uint32_t data = ret & kRetData;
  switch (ret & kRetActionFull) {
    case kRetKillProcess: return "KILL_PROCESS";
    case kRetKillThread: return "KILL_THREAD";
    case kRetTrap: return fmt::format("TRAP({})", data);
    case kRetErrno: return fmt::format("ERRNO({})", data);
    case kRetUserNotif: return "NOTIFY";
    case kRetTrace: return fmt::format("TRACE({})", data);
    case kRetLog: return "LOG";
    case kRetAllow: return "ALLOW";
    default: return fmt::format("UNKNOWN({:#010x})", ret);
  }
}

std::string disassemble(const std::vector<Insn>& program) {
  std::string out;
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const Insn& in = program[pc];
    const std::uint16_t c = in.code;
    std::string text;
    switch (kClass(c)) {
      case LD:
        if (kMode(c) == ABS) text = fmt::format("ld  $data[{}]", in.k);
        else if (kMode(c) == IMM) text = fmt::format("ld  #{:#x}", in.k);
        else if (kMode(c) == MEM) text = fmt::format("ld  M[{}]", in.k);
        else text = "ld  len";
        break;
      case LDX: text = kMode(c) == IMM ? fmt::format("ldx #{:#x}", in.k) : fmt::format("ldx M[{}]", in.k); break;
      case ST: text = fmt::format("st  M[{}]", in.k); break;
      case STX: text = fmt::format("stx M[{}]", in.k); break;
      case ALU: text = fmt::format("alu {:#04x} {}", kOp(c), kSrc(c) == X ? std::string("x") : fmt::format("{:#x}", in.k)); break;
      case JMP: {
        const char* name = kOp(c) == JEQ ? "jeq" : kOp(c) == JGT ? "jgt" : kOp(c) == JGE ? "jge" : kOp(c) == JSET ? "jset" : "jmp";
        if (kOp(c) == JA) text = fmt::format("jmp {}", pc + 1 + in.k);
        else text = fmt::format("{:<4}{} true:{} false:{}", name,
                                kSrc(c) == X ? std::string("x") : fmt::format("{:#x}", in.k), pc + 1 + in.jt, pc + 1 + in.jf);
        break;
      }
      case RET: text = (c & 0x18) == A ? "ret a" : "ret " + describe(in.k); break;
      case MISC: text = (c & 0xf8) == TXA ? "txa" : "tax"; break;
      default: text = "?"; break;
    }
    out += fmt::format("{:04} {:#06x} {:3} {:3} {:#010x}  {}\n", pc, c, in.jt, in.jf, in.k, text);
  }
  return out;
}

}  // namespace ward::backend::seccomp::bpf
