#include "ir/dump.h"

namespace ward::ir {

using nlohmann::json;

const char* actionKindName(Action::Kind k) {
  switch (k) {
    case Action::Kind::Allow: return "allow";
    case Action::Kind::Errno: return "errno";
    case Action::Kind::KillProcess: return "kill_process";
    case Action::Kind::KillThread: return "kill_thread";
    case Action::Kind::Trap: return "trap";
    case Action::Kind::Log: return "log";
    case Action::Kind::Notify: return "notify";
  }
  return "?";
}

const char* opName(ArgCondition::Op op) {
  switch (op) {
    case ArgCondition::Op::Eq: return "==";
    case ArgCondition::Op::Ne: return "!=";
    case ArgCondition::Op::Lt: return "<";
    case ArgCondition::Op::Le: return "<=";
    case ArgCondition::Op::Gt: return ">";
    case ArgCondition::Op::Ge: return ">=";
    case ArgCondition::Op::MaskedEq: return "masked==";
  }
  return "?";
}

const char* protoName(Endpoint::Proto p) {
  return p == Endpoint::Proto::Tcp ? "tcp" : p == Endpoint::Proto::Udp ? "udp" : "sctp";
}

const char* fsModeName(FsMode m) {
  switch (m) {
    case FsMode::Off: return "off";
    case FsMode::Ro: return "ro";
    case FsMode::Mixed: return "mixed";
    case FsMode::Rw: return "rw";
  }
  return "?";
}

std::string actionText(const Action& a) {
  using AK = Action::Kind;
  switch (a.kind) {
    case AK::Allow: return "allow";
    case AK::Errno: return "errno " + (a.errnoName.empty() ? std::to_string(a.errnoValue) : a.errnoName);
    case AK::KillProcess: return "kill";
    case AK::KillThread: return "kill_thread";
    case AK::Trap: return "trap";
    case AK::Log: return "log";
    case AK::Notify: return "notify";
  }
  return "?";
}

json spanToJson(const Policy& p, const Span& s) {
  if (!s.valid()) return nullptr;
  json j;
  j["file"] = s.file < p.sources.size() ? json(p.sources[s.file].displayName) : json(nullptr);
  j["line"] = s.line;
  j["col"] = s.col;
  j["endLine"] = s.endLine;
  j["endCol"] = s.endCol;
  return j;
}

namespace {

struct Dumper {
  const Policy& p;
  json span(const Span& s) const { return spanToJson(p, s); }

  template <class T>
  json located(const Located<T>& l) const {
    return {{"value", l.value}, {"span", span(l.span)}};
  }
  template <class T>
  json optLocated(const std::optional<Located<T>>& l) const {
    return l ? located(*l) : json(nullptr);
  }
  json optSpan(const std::optional<Span>& s) const {
    return s ? json{{"span", span(*s)}} : json(nullptr);
  }

  json action(const Action& a) const {
    return {{"kind", actionKindName(a.kind)}, {"errno", a.errnoValue}, {"errnoName", a.errnoName}};
  }
  json locatedAction(const Located<Action>& a) const { return {{"value", action(a.value)}, {"span", span(a.span)}}; }

  json access(unsigned bits) const {
    json a = json::array();
    static const std::pair<unsigned, const char*> names[] = {{kRead, "read"}, {kWrite, "write"}, {kAppend, "append"},
                                                             {kExec, "exec"}, {kLink, "link"},   {kLock, "lock"}};
    for (const auto& [bit, n] : names)
      if (bits & bit) a.push_back(n);
    return a;
  }

  json capability(const Capability& c) const {
    return {{"name", c.name}, {"number", c.number}, {"span", span(c.span)}, {"derivedFrom", c.derivedFrom}};
  }
  json capabilities(const std::vector<Capability>& v) const {
    json a = json::array();
    for (const auto& c : v) a.push_back(capability(c));
    return a;
  }

  json rule(const SyscallRule& r) const {
    json conds = json::array();
    for (const auto& c : r.conditions)
      conds.push_back({{"index", c.index}, {"op", opName(c.op)}, {"value", c.value}, {"mask", c.mask}, {"span", span(c.span)}});
    return {{"name", r.name},         {"action", action(r.action)}, {"conditions", conds},
            {"span", span(r.span)},   {"viaGroup", r.viaGroup},     {"derivedFrom", r.derivedFrom}};
  }
  json rules(const std::vector<SyscallRule>& v) const {
    json a = json::array();
    for (const auto& r : v) a.push_back(rule(r));
    return a;
  }

  json endpoints(const std::vector<Endpoint>& v) const {
    json a = json::array();
    for (const auto& e : v) {
      json ports = json::array();
      for (const auto& pr : e.ports) ports.push_back({{"first", pr.first}, {"last", pr.last}, {"span", span(pr.span)}});
      const char* proto = protoName(e.proto);
      a.push_back({{"proto", proto}, {"host", e.host}, {"ports", ports}, {"span", span(e.span)}});
    }
    return a;
  }

  json all() const {
    json j;
    j["name"] = p.name;
    j["span"] = span(p.span);
    json sources = json::array();
    for (const auto& s : p.sources) sources.push_back({{"displayName", s.displayName}, {"sha256", s.sha256}});
    j["sources"] = sources;
    j["parents"] = p.parents;

    const auto& id = p.identity;
    json idmaps = json::array();
    for (const auto& m : id.idmaps)
      idmaps.push_back({{"kind", std::string(1, m.kind)}, {"inside", m.inside}, {"outside", m.outside},
                        {"count", m.count}, {"span", span(m.span)}});
    j["identity"] = {{"privileged", id.privileged},     {"privilegedReason", id.privilegedReason},
                     {"privilegedSpan", span(id.privilegedSpan)}, {"idmapAuto", id.idmapAuto},
                     {"idmaps", idmaps},               {"noNewPrivs", located(id.noNewPrivs)}};

    json frules = json::array();
    for (const auto& r : p.files.rules)
      frules.push_back({{"path", r.path}, {"access", access(r.access)}, {"deny", r.deny}, {"owner", r.owner},
                        {"span", span(r.span)}});
    json mounts = json::array();
    for (const auto& m : p.files.mounts)
      mounts.push_back({{"kind", m.kind == Mount::Kind::Bind ? "bind" : "tmpfs"},
                        {"source", m.source},
                        {"target", m.target},
                        {"readOnly", m.readOnly},
                        {"nosuid", m.nosuid},
                        {"nodev", m.nodev},
                        {"noexec", m.noexec},
                        {"optional", m.optional},
                        {"sizeBytes", m.sizeBytes ? json(*m.sizeBytes) : json(nullptr)},
                        {"mode", m.mode ? json(*m.mode) : json(nullptr)},
                        {"span", span(m.span)}});
    auto fsMode = [&](const Located<FsMode>& l) { return json{{"value", fsModeName(l.value)}, {"span", span(l.span)}}; };
    j["files"] = {{"rules", frules}, {"mounts", mounts}, {"proc", fsMode(p.files.proc)}, {"sys", fsMode(p.files.sys)},
                  {"cgroup", fsMode(p.files.cgroup)},
                  {"root", {{"value", p.files.rootReadOnly.value ? "ro" : "rw"}, {"span", span(p.files.rootReadOnly.span)}}}};

    json devices = json::array();
    for (const auto& d : p.devices)
      devices.push_back({{"type", std::string(1, d.type)}, {"major", d.major}, {"minor", d.minor}, {"path", d.path},
                         {"read", d.read}, {"write", d.write}, {"mknod", d.mknod}, {"span", span(d.span)}});
    j["devices"] = devices;

    const auto& n = p.network;
    j["network"] = {{"none", n.none},
                    {"noneSpan", span(n.noneSpan)},
                    {"listen", endpoints(n.listen)},
                    {"connect", endpoints(n.connect)},
                    {"unix", optLocated(n.unix)},
                    {"raw", optSpan(n.raw)},
                    {"packet", optSpan(n.packet)},
                    {"netlink", optSpan(n.netlink)},
                    {"familiesAny", optSpan(n.familiesAny)},
                    {"bridge", optLocated(n.bridge)},
                    {"ipv6RouterAdvertisements", located(n.ipv6RouterAdvertisements)},
                    {"ipv6", n.ipv6}};

    j["capabilities"] = {{"keepAll", p.capabilities.keepAll},
                         {"keepAllSpan", span(p.capabilities.keepAllSpan)},
                         {"keep", capabilities(p.capabilities.keep)},
                         {"drop", capabilities(p.capabilities.drop)}};

    j["syscalls"] = {{"defaultAction", locatedAction(p.syscalls.defaultAction)},
                     {"arches", p.syscalls.arches},
                     {"foreignAction", locatedAction(p.syscalls.foreignAction)},
                     {"rules", rules(p.syscalls.rules)}};

    const auto& l = p.limits;
    json io = json::array();
    for (const auto& x : l.ioBps)
      io.push_back({{"device", x.device}, {"write", x.write}, {"bytesPerSecond", x.bytesPerSecond}, {"span", span(x.span)}});
    json huge = json::array();
    for (const auto& x : l.hugetlb) huge.push_back({{"pageSize", x.pageSize}, {"bytes", x.bytes}, {"span", span(x.span)}});
    json rl = json::array();
    for (const auto& x : l.rlimits)
      rl.push_back({{"name", x.name},
                    {"soft", x.soft == kUnlimited ? json("unlimited") : json(x.soft)},
                    {"hard", x.hard == kUnlimited ? json("unlimited") : json(x.hard)},
                    {"span", span(x.span)}});
    j["limits"] = {{"memoryMax", optLocated(l.memoryMax)},
                   {"memoryHigh", optLocated(l.memoryHigh)},
                   {"swapMax", optLocated(l.swapMax)},
                   {"cpuQuotaMicros", optLocated(l.cpuQuotaMicros)},
                   {"cpuWeight", optLocated(l.cpuWeight)},
                   {"cpuset", optLocated(l.cpuset)},
                   {"pids", optLocated(l.pids)},
                   {"ioWeight", optLocated(l.ioWeight)},
                   {"ioBps", io},
                   {"hugetlb", huge},
                   {"rlimits", rl},
                   {"inotifyInstances", optLocated(l.inotifyInstances)},
                   {"inotifyWatches", optLocated(l.inotifyWatches)},
                   {"ptyMax", optLocated(l.ptyMax)}};

    json sysctls = json::array();
    for (const auto& s : p.sysctls) sysctls.push_back({{"key", s.key}, {"value", s.value}, {"span", span(s.span)}});
    j["sysctls"] = sysctls;

    const auto& se = p.selinux;
    j["selinux"] = {{"enabled", se.enabled}, {"user", se.user},   {"role", se.role},
                    {"type", se.type},       {"level", se.level}, {"categoriesAuto", se.categoriesAuto},
                    {"categories", se.categories}, {"span", span(se.span)}};

    const auto& aa = p.apparmor;
    json raw = json::array();
    for (const auto& r : aa.rawRules) raw.push_back(located(r));
    j["apparmor"] = {{"profileName", aa.profileName}, {"flags", aa.flags}, {"nesting", located(aa.nesting)},
                     {"rawRules", raw}, {"span", span(aa.span)}};

    json lraw = json::array();
    for (const auto& r : p.lxc.raw) lraw.push_back({{"key", r.key}, {"value", r.value}, {"span", span(r.span)}});
    json hooks = json::array();
    for (const auto& h : p.lxc.hooks) hooks.push_back({{"type", h.type}, {"path", h.path}, {"span", span(h.span)}});
    j["lxc"] = {{"raw", lraw}, {"hooks", hooks}};

    json accepts = json::array();
    for (const auto& a : p.verify.accepts) {
      accepts.push_back({{"id", a.id}, {"reason", a.reason}, {"span", span(a.span)}});
      if (!a.selector.empty()) accepts.back()["selector"] = a.selector;
    }
    j["verify"] = {{"failOn", optLocated(p.verify.failOn)}, {"accepts", accepts}};
    if (const auto& b = p.verify.baseline)
      j["verify"]["baseline"] = {{"path", b->path}, {"policy", b->policy}, {"span", span(b->span)}};

    const auto& m = p.mechanism;
    json aar = json::array();
    for (const auto& r : m.apparmorRules) aar.push_back({{"text", r.text}, {"span", span(r.span)}, {"why", r.why}});
    json dr = json::array();
    for (const auto& r : m.deviceRules)
      dr.push_back({{"type", std::string(1, r.type)}, {"major", r.major}, {"minor", r.minor}, {"access", r.access},
                    {"span", span(r.span)}, {"why", r.why}});
    json msys = json::array();
    for (const auto& s : m.sysctls)
      msys.push_back({{"key", s.key}, {"value", s.value}, {"span", span(s.span)}, {"why", s.why}});
    j["mechanism"] = {{"capabilities", capabilities(m.capabilities)},
                      {"allCapabilities", m.allCapabilities},
                      {"sysctls", msys},
                      {"syscallRules", rules(m.syscallRules)},
                      {"apparmorRules", aar},
                      {"deviceRules", dr},
                      {"maskedPaths", m.maskedPaths},
                      {"readonlyPaths", m.readonlyPaths}};
    return j;
  }
};

}  // namespace

json toJson(const Policy& policy) { return Dumper{policy}.all(); }

}  // namespace ward::ir
