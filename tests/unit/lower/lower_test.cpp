// lower(): derivations with provenance, the socket() partition, determinism.
#include "lower/lower.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>

#include "lower/internal.h"
#include "policy_builder.h"

namespace ward {
namespace {

using namespace ward::lowertest;
using ir::Action;

ir::Policy lowered(ir::Policy p) {
  Diagnostics d;
  auto l = lower::lower(std::move(p), d);
  EXPECT_FALSE(d.hasErrors());
  EXPECT_TRUE(l.has_value());
  return l ? l->policy() : ir::Policy{};
}

const ir::Capability* findCap(const ir::Policy& p, const std::string& name) {
  for (const auto& c : p.mechanism.capabilities)
    if (c.name == name) return &c;
  return nullptr;
}

bool hasRule(const ir::Policy& p, const std::string& text) {
  return std::any_of(p.mechanism.apparmorRules.begin(), p.mechanism.apparmorRules.end(),
                     [&](const ir::AppArmorRule& r) { return r.text == text; });
}

const ir::AppArmorRule* aaRule(const ir::Policy& p, const std::string& text) {
  for (const auto& r : p.mechanism.apparmorRules)
    if (r.text == text) return &r;
  return nullptr;
}

// ---- capabilities ----------------------------------------------------------------------------------
TEST(LowerCapabilities, ListenBelow1024DerivesNetBindServiceWithProvenance) {
  ir::Policy p = basePolicy();
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 8080, 8080, 4), endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 5)};
  p = lowered(p);
  const auto* c = findCap(p, "net_bind_service");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->number, 10);
  EXPECT_EQ(c->derivedFrom, "network listen tcp 80");
  EXPECT_EQ(p.where(c->span), "examples/web.ward:5");
}

TEST(LowerCapabilities, HighPortsNeedNothing) {
  ir::Policy p = basePolicy();
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 1024, 2000, 4)};
  p.network.connect = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 5)};   // connect binds no low port
  EXPECT_EQ(findCap(lowered(p), "net_bind_service"), nullptr);
}

TEST(LowerCapabilities, UnprivilegedPortStartSysctlDecides) {
  ir::Policy p = basePolicy();
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 4)};
  p.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "0", lineSpan(6)}};
  EXPECT_EQ(findCap(lowered(p), "net_bind_service"), nullptr);
  // Raised above 1024: port 8080 now needs it.
  p.network.listen = {endpoint(ir::Endpoint::Proto::Udp, 8080, 8080, 4)};
  p.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "9000", lineSpan(6)}};
  ir::Policy raised = lowered(p);
  const auto* c = findCap(raised, "net_bind_service");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->derivedFrom, "network listen udp 8080");
}

TEST(LowerCapabilities, RawPacketAndMknodDerive) {
  ir::Policy p = basePolicy();
  p.network.packet = lineSpan(7);
  p.devices = {device('c', 10, 200, "/dev/net/tun", true, true, false, 8),
               device('b', 7, -1, "", true, true, true, 9)};
  p = lowered(p);
  const auto* raw = findCap(p, "net_raw");
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->derivedFrom, "network packet");
  EXPECT_EQ(raw->span.line, 7u);
  const auto* mk = findCap(p, "mknod");
  ASSERT_NE(mk, nullptr);
  EXPECT_EQ(mk->derivedFrom, "devices allow block 7:* rwm");
  EXPECT_EQ(mk->span.line, 9u);
}

TEST(LowerCapabilities, WrittenKeepWinsProvenanceSortedUniqueAndDropRemoves) {
  ir::Policy p = basePolicy();
  p.capabilities.keep = {cap("setuid", 7, 3), cap("net_bind_service", 10, 3), cap("chown", 0, 3)};
  p.capabilities.drop = {cap("setuid", 7, 4)};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 443, 443, 5)};
  p.network.raw = lineSpan(6);
  p = lowered(p);
  std::vector<std::string> names;
  for (const auto& c : p.mechanism.capabilities) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"chown", "net_bind_service", "net_raw"}));
  EXPECT_TRUE(findCap(p, "net_bind_service")->derivedFrom.empty());   // written: not "derived"
  // drop also removes a derived capability.
  p.capabilities.drop.push_back(cap("net_raw", 13, 7));
  EXPECT_EQ(findCap(lowered(p), "net_raw"), nullptr);
}

TEST(LowerCapabilities, KeepAllKeepsEveryCapability) {
  ir::Policy p = basePolicy();
  p.capabilities.keepAll = true;
  p.capabilities.keepAllSpan = lineSpan(3);
  p.capabilities.drop = {cap("sys_module", 16, 4)};
  p = lowered(p);
  EXPECT_EQ(p.mechanism.capabilities.size(), 40u);   // 0..40 without sys_module
  EXPECT_EQ(findCap(p, "sys_module"), nullptr);
  EXPECT_EQ(findCap(p, "chown")->derivedFrom, "keep all");
  EXPECT_TRUE(hasRule(p, "capability,"));
  EXPECT_FALSE(p.mechanism.allCapabilities);   // one is dropped (and the policy is not privileged)
  ir::Policy priv = basePolicy();
  priv.identity.privileged = true;
  priv.capabilities.keepAll = true;
  EXPECT_TRUE(lowered(priv).mechanism.allCapabilities);
  priv.capabilities.drop = {cap("sys_module", 16, 4)};
  EXPECT_FALSE(lowered(priv).mechanism.allCapabilities);   // the backends then list what is kept
}

// ---- socket() -----------------------------------------------------------------------------------------
// Evaluates the derived rules the way the kernel filter would: the rules matching (domain, type).
std::vector<const ir::SyscallRule*> matching(const ir::Policy& p, std::uint64_t domain, std::uint64_t type) {
  std::vector<const ir::SyscallRule*> out;
  for (const auto& r : p.mechanism.syscallRules) {
    if (r.name != "socket") continue;
    bool all = true;
    for (const auto& c : r.conditions) {
      std::uint64_t a = c.index == 0 ? domain : c.index == 1 ? type : 0;
      bool ok = false;
      switch (c.op) {
        case ir::ArgCondition::Op::Eq: ok = a == c.value; break;
        case ir::ArgCondition::Op::Ne: ok = a != c.value; break;
        case ir::ArgCondition::Op::Lt: ok = a < c.value; break;
        case ir::ArgCondition::Op::Le: ok = a <= c.value; break;
        case ir::ArgCondition::Op::Gt: ok = a > c.value; break;
        case ir::ArgCondition::Op::Ge: ok = a >= c.value; break;
        case ir::ArgCondition::Op::MaskedEq: ok = (a & c.mask) == c.value; break;
      }
      all = all && ok;
    }
    if (all) out.push_back(&r);
  }
  return out;
}

// The one action socket(domain, type) gets; fails the test if zero or several rules match.
std::optional<Action> socketAction(const ir::Policy& p, std::uint64_t domain, std::uint64_t type) {
  auto m = matching(p, domain, type);
  EXPECT_EQ(m.size(), 1u) << "domain " << domain << " type " << type;
  if (m.size() != 1) return std::nullopt;
  return m[0]->action;
}

constexpr std::uint64_t kStream = 1, kDgram = 2, kRaw = 3, kSeqpacket = 5, kCloexec = 0x80000, kNonblock = 0x800;

TEST(LowerSocket, UnconditionalAllowIsReplacedByAPartitionOfFamiliesAndTypes) {
  ir::Policy p = basePolicy();
  p.syscalls.rules = {allow("read", 3, "@system-service"), allow("socket", 3, "@system-service")};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 5)};
  p = lowered(p);
  // No unconditional socket rule is left.
  for (const auto& r : p.mechanism.syscallRules)
    if (r.name == "socket") {
      EXPECT_FALSE(r.conditions.empty());
      EXPECT_FALSE(r.derivedFrom.empty());
      EXPECT_TRUE(r.span.valid());
    }
  const std::set<std::uint64_t> allowed = {1, 2, 10};
  for (std::uint64_t domain = 0; domain < 70; ++domain) {
    for (std::uint64_t type : {kStream, kDgram, kRaw, kSeqpacket, kStream | kCloexec, kRaw | kNonblock, 0ul, 15ul}) {
      auto a = socketAction(p, domain, type);
      ASSERT_TRUE(a);
      if (!allowed.count(domain)) {
        EXPECT_EQ(a->kind, Action::Kind::Errno);
        EXPECT_EQ(a->errnoValue, 97) << domain;   // EAFNOSUPPORT
      } else if (domain != 1 && (type & 0xf) == kRaw) {
        EXPECT_EQ(a->kind, Action::Kind::Errno);
        EXPECT_EQ(a->errnoValue, 1);   // EPERM, as the kernel without net_raw
      } else {
        EXPECT_EQ(a->kind, Action::Kind::Allow) << domain << " " << type;
      }
    }
  }
  // A family with garbage in the upper 32 bits never reaches an allow.
  auto hi = socketAction(p, (1ull << 32) | 2, kStream);
  ASSERT_TRUE(hi);
  EXPECT_EQ(hi->kind, Action::Kind::Errno);
  // Provenance: the AF_INET allow points at the listen statement.
  auto m = matching(p, 2, kStream);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]->span.line, 5u);
  EXPECT_NE(m[0]->derivedFrom.find("network listen tcp 80"), std::string::npos);
  // Unix sockets (default on) point back at the rule that allowed socket().
  m = matching(p, 1, kStream);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]->span.line, 3u);
}

TEST(LowerSocket, RawAllowsSockRawAndIpv6OffRefusesInet6) {
  ir::Policy p = basePolicy();
  p.syscalls.rules = {allow("socket", 3)};
  p.network.raw = lineSpan(4);
  p.network.ipv6 = false;
  p = lowered(p);
  EXPECT_EQ(socketAction(p, 2, kRaw)->kind, Action::Kind::Allow);
  EXPECT_EQ(socketAction(p, 10, kStream)->errnoValue, 97);
  EXPECT_EQ(socketAction(p, 17, kRaw)->errnoValue, 97);   // raw is not packet
}

TEST(LowerSocket, NetworkNoneLeavesUnixOnlyAndUnixOffLeavesNothing) {
  ir::Policy p = basePolicy();
  p.syscalls.rules = {allow("socket", 3)};
  p.network.none = true;
  ir::Policy none = lowered(p);
  EXPECT_EQ(socketAction(none, 1, kStream)->kind, Action::Kind::Allow);
  EXPECT_EQ(socketAction(none, 2, kStream)->errnoValue, 97);
  EXPECT_EQ(socketAction(none, 16, kRaw)->errnoValue, 97);
  p.network.unix = ir::Located<bool>{false, lineSpan(5)};
  ir::Policy nothing = lowered(p);
  int count = 0;
  for (const auto& r : nothing.mechanism.syscallRules)
    if (r.name == "socket") {
      ++count;
      EXPECT_TRUE(r.conditions.empty());
      EXPECT_EQ(r.action.errnoValue, 97);
    }
  EXPECT_EQ(count, 1);
}

// `network { families any; }` (what `ward import` writes): no socket() rule is derived; the written ones
// and the default action decide, and AppArmor allows every family (the base denies stay).
TEST(LowerSocket, FamiliesAnyDerivesNothing) {
  ir::Policy p = basePolicy();
  p.syscalls.defaultAction = {{Action::Kind::Allow, 0, ""}, lineSpan(2)};
  p.network.familiesAny = lineSpan(4);
  ir::Policy byDefault = lowered(p);
  for (const auto& r : byDefault.mechanism.syscallRules) EXPECT_NE(r.name, "socket");
  EXPECT_TRUE(hasRule(byDefault, "network,"));
  EXPECT_TRUE(hasRule(byDefault, "deny network vsock,"));

  ir::Policy written = basePolicy();
  written.syscalls.rules = {allow("socket", 3)};
  written.syscalls.rules.push_back(allow("socket", 5));
  written.syscalls.rules.back().action = {Action::Kind::Errno, 97, "EAFNOSUPPORT"};
  ir::ArgCondition vsock;
  vsock.index = 0;
  vsock.op = ir::ArgCondition::Op::Eq;
  vsock.value = 40;
  written.syscalls.rules.back().conditions = {vsock};
  written.network.familiesAny = lineSpan(4);
  written = lowered(written);
  EXPECT_EQ(socketAction(written, 2, kStream)->kind, Action::Kind::Allow);
  EXPECT_EQ(socketAction(written, 38, kStream)->kind, Action::Kind::Allow);
  int count = 0;
  for (const auto& r : written.mechanism.syscallRules) {
    if (r.name != "socket") continue;
    ++count;
    EXPECT_TRUE(r.derivedFrom.empty());
    if (!r.conditions.empty()) {
      EXPECT_EQ(r.conditions, std::vector<ir::ArgCondition>{vsock});
    }
  }
  EXPECT_EQ(count, 2);   // exactly the two written, as written
}

TEST(LowerSocket, NetlinkAndPacketAreAllowedWhenDeclared) {
  ir::Policy p = basePolicy();
  p.syscalls.defaultAction = {{Action::Kind::Allow, 0, ""}, lineSpan(2)};   // socket() allowed by default
  p.network.netlink = lineSpan(4);
  p.network.packet = lineSpan(5);
  p = lowered(p);
  EXPECT_EQ(socketAction(p, 16, kRaw)->kind, Action::Kind::Allow);
  EXPECT_EQ(socketAction(p, 17, kRaw)->kind, Action::Kind::Allow);
  EXPECT_EQ(socketAction(p, 2, kStream)->errnoValue, 97);   // no listen/connect: no inet
  EXPECT_EQ(socketAction(p, 38, kStream)->errnoValue, 97);  // AF_ALG
  EXPECT_EQ(socketAction(p, 40, kStream)->errnoValue, 97);  // AF_VSOCK
}

TEST(LowerSocket, ExplicitConditionsOrDenialsStandAsWritten) {
  ir::Policy p = basePolicy();
  ir::SyscallRule cond = allow("socket", 3);
  ir::ArgCondition c;
  c.index = 0;
  c.value = 2;
  cond.conditions = {c};
  p.syscalls.rules = {cond};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 5)};
  ir::Policy a = lowered(p);
  ASSERT_EQ(std::count_if(a.mechanism.syscallRules.begin(), a.mechanism.syscallRules.end(),
                          [](const ir::SyscallRule& r) { return r.name == "socket"; }),
            1);
  p.syscalls.rules = {denyRule("socket", 3)};
  ir::Policy b = lowered(p);
  ASSERT_EQ(b.mechanism.syscallRules.size(), 1u);
  EXPECT_TRUE(b.mechanism.syscallRules[0].derivedFrom.empty());
  // socket() not mentioned and a denying default: nothing to restrict.
  p.syscalls.rules.clear();
  EXPECT_TRUE(lowered(p).mechanism.syscallRules.empty());
}

ir::ArgCondition cond(unsigned index, ir::ArgCondition::Op op, std::uint64_t value) {
  ir::ArgCondition c;
  c.index = index;
  c.op = op;
  c.value = value;
  return c;
}

// Like examples/web-nginx.ward: socket() allowed by a group, plus the policy's own refinements.
TEST(LowerSocket, PolicyRefinementsKeepPrecedenceOverTheDerivedPartition) {
  ir::Policy p = basePolicy();
  ir::SyscallRule packet = denyRule("socket", 8);
  packet.conditions = {cond(0, ir::ArgCondition::Op::Eq, 17)};
  ir::SyscallRule audit = denyRule("socket", 8);
  audit.conditions = {cond(0, ir::ArgCondition::Op::Eq, 16), cond(2, ir::ArgCondition::Op::Eq, 9)};
  ir::SyscallRule icmp = denyRule("socket", 9);   // a declared family refined on the protocol
  icmp.conditions = {cond(0, ir::ArgCondition::Op::Eq, 2), cond(2, ir::ArgCondition::Op::Eq, 1)};
  p.syscalls.rules = {allow("socket", 3, "@system-service"), packet, audit, icmp};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 5)};
  p.network.ipv6 = false;
  Diagnostics d;
  auto l = lower::lower(p, d);
  ASSERT_TRUE(l.has_value());
  p = l->policy();
  EXPECT_TRUE(d.empty());
  // Evaluate with a protocol argument too.
  auto act = [&](std::uint64_t dom, std::uint64_t type, std::uint64_t proto) -> std::optional<Action> {
    std::vector<const ir::SyscallRule*> m;
    for (const auto& r : p.mechanism.syscallRules) {
      if (r.name != "socket") continue;
      bool all = true;
      for (const auto& c : r.conditions) {
        std::uint64_t a = c.index == 0 ? dom : c.index == 1 ? type : proto;
        switch (c.op) {
          case ir::ArgCondition::Op::Eq: all = all && a == c.value; break;
          case ir::ArgCondition::Op::Ne: all = all && a != c.value; break;
          case ir::ArgCondition::Op::Ge: all = all && a >= c.value; break;
          case ir::ArgCondition::Op::MaskedEq: all = all && (a & c.mask) == c.value; break;
          default: all = false;
        }
      }
      if (all) m.push_back(&r);
    }
    EXPECT_EQ(m.size(), 1u) << dom << "/" << type << "/" << proto;
    if (m.size() != 1) return std::nullopt;
    return m[0]->action;
  };
  EXPECT_EQ(act(17, kRaw, 0)->errnoValue, 1);     // the policy's deny, not EAFNOSUPPORT
  EXPECT_EQ(act(16, kRaw, 9)->errnoValue, 1);     // NETLINK_AUDIT: the policy's deny
  EXPECT_EQ(act(16, kRaw, 0)->errnoValue, 97);    // other netlink: not declared
  EXPECT_EQ(act(2, kDgram, 1)->errnoValue, 1);    // inet ICMP: the policy's deny
  EXPECT_EQ(act(2, kDgram, 17)->kind, Action::Kind::Allow);
  EXPECT_EQ(act(2, kRaw, 0)->errnoValue, 1);
  EXPECT_EQ(act(1, kStream, 0)->kind, Action::Kind::Allow);
  EXPECT_EQ(act(15, kStream, 0)->errnoValue, 97);
  EXPECT_EQ(act(18, kStream, 0)->errnoValue, 97);
  EXPECT_EQ(act(10, kStream, 0)->errnoValue, 97);   // ipv6 off

  // A refinement ward cannot combine: warned, and the rules stand as written.
  ir::SyscallRule odd = denyRule("socket", 10);
  odd.conditions = {cond(1, ir::ArgCondition::Op::Eq, 3)};   // no family
  p.syscalls.rules.push_back(odd);
  Diagnostics d2;
  auto l2 = lower::lower(p, d2);
  ASSERT_TRUE(l2.has_value());
  p = l2->policy();
  ASSERT_EQ(d2.items().size(), 1u);
  EXPECT_EQ(d2.items()[0].code, "W0003");
  EXPECT_EQ(d2.items()[0].span.line, 10u);
  EXPECT_EQ(std::count_if(p.mechanism.syscallRules.begin(), p.mechanism.syscallRules.end(),
                          [](const ir::SyscallRule& r) { return r.name == "socket"; }),
            5);
}

// What sema resolves for `policy p extends base.unprivileged { network { listen tcp 80; } syscalls { deny
// socket(domain == AF_PACKET); } }`: base's unconditional allow (through @system-service) is inherited and
// the child's conditional deny is added to it (language.md, "Inheritance"). The derived partition keeps
// every declared family allowed and leaves AF_PACKET to the child's deny.
TEST(LowerSocket, InheritedAllowNarrowedByAChildsConditionalDeny) {
  ir::Policy p = basePolicy();
  ir::SyscallRule packet = denyRule("socket", 4);
  packet.conditions = {cond(0, ir::ArgCondition::Op::Eq, 17)};
  p.syscalls.rules = {allow("socket", 2, "@system-service"), packet};
  p.network.listen = {endpoint(ir::Endpoint::Proto::Tcp, 80, 80, 3)};
  p = lowered(p);
  for (std::uint64_t type : {kStream, kDgram, kSeqpacket, kStream | kCloexec}) {
    EXPECT_EQ(socketAction(p, 2, type)->kind, Action::Kind::Allow) << type;    // AF_INET: nginx listens
    EXPECT_EQ(socketAction(p, 10, type)->kind, Action::Kind::Allow) << type;   // AF_INET6
    EXPECT_EQ(socketAction(p, 1, type)->kind, Action::Kind::Allow) << type;    // AF_UNIX
  }
  auto pk = matching(p, 17, kRaw);
  ASSERT_EQ(pk.size(), 1u);   // the child's rule alone, not an EAFNOSUPPORT cell next to it
  EXPECT_EQ(pk[0]->action.errnoValue, 1);
  EXPECT_EQ(pk[0]->span.line, 4u);
  EXPECT_TRUE(pk[0]->derivedFrom.empty());
  EXPECT_EQ(socketAction(p, 2, kRaw)->errnoValue, 1);     // no `raw`: EPERM
  EXPECT_EQ(socketAction(p, 16, kRaw)->errnoValue, 97);   // undeclared: EAFNOSUPPORT
}

TEST(LowerSyscalls, MknodRulesDeriveFromDevicesWithM) {
  ir::Policy p = basePolicy();
  p.devices = {device('c', 10, 229, "/dev/fuse", true, true, true, 4), device('b', 7, -1, "", false, false, true, 5)};
  p = lowered(p);
  std::vector<const ir::SyscallRule*> mknod, mknodat;
  for (const auto& r : p.mechanism.syscallRules) {
    if (r.name == "mknod") mknod.push_back(&r);
    if (r.name == "mknodat") mknodat.push_back(&r);
  }
  ASSERT_EQ(mknod.size(), 2u);
  ASSERT_EQ(mknodat.size(), 2u);
  bool sawFuse = false;
  for (const auto* r : mknodat) {
    EXPECT_EQ(r->action.kind, Action::Kind::Allow);
    EXPECT_FALSE(r->derivedFrom.empty());
    ASSERT_EQ(r->conditions.size(), 2u);
    EXPECT_EQ(r->conditions[0].index, 2u);   // mode
    EXPECT_EQ(r->conditions[1].index, 3u);   // dev
    if (r->conditions[1].op == ir::ArgCondition::Op::Eq) {
      EXPECT_EQ(r->conditions[0].value, 0020000u);                     // S_IFCHR
      EXPECT_EQ(r->conditions[1].value, (10u << 8) | 229u);            // makedev(10, 229)
      EXPECT_EQ(r->span.line, 4u);
      sawFuse = true;
    } else {
      EXPECT_EQ(r->conditions[0].value, 0060000u);                     // S_IFBLK
      EXPECT_EQ(r->conditions[1].mask, 0xfff00u);
      EXPECT_EQ(r->conditions[1].value, 7u << 8);
    }
  }
  EXPECT_TRUE(sawFuse);
  // A policy that already decides mknod keeps its own rule only.
  p.syscalls.rules = {denyRule("mknod", 6), denyRule("mknodat", 6)};
  p = lowered(p);
  EXPECT_EQ(p.mechanism.syscallRules.size(), 2u);
}

TEST(LowerSyscalls, RulesAreSortedByNameThenConditions) {
  ir::Policy p = fullPolicy();
  p = lowered(p);
  const auto& rules = p.mechanism.syscallRules;
  for (std::size_t i = 1; i < rules.size(); ++i) EXPECT_LE(rules[i - 1].name, rules[i].name);
}

// ---- AppArmor rules ---------------------------------------------------------------------------------
TEST(LowerAppArmor, FileRulesMapToPermissionsWithProvenance) {
  ir::Policy p = lowered(fullPolicy());
  EXPECT_TRUE(hasRule(p, "/etc/nginx/** r,"));
  EXPECT_TRUE(hasRule(p, "/var/log/nginx/** rw,"));
  EXPECT_TRUE(hasRule(p, "/var/log/audit.log ra,"));
  EXPECT_TRUE(hasRule(p, "/usr/sbin/nginx rmix,"));
  EXPECT_TRUE(hasRule(p, "/var/lib/app/** lk,"));
  EXPECT_TRUE(hasRule(p, "owner /home/*/** rw,"));
  EXPECT_TRUE(hasRule(p, "deny /etc/shadow rwmlkx,"));
  EXPECT_TRUE(hasRule(p, "deny /etc/** w,"));
  EXPECT_TRUE(hasRule(p, "\"/srv/with space/**\" r,"));
  const auto* r = aaRule(p, "/usr/sbin/nginx rmix,");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(p.where(r->span), "examples/full.ward:6");
  EXPECT_EQ(r->why, "files exec");
  // An allow-list: no broad file rule, but libraries can be mapped.
  EXPECT_FALSE(hasRule(p, "file,"));
  EXPECT_TRUE(hasRule(p, "/{,usr/}lib{,32,64,x32}/** mr,"));
}

TEST(LowerAppArmor, NoAllowedFilesMeansBroadFileAccessWithDenies) {
  ir::Policy p = basePolicy();
  p.files.rules = {fileRule("/etc/shadow", 0, 3, true)};
  p = lowered(p);
  EXPECT_TRUE(hasRule(p, "file,"));
  EXPECT_TRUE(hasRule(p, "deny /etc/shadow rwmlkx,"));
}

TEST(LowerAppArmor, BaseDeniesAreAlwaysThere) {
  for (auto mode : {ir::FsMode::Ro, ir::FsMode::Mixed, ir::FsMode::Rw}) {
    ir::Policy p = basePolicy();
    p.files.proc.value = mode;
    p.files.sys.value = mode;
    p = lowered(p);
    for (const char* text : {"deny @{PROC}/sysrq-trigger rwklx,", "deny @{PROC}/kcore rwklx,",
                             "deny /sys/kernel/security/{,**} rwklx,", "deny /sys/firmware/efi/efivars/{,**} rwklx,",
                             "deny mount fstype=securityfs,", "deny mount fstype=debugfs,",
                             "deny mount fstype=binfmt_misc,", "deny mount fstype=cgroup,", "deny pivot_root,",
                             "deny network alg,", "deny network vsock,", "deny network packet,",
                             "deny /**/release_agent wklx,"}) {
      const auto* r = aaRule(p, text);
      ASSERT_NE(r, nullptr) << text;
      EXPECT_EQ(r->span, p.span);
      EXPECT_EQ(r->why.rfind("ward base", 0), 0u) << r->why;
    }
    // The /proc/sys allow-list follows the proc mode.
    EXPECT_EQ(hasRule(p, "deny /proc/sys/[^kn]*{,/**} wklx,"), mode != ir::FsMode::Rw);
    EXPECT_EQ(hasRule(p, "deny @{PROC}/** wkl,"), mode == ir::FsMode::Ro);
    EXPECT_EQ(hasRule(p, "deny /sys/class/[^n]*{,/**} wklx,"), mode == ir::FsMode::Mixed);
    EXPECT_EQ(hasRule(p, "deny /sys/[^f]*{,/**} wklx,"), mode == ir::FsMode::Ro);
  }
}

TEST(LowerAppArmor, NetworkRulesFollowStatements) {
  ir::Policy p = lowered(fullPolicy());
  const auto* stream = aaRule(p, "network inet stream,");
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->span.line, 20u);
  EXPECT_EQ(stream->why, "network listen tcp 80");
  const auto* dgram6 = aaRule(p, "network inet6 dgram,");
  ASSERT_NE(dgram6, nullptr);
  EXPECT_EQ(dgram6->why, "network listen udp 5353");
  EXPECT_TRUE(hasRule(p, "network unix,"));
  EXPECT_TRUE(hasRule(p, "network netlink raw,"));
  EXPECT_TRUE(hasRule(p, "deny network inet raw,"));
  EXPECT_TRUE(hasRule(p, "deny network packet,"));
  EXPECT_FALSE(hasRule(p, "network inet seqpacket,"));

  ir::Policy q = basePolicy();
  q.network.connect = {endpoint(ir::Endpoint::Proto::Sctp, 9, 9, 4)};
  q.network.raw = lineSpan(5);
  q.network.packet = lineSpan(6);
  q.network.ipv6 = false;
  q = lowered(q);
  EXPECT_TRUE(hasRule(q, "network inet seqpacket,"));
  EXPECT_TRUE(hasRule(q, "network inet raw,"));
  EXPECT_TRUE(hasRule(q, "network packet,"));
  EXPECT_FALSE(hasRule(q, "deny network packet,"));
  EXPECT_FALSE(hasRule(q, "deny network inet raw,"));
  EXPECT_FALSE(hasRule(q, "network inet6 stream,"));
  EXPECT_FALSE(hasRule(q, "network inet6 raw,"));

  ir::Policy none = basePolicy();
  none.network.none = true;
  none.network.unix = ir::Located<bool>{false, lineSpan(3)};
  none = lowered(none);
  EXPECT_TRUE(hasRule(none, "deny network unix,"));
  for (const auto& r : none.mechanism.apparmorRules) EXPECT_NE(r.text.rfind("network inet", 0), 0u) << r.text;
}

TEST(LowerAppArmor, CapabilitiesDevicesMountsNestingAndRawRules) {
  ir::Policy p = fullPolicy();
  p.network.listen.front().ports.front() = {443, 443, lineSpan(20)};
  p = lowered(p);
  EXPECT_TRUE(hasRule(p, "capability chown,"));
  EXPECT_TRUE(hasRule(p, "capability setuid,"));
  const auto* nbs = aaRule(p, "capability net_bind_service,");
  ASSERT_NE(nbs, nullptr);
  EXPECT_EQ(nbs->why, "network listen tcp 443");
  EXPECT_TRUE(hasRule(p, "capability mknod,"));   // block 7:* rwm
  EXPECT_FALSE(hasRule(p, "capability net_raw,"));
  EXPECT_TRUE(hasRule(p, "/dev/fuse rw,"));
  EXPECT_TRUE(hasRule(p, "mount fstype=fuse.*,"));
  EXPECT_TRUE(hasRule(p, "deny /var/www{,/**} wl,"));
  EXPECT_TRUE(hasRule(p, "/var/cache/app{,/**} rwk,"));
  EXPECT_TRUE(hasRule(p, "/tmp{,/**} rwk,"));
  EXPECT_TRUE(hasRule(p, "deny pivot_root,"));
  EXPECT_FALSE(hasRule(p, "pivot_root,"));
  // Raw rules come last, verbatim, with their span.
  const auto& last = p.mechanism.apparmorRules.back();
  EXPECT_EQ(last.text, "deny /opt/secret/** rw,");
  EXPECT_EQ(last.span.line, 35u);

  ir::Policy n = fullPolicy();
  n.apparmor.nesting = {true, lineSpan(36)};
  n = lowered(n);
  EXPECT_TRUE(hasRule(n, "pivot_root,"));
  EXPECT_FALSE(hasRule(n, "deny pivot_root,"));
  EXPECT_FALSE(hasRule(n, "deny mount fstype=proc,"));
  EXPECT_EQ(aaRule(n, "pivot_root,")->span.line, 36u);
}

// ---- devices, masks ---------------------------------------------------------------------------------
TEST(LowerDevices, SafeDefaultsAndFuseOnlyWhenAsked) {
  ir::Policy p = lowered(basePolicy());
  auto has = [](const ir::Policy& q, char t, std::int64_t ma, std::int64_t mi) {
    return std::any_of(q.mechanism.deviceRules.begin(), q.mechanism.deviceRules.end(),
                       [&](const ir::DeviceRule& r) { return r.type == t && r.major == ma && r.minor == mi; });
  };
  for (auto [ma, mi] : std::vector<std::pair<int, int>>{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}})
    EXPECT_TRUE(has(p, 'c', ma, mi)) << ma << ":" << mi;
  EXPECT_FALSE(has(p, 'c', 10, 229));
  for (const auto& r : p.mechanism.deviceRules) EXPECT_EQ(r.access.find('m'), std::string::npos);
  ir::Policy f = lowered(fullPolicy());
  EXPECT_TRUE(has(f, 'c', 10, 229));
  EXPECT_TRUE(has(f, 'b', 7, -1));
  const auto& blk = f.mechanism.deviceRules.back();
  EXPECT_EQ(blk.access, "rwm");
  EXPECT_EQ(blk.span.line, 18u);
}

TEST(LowerMasks, RuncDefaultsUnlessRw) {
  ir::Policy p = lowered(basePolicy());
  auto& m = p.mechanism.maskedPaths;
  auto& ro = p.mechanism.readonlyPaths;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats",
                           "/sys/firmware", "/proc/scsi", "/proc/acpi"})
    EXPECT_NE(std::find(m.begin(), m.end(), path), m.end()) << path;
  for (const char* path : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})
    EXPECT_NE(std::find(ro.begin(), ro.end(), path), ro.end()) << path;
  EXPECT_TRUE(std::is_sorted(m.begin(), m.end()));
  ir::Policy rw = basePolicy();
  rw.files.proc.value = ir::FsMode::Rw;
  rw = lowered(rw);
  // `proc rw` writes /proc/sys; the other kernel interfaces stay masked (what runc and ward's LXC
  // config have always done; the mechanism now says so).
  EXPECT_EQ(rw.mechanism.readonlyPaths, (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq"}));
  EXPECT_EQ(rw.mechanism.maskedPaths, m);
  ir::Policy off = basePolicy();
  off.files.proc.value = ir::FsMode::Off;
  off.files.sys.value = ir::FsMode::Off;
  off = lowered(off);
  EXPECT_TRUE(off.mechanism.maskedPaths.empty());
  EXPECT_TRUE(off.mechanism.readonlyPaths.empty());
  EXPECT_TRUE(lower::isDirectoryMask("/proc/acpi"));
  EXPECT_TRUE(lower::isDirectoryMask("/srv/cache/"));
  EXPECT_FALSE(lower::isDirectoryMask("/proc/kcore"));
}

TEST(LowerSysctls, AcceptRaAndProfileName) {
  ir::Policy p = basePolicy();
  p.sysctls.push_back({"net.ipv6.conf.all.accept_ra", "2", lineSpan(9)});
  p = lowered(p);
  ASSERT_EQ(p.mechanism.sysctls.size(), 2u);
  EXPECT_EQ(p.mechanism.sysctls[0].value, "2");   // the policy's value wins
  EXPECT_EQ(p.mechanism.sysctls[0].why, "sysctl net.ipv6.conf.all.accept_ra");
  EXPECT_EQ(p.mechanism.sysctls[1].key, "net.ipv6.conf.default.accept_ra");
  EXPECT_EQ(p.mechanism.sysctls[1].why, "default ipv6_router_advertisements off");
  EXPECT_EQ(p.apparmor.profileName, "ward-web");
  ir::Policy none = basePolicy();
  none.network.none = true;
  EXPECT_TRUE(lowered(none).mechanism.sysctls.empty());
}

// ---- determinism -----------------------------------------------------------------------------------
TEST(Lower, IsDeterministicAndIdempotent) {
  ir::Policy a = lowered(fullPolicy());
  ir::Policy b = lowered(fullPolicy());
  ir::Policy c = lowered(a);   // lowering a lowered policy starts from scratch
  for (const ir::Policy* q : {&b, &c}) {
    ASSERT_EQ(a.mechanism.apparmorRules.size(), q->mechanism.apparmorRules.size());
    for (std::size_t i = 0; i < a.mechanism.apparmorRules.size(); ++i) {
      EXPECT_EQ(a.mechanism.apparmorRules[i].text, q->mechanism.apparmorRules[i].text);
      EXPECT_EQ(a.mechanism.apparmorRules[i].why, q->mechanism.apparmorRules[i].why);
    }
    ASSERT_EQ(a.mechanism.syscallRules.size(), q->mechanism.syscallRules.size());
    for (std::size_t i = 0; i < a.mechanism.syscallRules.size(); ++i) {
      EXPECT_EQ(a.mechanism.syscallRules[i].name, q->mechanism.syscallRules[i].name);
      EXPECT_EQ(a.mechanism.syscallRules[i].conditions, q->mechanism.syscallRules[i].conditions);
      EXPECT_EQ(a.mechanism.syscallRules[i].action, q->mechanism.syscallRules[i].action);
    }
    EXPECT_EQ(a.mechanism.maskedPaths, q->mechanism.maskedPaths);
    EXPECT_EQ(a.mechanism.capabilities.size(), q->mechanism.capabilities.size());
  }
}

TEST(LowerPaths, QuotingAndLiterals) {
  using lower::detail::apparmorLiteral;
  using lower::detail::apparmorPath;
  EXPECT_EQ(apparmorPath("/etc/{a,b}/**"), "/etc/{a,b}/**");
  EXPECT_EQ(apparmorPath("/srv/a b"), "\"/srv/a b\"");
  EXPECT_EQ(apparmorPath("/srv/a,b"), "\"/srv/a,b\"");   // a comma outside braces would end the rule
  EXPECT_EQ(apparmorPath("/srv/#x"), "\"/srv/#x\"");
  EXPECT_EQ(apparmorPath("/srv/\"q"), "\"/srv/\\\"q\"");
  EXPECT_EQ(apparmorLiteral("/srv/a[1]*"), "/srv/a\\[1\\]\\*");
}

TEST(LowerAppArmor, ReadOnlyRootIsNeverRemounted) {
  ir::Policy p = basePolicy();
  EXPECT_FALSE(hasRule(lowered(p), "deny remount /,"));
  p.files.rootReadOnly = {true, lineSpan(41)};
  const ir::Policy l = lowered(p);
  const ir::AppArmorRule* r = aaRule(l, "deny remount /,");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->span.line, 41u);
  EXPECT_EQ(r->why, "mounts root ro: the root file system stays read-only");
}

}  // namespace
}  // namespace ward
