// Limits (a removed or higher limit widens) and the network layer (families, ports, bridge).
#include <fmt/format.h>

#include <map>
#include <optional>

#include "diff/diff.h"
#include "diff/internal.h"
#include "ir/dump.h"

namespace ward::diff {

namespace {

std::string amount(std::uint64_t v) { return v == ir::kUnlimited ? "unlimited" : std::to_string(v); }

void compareLimit(const char* name, const std::optional<ir::Located<std::uint64_t>>& a,
                  const std::optional<ir::Located<std::uint64_t>>& b, Out& out) {
  if (!a && !b) return;
  if (a && !b) return addDiff(out, Layer::Limits, Direction::Wider, fmt::format("{} limit removed", name), a->span, {});
  if (!a && b)
    return addDiff(out, Layer::Limits, Direction::Narrower, fmt::format("{} limited to {}", name, amount(b->value)), {},
                   b->span);
  if (a->value == b->value) return;
  addDiff(out, Layer::Limits, b->value > a->value ? Direction::Wider : Direction::Narrower,
          fmt::format("{} {} -> {}", name, amount(a->value), amount(b->value)), a->span, b->span);
}

// Items keyed by name with one amount each (io bps per device, hugetlb per page size).
struct Amount {
  std::uint64_t value = 0;
  Span span;
};
void compareAmounts(const std::map<std::string, Amount>& a, const std::map<std::string, Amount>& b, Out& out) {
  for (const auto& [k, v] : b) {
    auto it = a.find(k);
    if (it == a.end()) {
      addDiff(out, Layer::Limits, Direction::Narrower, fmt::format("{} limited to {}", k, amount(v.value)), {}, v.span);
    } else if (it->second.value != v.value) {
      addDiff(out, Layer::Limits, v.value > it->second.value ? Direction::Wider : Direction::Narrower,
              fmt::format("{} {} -> {}", k, amount(it->second.value), amount(v.value)), it->second.span, v.span);
    }
  }
  for (const auto& [k, v] : a)
    if (!b.count(k)) addDiff(out, Layer::Limits, Direction::Wider, k + " limit removed", v.span, {});
}

std::map<std::string, Amount> amounts(const ir::Limits& l) {
  std::map<std::string, Amount> m;
  for (const auto& r : l.rlimits) {
    m["rlimit " + r.name + " soft"] = {r.soft, r.span};
    m["rlimit " + r.name + " hard"] = {r.hard, r.span};
  }
  for (const auto& io : l.ioBps) m["io " + io.device + (io.write ? " write" : " read") + " bps"] = {io.bytesPerSecond, io.span};
  for (const auto& h : l.hugetlb) m["hugetlb " + h.pageSize] = {h.bytes, h.span};
  return m;
}

}  // namespace

void compareLimits(const ir::Policy& pa, const ir::Policy& pb, Out& out) {
  const ir::Limits& a = pa.limits;
  const ir::Limits& b = pb.limits;
  compareLimit("memory max", a.memoryMax, b.memoryMax, out);
  compareLimit("memory high", a.memoryHigh, b.memoryHigh, out);
  compareLimit("swap max", a.swapMax, b.swapMax, out);
  compareLimit("cpu quota", a.cpuQuotaMicros, b.cpuQuotaMicros, out);
  compareLimit("cpu weight", a.cpuWeight, b.cpuWeight, out);
  compareLimit("pids", a.pids, b.pids, out);
  compareLimit("io weight", a.ioWeight, b.ioWeight, out);
  compareLimit("inotify instances", a.inotifyInstances, b.inotifyInstances, out);
  compareLimit("inotify watches", a.inotifyWatches, b.inotifyWatches, out);
  compareLimit("pty max", a.ptyMax, b.ptyMax, out);
  if (a.cpuset.has_value() != b.cpuset.has_value() || (a.cpuset && a.cpuset->value != b.cpuset->value)) {
    const std::string x = a.cpuset ? a.cpuset->value : "any", y = b.cpuset ? b.cpuset->value : "any";
    addDiff(out, Layer::Limits, b.cpuset ? Direction::Changed : Direction::Wider, "cpuset " + x + " -> " + y,
            a.cpuset ? a.cpuset->span : Span{}, b.cpuset ? b.cpuset->span : Span{});
  }
  compareAmounts(amounts(a), amounts(b), out);
}

// ---- network ----------------------------------------------------------------------------------------------
namespace {

// One item per (direction, proto, host, port range): a new one widens, a removed one narrows.
Keyed endpoints(const ir::Network& n) {
  Keyed k;
  auto add = [&](const char* verb, const ir::Endpoint& e) {
    std::string base = fmt::format("{} {}{}", verb, ir::protoName(e.proto), e.host.empty() ? "" : " " + e.host);
    if (e.ports.empty()) k[base + " any"] = {base + " (any port)", e.span};
    for (const auto& r : e.ports) {
      std::string range = r.first == r.last ? std::to_string(r.first) : fmt::format("{}-{}", r.first, r.last);
      k[base + " " + range] = {base + " " + range, r.span.valid() ? r.span : e.span};
    }
  };
  for (const auto& e : n.listen) add("listen", e);
  for (const auto& e : n.connect) add("connect", e);
  if (!n.unix || n.unix->value) k["family unix"] = {"unix sockets", n.unix ? n.unix->span : Span{}};
  if (n.raw) k["family raw"] = {"raw sockets", *n.raw};
  if (n.packet) k["family packet"] = {"packet sockets", *n.packet};
  if (n.netlink) k["family netlink"] = {"netlink sockets", *n.netlink};
  if (n.ipv6) k["family inet6"] = {"inet6 sockets", {}};
  if (n.ipv6RouterAdvertisements.value) k["ra"] = {"IPv6 router advertisements", n.ipv6RouterAdvertisements.span};
  return k;
}

}  // namespace

void compareNetwork(const ir::Policy& pa, const ir::Policy& pb, Out& out) {
  const ir::Network& a = pa.network;
  const ir::Network& b = pb.network;
  if (a.none != b.none)
    addDiff(out, Layer::Network, b.none ? Direction::Narrower : Direction::Wider,
            b.none ? "network none (loopback only)" : "network no longer none", a.noneSpan, b.noneSpan);
  compareKeyed(endpoints(a), endpoints(b), Layer::Network, out, "allows", "no longer allows", Direction::Wider,
               Direction::Narrower);
  const std::string ba = a.bridge ? a.bridge->value : "", bb = b.bridge ? b.bridge->value : "";
  if (ba != bb)
    addDiff(out, Layer::Network, bb.empty() ? Direction::PossiblyWider : Direction::Changed,
            "bridge '" + ba + "' -> '" + bb + "'", a.bridge ? a.bridge->span : Span{}, b.bridge ? b.bridge->span : Span{});
}

}  // namespace ward::diff
