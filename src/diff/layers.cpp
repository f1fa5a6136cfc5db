// The layers other than seccomp and AppArmor: capabilities, identity, mounts, devices, limits, sysctls,
// network, raw LXC keys and SELinux. Each compares what the lowered policies give the container.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "diff/diff.h"
#include "diff/internal.h"
#include "ir/dump.h"

namespace ward::diff {

void addDiff(Out& out, Layer layer, Direction d, std::string what, Span oldSpan, Span newSpan) {
  out.push_back({layer, d, std::move(what), oldSpan, newSpan});
}

void compareKeyed(const Keyed& a, const Keyed& b, Layer layer, Out& out, const std::string& addedVerb,
                  const std::string& removedVerb, Direction added, Direction removed) {
  for (const auto& [key, item] : b)
    if (!a.count(key)) addDiff(out, layer, added, addedVerb + " " + item.text, {}, item.span);
  for (const auto& [key, item] : a)
    if (!b.count(key)) addDiff(out, layer, removed, removedVerb + " " + item.text, item.span, {});
}

// ---- capabilities: lower/ puts the kept set (bounding = effective = permitted; inheritable and ambient are
// always empty in both backends) into mechanism.capabilities, derived needs included.
void compareCapabilities(const ir::Policy& a, const ir::Policy& b, Out& out) {
  auto keyed = [](const ir::Policy& p) {
    Keyed k;
    for (const auto& c : p.mechanism.capabilities)
      k[c.name] = {c.name + (c.derivedFrom.empty() ? "" : " (for " + c.derivedFrom + ")"), c.span};
    return k;
  };
  // A capability one side lacks because it drops it is located at that `drop`.
  auto dropSpan = [](const ir::Policy& p, const std::string& name) {
    for (const auto& c : p.capabilities.drop)
      if (c.name == name) return c.span;
    return Span{};
  };
  const Keyed ka = keyed(a), kb = keyed(b);
  for (const auto& [name, item] : kb)
    if (!ka.count(name)) addDiff(out, Layer::Capabilities, Direction::Wider, "keeps " + item.text, dropSpan(a, name), item.span);
  for (const auto& [name, item] : ka)
    if (!kb.count(name))
      addDiff(out, Layer::Capabilities, Direction::Narrower, "no longer keeps " + item.text, item.span, dropSpan(b, name));
}

// ---- identity: no_new_privs, privileged vs mapped, shared (explicit maps) vs isolated (auto) ---------------
namespace {
int idmapRank(const ir::Identity& id) { return id.privileged ? 2 : id.idmapAuto ? 0 : 1; }
std::string idmapText(const ir::Identity& id) {
  if (id.privileged) return "privileged (no user namespace)";
  if (id.idmapAuto) return "idmap auto (isolated range)";
  std::string s = "explicit idmap";
  for (const auto& m : id.idmaps) s += fmt::format(" {}:{}:{}:{}", m.kind, m.inside, m.outside, m.count);
  return s;
}
Span idmapSpan(const ir::Policy& p) {
  if (p.identity.privileged) return p.identity.privilegedSpan;
  return p.identity.idmaps.empty() ? p.span : p.identity.idmaps.front().span;
}
}  // namespace

void compareIdentity(const ir::Policy& a, const ir::Policy& b, Out& out) {
  const auto& na = a.identity.noNewPrivs;
  const auto& nb = b.identity.noNewPrivs;
  if (na.value != nb.value)
    addDiff(out, Layer::NoNewPrivs, nb.value ? Direction::Narrower : Direction::Wider,
            std::string("no_new_privs ") + (na.value ? "on" : "off") + " -> " + (nb.value ? "on" : "off"), na.span,
            nb.span);
  const int ra = idmapRank(a.identity), rb = idmapRank(b.identity);
  const std::string ta = idmapText(a.identity), tb = idmapText(b.identity);
  if (ta == tb) return;
  Direction d = rb > ra ? Direction::Wider : rb < ra ? Direction::Narrower : Direction::PossiblyWider;
  addDiff(out, Layer::Idmap, d, ta + " -> " + tb, idmapSpan(a), idmapSpan(b));
}

// ---- mounts: binds and tmpfs, proc/sys/cgroup modes, masked and read-only paths ---------------------------
namespace {
std::string mountText(const ir::Mount& m) {
  if (m.kind == ir::Mount::Kind::Tmpfs) return "tmpfs " + m.target + (m.noexec ? "" : " exec");
  return "bind " + m.source + " -> " + m.target;
}
void compareFsMode(const char* name, const ir::Located<ir::FsMode>& a, const ir::Located<ir::FsMode>& b, Out& out) {
  if (a.value == b.value) return;
  addDiff(out, Layer::Mounts, b.value > a.value ? Direction::Wider : Direction::Narrower,
          fmt::format("{} {} -> {}", name, ir::fsModeName(a.value), ir::fsModeName(b.value)), a.span, b.span);
}
}  // namespace

void compareMounts(const ir::Policy& a, const ir::Policy& b, Out& out) {
  std::map<std::string, const ir::Mount*> ma, mb;
  for (const auto& m : a.files.mounts) ma[mountText(m)] = &m;
  for (const auto& m : b.files.mounts) mb[mountText(m)] = &m;
  for (const auto& [k, m] : mb) {
    auto it = ma.find(k);
    if (it == ma.end()) {
      addDiff(out, Layer::Mounts, Direction::Wider, "new " + k + (m->readOnly ? " (ro)" : " (rw)"), {}, m->span);
      continue;
    }
    const ir::Mount& o = *it->second;
    if (o.readOnly && !m->readOnly) addDiff(out, Layer::Mounts, Direction::Wider, k + ": ro -> rw", o.span, m->span);
    if (!o.readOnly && m->readOnly) addDiff(out, Layer::Mounts, Direction::Narrower, k + ": rw -> ro", o.span, m->span);
    auto flag = [&](bool was, bool is, const char* name) {   // nosuid/nodev: dropping one widens
      if (was != is)
        addDiff(out, Layer::Mounts, was ? Direction::Wider : Direction::Narrower,
                fmt::format("{}: {} {}", k, name, was ? "removed" : "added"), o.span, m->span);
    };
    flag(o.nosuid, m->nosuid, "nosuid");
    flag(o.nodev, m->nodev, "nodev");
    flag(o.noexec, m->noexec, "noexec");
    if (o.sizeBytes != m->sizeBytes || o.mode != m->mode)
      addDiff(out, Layer::Mounts, Direction::Changed, k + ": size or mode changed", o.span, m->span);
  }
  for (const auto& [k, m] : ma)
    if (!mb.count(k)) addDiff(out, Layer::Mounts, Direction::Narrower, "no longer " + k, m->span, {});
  compareFsMode("proc", a.files.proc, b.files.proc, out);
  compareFsMode("sys", a.files.sys, b.files.sys, out);
  compareFsMode("cgroup", a.files.cgroup, b.files.cgroup, out);
  const auto& ra = a.files.rootReadOnly;
  const auto& rb = b.files.rootReadOnly;
  if (ra.value != rb.value)
    addDiff(out, Layer::Mounts, rb.value ? Direction::Narrower : Direction::Wider,
            std::string("root ") + (ra.value ? "ro" : "rw") + " -> " + (rb.value ? "ro" : "rw"), ra.span, rb.span);
  auto paths = [](const std::vector<std::string>& v) {
    Keyed k;
    for (const auto& p : v) k[p] = {p, {}};
    return k;
  };
  // A mask or read-only path removed widens; one added narrows.
  compareKeyed(paths(a.mechanism.maskedPaths), paths(b.mechanism.maskedPaths), Layer::Mounts, out,
               "masks", "no longer masks", Direction::Narrower, Direction::Wider);
  compareKeyed(paths(a.mechanism.readonlyPaths), paths(b.mechanism.readonlyPaths), Layer::Mounts, out,
               "makes read-only", "no longer makes read-only", Direction::Narrower, Direction::Wider);
}

// ---- devices: the devices-cgroup allow-list, per (type, major, minor) with access letters ----------------
void compareDevices(const ir::Policy& a, const ir::Policy& b, Out& out) {
  auto key = [](const ir::DeviceRule& d) {
    return fmt::format("{} {}:{}", d.type, d.major < 0 ? "*" : std::to_string(d.major),
                       d.minor < 0 ? "*" : std::to_string(d.minor));
  };
  std::map<std::string, std::pair<std::set<char>, Span>> da, db;
  for (const auto& d : a.mechanism.deviceRules) {
    auto& e = da[key(d)];
    e.first.insert(d.access.begin(), d.access.end());
    if (!e.second.valid()) e.second = d.span;
  }
  for (const auto& d : b.mechanism.deviceRules) {
    auto& e = db[key(d)];
    e.first.insert(d.access.begin(), d.access.end());
    if (!e.second.valid()) e.second = d.span;
  }
  for (const auto& [k, e] : db) {
    auto it = da.find(k);
    std::string added, removed;
    for (char c : e.first)
      if (it == da.end() || !it->second.first.count(c)) added += c;
    if (it != da.end())
      for (char c : it->second.first)
        if (!e.first.count(c)) removed += c;
    Span os = it == da.end() ? Span{} : it->second.second;
    if (!added.empty()) addDiff(out, Layer::Devices, Direction::Wider, "allows " + k + " " + added, os, e.second);
    if (!removed.empty())
      addDiff(out, Layer::Devices, Direction::Narrower, "no longer allows " + k + " " + removed, os, e.second);
  }
  for (const auto& [k, e] : da) {
    if (db.count(k)) continue;
    std::string acc(e.first.begin(), e.first.end());
    addDiff(out, Layer::Devices, Direction::Narrower, "no longer allows " + k + " " + acc, e.second, {});
  }
}

// ---- sysctls: any new or changed key is possibly wider (a sysctl's meaning depends on the key) ------------
void compareSysctls(const ir::Policy& a, const ir::Policy& b, Out& out) {
  std::map<std::string, const ir::Sysctl*> ma, mb;
  for (const auto& s : a.sysctls) ma[s.key] = &s;
  for (const auto& s : b.sysctls) mb[s.key] = &s;
  for (const auto& [k, s] : mb) {
    auto it = ma.find(k);
    if (it == ma.end())
      addDiff(out, Layer::Sysctls, Direction::PossiblyWider, "sets " + k + " = " + s->value, {}, s->span);
    else if (it->second->value != s->value)
      addDiff(out, Layer::Sysctls, Direction::PossiblyWider, k + ": " + it->second->value + " -> " + s->value,
              it->second->span, s->span);
  }
  for (const auto& [k, s] : ma)
    if (!mb.count(k)) addDiff(out, Layer::Sysctls, Direction::PossiblyWider, "no longer sets " + k, s->span, {});
}

// ---- raw LXC keys and hooks: any change is possibly wider ------------------------------------------------
void compareLxcRaw(const ir::Policy& a, const ir::Policy& b, Out& out) {
  auto keyed = [](const ir::Policy& p) {
    Keyed k;
    for (const auto& r : p.lxc.raw) k["raw " + r.key + " = " + r.value] = {r.key + " = " + r.value, r.span};
    for (const auto& h : p.lxc.hooks) k["hook " + h.type + " " + h.path] = {"hook " + h.type + " " + h.path, h.span};
    return k;
  };
  compareKeyed(keyed(a), keyed(b), Layer::LxcRaw, out, "adds", "removes", Direction::PossiblyWider,
               Direction::PossiblyWider);
}

// ---- SELinux: the type and level; categories (more categories = more files readable) -----------------------
void compareSelinux(const ir::Policy& a, const ir::Policy& b, Out& out) {
  const auto& x = a.selinux;
  const auto& y = b.selinux;
  if (x.enabled != y.enabled) {
    addDiff(out, Layer::Selinux, y.enabled ? Direction::Narrower : Direction::Wider,
            y.enabled ? "adds a SELinux label" : "removes the SELinux label", x.span, y.span);
    return;
  }
  if (!x.enabled) return;
  if (x.user != y.user || x.role != y.role || x.type != y.type)
    addDiff(out, Layer::Selinux, Direction::PossiblyWider,
            fmt::format("context {}:{}:{} -> {}:{}:{}", x.user, x.role, x.type, y.user, y.role, y.type), x.span, y.span);
  if (x.level != y.level)
    addDiff(out, Layer::Selinux, Direction::PossiblyWider, "level " + x.level + " -> " + y.level, x.span, y.span);
  if (x.categoriesAuto != y.categoriesAuto)
    addDiff(out, Layer::Selinux, y.categoriesAuto ? Direction::Narrower : Direction::PossiblyWider,
            y.categoriesAuto ? "categories become auto (unique per container)" : "categories no longer auto", x.span,
            y.span);
  std::set<std::uint32_t> ca(x.categories.begin(), x.categories.end()), cb(y.categories.begin(), y.categories.end());
  for (auto c : cb)
    if (!ca.count(c)) addDiff(out, Layer::Selinux, Direction::Wider, fmt::format("adds category c{}", c), x.span, y.span);
  for (auto c : ca)
    if (!cb.count(c))
      addDiff(out, Layer::Selinux, Direction::Narrower, fmt::format("removes category c{}", c), x.span, y.span);
}

}  // namespace ward::diff
