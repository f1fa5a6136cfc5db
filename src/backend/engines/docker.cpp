// P.docker.json and P.docker.args; P.compose.yaml (the same options as a Compose service).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "backend/common/common.h"
#include "backend/engines/engines.h"
#include "backend/engines/model.h"

namespace ward::backend::engines {

namespace {

std::string q(const std::string& s) { return common::yamlString(s); }

std::string tmpfsOptions(const Tmpfs& t) {
  std::string o = t.readOnly ? "ro" : "rw";
  o += ",nosuid,nodev";
  if (t.noexec) o += ",noexec";
  if (t.size) o += fmt::format(",size={}", *t.size);
  if (t.mode) o += ",mode=" + common::octal(*t.mode);
  return o;
}

std::string bindOption(const Bind& b) {
  return "type=bind,source=" + b.source + ",target=" + b.target + (b.readOnly ? ",readonly" : "");
}

class Args {
 public:
  explicit Args(const ir::Policy& p) : p_(p) {}
  void add(const std::string& option, const std::string& why) { out_ += option + "  # " + why + "\n"; }
  void add(const std::string& option, const Item& item) { add(option, comment(p_, item)); }
  void note(const std::string& t) { out_ += "# " + t + "\n"; }
  std::string text() const { return out_; }

 private:
  const ir::Policy& p_;
  std::string out_;
};

std::string argsText(const ir::Policy& p, const Model& m) {
  Args a(p);
  a.note(fmt::format("ward: docker run / podman run options for policy {} ({})", p.name,
                     p.sources.empty() ? "" : p.sources[0].displayName));
  a.note("one option a line, then the policy line that caused it. Use (bash):");
  a.note(fmt::format("  mapfile -t opts < <(sed -e 's/  # .*//' -e '/^#/d' {}.docker.args); docker run \"${{opts[@]}}\" IMAGE",
                     p.name));
  if (p.network.none) a.add("--network=none", comment(p, p.network.noneSpan, "network none"));
  // LXC gives every container a cgroup namespace; Docker and Podman on a cgroup v1 host share the host's (NS-HOST-NS).
  a.add("--cgroupns=private", comment(p, p.span, "default: a cgroup namespace of its own"));
  a.add("--cap-drop=ALL", comment(p, p.capabilities.keepAllSpan.valid() ? p.capabilities.keepAllSpan : p.span,
                                  "capabilities: only those kept below"));
  for (const auto& c : m.capabilities) a.add("--cap-add=" + c.value, c);
  if (m.noNewPrivs.value == "true") a.add("--security-opt=no-new-privileges", m.noNewPrivs);
  a.add("--security-opt=seccomp=" + m.seccompPath, m.seccomp);
  if (m.apparmor) a.add("--security-opt=apparmor=" + m.apparmor->value, *m.apparmor);
  if (m.apparmorAnyHost)
    a.note("not written: --security-opt=apparmor=" + m.apparmorAnyHost->value + " (" + comment(p, *m.apparmorAnyHost) +
           "): only for a host that enforces AppArmor (compile --this-host there); Podman refuses it elsewhere");
  if (m.selinuxType && m.selinuxLevel) {
    if (m.selinuxApplies) {
      a.add("--security-opt=label=type:" + m.selinuxType->value, *m.selinuxType);
      a.add("--security-opt=label=level:" + m.selinuxLevel->value, *m.selinuxLevel);
    } else {
      a.note("not written: --security-opt=label=type:" + m.selinuxType->value + " --security-opt=label=level:" +
             m.selinuxLevel->value + " (" + comment(p, *m.selinuxLevel) + "): only for a host that enforces SELinux");
    }
  }
  if (!m.ulimits.empty())
    a.note("podman: any --ulimit replaces containers.conf's default_ulimits; where Podman's own nofile and nproc (1048576) "
           "are above the host's hard limits, add --ulimit=nofile=N:N --ulimit=nproc=N:N");
  if (m.userns) a.note("podman only: --userns=auto (" + comment(p, m.usernsSpan, "idmap") + "); Docker: dockerd --userns-remap");
  if (m.pids) a.add("--pids-limit=" + m.pids->value, *m.pids);
  if (m.memory) a.add("--memory=" + m.memory->value, *m.memory);
  if (m.memorySwap) a.add("--memory-swap=" + m.memorySwap->value, *m.memorySwap);
  if (m.cpus) a.add("--cpus=" + m.cpus->value, *m.cpus);
  if (m.cpuShares) a.add("--cpu-shares=" + m.cpuShares->value, *m.cpuShares);
  if (m.cpuset) a.add("--cpuset-cpus=" + m.cpuset->value, *m.cpuset);
  if (m.blkioWeight) a.add("--blkio-weight=" + m.blkioWeight->value, *m.blkioWeight);
  for (const auto& u : m.ulimits)
    a.add(fmt::format("--ulimit={}={}:{}", u.name, u.soft, u.hard), comment(p, u.span, "limits " + u.name));
  for (const auto& s : m.sysctls) a.add("--sysctl=" + s.value, s);
  if (m.readOnlyRoot) a.add("--read-only", *m.readOnlyRoot);
  for (const auto& t : m.tmpfs) a.add("--tmpfs=" + t.target + ":" + tmpfsOptions(t), comment(p, t.span, "mounts tmpfs " + t.target));
  for (const auto& b : m.binds)
    a.add("--mount=" + bindOption(b), comment(p, b.span, "mounts bind " + b.source + " at " + b.target));
  for (const auto& d : m.devices) {
    if (!d.path.empty()) a.add("--device=" + d.path + ":" + d.path + ":" + d.rule.substr(d.rule.rfind(' ') + 1), comment(p, d.span, d.why));
    else a.add("--device-cgroup-rule=" + d.rule, comment(p, d.span, d.why));
  }
  return a.text();
}

std::string composeText(const ir::Policy& p, const Model& m) {
  std::string y = fmt::format("# ward: Compose service fragment for policy {} ({}); merge it into your service\n",
                              p.name, p.sources.empty() ? "" : p.sources[0].displayName);
  auto line = [&](int indent, const std::string& t, const std::string& why) {
    y += std::string(static_cast<std::size_t>(indent), ' ') + t + (why.empty() ? "" : "  # " + why) + "\n";
  };
  line(0, "services:", "");
  line(2, q(p.name) + ":", "");
  if (p.network.none) line(4, "network_mode: none", comment(p, p.network.noneSpan, "network none"));
  line(4, "cap_drop: [ALL]", "capabilities: only those kept below");
  if (!m.capabilities.empty()) {
    line(4, "cap_add:", "");
    for (const auto& c : m.capabilities) line(6, "- " + c.value, comment(p, c));
  }
  line(4, "security_opt:", "");
  if (m.noNewPrivs.value == "true") line(6, "- no-new-privileges:true", comment(p, m.noNewPrivs));
  line(6, "- " + q("seccomp:" + m.seccompPath), comment(p, m.seccomp));
  if (m.apparmor) line(6, "- " + q("apparmor:" + m.apparmor->value), comment(p, *m.apparmor));
  if (m.selinuxApplies && m.selinuxType && m.selinuxLevel) {
    line(6, "- " + q("label:type:" + m.selinuxType->value), comment(p, *m.selinuxType));
    line(6, "- " + q("label:level:" + m.selinuxLevel->value), comment(p, *m.selinuxLevel));
  }
  if (m.pids) line(4, "pids_limit: " + m.pids->value, comment(p, *m.pids));
  if (m.memory) line(4, "mem_limit: " + m.memory->value, comment(p, *m.memory));
  if (m.memorySwap) line(4, "memswap_limit: " + m.memorySwap->value, comment(p, *m.memorySwap));
  if (m.cpus) line(4, "cpus: " + m.cpus->value, comment(p, *m.cpus));
  if (m.cpuShares) line(4, "cpu_shares: " + m.cpuShares->value, comment(p, *m.cpuShares));
  if (m.cpuset) line(4, "cpuset: " + q(m.cpuset->value), comment(p, *m.cpuset));
  if (m.blkioWeight) line(4, "blkio_config: {weight: " + m.blkioWeight->value + "}", comment(p, *m.blkioWeight));
  if (!m.ulimits.empty()) {
    line(4, "ulimits:", "");
    for (const auto& u : m.ulimits)
      line(6, fmt::format("{}: {{soft: {}, hard: {}}}", u.name, u.soft, u.hard), comment(p, u.span, "limits " + u.name));
  }
  if (!m.sysctls.empty()) {
    line(4, "sysctls:", "");
    for (const auto& s : m.sysctls) {
      auto eq = s.value.find('=');
      line(6, q(s.value.substr(0, eq)) + ": " + q(s.value.substr(eq + 1)), comment(p, s));
    }
  }
  if (m.readOnlyRoot) line(4, "read_only: true", comment(p, *m.readOnlyRoot));
  if (!m.tmpfs.empty()) {
    line(4, "tmpfs:", "");
    for (const auto& t : m.tmpfs) line(6, "- " + q(t.target + ":" + tmpfsOptions(t)), comment(p, t.span, "mounts tmpfs " + t.target));
  }
  if (!m.binds.empty()) {
    line(4, "volumes:", "");
    for (const auto& b : m.binds)
      line(6, fmt::format("- {{type: bind, source: {}, target: {}, read_only: {}}}", q(b.source), q(b.target), b.readOnly),
           comment(p, b.span, "mounts bind " + b.source + " at " + b.target));
  }
  bool nodes = false, rules = false;
  for (const auto& d : m.devices) (d.path.empty() ? rules : nodes) = true;
  if (nodes) {
    line(4, "devices:", "");
    for (const auto& d : m.devices)
      if (!d.path.empty()) line(6, "- " + q(d.path + ":" + d.path + ":" + d.rule.substr(d.rule.rfind(' ') + 1)), comment(p, d.span, d.why));
  }
  if (rules) {
    line(4, "device_cgroup_rules:", "");
    for (const auto& d : m.devices)
      if (d.path.empty()) line(6, "- " + q(d.rule), comment(p, d.span, d.why));
  }
  return y;
}

}  // namespace

std::vector<Artifact> emitDocker(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  const auto m = checkedModel(policy, allocations, options, Engine::Run, "docker", diags);
  if (!m) return {};
  return {Artifact{m->seccompFile, dockerSeccompJson(policy, true, 2) + "\n"},
          Artifact{policy.name + ".docker.args", argsText(policy, *m)}};
}

std::vector<Artifact> emitCompose(const lower::Lowered& lowered, const Allocations& allocations,
                           const Options& options, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  const auto m = checkedModel(policy, allocations, options, Engine::Run, "compose", diags);
  if (!m) return {};
  return {Artifact{policy.name + ".compose.yaml", composeText(policy, *m)}};
}

}  // namespace ward::backend::engines
