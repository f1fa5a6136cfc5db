// The handlers of the network and capabilities sections (declared in statements.def; see interp.h).
#include "sema/interp.h"

namespace ward::sema::detail {

// ---- network ---------------------------------------------------------------------------------------
void Interp::network(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  Span sp = st.span;
  if (verb == "none" || verb == "raw" || verb == "packet" || verb == "netlink") {
    if (!noMore(a, 0)) return;
    std::string v = verb;
    single("network." + verb, q(verb), "on", sp, [v, sp](ir::Policy& p) {
      if (v == "none") { p.network.none = true; p.network.noneSpan = sp; }
      else if (v == "raw") p.network.raw = sp;
      else if (v == "packet") p.network.packet = sp;
      else p.network.netlink = sp;
    });
    return;
  }
  if (verb == "unix" || verb == "ipv6" || verb == "ipv6_router_advertisements") {
    auto b = onOff(a, verb.c_str());
    if (!b) return;
    bool v = *b;
    std::string w = verb;
    single("network." + verb, q(verb), v ? "on" : "off", sp, [w, v, sp](ir::Policy& p) {
      if (w == "unix") p.network.unix = ir::Located<bool>{v, sp};
      else if (w == "ipv6") p.network.ipv6 = v;
      else p.network.ipv6RouterAdvertisements = {v, sp};
    });
    return;
  }
  if (verb == "families") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "`any`", sp);
    if (!v || !noMore(a, 1)) return;
    if (v->text != "any") {
      err(Code::E0304, v->span, "`families` takes `any` (no socket family restricted), not " + q(v->text) +
                                    "; name families with `netlink;`, `packet;`, `raw;`, `listen`/`connect`");
      return;
    }
    single("network.families", "`families`", "any", sp, [sp](ir::Policy& p) { p.network.familiesAny = sp; });
    return;
  }
  if (verb == "bridge") {
    const Value* v = want(a.terms.empty() ? nullptr : a.terms[0], VK::String, "a bridge name string", sp);
    if (!v || !noMore(a, 1)) return;
    if (v->text.empty() || v->text.size() > 15 || v->text.find_first_of("/ \t:") != std::string::npos) {
      err(Code::E0304, v->span, "bridge name " + q(v->text) + " is not a valid interface name (1..15 characters, no '/', ':' or spaces)");
      return;
    }
    std::string name = v->text;
    single("network.bridge", "`bridge`", name, sp,
           [name, sp](ir::Policy& p) { p.network.bridge = ir::Located<std::string>{name, sp}; });
    return;
  }
  networkEndpoint(a, verb, sp);
}

// listen / connect PROTO [HOST] PORTS...
void Interp::networkEndpoint(const Args& a, const std::string& verb, const Span& sp) {
  ir::Endpoint e;
  e.span = sp;
  const Value* proto = want(a.terms.empty() ? nullptr : a.terms[0], VK::Ident, "a protocol: tcp, udp or sctp", sp);
  if (!proto) return;
  if (proto->text == "tcp") e.proto = ir::Endpoint::Proto::Tcp;
  else if (proto->text == "udp") e.proto = ir::Endpoint::Proto::Udp;
  else if (proto->text == "sctp") e.proto = ir::Endpoint::Proto::Sctp;
  else {
    err(Code::E0304, proto->span, "unknown protocol " + q(proto->text) + suggest(proto->text, {"tcp", "udp", "sctp"}));
    return;
  }
  std::size_t i = 1;
  if (verb == "connect" && i < a.terms.size() && a.terms[i]->head.kind == VK::String) {
    e.host = a.terms[i]->head.text;
    if (e.host.empty()) {
      err(Code::E0304, a.terms[i]->head.span, "empty host name");
      return;
    }
    ++i;
  }
  bool ok = true;
  for (; i < a.terms.size(); ++i) {
    auto port = portRange(*a.terms[i]);
    if (port) e.ports.push_back(*port);
    else ok = false;
  }
  if (!ok) return;
  if (verb == "listen" && e.ports.empty()) {
    err(Code::E0305, sp, "`listen` needs at least one port: `listen tcp 80;`");
    return;
  }
  (verb == "listen" ? level_.listen : level_.connect).push_back(std::move(e));
}

// One port or port range (1..65535), or nullopt when it is reported.
std::optional<ir::PortRange> Interp::portRange(const ast::Term& t) {
  const Value& v = t.head;
  if (!noCall(t)) return std::nullopt;
  std::uint64_t lo = 0, hi = 0;
  if (v.kind == VK::Integer) {
    Num n = parseInteger(v.text);
    if (!n.ok()) n.value = 0;
    lo = hi = n.value;
  } else if (v.kind == VK::Range) {
    auto dash = v.text.find('-');
    Num n1 = parseInteger(v.text.substr(0, dash));
    Num n2 = dash == std::string::npos ? Num{0, NumError::Syntax} : parseInteger(v.text.substr(dash + 1));
    lo = n1.ok() ? n1.value : 0;
    hi = n2.ok() ? n2.value : 0;
    if (lo > hi && lo <= 65535 && hi >= 1) {
      err(Code::E0301, v.span, "port range " + q(v.text) + " is empty (first port above last)");
      return std::nullopt;
    }
  } else {
    err(Code::E0304, v.span, "expected a port or port range, found " + kindName(v.kind));
    return std::nullopt;
  }
  if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
    err(Code::E0301, v.span, "port " + q(v.text) + " is out of range (1..65535)");
    return std::nullopt;
  }
  return ir::PortRange{static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi), v.span};
}

// ---- capabilities ----------------------------------------------------------------------------------
std::optional<ir::Capability> Interp::capability(const Value& v) {
  const names::CapabilityInfo* c = nullptr;
  if (v.kind == VK::Integer) {
    Num n = parseInteger(v.text);
    if (n.ok() && n.value <= 40) c = names::findCapability(static_cast<int>(n.value));
    if (!c) {
      err(Code::E0203, v.span, "capability number " + v.text + " is out of range (0..40)");
      return std::nullopt;
    }
  } else if (v.kind == VK::Ident) {
    c = names::findCapability(v.text);
    if (!c) {
      std::string lower;
      for (char ch : v.text) lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      if (lower.rfind("cap_", 0) == 0 && names::findCapability(lower.substr(4))) {
        err(Code::E0203, v.span, "write capabilities without the cap_ prefix: " + q(lower.substr(4)));
        return std::nullopt;
      }
      err(Code::E0203, v.span, "unknown capability " + q(v.text) + suggest(lower, names::capabilityNames()));
      return std::nullopt;
    }
  } else {
    err(Code::E0304, v.span, "expected a capability name, found " + kindName(v.kind));
    return std::nullopt;
  }
  return ir::Capability{std::string(c->name), c->number, v.span, ""};
}

void Interp::capabilities(const ast::Statement& st, const std::string& verb) {
  if (!noAssign(st)) return;
  Args a = argsOf(st);
  if (a.terms.empty()) {
    err(Code::E0305, st.span, q(verb) + " needs at least one capability");
    return;
  }
  if (verb == "keep" && a.terms[0]->head.kind == VK::Ident && a.terms[0]->head.text == "all") {
    if (!noMore(a, 1)) return;
    Span sp = st.span;
    single("capabilities.keep_all", "`keep all`", "all", sp, [sp](ir::Policy& p) {
      p.capabilities.keepAll = true;
      p.capabilities.keepAllSpan = sp;
    });
    return;
  }
  for (const auto* t : a.terms) {
    if (!noCall(*t)) continue;
    auto c = capability(t->head);
    if (!c) continue;
    auto& mine = verb == "keep" ? level_.keep : level_.drop;
    auto& other = verb == "keep" ? level_.drop : level_.keep;
    auto contra = std::find_if(other.begin(), other.end(), [&](const ir::Capability& x) { return x.name == c->name; });
    if (contra != other.end()) {
      auto& d = err(Code::E0405, c->span, "capability " + q(c->name) + " is both kept and dropped in this policy");
      d.notes.push_back({contra->span, verb == "keep" ? "dropped here" : "kept here"});
      continue;
    }
    mine.push_back(*c);
  }
}

}  // namespace ward::sema::detail
