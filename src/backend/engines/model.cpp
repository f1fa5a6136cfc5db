#include "backend/engines/model.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/common/common.h"
#include "base/strings.h"

namespace ward::backend::engines {

namespace {

std::int64_t signedLimit(std::uint64_t v) {
  return v == ir::kUnlimited || v > static_cast<std::uint64_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(v);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// Docker's and Podman's namespaced sysctls (moby opts.ValidateSysctl; with --network none every net.* is
// accepted). Anything else is refused at `docker run`.
bool engineSysctl(std::string_view key) {
  static const std::vector<std::string_view> exact = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                                      "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                                      "kernel.shm_rmid_forced"};
  if (std::find(exact.begin(), exact.end(), key) != exact.end()) return true;
  return startsWith(key, "fs.mqueue.") || startsWith(key, "net.");
}

// The device nodes and cgroup entries every engine container already has (runc's defaults).
bool engineBaseline(const ir::DeviceRule& r) {
  if (r.type != 'c') return false;
  if (r.major == 1) return r.minor == 3 || r.minor == 5 || r.minor == 7 || r.minor == 8 || r.minor == 9;
  if (r.major == 5) return r.minor >= 0 && r.minor <= 2;
  return r.major == 136 && r.minor < 0;
}

void gap(Model& m, Engine e, const ir::Policy& p, const Span& span, std::string what) {
  m.gaps.push_back({e, common::orPolicy(p, span), std::move(what)});
}

void identity(Model& m, const ir::Policy& p, const Allocations& a, const Options& o) {
  const auto caps = common::capabilitySets(p, common::kKnownLastCap);
  for (const auto& c : caps.keep)
    m.capabilities.push_back({upper(c.name), c.span,
                              c.derivedFrom.empty() ? "keep " + c.name : "keep " + c.name + " (" + c.derivedFrom + ")"});
  const auto& nnp = p.identity.noNewPrivs;
  m.noNewPrivs = {nnp.value ? "true" : "false", nnp.span,
                  std::string(nnp.span.valid() ? "" : "default ") + "no_new_privs " + (nnp.value ? "on" : "off")};
  const bool sysAdmin = std::any_of(m.capabilities.begin(), m.capabilities.end(),
                                    [](const Item& c) { return c.value == "SYS_ADMIN"; });
  if (nnp.value && sysAdmin) {
    m.kubeEscalationRefused = true;
    gap(m, Engine::Kube, p, nnp.span.valid() ? nnp.span : p.span,
        "no_new_privs on with sys_admin kept: the Kubernetes API refuses allowPrivilegeEscalation: false together "
        "with SYS_ADMIN, so the Pod says allowPrivilegeEscalation: true (no no_new_privs: a setuid file in the "
        "image can raise privileges)");
  }
  if (p.identity.privileged)
    gap(m, Engine::All, p, p.identity.privilegedSpan,
        "identity privileged: ward keeps no user namespace; the engine's own defaults apply (no --privileged is written)");
  if (common::usesUserNamespace(p)) {
    m.userns = true;
    m.usernsSpan = common::orPolicy(p, p.identity.idmaps.empty() ? p.span : p.identity.idmaps[0].span);
    gap(m, Engine::Run, p, m.usernsSpan,
        "idmap: Docker's user namespace is daemon-wide (dockerd --userns-remap), not a docker run option; "
        "Podman takes --userns=auto (written in P.docker.args)");
    gap(m, Engine::Kube, p, m.usernsSpan, "idmap: a Pod gets a user namespace only with spec.hostUsers: false (Kubernetes 1.25+, alpha)");
  }
  const std::string& profile = p.apparmor.profileName;   // lower/ gave it the default when unnamed
  Item aa{profile, p.apparmor.span, "apparmor profile " + profile};
  if (o.hostApparmor == true) m.apparmor = aa;
  else m.apparmorAnyHost = aa;
  if (p.selinux.enabled) {
    m.selinuxApplies = o.hostSelinux == true;
    if (o.hostSelinux != false && a.selinux) {   // user:role:type:level, the level itself has colons (s0:c1,c2)
      std::string l = a.selinux->text;
      std::vector<std::string> parts;
      for (int i = 0; i < 3; ++i) {
        auto c = l.find(':');
        parts.push_back(l.substr(0, c));
        l = c == std::string::npos ? "" : l.substr(c + 1);
      }
      m.selinuxUser = Item{parts[0], p.selinux.span, "selinux user"};
      m.selinuxRole = Item{parts[1], p.selinux.span, "selinux role"};
      m.selinuxType = Item{parts[2], p.selinux.span, "selinux type"};
      m.selinuxLevel = Item{l, p.selinux.span, "selinux level"};
    }
  }
}

void limits(Model& m, const ir::Policy& p, Diagnostics& diags) {
  const auto& l = p.limits;
  if (l.pids) m.pids = Item{std::to_string(signedLimit(l.pids->value)), l.pids->span, fmt::format("limits pids {}", l.pids->value)};
  if (l.memoryMax)
    m.memory = Item{std::to_string(signedLimit(l.memoryMax->value)), l.memoryMax->span, "limits memory " + common::quantity(l.memoryMax->value)};
  if (l.swapMax) {
    if (l.memoryMax && l.memoryMax->value != ir::kUnlimited && l.swapMax->value != ir::kUnlimited) {
      m.memorySwap = Item{std::to_string(signedLimit(l.memoryMax->value + l.swapMax->value)), l.swapMax->span,
                          "limits swap " + common::quantity(l.swapMax->value) + " (memory+swap)"};
    } else {
      gap(m, Engine::All, p, l.swapMax->span, "limits swap: engines limit memory+swap, and no finite memory limit is set");
    }
  }
  if (l.memoryHigh) gap(m, Engine::All, p, l.memoryHigh->span, "limits memory.high: no engine option sets a soft memory limit");
  if (l.cpuQuotaMicros)
    m.cpus = Item{fmt::format("{}", static_cast<double>(l.cpuQuotaMicros->value) / 100000.0), l.cpuQuotaMicros->span,
                  fmt::format("limits cpu {}", static_cast<double>(l.cpuQuotaMicros->value) / 100000.0)};
  if (l.cpuWeight) {
    m.cpuShares = Item{std::to_string(common::cpuWeightToShares(l.cpuWeight->value)), l.cpuWeight->span,
                       fmt::format("limits cpu.weight {}", l.cpuWeight->value)};
    gap(m, Engine::Kube, p, l.cpuWeight->span, "limits cpu.weight: a Pod's CPU weight follows its requests, not a setting");
  }
  if (l.cpuset) m.cpuset = Item{l.cpuset->value, l.cpuset->span, "limits cpuset \"" + l.cpuset->value + "\""};
  if (l.cpuset) gap(m, Engine::Kube, p, l.cpuset->span, "limits cpuset: a Pod's CPUs come from the kubelet's CPU manager");
  if (l.ioWeight)
    m.blkioWeight = Item{std::to_string(common::ioWeightToBlkioWeight(l.ioWeight->value)), l.ioWeight->span,
                         fmt::format("limits io.weight {}", l.ioWeight->value)};
  for (const auto& b : l.ioBps)
    gap(m, Engine::All, p, b.span, "limits io." + std::string(b.write ? "write" : "read") + "_bps \"" + b.device +
                                       "\": engines take a device path (--device-read-bps /dev/...), not major:minor");
  for (const auto& h : l.hugetlb) gap(m, Engine::Run, p, h.span, "limits hugetlb " + h.pageSize + ": no docker run option");
  if (l.pids) gap(m, Engine::Kube, p, l.pids->span, "limits pids: a Pod's pids limit is the kubelet's podPidsLimit, not a Pod field");
  if (l.inotifyInstances) gap(m, Engine::All, p, l.inotifyInstances->span, "limits inotify.instances: engines accept no user.* sysctl");
  if (l.inotifyWatches) gap(m, Engine::All, p, l.inotifyWatches->span, "limits inotify.watches: engines accept no user.* sysctl");
  if (l.ptyMax) gap(m, Engine::All, p, l.ptyMax->span, "limits pty: no engine option (devpts max is per instance)");
  std::vector<std::string> unknown;
  for (const auto& r : common::rlimits(p, &unknown)) {
    std::string n = r.resource.substr(7);   // RLIMIT_NOFILE -> nofile
    for (char& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    m.ulimits.push_back({n, signedLimit(r.soft), signedLimit(r.hard), common::orPolicy(p, r.span)});
    gap(m, Engine::Kube, p, r.span, "limits " + r.name + ": a Pod has no rlimits (the container runtime's defaults apply)");
  }
  for (const auto& u : unknown) diags.error(Code::E1501, p.span, "unknown rlimit '" + u + "'");
}

void filesystem(Model& m, const ir::Policy& p) {
  for (const auto& s : p.mechanism.sysctls) {
    if (engineSysctl(s.key)) m.sysctls.push_back({s.key + "=" + s.value, s.span, s.why});
    else gap(m, Engine::All, p, s.span, "sysctl " + s.key + ": outside the engines' namespaced allow-list");
  }
  if (p.files.rootReadOnly.value) m.readOnlyRoot = Item{"true", p.files.rootReadOnly.span, "mounts root ro"};
  for (const auto& mt : p.files.mounts) {
    if (mt.kind == ir::Mount::Kind::Tmpfs) {
      m.tmpfs.push_back({mt.target, mt.sizeBytes, mt.mode, mt.readOnly, mt.noexec, mt.span});
      if (!mt.nosuid || !mt.nodev) gap(m, Engine::Kube, p, mt.span, "mounts tmpfs " + mt.target + ": an emptyDir's flags are the kubelet's");
      continue;
    }
    m.binds.push_back({mt.source, mt.target, mt.readOnly, mt.span});
    if (mt.nosuid || mt.nodev || mt.noexec)
      gap(m, Engine::All, p, mt.span, "mounts bind " + mt.target + ": a bind takes ro/rw only (no nosuid, nodev, noexec option)");
    if (mt.optional) gap(m, Engine::All, p, mt.span, "mounts bind " + mt.target + " optional: the engine fails when the source is missing");
  }
  if (p.files.proc.value != ir::FsMode::Mixed)
    gap(m, Engine::All, p, p.files.proc.span, "mounts proc: engines mount /proc their own way (/proc/sys read-only)");
  if (p.files.sys.value == ir::FsMode::Off || p.files.sys.value == ir::FsMode::Rw)
    gap(m, Engine::All, p, p.files.sys.span, "mounts sys: engines mount /sys read-only, always");
  if (p.files.cgroup.value == ir::FsMode::Off || p.files.cgroup.value == ir::FsMode::Rw)
    gap(m, Engine::All, p, p.files.cgroup.span, "mounts cgroup: engines mount /sys/fs/cgroup read-only, always");
  // Masked and read-only paths: the engines' own lists apply and ward's cannot be added from the command line.
  // Docker 20.10's list is runc's (lower/masks.cpp) without /sys/devices/virtual/powercap (masked from
  // Docker 25 on, CVE-2020-8694), so a policy that masks it is told the engine does not.
  const std::vector<std::string> runcMasked = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                               "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                                               "/sys/firmware"};
  for (const auto& path : p.mechanism.maskedPaths)
    if (std::find(runcMasked.begin(), runcMasked.end(), path) == runcMasked.end())
      gap(m, Engine::All, p, p.span, "masked path " + path + ": engines mask their own list only");
  for (const auto& r : common::deviceAllowList(p)) {
    if (engineBaseline(r)) continue;
    Device d{"", common::deviceRuleText(r), r.span, r.why.empty() ? "devices allow" : r.why};
    for (const auto& dev : p.devices)
      if (!dev.path.empty() && dev.type == r.type && dev.major == r.major && dev.minor == r.minor) d.path = dev.path;
    m.devices.push_back(std::move(d));
    gap(m, Engine::Kube, p, r.span, "devices " + common::deviceRuleText(r) + ": a Pod gets devices from device plugins only");
  }
  if (p.network.bridge)
    gap(m, Engine::All, p, p.network.bridge->span, "network bridge \"" + p.network.bridge->value +
                                                      "\": attach it with the engine's network (--network)");
}

}  // namespace

Model model(const ir::Policy& p, const Allocations& a, const Options& o, Diagnostics& diags) {
  Model m;
  m.name = p.name;
  m.seccompFile = p.name + ".docker.json";
  m.seccompPath = (o.artifactDir.empty() ? std::string(".") : o.artifactDir) + "/" + m.seccompFile;
  m.seccomp = {m.seccompPath, p.syscalls.defaultAction.span, "syscalls"};
  identity(m, p, a, o);
  limits(m, p, diags);
  filesystem(m, p);
  const auto& def = p.syscalls.defaultAction;
  if (def.value.kind == ir::Action::Kind::Errno && def.value.errnoValue != 38)
    gap(m, Engine::All, p, def.span, "syscalls default errno " + def.value.errnoName + ": Docker 20.10 drops defaultErrnoRet; "
        "every known system call is listed with it, unknown numbers get ENOSYS");
  for (const auto& r : p.mechanism.syscallRules)
    if (r.name == "ptrace" && r.action.kind == ir::Action::Kind::Allow && def.value.kind == ir::Action::Kind::Errno) {
      gap(m, Engine::All, p, r.span, "ptrace allowed: system calls libseccomp does not know reach the profile's "
          "SCMP_ACT_TRACE default, which a tracer in the container that asks for seccomp events decides");
      break;
    }
  return m;
}

void reportGaps(const ir::Policy& p, const Model& m, Engine engine, const std::string& target, Diagnostics& diags) {
  for (const auto& g : m.gaps)
    if ((static_cast<int>(g.engine) & static_cast<int>(engine)) != 0)
      diags.warning(Code::W0008, g.span, target + ": " + g.what);
  (void)p;
}

std::optional<Model> checkedModel(const ir::Policy& policy, const Allocations& allocations, const Options& options,
                                  Engine engine, const std::string& target, Diagnostics& diags) {
  Diagnostics local;
  Model m = model(policy, allocations, options, local);
  reportGaps(policy, m, engine, target, local);
  const bool failed = local.hasErrors();
  diags.append(local);
  if (failed) return std::nullopt;
  return m;
}

std::string comment(const ir::Policy& policy, const Span& span, const std::string& why) {
  return common::provenance(policy, common::orPolicy(policy, span), why);
}
std::string comment(const ir::Policy& policy, const Item& item) { return comment(policy, item.span, item.why); }

}  // namespace ward::backend::engines
