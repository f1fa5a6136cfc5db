#include "backend/lxd/lxd.h"

#include <fmt/format.h>

#include <exception>
#include <map>

#include "backend/common/common.h"
#include "backend/common/lxc_lines.h"
#include "backend/seccomp/seccomp.h"
#include "base/strings.h"

namespace ward::backend::lxd {

namespace {

using common::LxcLine;

// One LXD config key with the provenance comments of what it carries.
struct Key {
  std::vector<std::string> comments;
  std::string value;
};

class Profile {
 public:
  explicit Profile(const ir::Policy& p) : policy_(p) {}

  void set(const std::string& key, std::string value, const Span& span, std::string_view why) {
    Key& k = keys_[key];
    k.comments.push_back(common::provenance(policy_, common::orPolicy(policy_, span), why));
    k.value = std::move(value);
  }
  void rawLxc(const LxcLine& line) {
    if (line.section != rawSection_) {
      rawSection_ = line.section;
      raw_ += fmt::format("# ---- {}\n", line.section);
    }
    if (line.kind == LxcLine::Kind::Note) raw_ += "# " + line.text + "\n";
    if (line.kind != LxcLine::Kind::Key) return;
    raw_ += "# " + line.text + "\n";
    raw_ += line.value.empty() ? line.key + " =\n" : line.key + " = " + line.value + "\n";
  }
  void device(const std::string& name, std::string comment, std::map<std::string, std::string> fields) {
    devices_.push_back({name, std::move(comment), std::move(fields)});
  }
  void block(const std::string& key, std::string text, std::string comment) {
    blocks_.push_back({key, std::move(text), std::move(comment)});
  }

  std::string yaml(const std::string& header) const {
    std::string out = header;
    out += "config:\n";
    for (const auto& [key, k] : keys_) {
      for (const auto& c : k.comments) out += "  # " + c + "\n";
      out += fmt::format("  {}: {}\n", key, yamlQuote(k.value));
    }
    auto literal = [&](const std::string& key, const std::string& text, const std::string& comment) {
      out += "  # " + comment + "\n";
      out += "  " + key + ": |\n";
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string_view line(text.data() + pos, eol - pos);
        out += line.empty() ? std::string("\n") : fmt::format("    {}\n", line);
        pos = eol + 1;
      }
    };
    if (!raw_.empty())
      literal("raw.lxc", raw_, "the LXC settings LXD has no key of its own for; each names its policy line");
    for (const auto& [key, text, comment] : blocks_) literal(key, text, comment);
    out += devices_.empty() ? "devices: {}\n" : "devices:\n";
    for (const auto& d : devices_) {
      out += fmt::format("  # {}\n  {}:\n", d.comment, d.name);
      for (const auto& [k, v] : d.fields) out += fmt::format("    {}: {}\n", k, v == "none" ? v : yamlQuote(v));
    }
    return out;
  }

  // The same profile as LXD's API takes it (PUT /1.0/profiles/NAME), without the comments inside
  // keys' values (raw.lxc, raw.seccomp and raw.apparmor keep theirs).
  nlohmann::json json(const std::string& description) const {
    nlohmann::json j = {{"description", description}, {"config", nlohmann::json::object()},
                        {"devices", nlohmann::json::object()}};
    for (const auto& [key, k] : keys_) j["config"][key] = k.value;
    if (!raw_.empty()) j["config"]["raw.lxc"] = raw_;
    for (const auto& b : blocks_) j["config"][b.key] = b.text;
    for (const auto& d : devices_) j["devices"][d.name] = d.fields;
    return j;
  }

 private:
  struct Block {
    std::string key, text, comment;
  };
  struct Device {
    std::string name, comment;
    std::map<std::string, std::string> fields;
  };
  const ir::Policy& policy_;
  std::map<std::string, Key> keys_;
  std::string raw_, rawSection_;
  std::vector<Block> blocks_;
  std::vector<Device> devices_;
};

std::string microsToMs(std::string_view micros) {
  std::uint64_t us = std::stoull(std::string(micros));
  return us % 1000 == 0 ? fmt::format("{}ms", us / 1000) : fmt::format("{}us", us);
}

// The user namespace as LXD's keys. LXD chooses the host ids itself (security.idmap.isolated: a range of
// its own per instance, out of root's range that LXD maps); an lxc.idmap line in raw.lxc is added to
// LXD's map and the start fails (docs/lxd.md).
void identity(Profile& prof, const ir::Policy& p, Diagnostics& diags) {
  const auto& id = p.identity;
  if (id.privileged) {
    prof.set("security.privileged", "true", p.identity.privilegedSpan, "identity privileged");
    prof.set("security.idmap.isolated", "false", p.identity.privilegedSpan, "identity privileged: no user namespace");
    return;
  }
  prof.set("security.privileged", "false", p.span, "default: unprivileged (user namespace)");
  if (id.idmapAuto || id.idmaps.empty()) {
    prof.set("security.idmap.isolated", "true", p.span, "idmap auto: an id range of the instance's own");
    prof.set("security.idmap.size", std::to_string(common::kIdRangeSize), p.span, "idmap auto: 65536 ids");
    return;
  }
  // Explicit maps: LXD takes one range for uids and gids (security.idmap.base, .size), inside 0..size.
  const ir::IdMap& first = id.idmaps.front();
  bool single = true;
  for (const auto& m : id.idmaps)
    single = single && m.inside == 0 && m.outside == first.outside && m.count == first.count;
  prof.set("security.idmap.isolated", "true", first.span, "idmap: an id range of the instance's own");
  prof.set("security.idmap.size", std::to_string(first.count), first.span, "idmap count");
  if (single) {
    prof.set("security.idmap.base", std::to_string(first.outside), first.span, "idmap host ids");
    return;
  }
  diags.warning(Code::W0008, first.span,
                "LXD cannot express these id maps: it maps container ids 0.. to one host range for uids and gids "
                "alike (security.idmap.base, security.idmap.size); the profile lets LXD choose an isolated range "
                "of " + std::to_string(first.count) + " ids instead");
}

// Where an LXC key goes under LXD. Returns false when the key is not written to raw.lxc.
bool route(Profile& prof, const ir::Policy& p, const LxcLine& l, Diagnostics& diags) {
  const std::string& k = l.key;
  if (k == "lxc.seccomp.profile" || k == "lxc.apparmor.profile") return false;   // raw.seccomp, raw.apparmor
  if (k == "lxc.apparmor.allow_nesting") {
    prof.set("security.nesting", l.value == "1" ? "true" : "false", l.span, l.why);
    return false;
  }
  if (k == "lxc.cgroup.memory.limit_in_bytes") {
    prof.set("limits.memory", l.value, l.span, l.why);
    return false;
  }
  if (k == "lxc.cgroup.pids.max") {
    prof.set("limits.processes", l.value, l.span, l.why);
    return false;
  }
  // limits.memory, limits.processes and limits.cpu.allowance set the cgroup v2 files too.
  if (k == "lxc.cgroup2.memory.max" || k == "lxc.cgroup2.pids.max" || k == "lxc.cgroup2.cpu.max" ||
      k == "lxc.cgroup.cpu.cfs_period_us")
    return false;
  if (k == "lxc.cgroup.cpu.cfs_quota_us") {
    prof.set("limits.cpu.allowance", microsToMs(l.value) + "/100ms", l.span, l.why);
    return false;
  }
  if (startsWith(k, "lxc.prlimit.")) {
    prof.set("limits.kernel." + k.substr(12), l.value, l.span, l.why);
    return false;
  }
  if (k == "lxc.net" || startsWith(k, "lxc.net.")) return false;   // devices (network())
  // Clearing lxc.mount.auto would drop LXD's shmounts entry too (LXD mounts disks into running instances
  // through it); ward's modes are added to LXD's proc:rw sys:rw instead. LXC ORs the flags: proc:mixed
  // stays mixed (/proc/sys read-only, seen under LXD 5.0.2), sys:ro with sys:rw is sys:mixed (docs/lxd.md).
  if (k == "lxc.mount.auto" && l.value.empty()) return false;
  if (k == "lxc.rootfs.options" && p.files.rootReadOnly.value && l.why == "mounts root ro") {
    diags.warning(Code::W0008, l.span,
                  "LXD has no read-only root file system: raw.lxc's lxc.rootfs.options would replace the options "
                  "LXD sets on the rootfs itself (idmap=container with idmapped mounts); the LXD profile leaves it out");
    return false;
  }
  if (refusedRawKey(k)) {
    diags.warning(Code::W0008, l.span,
                  fmt::format("LXD refuses '{}' in raw.lxc; the LXD profile leaves it out{}", k,
                              startsWith(k, "lxc.ephemeral") ? " (use `lxc launch --ephemeral`)" : ""));
    return false;
  }
  (void)p;
  return true;
}

// network none: LXD gives an instance the nics of its profiles; a `none` device masks the one named eth0
// (the name `lxd init` gives the default profile's). A bridge is a bridged nic.
void network(Profile& prof, const ir::Policy& p) {
  const auto& net = p.network;
  if (net.none) {
    prof.device("eth0",
                common::provenance(p, common::orPolicy(p, net.noneSpan), "network none: no nic named eth0 from another profile"),
                {{"type", "none"}});
  } else if (net.bridge) {
    prof.device("eth0", common::provenance(p, net.bridge->span, "network bridge"),
                {{"name", "eth0"}, {"nictype", "bridged"}, {"parent", net.bridge->value}, {"type", "nic"}});
  }
}

std::string apparmorBody(const ir::Policy& p) {
  std::string out;
  for (const auto& r : p.mechanism.apparmorRules)
    out += fmt::format("# {}\n{}\n", common::provenance(p, common::orPolicy(p, r.span), r.why), r.text);
  return out;
}

struct Rendered {
  std::string yaml;
  nlohmann::json json;
};

Rendered render(const lower::Lowered& lowered, const Allocations& allocations, const Options& options,
                Diagnostics& diags) {
  const ir::Policy& p = lowered.policy();
  Profile prof(p);
  common::LxcLineOptions lo;
  lo.idmaps = false;
  identity(prof, p, diags);
  for (const auto& line : common::lxcLines(lowered, allocations, options, lo, diags)) {
    if (line.kind == LxcLine::Kind::Key && !route(prof, p, line, diags)) continue;
    if (line.kind == LxcLine::Kind::Section) continue;
    prof.rawLxc(line);
  }
  network(prof, p);
  auto plan = seccomp::planRules(p, diags);
  if (plan)
    prof.block("raw.seccomp", seccomp::lxcSeccomp(p, *plan),
               "the seccomp policy whole (LXC's v2 text; replaces LXD's default list, checked at every start)");
  if (!p.mechanism.apparmorRules.empty()) {
    prof.block("raw.apparmor", apparmorBody(p), "ward's AppArmor rules, added to the profile LXD generates");
    diags.warning(Code::W0008, p.span,
                  "LXD adds raw.apparmor to the AppArmor profile it generates, which allows every file: the "
                  "policy's deny rules narrow it, its allow rules (files read, write, ...) do not");
  }
  std::string src = p.sources.empty() ? std::string("?") : p.sources[0].displayName;
  std::string header = fmt::format(
      "# ward: LXD profile for policy \"{0}\" from {1}\n"
      "#   lxc profile create ward-{0} && lxc profile edit ward-{0} < {0}.lxd.yaml\n"
      "#   lxc profile add INSTANCE ward-{0}   (last in the instance's profiles; or `ward lxd-install`)\n"
      "# Each value names the policy line it comes from; raw.lxc, raw.seccomp and raw.apparmor carry the\n"
      "# comments inside. An instance's own raw.lxc replaces this one: `ward lxd-install` merges them.\n"
      "description: {2}\n",
      p.name, src, yamlQuote("ward policy " + p.name + " (" + src + ")"));
  return {prof.yaml(header), prof.json("ward policy " + p.name + " (" + src + ")")};
}

}  // namespace

std::optional<nlohmann::json> profile(const lower::Lowered& lowered, const Allocations& allocations, const Options& options,
                                      Diagnostics& diags) {
  Diagnostics local;
  Rendered r = render(lowered, allocations, options, local);
  const bool failed = local.hasErrors();
  diags.append(local);
  if (failed) return std::nullopt;
  return std::move(r.json);
}

bool refusedRawKey(std::string_view k) {
  for (std::string_view prefix : {"lxc.prlimit.", "lxc.net.", "lxc.idmap"})
    if (startsWith(k, prefix)) return true;
  for (std::string_view key : {"lxc.net", "lxc.log.file", "lxc.logfile", "lxc.log.syslog", "lxc.syslog", "lxc.ephemeral"})
    if (k == key) return true;
  return false;
}

std::string yamlQuote(std::string_view text) { return common::yamlString(text); }

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  try {
    Diagnostics local;
    Rendered r = render(lowered, allocations, options, local);
    const bool failed = local.hasErrors();
    diags.append(local);
    if (failed) return {};
    return {Artifact{policy.name + ".lxd.yaml", std::move(r.yaml)}};
  } catch (const std::exception& e) {
    diags.error(Code::E1501, policy.span, std::string("LXD profile could not be generated: ") + e.what());
  } catch (...) {
    diags.error(Code::E1501, policy.span, "LXD profile could not be generated");
  }
  return {};
}

}  // namespace ward::backend::lxd
