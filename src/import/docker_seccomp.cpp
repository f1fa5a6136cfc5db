#include <seccomp.h>
#include <string.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "backend/seccomp/bpf_interp.h"
#include "backend/seccomp/filter.h"
#include "backend/seccomp/libseccomp_util.h"
#include "import/import.h"
#include "import/ward_writer.h"

namespace ward::import {

namespace {

using nlohmann::json;

std::string normalizeCap(std::string c) {
  std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (c.rfind("CAP_", 0) != 0) c = "CAP_" + c;
  return c;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::vector<std::string> stringList(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

// "4.8" -> (4, 8); nullopt when malformed.
std::optional<std::pair<int, int>> kernelVersion(const std::string& s) {
  int a = 0, b = 0;
  char dot = 0;
  if (std::sscanf(s.c_str(), "%d%c%d", &a, &dot, &b) != 3 || dot != '.') return std::nullopt;
  return std::make_pair(a, b);
}

// Docker's Go arch names for the SCMP_ARCH_* of the native arch (seccomp_linux.go: nativeToSeccomp).
std::string seccompArchForGo(const std::string& goArch) {
  if (goArch == "amd64") return "SCMP_ARCH_X86_64";
  if (goArch == "386" || goArch == "x86") return "SCMP_ARCH_X86";
  if (goArch == "arm64") return "SCMP_ARCH_AARCH64";
  if (goArch == "arm") return "SCMP_ARCH_ARM";
  return "";
}

std::string errnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : std::to_string(e);
}

std::optional<ir::Action> dockerAction(const std::string& act, std::optional<unsigned> errnoRet, std::string* why) {
  ir::Action a;
  if (act == "SCMP_ACT_ALLOW") a.kind = ir::Action::Kind::Allow;
  else if (act == "SCMP_ACT_ERRNO") {
    a.kind = ir::Action::Kind::Errno;
    a.errnoValue = static_cast<int>(errnoRet.value_or(EPERM));   // runc's default for SCMP_ACT_ERRNO
    a.errnoName = errnoName(a.errnoValue);
  } else if (act == "SCMP_ACT_KILL" || act == "SCMP_ACT_KILL_THREAD") a.kind = ir::Action::Kind::KillThread;
  else if (act == "SCMP_ACT_KILL_PROCESS") a.kind = ir::Action::Kind::KillProcess;
  else if (act == "SCMP_ACT_TRAP") a.kind = ir::Action::Kind::Trap;
  else if (act == "SCMP_ACT_LOG") a.kind = ir::Action::Kind::Log;
  else {
    *why = act == "SCMP_ACT_TRACE" || act == "SCMP_ACT_NOTIFY"
               ? fmt::format("{} has no equivalent in the ward language", act)
               : fmt::format("unknown action '{}'", act);
    return std::nullopt;
  }
  if (a.kind != ir::Action::Kind::Errno) {
    a.errnoValue = 0;
    a.errnoName.clear();
  }
  return a;
}

std::optional<ir::ArgCondition::Op> dockerOp(const std::string& op) {
  return backend::seccomp::parseCompareOpName(op);
}

scmp_compare scmpOp(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return SCMP_CMP_EQ;
}

std::optional<std::uint32_t> scmpArch(const std::string& a) {
  if (a == "SCMP_ARCH_X86_64") return SCMP_ARCH_X86_64;
  if (a == "SCMP_ARCH_X86") return SCMP_ARCH_X86;
  if (a == "SCMP_ARCH_X32") return SCMP_ARCH_X32;
  if (a == "SCMP_ARCH_AARCH64") return SCMP_ARCH_AARCH64;
  if (a == "SCMP_ARCH_ARM") return SCMP_ARCH_ARM;
  return std::nullopt;
}

std::uint32_t scmpAction(const std::string& act, std::optional<unsigned> errnoRet) {
  if (act == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (act == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errnoRet.value_or(EPERM));
  if (act == "SCMP_ACT_KILL" || act == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (act == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (act == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (act == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (act == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errnoRet.value_or(EPERM));
  if (act == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  return SCMP_ACT_KILL_THREAD;
}

std::string filterSummary(const json& f) {
  if (!f.is_object()) return "";
  std::vector<std::string> parts;
  if (auto caps = stringList(f.value("caps", json())); !caps.empty()) parts.push_back("caps " + fmt::format("{}", fmt::join(caps, " ")));
  if (auto arches = stringList(f.value("arches", json())); !arches.empty()) parts.push_back("arches " + fmt::format("{}", fmt::join(arches, " ")));
  if (f.contains("minKernel") && f["minKernel"].is_string()) parts.push_back("minKernel " + f["minKernel"].get<std::string>());
  return fmt::format("{}", fmt::join(parts, ", "));
}

// runc's split of an entry's conditions into libseccomp rules: several conditions on one argument become
// one rule each, otherwise the entry is one rule. Each rule as a text key (identical keys = identical rules).
std::vector<std::string> ruleKeys(const DockerRule& r) {
  unsigned counts[6] = {};
  for (const auto& a : r.args) ++counts[a.index % 6];
  const bool split = std::any_of(std::begin(counts), std::end(counts), [](unsigned n) { return n > 1; });
  auto key = [](const DockerArg& a) { return fmt::format("{} {} {} {}", a.index, a.op, a.value, a.valueTwo); };
  std::vector<std::string> keys;
  if (split) {
    for (const auto& a : r.args) keys.push_back(key(a));
    return keys;
  }
  std::vector<std::string> parts;
  for (const auto& a : r.args) parts.push_back(key(a));
  std::sort(parts.begin(), parts.end());
  keys.push_back(fmt::format("{}", fmt::join(parts, "; ")));
  return keys;
}

std::string entryText(const DockerRule& r) {
  std::string act = r.action.rfind("SCMP_ACT_", 0) == 0 ? r.action.substr(9) : r.action;
  std::transform(act.begin(), act.end(), act.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  std::string t = fmt::format("entry {} ({}", r.entry, act);
  if (r.action == "SCMP_ACT_ERRNO") t += " " + errnoName(static_cast<int>(r.errnoRet.value_or(EPERM)));
  if (!r.args.empty()) t += ", with argument conditions";
  return t + ")";
}

// Overlapping entries, resolved the way runc 1.1 loads them with libseccomp 2.5 (Docker 20.10 and Podman 4.3
// hand runc the entries in the profile's order; docs/engines.md has the real runs):
//  - an entry whose action equals the default action is skipped (runc never adds it);
//  - for a call that an entry without argument conditions names, the first such entry decides every use of
//    the call; later unconditional entries and conditional ones before or after it change nothing
//    (libseccomp keeps the first unconditional rule and lets it replace conditional ones);
//  - two entries with the same conditions and different actions: runc refuses the profile ("error adding
//    seccomp rule for syscall NAME: file exists"), and so does the import (E0403).
// Returns, per entry (its index in p.syscalls), the names taken from it; notes for the header.
struct Overlaps {
  std::map<std::size_t, std::set<std::string>> removed;
  std::vector<std::string> notes;
};

std::optional<Overlaps> resolveOverlaps(const DockerProfile& p, Diagnostics& diags) {
  const std::uint32_t def = scmpAction(p.defaultAction, p.defaultErrnoRet);
  std::map<std::string, std::vector<std::size_t>> uses;   // name -> entries (indexes into p.syscalls) runc adds
  std::vector<std::string> order;
  for (std::size_t i = 0; i < p.syscalls.size(); ++i) {
    if (scmpAction(p.syscalls[i].action, p.syscalls[i].errnoRet) == def) continue;
    for (const auto& n : p.syscalls[i].names) {
      auto& u = uses[n];
      if (u.empty()) order.push_back(n);
      if (u.empty() || u.back() != i) u.push_back(i);
    }
  }
  Overlaps out;
  for (const auto& name : order) {
    const auto& u = uses[name];
    if (u.size() < 2) continue;
    auto act = [&](std::size_t i) { return scmpAction(p.syscalls[i].action, p.syscalls[i].errnoRet); };
    auto first = std::find_if(u.begin(), u.end(), [&](std::size_t i) { return p.syscalls[i].args.empty(); });
    if (first != u.end()) {
      std::vector<std::string> lost;
      for (auto i : u) {
        if (i == *first) continue;
        out.removed[i].insert(name);
        if (act(i) != act(*first)) lost.push_back(entryText(p.syscalls[i]));
      }
      if (!lost.empty())
        out.notes.push_back(fmt::format("  {}: {} decides; {} changes nothing.", name, entryText(p.syscalls[*first]),
                                        fmt::join(lost, ", ")));
      continue;
    }
    std::map<std::string, std::size_t> seen;   // rule key -> entry
    for (auto i : u) {
      for (const auto& k : ruleKeys(p.syscalls[i])) {
        auto [it, inserted] = seen.try_emplace(k, i);
        if (inserted || act(it->second) == act(i)) continue;
        diags.error(Code::E0403, {}, fmt::format("the profile gives {} two different actions under the same argument "
                                                 "conditions ({} and {}); runc refuses such a profile (\"error adding "
                                                 "seccomp rule for syscall {}: file exists\")",
                                                 name, entryText(p.syscalls[it->second]), entryText(p.syscalls[i]), name));
        return std::nullopt;
      }
    }
  }
  return out;
}

// The header lines that say how overlaps were resolved, and what Docker 20.10 makes of defaultErrnoRet.
void writeResolutionNotes(WardWriter& w, const DockerProfile& p, const Overlaps& overlaps) {
  if (!overlaps.notes.empty()) {
    w.header("Overlapping entries were resolved as runc (under Docker and Podman) loads them with libseccomp:");
    w.header("entries whose action is the default are skipped; for a call named by an entry without argument");
    w.header("conditions, the first such entry decides, whatever other entries for the call say before or after it:");
    for (const auto& n : overlaps.notes) w.header(n);
  }
  if (p.defaultErrnoRet) {
    w.header(fmt::format("Docker 20.10 ignores defaultErrnoRet ({}): under it the default is EPERM, entries that",
                         errnoName(static_cast<int>(*p.defaultErrnoRet))));
    w.header("return EPERM are skipped as equal to it, and calls no entry names return EPERM. This file follows");
    w.header("the profile as written, as Podman loads it.");
  }
}

}  // namespace

const std::vector<std::string>& dockerDefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE"};
  return caps;
}

std::optional<DockerProfile> resolveDockerProfile(const std::string& text, const DockerOptions& options, Diagnostics& diags) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    diags.error(Code::E0304, {}, fmt::format("{}: not a JSON object", options.sourceName));
    return std::nullopt;
  }
  // An OCI config.json fragment ({"linux": {"seccomp": ...}}) or the seccomp object itself.
  if (j.contains("linux") && j["linux"].is_object() && j["linux"].contains("seccomp")) j = j["linux"]["seccomp"];
  DockerProfile p;
  p.defaultAction = j.value("defaultAction", std::string());
  if (j.contains("defaultErrnoRet") && j["defaultErrnoRet"].is_number_unsigned()) p.defaultErrnoRet = j["defaultErrnoRet"].get<unsigned>();
  if (p.defaultAction.empty()) {
    diags.error(Code::E0304, {}, fmt::format("{}: no defaultAction", options.sourceName));
    return std::nullopt;
  }
  std::vector<std::string> caps;
  for (const auto& c : options.capabilities) caps.push_back(normalizeCap(c));
  const auto kernelOpt = options.kernel.empty() ? std::nullopt : kernelVersion(options.kernel);
  const bool haveKernel = kernelOpt.has_value();
  const std::pair<int, int> kernel = kernelOpt.value_or(std::pair<int, int>{0, 0});
  auto kernelAtLeast = [&](const std::string& v) {
    if (!haveKernel) return true;
    const auto want = kernelVersion(v).value_or(std::pair<int, int>{0, 0});
    return kernel.first > want.first || (kernel.first == want.first && kernel.second >= want.second);
  };

  p.architectures = stringList(j.value("architectures", json()));
  const std::string native = seccompArchForGo(options.goArch);
  if (j.contains("archMap") && j["archMap"].is_array()) {
    if (!p.architectures.empty()) {
      diags.error(Code::E0304, {}, "'architectures' and 'archMap' were both given (Docker rejects that)");
      return std::nullopt;
    }
    for (const auto& m : j["archMap"]) {
      if (m.value("architecture", std::string()) != native) continue;
      p.architectures.push_back(native);
      for (auto& s : stringList(m.value("subArchitectures", json()))) p.architectures.push_back(s);
      break;
    }
  }
  if (!j.contains("syscalls") || !j["syscalls"].is_array()) {
    if (!j.contains("syscalls") || j["syscalls"].is_null()) return p;
    diags.error(Code::E0304, {}, "'syscalls' is not an array");
    return std::nullopt;
  }
  std::size_t entry = 0;
  for (const auto& call : j["syscalls"]) {
    ++entry;
    if (!call.is_object()) continue;
    const json inc = call.value("includes", json::object()), exc = call.value("excludes", json::object());
    auto arches = [](const json& f) { return f.is_object() ? stringList(f.value("arches", json())) : std::vector<std::string>{}; };
    auto capsOf = [](const json& f) { return f.is_object() ? stringList(f.value("caps", json())) : std::vector<std::string>{}; };
    auto minKernel = [](const json& f) {
      return f.is_object() && f.contains("minKernel") && f["minKernel"].is_string() ? f["minKernel"].get<std::string>() : std::string();
    };
    // The order and logic of moby's setupSeccomp().
    if (auto a = arches(exc); !a.empty() && contains(a, options.goArch)) continue;
    bool skip = false;
    for (const auto& c : capsOf(exc)) skip = skip || contains(caps, normalizeCap(c));
    if (skip) continue;
    if (auto k = minKernel(exc); !k.empty() && kernelAtLeast(k)) continue;
    if (auto a = arches(inc); !a.empty() && !contains(a, options.goArch)) continue;
    for (const auto& c : capsOf(inc)) skip = skip || !contains(caps, normalizeCap(c));
    if (skip) continue;
    if (auto k = minKernel(inc); !k.empty() && !kernelAtLeast(k)) continue;

    DockerRule r;
    r.entry = entry;
    if (call.contains("name") && call["name"].is_string() && !call["name"].get<std::string>().empty()) {
      if (call.contains("names") && !stringList(call["names"]).empty()) {
        diags.error(Code::E0304, {}, "'name' and 'names' were both given in one entry (Docker rejects that)");
        return std::nullopt;
      }
      r.names = {call["name"].get<std::string>()};
    } else {
      r.names = stringList(call.value("names", json()));
    }
    r.action = call.value("action", std::string());
    if (call.contains("errnoRet") && call["errnoRet"].is_number_unsigned()) r.errnoRet = call["errnoRet"].get<unsigned>();
    r.comment = call.value("comment", std::string());
    std::string cond = filterSummary(inc);
    if (!cond.empty()) r.comment += (r.comment.empty() ? "" : "; ") + std::string("includes ") + cond;
    cond = filterSummary(exc);
    if (!cond.empty()) r.comment += (r.comment.empty() ? "" : "; ") + std::string("excludes ") + cond;
    if (call.contains("args") && call["args"].is_array()) {
      for (const auto& a : call["args"]) {
        if (!a.is_object()) continue;
        DockerArg arg;
        arg.index = a.value("index", 0u);
        arg.value = a.value("value", std::uint64_t{0});
        arg.valueTwo = a.value("valueTwo", std::uint64_t{0});
        arg.op = a.value("op", std::string());
        if (arg.index > 5 || !dockerOp(arg.op)) {
          diags.error(Code::E0304, {}, fmt::format("{}: bad argument condition (index {}, op '{}')",
                                               fmt::join(r.names, ","), arg.index, arg.op));
          return std::nullopt;
        }
        r.args.push_back(arg);
      }
    }
    p.syscalls.push_back(std::move(r));
  }
  return p;
}

std::optional<std::string> compileLikeRunc(const DockerProfile& profile, bool enosysStub, std::string* error) {
  using backend::seccomp::CtxPtr;
  const std::uint32_t def = scmpAction(profile.defaultAction, profile.defaultErrnoRet);
  CtxPtr ctx(seccomp_init(def));
  if (!ctx) {
    if (error) *error = "seccomp_init failed";
    return std::nullopt;
  }
  scmp_filter_ctx c = ctx.get();
  std::vector<std::uint32_t> arches;
  for (const auto& a : profile.architectures) {
    auto t = scmpArch(a);
    if (!t) continue;
    arches.push_back(*t);
    const int rc = seccomp_arch_add(c, *t);
    if (rc < 0 && rc != -EEXIST) {
      if (error) *error = fmt::format("seccomp_arch_add({}): {}", a, std::strerror(-rc));
      return std::nullopt;
    }
  }
  if (arches.empty()) arches.push_back(seccomp_arch_native());
  seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
  // runc's findLastSyscalls(): the largest number any rule name has on each arch.
  std::map<std::uint32_t, int> last;
  for (const auto& r : profile.syscalls) {
    const std::uint32_t act = scmpAction(r.action, r.errnoRet);
    for (const auto& name : r.names) {
      for (auto t : arches) {
        const int n = seccomp_syscall_resolve_name_arch(t, name.c_str());
        if (n >= 0) last[t] = std::max(last[t], n);
      }
      if (act == def) continue;
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;   // "unknown seccomp syscall ignored"
      int rc = 0;
      if (r.args.empty()) {
        rc = seccomp_rule_add(c, act, nr, 0);
      } else {
        std::vector<scmp_arg_cmp> cmps;
        unsigned counts[6] = {};
        for (const auto& a : r.args) {
          cmps.push_back(scmp_arg_cmp{a.index, scmpOp(a.op), a.value, a.valueTwo});
          ++counts[a.index % 6];
        }
        const bool sameArg = std::any_of(std::begin(counts), std::end(counts), [](unsigned n) { return n > 1; });
        if (sameArg) {
          for (const auto& cmp : cmps) {
            rc = seccomp_rule_add_array(c, act, nr, 1, &cmp);
            if (rc < 0) break;
          }
        } else {
          rc = seccomp_rule_add_array(c, act, nr, static_cast<unsigned>(cmps.size()), cmps.data());
        }
      }
      if (rc < 0) {
        if (error) *error = fmt::format("rule for {}: {}", name, std::strerror(-rc));
        return std::nullopt;
      }
    }
  }
  auto exported = backend::seccomp::exportFilter(c, false, error);
  if (!exported || !enosysStub) return exported;
  if (def == SCMP_ACT_ERRNO(ENOSYS)) return exported;   // runc skips the stub then

  // runc 1.1 libcontainer/seccomp/patchbpf: generateEnosysStub(), with the x86_64 section (x86_64 and x32
  // sharing AUDIT_ARCH_X86_64) before the i386 one.
  namespace bpf = backend::seccomp::bpf;
  using I = bpf::Insn;
  const std::uint32_t enosys = bpf::kRetErrno | ENOSYS;
  std::vector<I> tail = {I{0x05, 0, 0, 1}, I{0x06, 0, 0, enosys}};   // ja +1; ret ENOSYS
  std::vector<std::pair<std::uint32_t, std::size_t>> table;          // audit arch -> distance from the end
  auto prepend = [&](std::vector<I> section) { tail.insert(tail.begin(), section.begin(), section.end()); };
  const bool has64 = last.count(SCMP_ARCH_X86_64) != 0, hasX32 = last.count(SCMP_ARCH_X32) != 0;
  // Sections are generated in reverse: the i386 one first, so that it ends up after the x86_64 one.
  if (last.count(SCMP_ARCH_X86)) {
    const auto base = static_cast<std::uint32_t>(tail.size() - 1);
    prepend({I{0x20, 0, 0, 0}, I{0x25, static_cast<std::uint8_t>(base + 1), 0, static_cast<std::uint32_t>(last[SCMP_ARCH_X86])},
             I{0x05, 0, 0, base + 1}});
    table.emplace_back(bpf::kAuditArchI386, tail.size());
  }
  if (has64 || hasX32) {
    const auto base = static_cast<std::uint32_t>(tail.size() - 1);
    std::vector<I> s = {I{0x20, 0, 0, 0}};
    if (has64 && hasX32) {
      s.push_back(I{0x45, 1, 0, bpf::kX32SyscallBit});   // jset x32 bit: skip the x86_64 check
      s.push_back(I{0x25, static_cast<std::uint8_t>(base + 2), 1, static_cast<std::uint32_t>(last[SCMP_ARCH_X86_64])});
      s.push_back(I{0x25, static_cast<std::uint8_t>(base + 1), 0, static_cast<std::uint32_t>(last[SCMP_ARCH_X32])});
      s.push_back(I{0x05, 0, 0, base + 1});
    } else {
      const bool x32 = hasX32;
      s.push_back(I{0x45, static_cast<std::uint8_t>(x32 ? 0 : 2), static_cast<std::uint8_t>(x32 ? 2 : 0), bpf::kX32SyscallBit});
      s.push_back(I{0x25, static_cast<std::uint8_t>(base + 1), 0,
                    static_cast<std::uint32_t>(x32 ? last[SCMP_ARCH_X32] : last[SCMP_ARCH_X86_64])});
      s.push_back(I{0x05, 0, 0, base + 1});
    }
    prepend(s);
    table.emplace_back(bpf::kAuditArchX86_64, tail.size());
  }
  tail.insert(tail.begin(), I{0x05, 0, 0, static_cast<std::uint32_t>(tail.size())});
  for (const auto& [arch, mark] : table) {   // i386 first, so the x86_64 test ends up first
    const auto jump = static_cast<std::uint32_t>(tail.size() - mark);
    if (jump > 255) {
      if (error) *error = "runc stub: long jump";
      return std::nullopt;
    }
    tail.insert(tail.begin(), I{0x15, static_cast<std::uint8_t>(jump), 0, arch});
  }
  tail.insert(tail.begin(), I{0x20, 0, 0, 4});   // ld arch
  auto program = bpf::parse(*exported, error);
  if (!program) return std::nullopt;
  tail.insert(tail.end(), program->begin(), program->end());
  if (!bpf::check(tail, error)) return std::nullopt;
  return bpf::serialize(tail);
}

std::optional<Imported> importDockerSeccomp(const std::string& text, const DockerOptions& options, Diagnostics& diags) {
  auto profile = resolveDockerProfile(text, options, diags);
  if (!profile) return std::nullopt;
  std::string why;
  auto def = dockerAction(profile->defaultAction, profile->defaultErrnoRet, &why);
  if (!def) {
    diags.error(Code::E0304, {}, "defaultAction: " + why);
    return std::nullopt;
  }
  WardWriter w(options.policyName, options.sourceName);
  w.header(fmt::format("Imported by `ward import docker-seccomp` from {}.", options.sourceName));
  std::vector<std::string> caps;
  for (const auto& c : options.capabilities) caps.push_back(normalizeCap(c));
  std::sort(caps.begin(), caps.end());
  w.header(fmt::format("Docker's conditional entries were resolved for arch {} and the capabilities {}.", options.goArch,
                       fmt::join(caps, " ")));
  w.header(options.kernel.empty() ? std::string("minKernel conditions were taken as met.")
                                  : fmt::format("minKernel conditions were resolved for kernel {}.", options.kernel));
  std::vector<std::string> arches;
  for (const auto& a : profile->architectures) {
    if (a == "SCMP_ARCH_X86_64") arches.push_back("x86_64");
    else if (a == "SCMP_ARCH_X86") arches.push_back("x86");
    else if (a == "SCMP_ARCH_X32") arches.push_back("x32");
  }
  if (arches.empty()) arches.push_back("x86_64");
  if (std::find(arches.begin(), arches.end(), "x86_64") == arches.end()) arches.insert(arches.begin(), "x86_64");
  w.setDefault(*def);
  w.setArches(arches);
  auto overlaps = resolveOverlaps(*profile, diags);
  if (!overlaps) return std::nullopt;
  writeResolutionNotes(w, *profile, *overlaps);

  for (std::size_t i = 0; i < profile->syscalls.size(); ++i) {
    DockerRule r = profile->syscalls[i];
    if (auto it = overlaps->removed.find(i); it != overlaps->removed.end()) {
      std::vector<std::string> names, gone(it->second.begin(), it->second.end());
      for (auto& n : r.names)
        if (!it->second.count(n)) names.push_back(n);
      r.names = std::move(names);
      r.comment += fmt::format("{}{} decided by an earlier entry without conditions (see the header)",
                               r.comment.empty() ? "" : "; ", fmt::join(gone, ", "));
    }
    auto act = dockerAction(r.action, r.errnoRet, &why);
    if (!act) {
      diags.error(Code::E0304, {}, fmt::format("{}: {}", fmt::join(r.names, ","), why));
      return std::nullopt;
    }
    std::vector<std::vector<ir::ArgCondition>> alternatives;
    if (!r.args.empty()) {
      std::vector<ir::ArgCondition> all;
      unsigned counts[6] = {};
      for (const auto& a : r.args) {
        ir::ArgCondition c;
        c.index = a.index;
        c.op = *dockerOp(a.op);
        if (c.op == ir::ArgCondition::Op::MaskedEq) {   // runc: (arg & value) == valueTwo
          c.mask = a.value;
          c.value = a.valueTwo;
        } else {
          c.value = a.value;
        }
        all.push_back(c);
        ++counts[a.index];
      }
      // runc turns several conditions on one argument into separate rules (alternatives).
      if (std::any_of(std::begin(counts), std::end(counts), [](unsigned n) { return n > 1; })) {
        for (const auto& c : all) alternatives.push_back({c});
      } else {
        alternatives.push_back(all);
      }
    } else {
      alternatives.push_back({});
    }
    w.addEntry(r.names, *act, alternatives, r.comment);
  }
  return w.finish(diags);
}

std::string importDockerSeccomp(const std::string& json, const std::vector<std::string>& capabilities, Diagnostics& diags) {
  DockerOptions o;
  o.capabilities = capabilities;
  auto r = importDockerSeccomp(json, o, diags);
  return r ? r->ward : std::string();
}

}  // namespace ward::import
