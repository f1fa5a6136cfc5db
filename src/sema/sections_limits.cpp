// The handlers of the limits and sysctl sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

// ---- limits ----------------------------------------------------------------------------------------
// One limit statement being checked: its terms and what it sets (key "limits.<verb>" for conflicts).
struct Interp::LimitStmt {
  const Args& a;
  Span sp;
  const std::string& verb;
  std::string key, what;
};

void Interp::limits(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  const Args a = argsOf(st);
  const LimitStmt l{a, st.span, verb, "limits." + verb, "limit " + q(verb)};
  using K = names::LimitInfo::Kind;
  switch (const auto kind = names::findLimit(verb)->kind) {
    case K::Bytes: return limitBytes(l);
    case K::Count: return limitCount(l);
    case K::Weight: return limitWeight(l);
    case K::Cpu: return limitCpu(l);
    case K::String: return limitCpuset(l);
    case K::DeviceBps: return limitDeviceBps(l);
    case K::Hugetlb: return limitHugetlb(l);
    case K::RlimitBytes:
    case K::RlimitCount: return limitRlimit(l, kind == K::RlimitBytes);
  }
}

// The limit's one value, or nullptr (reported) when it is missing or is a call.
const ast::Term* Interp::limitValue(const LimitStmt& l, const char* desc) {
  if (l.a.terms.empty()) {
    err(Code::E0305, l.sp, q(l.verb) + " needs " + desc);
    return nullptr;
  }
  return noCall(*l.a.terms[0]) ? l.a.terms[0] : nullptr;
}

void Interp::setLimit(const LimitStmt& l, std::uint64_t v, std::optional<ir::Located<std::uint64_t>> ir::Limits::*field) {
  const Span sp = l.sp;
  single(l.key, l.what, std::to_string(v), sp, [v, sp, field](ir::Policy& p) {
    p.limits.*field = ir::Located<std::uint64_t>{v, sp};
  });
}

std::optional<std::uint64_t> Interp::limitCountValue(const LimitStmt& l, const Value& v) {
  if (v.kind == VK::Quantity) {
    err(Code::E0302, v.span, q(l.verb) + " is a count and takes no unit (found " + q(v.unit) + ")");
    return std::nullopt;
  }
  return integer(v);
}

void Interp::limitBytes(const LimitStmt& l) {
  const ast::Term* t = limitValue(l, "a size (512MiB)");
  if (!t || !noMore(l.a, 1)) return;
  auto b = bytes(t->head);
  if (!b) return;
  setLimit(l, *b, l.verb == "memory" ? &ir::Limits::memoryMax : l.verb == "memory.high" ? &ir::Limits::memoryHigh
                                                                                          : &ir::Limits::swapMax);
}

void Interp::limitCount(const LimitStmt& l) {
  const ast::Term* t = limitValue(l, "a number");
  if (!t || !noMore(l.a, 1)) return;
  auto n = limitCountValue(l, t->head);
  if (!n) return;
  setLimit(l, *n, l.verb == "pids" ? &ir::Limits::pids
                  : l.verb == "pty" ? &ir::Limits::ptyMax
                  : l.verb == "inotify.instances" ? &ir::Limits::inotifyInstances
                                                  : &ir::Limits::inotifyWatches);
}

void Interp::limitWeight(const LimitStmt& l) {
  const ast::Term* t = limitValue(l, "a weight (1..10000)");
  if (!t || !noMore(l.a, 1)) return;
  auto n = limitCountValue(l, t->head);
  if (!n) return;
  if (*n < 1 || *n > 10000) {
    err(Code::E0301, t->head.span, q(l.verb) + " " + t->head.text + " is out of range (1..10000)");
    return;
  }
  setLimit(l, *n, l.verb == "cpu.weight" ? &ir::Limits::cpuWeight : &ir::Limits::ioWeight);
}

void Interp::limitCpu(const LimitStmt& l) {
  const ast::Term* t = limitValue(l, "a number of CPUs (1.5)");
  if (!t || !noMore(l.a, 1)) return;
  const Value& v = t->head;
  if (v.kind != VK::Integer && v.kind != VK::Decimal) {
    err(v.kind == VK::Quantity ? Code::E0302 : Code::E0304, v.span, "`cpu` takes a number of CPUs such as 1.5, found " + kindName(v.kind));
    return;
  }
  Num n = parseCpuQuota(v.text);
  if (n.error == NumError::Overflow) {
    err(Code::E0303, v.span, "cpu " + v.text + " overflows");
    return;
  }
  if (n.error == NumError::NotWhole) {
    err(Code::E0301, v.span, "cpu " + v.text + " is finer than 0.00001 CPU (1 microsecond per 100ms period)");
    return;
  }
  if (!n.ok()) {
    err(Code::E0304, v.span, q(v.text) + " is not a number of CPUs");
    return;
  }
  if (n.value < 1000) {
    err(Code::E0301, v.span, "cpu " + v.text + " is below the kernel's minimum quota (0.01 CPU)");
    return;
  }
  setLimit(l, n.value, &ir::Limits::cpuQuotaMicros);
}

void Interp::limitCpuset(const LimitStmt& l) {
  const Value* v = want(l.a.terms.empty() ? nullptr : l.a.terms[0], VK::String, "a CPU list string (\"0-1\")", l.sp);
  if (!v || !noMore(l.a, 1)) return;
  if (v->text.empty() || v->text.find_first_not_of("0123456789,-") != std::string::npos) {
    err(Code::E0304, v->span, "cpuset " + q(v->text) + " is not a CPU list such as \"0-3,6\"");
    return;
  }
  std::string s = v->text;
  const Span sp = l.sp;
  single(l.key, l.what, s, sp, [s, sp](ir::Policy& p) { p.limits.cpuset = ir::Located<std::string>{s, sp}; });
}

void Interp::limitDeviceBps(const LimitStmt& l) {
  if (l.a.terms.size() != 2) {
    err(Code::E0305, l.sp, q(l.verb) + " takes a device and a rate: " + l.verb + " \"8:0\" 10MiB;");
    return;
  }
  const Value& dv = l.a.terms[0]->head;
  if ((dv.kind != VK::String && dv.kind != VK::Device) || dv.text.find(':') == std::string::npos ||
      dv.text.find('*') != std::string::npos ||
      !parseInteger(dv.text.substr(0, dv.text.find(':'))).ok() ||
      !parseInteger(dv.text.substr(dv.text.find(':') + 1)).ok()) {
    err(Code::E0304, dv.span, "expected a block device as \"major:minor\" (\"8:0\")");
    return;
  }
  auto b = bytes(l.a.terms[1]->head);
  if (!b) return;
  ir::IoBps io{dv.text, l.verb == "io.write_bps", *b, l.sp};
  single(l.key + ":" + dv.text, l.what + " on " + q(dv.text), std::to_string(*b), l.sp,
         [io](ir::Policy& p) { p.limits.ioBps.push_back(io); });
}

void Interp::limitHugetlb(const LimitStmt& l) {
  if (l.a.terms.size() != 2) {
    err(Code::E0305, l.sp, "`hugetlb` takes a page size and a limit: hugetlb 2MB 0;");
    return;
  }
  const Value& pv = l.a.terms[0]->head;
  // Page sizes use the kernel's naming (2MB, 1GB are binary sizes); KiB/MiB/GiB are accepted too.
  std::uint64_t mult = 0;
  if (pv.kind == VK::Quantity) {
    if (pv.unit == "KB" || pv.unit == "KiB" || pv.unit == "K") mult = 1;
    else if (pv.unit == "MB" || pv.unit == "MiB" || pv.unit == "M") mult = 1024;
    else if (pv.unit == "GB" || pv.unit == "GiB" || pv.unit == "G") mult = 1024 * 1024;
  }
  Num pn = parseInteger(pv.text);
  if (!mult || !pn.ok() || pn.value == 0) {
    err(pv.kind == VK::Quantity && !mult ? Code::E0302 : Code::E0304, pv.span,
        "expected a huge page size such as 2MB or 1GB");
    return;
  }
  std::uint64_t kib = pn.value * mult;
  std::string name = kib % (1024 * 1024) == 0 ? std::to_string(kib / (1024 * 1024)) + "GB"
                     : kib % 1024 == 0        ? std::to_string(kib / 1024) + "MB"
                                              : std::to_string(kib) + "KB";
  auto b = bytes(l.a.terms[1]->head);
  if (!b) return;
  ir::Hugetlb h{name, *b, l.sp};
  single(l.key + ":" + name, "hugetlb " + q(name), std::to_string(*b), l.sp,
         [h](ir::Policy& p) { p.limits.hugetlb.push_back(h); });
}

void Interp::limitRlimit(const LimitStmt& l, bool inBytes) {
  if (l.a.terms.empty() || l.a.terms.size() > 2) {
    err(Code::E0305, l.sp, q(l.verb) + " takes one value (soft = hard) or two (soft hard)");
    return;
  }
  std::uint64_t v[2] = {0, 0};
  for (std::size_t i = 0; i < l.a.terms.size(); ++i) {
    if (!noCall(*l.a.terms[i])) return;
    const Value& x = l.a.terms[i]->head;
    if (x.kind == VK::Ident && (x.text == "unlimited" || x.text == "infinity")) {
      v[i] = ir::kUnlimited;
      continue;
    }
    auto n = inBytes ? bytes(x) : limitCountValue(l, x);
    if (!n) return;
    if (*n == ir::kUnlimited) {
      err(Code::E0303, x.span, "this value is reserved for `unlimited`");
      return;
    }
    v[i] = *n;
  }
  if (l.a.terms.size() == 1) v[1] = v[0];
  if (v[0] > v[1]) {
    err(Code::E0301, l.a.terms[0]->head.span, "the soft limit is above the hard limit");
    return;
  }
  ir::Rlimit r{l.verb, v[0], v[1], l.sp};
  single(l.key, l.what, std::to_string(v[0]) + " " + std::to_string(v[1]), l.sp,
         [r](ir::Policy& p) { p.limits.rlimits.push_back(r); });
}

// ---- sysctl ----------------------------------------------------------------------------------------
void Interp::sysctl(const ast::Statement& st, const std::string&) {
  const ast::Term& head = st.clauses[0].terms[0];
  if (st.clauses.size() != 1 || st.clauses[0].terms.size() != 1 || head.head.kind != VK::Ident || head.isCall) {
    err(Code::E0304, st.span, "a sysctl statement is `key = value;` (net.ipv4.ip_forward = 0;)");
    return;
  }
  const std::string& key = head.head.text;
  if (!st.assigned) {
    err(Code::E0305, st.span, "sysctl " + q(key) + " needs a value: `" + key + " = VALUE;`");
    return;
  }
  if (key.find('.') == std::string::npos || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string::npos) {
    err(Code::E0207, head.head.span, q(key) + " is not a sysctl key (dotted, like net.ipv4.ip_forward)");
    return;
  }
  if (!names::sysctlIsNamespaced(key)) {
    err(Code::E0504, head.head.span, "sysctl " + q(key) +
                                     " is not namespaced: setting it in a container changes it for the whole host "
                                     "(allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.hostname, "
                                     "kernel.domainname, fs.mqueue.*)");
    return;
  }
  const Value& v = *st.assigned;
  if (v.kind == VK::Group || v.kind == VK::Device) {
    err(Code::E0304, v.span, "a sysctl value is a number, a word or a string");
    return;
  }
  std::string value = v.text + (v.kind == VK::Quantity ? v.unit : "");
  if (v.kind == VK::Integer) {
    Num n = parseInteger(v.text);
    if (n.error == NumError::Overflow) {
      err(Code::E0303, v.span, q(v.text) + " does not fit in 64 bits");
      return;
    }
    if (n.ok()) value = std::to_string(n.value);
  }
  ir::Sysctl s{key, value, st.span};
  single("sysctl:" + key, "sysctl " + q(key), value, st.span, [s](ir::Policy& p) { p.sysctls.push_back(s); });
}

}  // namespace ward::sema::detail
