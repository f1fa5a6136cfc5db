#include "backend/oci/oci.h"

#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>

#include "backend/common/common.h"

#if __has_include("backend/seccomp/oci_json.h")
#include "backend/seccomp/oci_json.h"
#else
namespace ward::backend::seccomp {
// Declared by the seccomp backend (src/backend/seccomp/oci_json.h): the OCI/Docker JSON form of the filter.
nlohmann::json ociSeccomp(const ir::Policy& policy);
}  // namespace ward::backend::seccomp
#endif

namespace ward::backend::oci {

namespace {

using nlohmann::json;

// OCI numbers are int64: unlimited is -1.
json signedValue(std::uint64_t v) {
  if (v == ir::kUnlimited || v > static_cast<std::uint64_t>(INT64_MAX)) return -1;
  return static_cast<std::int64_t>(v);
}

class Builder {
 public:
  Builder(const ir::Policy& p, const Allocations& a, const Options& o, Diagnostics& d)
      : p_(p), alloc_(a), options_(o), diags_(d) {}

  json build() {
    json doc = json::object();
    process(doc["process"]);
    linux(doc["linux"]);
    mounts(doc["mounts"]);
    // root.readonly only when the policy says `root`: a fragment that did not leaves the bundle's own choice.
    if (p_.files.rootReadOnly.span.valid()) {
      doc["root"] = {{"readonly", p_.files.rootReadOnly.value}};
      source("root.readonly", p_.files.rootReadOnly.span,
             p_.files.rootReadOnly.value ? "mounts root ro" : "mounts root rw");
    }
    annotations_["org.ward.policy"] = p_.name;
    if (!p_.sources.empty()) annotations_["org.ward.source"] = p_.sources[0].displayName;
    doc["annotations"] = annotations_;
    return doc;
  }

 private:
  const ir::Policy& p_;
  const Allocations& alloc_;
  const Options& options_;
  Diagnostics& diags_;
  json annotations_ = json::object();

  void source(const std::string& key, const Span& span, std::string_view why) {
    annotations_["org.ward.source." + key] = common::provenance(p_, common::orPolicy(p_, span), why);
  }
  void unsupported(const std::string& what, const Span& span, std::string_view why) {
    annotations_["org.ward.unsupported." + what] = common::provenance(p_, common::orPolicy(p_, span), why);
  }

  // process.apparmorProfile and selinuxLabel, for the host the fragment is for (Options::hostApparmor,
  // hostSelinux). runc 1.1.5 refuses to start a container whose config names an LSM the host does not
  // enable ("selinux label is specified in config, but selinux is disabled or not supported"; for AppArmor
  // "unable to apply apparmor profile: ... write /proc/self/attr/exec: invalid argument"): compiled for a
  // host without it, the field is left out; compiled for any host, the fragment says what it assumes.
  void lsmFields(json& proc) {
    std::vector<std::string> assumes, host;
    const std::string& profile = p_.apparmor.profileName;   // lower/ gave it the default when unnamed
    if (options_.hostApparmor == false) {
      host.push_back("apparmor disabled: process.apparmorProfile " + profile + " left out");
    } else {
      proc["apparmorProfile"] = profile;
      source("process.apparmorProfile", p_.apparmor.span, "apparmor profile " + profile);
      (options_.hostApparmor ? host : assumes).push_back("apparmor enabled");
    }
    if (p_.selinux.enabled) {
      if (options_.hostSelinux == false) {   // no label: not even an MCS pair is taken for it
        host.push_back("selinux disabled: process.selinuxLabel left out");
      } else {
        if (alloc_.selinux) {
          proc["selinuxLabel"] = alloc_.selinux->text;
          source("process.selinuxLabel", p_.selinux.span, "selinux label");
          (options_.hostSelinux ? host : assumes).push_back("selinux enabled");
        }
      }
    }
    if (!assumes.empty()) annotations_["org.ward.assumes"] = fmt::format("{}", fmt::join(assumes, ", "));
    if (!host.empty()) annotations_["org.ward.host"] = "compiled for this host (--this-host): " +
                                                      fmt::format("{}", fmt::join(host, "; "));
  }

  void process(json& proc) {
    auto caps = common::capabilitySets(p_, common::kKnownLastCap);
    json names = json::array();
    for (const auto& c : caps.keep) {
      std::string n = common::ociCapabilityName(c.number);
      if (n.empty()) continue;
      names.push_back(n);
      source("process.capabilities." + n, c.span,
             c.derivedFrom.empty() ? "keep " + c.name : "keep " + c.name + " (" + c.derivedFrom + ")");
    }
    proc["capabilities"] = {{"bounding", names},    {"effective", names}, {"permitted", names},
                            {"inheritable", json::array()}, {"ambient", json::array()}};

    const auto& nnp = p_.identity.noNewPrivs;
    proc["noNewPrivileges"] = nnp.value;
    source("process.noNewPrivileges", nnp.span,
           std::string(nnp.span.valid() ? "" : "default ") + "no_new_privs " + (nnp.value ? "on" : "off"));

    lsmFields(proc);

    std::vector<std::string> unknown;
    auto rl = common::rlimits(p_, &unknown);
    for (const auto& u : unknown) diags_.error(Code::E1401, p_.span, "unknown rlimit '" + u + "'");
    if (!rl.empty()) {
      json arr = json::array();
      for (const auto& r : rl) {
        arr.push_back({{"type", r.resource}, {"soft", r.soft}, {"hard", r.hard}});
        source("process.rlimits." + r.resource, r.span, "limits " + r.name);
      }
      proc["rlimits"] = arr;
    }
  }

  void linux(json& lin) {
    try {
      lin["seccomp"] = seccomp::ociSeccomp(p_);
      source("linux.seccomp", p_.syscalls.defaultAction.span, "syscalls");
    } catch (const std::exception& e) {
      diags_.error(Code::E1401, p_.span, std::string("linux.seccomp: ") + e.what());
    }

    // Namespaces: always private ones; a user namespace unless privileged.
    json ns = json::array();
    for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"}) ns.push_back({{"type", t}});
    if (common::usesUserNamespace(p_)) ns.push_back({{"type", "user"}});
    lin["namespaces"] = ns;
    if (p_.network.bridge)
      unsupported("network.bridge", p_.network.bridge->span,
                  "network bridge \"" + p_.network.bridge->value + "\": attach it with the runtime's network "
                  "setup (the OCI runtime creates an empty network namespace)");

    const auto& maps = alloc_.idmaps;
    if (!maps.empty()) {
      json uids = json::array(), gids = json::array();
      for (const auto& m : maps) {
        json& arr = m.kind == 'u' ? uids : gids;
        source(fmt::format("linux.{}Mappings.{}", m.kind == 'u' ? "uid" : "gid", arr.size()), m.span, m.why);
        arr.push_back({{"containerID", m.inside}, {"hostID", m.outside}, {"size", m.count}});
      }
      lin["uidMappings"] = uids;
      lin["gidMappings"] = gids;
    }

    json sys = json::object();
    for (const auto& s : p_.mechanism.sysctls) {
      sys[s.key] = s.value;
      source("linux.sysctl." + s.key, s.span, s.why);
    }
    if (!sys.empty()) lin["sysctl"] = sys;
    if (p_.limits.inotifyInstances)
      unsupported("inotify.instances", p_.limits.inotifyInstances->span,
                  "limits inotify.instances: runc accepts no user.* sysctl");
    if (p_.limits.inotifyWatches)
      unsupported("inotify.watches", p_.limits.inotifyWatches->span,
                  "limits inotify.watches: runc accepts no user.* sysctl");
    if (p_.limits.ptyMax)
      unsupported("pty", p_.limits.ptyMax->span, "limits pty: no OCI setting (devpts max is per instance)");

    lin["maskedPaths"] = p_.mechanism.maskedPaths;
    lin["readonlyPaths"] = p_.mechanism.readonlyPaths;
    resources(lin["resources"]);
  }

  void resources(json& res) {
    const auto& l = p_.limits;
    json mem = json::object();
    if (l.memoryMax) {
      mem["limit"] = signedValue(l.memoryMax->value);
      source("linux.resources.memory.limit", l.memoryMax->span, "limits memory " + common::quantity(l.memoryMax->value));
    }
    if (l.swapMax) {
      if (l.memoryMax) {
        std::uint64_t m = l.memoryMax->value, s = l.swapMax->value, total = ir::kUnlimited;
        if (m != ir::kUnlimited && s != ir::kUnlimited && m <= ir::kUnlimited - s) total = m + s;
        mem["swap"] = signedValue(total);   // OCI swap is memory+swap (runc converts for cgroup v2)
        source("linux.resources.memory.swap", l.swapMax->span, "limits swap " + common::quantity(s) + " (memory+swap)");
      } else {
        unsupported("swap", l.swapMax->span, "limits swap: OCI limits memory+swap, and no memory limit is set");
      }
    }
    if (l.memoryHigh)
      unsupported("memory.high", l.memoryHigh->span,
                  "limits memory.high: OCI has no portable form (memory.reservation is memory.low on cgroup v2)");
    if (!mem.empty()) res["memory"] = mem;

    json cpu = json::object();
    if (l.cpuQuotaMicros) {
      cpu["quota"] = signedValue(l.cpuQuotaMicros->value);
      cpu["period"] = 100000;
      source("linux.resources.cpu.quota", l.cpuQuotaMicros->span,
             fmt::format("limits cpu {}", static_cast<double>(l.cpuQuotaMicros->value) / 100000.0));
    }
    if (l.cpuWeight) {
      cpu["shares"] = common::cpuWeightToShares(l.cpuWeight->value);
      source("linux.resources.cpu.shares", l.cpuWeight->span, fmt::format("limits cpu.weight {}", l.cpuWeight->value));
    }
    if (l.cpuset) {
      cpu["cpus"] = l.cpuset->value;
      source("linux.resources.cpu.cpus", l.cpuset->span, "limits cpuset \"" + l.cpuset->value + "\"");
    }
    if (!cpu.empty()) res["cpu"] = cpu;

    if (l.pids) {
      res["pids"] = {{"limit", signedValue(l.pids->value)}};
      source("linux.resources.pids.limit", l.pids->span, fmt::format("limits pids {}", l.pids->value));
    }

    json bio = json::object();
    if (l.ioWeight) {
      bio["weight"] = common::ioWeightToBlkioWeight(l.ioWeight->value);
      source("linux.resources.blockIO.weight", l.ioWeight->span, fmt::format("limits io.weight {}", l.ioWeight->value));
    }
    for (const auto& b : l.ioBps) {
      auto dev = common::parseDevice(b.device);
      if (!dev) {
        diags_.error(Code::E1401, b.span, "bad device '" + b.device + "' (expected major:minor)");
        continue;
      }
      const char* key = b.write ? "throttleWriteBpsDevice" : "throttleReadBpsDevice";
      if (!bio.contains(key)) bio[key] = json::array();
      bio[key].push_back({{"major", dev->first}, {"minor", dev->second}, {"rate", b.bytesPerSecond}});
      source(fmt::format("linux.resources.blockIO.{}.{}", key, b.device), b.span,
             fmt::format("limits io.{}_bps \"{}\"", b.write ? "write" : "read", b.device));
    }
    if (!bio.empty()) res["blockIO"] = bio;

    if (!l.hugetlb.empty()) {
      json arr = json::array();
      for (const auto& h : l.hugetlb) {
        arr.push_back({{"pageSize", h.pageSize}, {"limit", h.bytes}});
        source("linux.resources.hugepageLimits." + h.pageSize, h.span, "limits hugetlb " + h.pageSize);
      }
      res["hugepageLimits"] = arr;
    }

    json devs = json::array();
    devs.push_back({{"allow", false}, {"access", "rwm"}});
    for (const auto& r : common::deviceAllowList(p_)) {
      json d = {{"allow", true}, {"type", std::string(1, r.type)}, {"access", r.access}};
      if (r.major >= 0) d["major"] = r.major;
      if (r.minor >= 0) d["minor"] = r.minor;
      devs.push_back(d);
      source("linux.resources.devices." + common::deviceRuleText(r), r.span, r.why.empty() ? "devices allow" : r.why);
    }
    res["devices"] = devs;
  }

  void mounts(json& out) {
    out = json::array();
    const auto& fs = p_.files;
    auto add = [&](const std::string& dest, const std::string& type, const std::string& src,
                   std::vector<std::string> opts) {
      out.push_back({{"destination", dest}, {"type", type}, {"source", src}, {"options", opts}});
    };
    if (fs.proc.value != ir::FsMode::Off) {
      std::vector<std::string> o = {"nosuid", "noexec", "nodev"};
      if (fs.proc.value == ir::FsMode::Ro) o.push_back("ro");
      add("/proc", "proc", "proc", o);
      source("mounts./proc", fs.proc.span, "mounts proc");
    }
    add("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
    add("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
    add("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"});
    add("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"});
    if (fs.sys.value != ir::FsMode::Off) {
      // sys mixed has no OCI form: read-only is the stricter neighbour.
      add("/sys", "sysfs", "sysfs",
          {"nosuid", "noexec", "nodev", fs.sys.value == ir::FsMode::Rw ? "rw" : "ro"});
      source("mounts./sys", fs.sys.span, fs.sys.value == ir::FsMode::Mixed ? "mounts sys mixed (as ro)" : "mounts sys");
    }
    if (fs.cgroup.value != ir::FsMode::Off && fs.sys.value != ir::FsMode::Off) {
      add("/sys/fs/cgroup", "cgroup", "cgroup",
          {"nosuid", "noexec", "nodev", "relatime", fs.cgroup.value == ir::FsMode::Rw ? "rw" : "ro"});
      source("mounts./sys/fs/cgroup", fs.cgroup.span,
             fs.cgroup.value == ir::FsMode::Mixed ? "mounts cgroup mixed (as ro)" : "mounts cgroup");
    }
    for (const auto& m : fs.mounts) {
      std::vector<std::string> o = common::mountFlags(m);
      if (m.kind == ir::Mount::Kind::Bind) {
        o.insert(o.begin(), "rbind");
        add(m.target, "bind", m.source, o);
        source("mounts." + m.target, m.span, fmt::format("mounts bind {} at {}", m.source, m.target));
        if (m.optional)
          unsupported("mounts." + m.target, m.span, "optional: OCI has no optional mounts, the source must exist");
      } else {
        add(m.target, "tmpfs", "tmpfs", o);
        source("mounts." + m.target, m.span, "mounts tmpfs " + m.target);
      }
    }
  }
};

}  // namespace

std::vector<Artifact> emit(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  try {
    Diagnostics local;
    Builder b(policy, allocations, options, local);
    json doc = b.build();
    bool failed = local.hasErrors();
    diags.append(local);
    if (failed) return {};
    return {Artifact{policy.name + ".oci.json", doc.dump(2, ' ', false, json::error_handler_t::strict) + "\n"}};
  } catch (const std::exception& e) {
    diags.error(Code::E1401, policy.span, std::string("OCI fragment could not be generated: ") + e.what());
  } catch (...) {
    diags.error(Code::E1401, policy.span, "OCI fragment could not be generated");
  }
  return {};
}

}  // namespace ward::backend::oci
