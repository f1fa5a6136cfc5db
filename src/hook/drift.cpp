#include "hook/drift.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/paths.h"

namespace ward::hook {

namespace {

using lxcconf::Config;
using lxcconf::Entry;
using lxcconf::Location;

std::string norm(std::string_view v) {   // collapse runs of blanks: "u 0  1 2" == "u 0 1 2"
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

int rank(lxcconf::AutoMode m) {
  switch (m) {
    case lxcconf::AutoMode::Off: return 0;
    case lxcconf::AutoMode::Ro: return 1;
    case lxcconf::AutoMode::Mixed: return 2;
    case lxcconf::AutoMode::Rw: return 3;
  }
  return 3;
}


std::string normalPath(const std::string& p) {
  std::string n = std::filesystem::path(p).lexically_normal().string();
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  return n;
}

class Checker {
 public:
  Checker(const Config& e, const Config& s, const DriftOptions& o) : eff_(e), snip_(s), opt_(o) {}

  std::vector<Drift> run() {
    if (!included()) return std::move(out_);
    singles();
    capabilities();
    idmaps();
    cgroups("lxc.cgroup.");
    cgroups("lxc.cgroup2.");
    keyed("lxc.prlimit.", "rlimit");
    keyed("lxc.sysctl.", "sysctl");
    autoMounts();
    mountEntries();
    network();
    namespaces();
    return std::move(out_);
  }

 private:
  const Config& eff_;
  const Config& snip_;
  const DriftOptions& opt_;
  std::vector<Drift> out_;

  std::string policy() const { return "policy " + (opt_.policyName.empty() ? std::string("?") : opt_.policyName); }

  void add(Location where, std::string message) { out_.push_back({std::move(where), std::move(message)}); }

  // Does the snippet itself set exactly this (the policy asked for it)?
  bool fromSnippet(const Entry& e) const {
    for (const auto& s : snip_.effective())
      if (s.key == e.key && norm(s.value) == norm(e.value)) return true;
    return false;
  }

  Location clearOr(std::string_view key) const {
    auto c = eff_.lastClear(key);
    return c ? *c : Location{};
  }

  bool included() {
    if (opt_.snippetPath.empty()) return true;
    std::string want = normalPath(opt_.snippetPath);
    for (const auto& f : eff_.files())
      if (normalPath(f) == want) return true;
    add({}, "the container's config does not include " + opt_.snippetPath + " (add `lxc.include = " +
                opt_.snippetPath + "` after its own settings, or run `ward lxc-install`)");
    return false;
  }

  void singles() {
    struct K { const char* key; const char* what; };
    for (K k : {K{"lxc.seccomp.profile", "seccomp profile"}, K{"lxc.apparmor.profile", "AppArmor profile"},
                K{"lxc.selinux.context", "SELinux context"}, K{"lxc.no_new_privs", "no_new_privs"},
                // The read-only binds of /proc/bus, /proc/fs, /proc/irq name their sources through it.
                K{"lxc.rootfs.mount", "rootfs mount point, through which its read-only /proc binds are named"}}) {
      auto s = snip_.get(k.key);
      if (!s || s->value.empty()) continue;
      auto e = eff_.get(k.key);
      if (e && e->value == s->value) continue;
      std::string key = k.key;
      if (!e) {
        add({}, key + " is not set; " + policy() + " sets " + s->value);
      } else if (e->value.empty()) {
        add(e->where, key + " is cleared; " + policy() + " sets " + s->value);
      } else if (key == "lxc.apparmor.profile" && e->value == "unconfined") {
        add(e->where, "lxc.apparmor.profile = unconfined turns AppArmor confinement off; " + policy() + " uses " + s->value);
      } else if (key == "lxc.no_new_privs") {
        add(e->where, "lxc.no_new_privs = " + e->value + " lets setuid binaries raise privilege; " + policy() + " sets " + s->value);
      } else {
        add(e->where, key + " = " + e->value + " replaces the policy's " + k.what + " (" + policy() + ": " + s->value + ")");
      }
    }
    if (auto e = eff_.get("lxc.apparmor.allow_incomplete"); e && e->value == "1" && !fromSnippet(*e))
      add(e->where, "lxc.apparmor.allow_incomplete = 1 starts the container even when its AppArmor profile cannot be fully applied");
    if (auto e = eff_.get("lxc.apparmor.allow_nesting"); e && e->value == "1" && !fromSnippet(*e))
      add(e->where, "lxc.apparmor.allow_nesting = 1 loosens the AppArmor profile for nesting; " + policy() + " does not allow nesting");
  }

  void capabilities() {
    auto want = lxcconf::capabilities(snip_, opt_.lastCap);
    auto have = lxcconf::capabilities(eff_, opt_.lastCap);
    if (have.both) {
      auto d = eff_.all("lxc.cap.drop");
      add(d.empty() ? Location{} : d.back().where,
          "lxc.cap.drop is set together with lxc.cap.keep (LXC refuses such a config); remove the lxc.cap.drop lines");
    }
    std::set<int> allowed(want.kept.begin(), want.kept.end());
    std::vector<int> extra;
    for (int c : have.kept)
      if (!allowed.count(c)) extra.push_back(c);
    if (extra.empty()) return;
    const auto& names = lxcconf::capabilityNames();
    auto name = [&](int c) { return c >= 0 && static_cast<std::size_t>(c) < names.size() ? std::string(names[c]) : std::to_string(c); };
    if (have.viaKeep) {
      // Group by the lxc.cap.keep line that keeps them.
      std::vector<std::pair<Location, std::string>> lines;
      for (const auto& [w, at] : eff_.words("lxc.cap.keep")) {
        int n = lxcconf::capabilityNumber(w);
        if (n < 0 || std::find(extra.begin(), extra.end(), n) == extra.end()) continue;
        auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first.str() == at.str(); });
        if (it == lines.end()) lines.push_back({at, name(n)});
        else it->second += ", " + name(n);
      }
      for (const auto& [at, list] : lines)
        add(at, "lxc.cap.keep keeps " + list + ", which " + policy() + " drops");
      return;
    }
    std::string list;
    for (int c : extra) list += (list.empty() ? "" : ", ") + name(c);
    Location at = clearOr("lxc.cap.keep");
    std::string cause = at.file.empty() ? "without lxc.cap.keep" : "with lxc.cap.keep cleared";
    add(at, "the container keeps " + std::to_string(extra.size()) + " capabilities " + policy() + " drops (" + cause +
                "): " + list);
  }

  void idmaps() {
    std::set<std::string> want, have;
    for (const auto& e : snip_.all("lxc.idmap")) want.insert(norm(e.value));
    auto effective = eff_.all("lxc.idmap");
    for (const auto& e : effective) have.insert(norm(e.value));
    for (const auto& w : want)
      if (!have.count(w))
        add(clearOr("lxc.idmap"), "missing lxc.idmap = " + w + " (" + policy() + " runs the container in a user namespace)");
    if (want.empty()) return;   // a privileged policy: extra maps only narrow it
    for (const auto& e : effective)
      if (!want.count(norm(e.value)))
        add(e.where, "lxc.idmap = " + norm(e.value) + " is not one of " + policy() + "'s id maps (remove it: the policy's snippet sets the maps)");
  }

  void cgroups(const std::string& family) {
    auto want = snip_.withPrefix(family);
    if (want.empty()) return;
    const std::string deny = family + "devices.deny", allow = family + "devices.allow";
    // Plain values: the last value written to a file is the one in effect.
    std::vector<std::string> seen;
    for (auto it = want.rbegin(); it != want.rend(); ++it) {
      if (it->key == deny || it->key == allow) continue;
      if (std::find(seen.begin(), seen.end(), it->key) != seen.end()) continue;
      seen.push_back(it->key);
      auto have = eff_.all(it->key);
      if (have.empty()) {
        add(clearOr(it->key), "missing limit " + it->key + " = " + it->value + " (" + policy() + ")");
      } else if (norm(have.back().value) != norm(it->value)) {
        add(have.back().where, it->key + " = " + have.back().value + " replaces the limit " + policy() + " sets (" + it->value + ")");
      }
    }
    // The devices allow-list: after the last "deny a", only the snippet's allows.
    bool denyAll = std::any_of(want.begin(), want.end(), [&](const Entry& e) { return e.key == deny && norm(e.value) == "a"; });
    if (!denyAll) return;
    std::set<std::string> allowed;
    for (const auto& e : want)
      if (e.key == allow) allowed.insert(norm(e.value));
    auto have = eff_.withPrefix(family + "devices.");
    std::size_t start = have.size();
    for (std::size_t i = have.size(); i-- > 0;)
      if (have[i].key == deny && norm(have[i].value) == "a") {
        start = i;
        break;
      }
    if (start == have.size()) {
      add(clearOr(deny), "the devices allow-list of " + policy() + " is not in effect (no " + deny + " = a)");
      return;
    }
    for (std::size_t i = start + 1; i < have.size(); ++i)
      if (have[i].key == allow && !allowed.count(norm(have[i].value)))
        add(have[i].where, allow + " = " + have[i].value + " grants a device " + policy() + " does not allow");
  }

  void keyed(const std::string& prefix, const char* what) {
    for (const auto& s : snip_.withPrefix(prefix)) {
      auto e = eff_.get(s.key);
      if (!e || e->value.empty())
        add(e ? e->where : clearOr(s.key), std::string("missing ") + what + " " + s.key + " = " + s.value + " (" + policy() + ")");
      else if (norm(e->value) != norm(s.value))
        add(e->where, s.key + " = " + e->value + " replaces the " + what + " " + policy() + " sets (" + s.value + ")");
    }
  }

  void autoMounts() {
    auto want = lxcconf::autoMounts(snip_);
    auto have = lxcconf::autoMounts(eff_);
    auto check = [&](const char* fam, lxcconf::AutoMode w, lxcconf::AutoMode h, const std::optional<Location>& at) {
      if (rank(h) <= rank(w)) return;
      add(at ? *at : Location{}, std::string("lxc.mount.auto mounts ") + fam + ":" + lxcconf::autoModeName(h) + ", more than " +
                                     policy() + " allows (" + fam + ":" + lxcconf::autoModeName(w) + ")");
    };
    check("proc", want.proc, have.proc, have.proc_at);
    check("sys", want.sys, have.sys, have.sys_at);
    if (have.cgroupFull && !want.cgroupFull) {
      add(have.cgroup_at ? *have.cgroup_at : Location{},
          "lxc.mount.auto cgroup-full mounts the host's whole cgroup hierarchy; " + policy() + " does not");
      return;
    }
    auto mode = have.cgroup;
    if (have.cgroupNoSpec) {
      auto caps = lxcconf::capabilities(eff_, opt_.lastCap);
      bool sysAdmin = std::find(caps.kept.begin(), caps.kept.end(), 21) != caps.kept.end();
      mode = sysAdmin ? lxcconf::AutoMode::Rw : lxcconf::AutoMode::Mixed;
    }
    check("cgroup", want.cgroup, mode, have.cgroup_at);
  }

  static std::string dangerousMount(const lxcconf::MountEntry& m) {
    static const std::set<std::string, std::less<>> kernelFs = {"cgroup", "cgroup2", "securityfs", "debugfs", "tracefs",
                                                                "configfs", "binfmt_misc", "bpf", "efivarfs", "pstore"};
    bool ro = m.hasOption("ro");
    if ((m.type == "proc" || m.type == "sysfs") && !ro) return "mounts " + m.type + " read-write";
    if (kernelFs.count(m.type)) return "mounts the kernel filesystem " + m.type;
    if (!(m.hasOption("bind") || m.hasOption("rbind"))) return {};
    std::string src = m.source.empty() || m.source.front() != '/' ? m.source : normalPath(m.source);
    if (src == "/") return "binds the host's root filesystem into the container";
    if (pathUnder(src, "/proc")) return "binds the host's " + src + " into the container";
    if (ro) return {};
    if (src.ends_with(".sock")) return "binds the host socket " + src + " read-write";
    if (src == "/dev" || src == "/sys" || (pathUnder(src, "/sys") && src != "/sys/fs/fuse/connections"))
      return "binds the host's " + src + " read-write";
    for (const char* dir : {"/boot", "/etc", "/root", "/run", "/var/run", "/lib/modules", "/usr/lib/modules",
                            "/var/lib/lxc", "/var/lib/ward", "/var/lib/docker", "/usr", "/bin", "/sbin", "/lib", "/lib64"})
      if (pathUnder(src, dir)) return "binds the host's " + src + " read-write";
    return {};
  }

  void mountEntries() {
    std::set<std::string> want, have;
    for (const auto& e : snip_.all("lxc.mount.entry")) want.insert(norm(e.value));
    auto effective = eff_.all("lxc.mount.entry");
    for (const auto& e : effective) have.insert(norm(e.value));
    for (const auto& w : want)
      if (!have.count(w)) add(clearOr("lxc.mount.entry"), "missing lxc.mount.entry = " + w + " (" + policy() + ")");
    for (const auto& e : effective) {
      if (want.count(norm(e.value))) continue;
      auto m = lxcconf::parseMountEntry(e.value);
      if (!m) continue;   // LXC rejects it
      std::string why = dangerousMount(*m);
      if (!why.empty()) add(e.where, "lxc.mount.entry = " + e.value + " " + why);
    }
    if (auto f = eff_.get("lxc.mount.fstab"); f && !f->value.empty() && !fromSnippet(*f))
      add(f->where, "lxc.mount.fstab = " + f->value + ": ward does not check fstab files; move its mounts to lxc.mount.entry");
  }

  void network() {
    bool none = false;
    for (const auto& s : snip_.withPrefix("lxc.net."))
      if (s.key.ends_with(".type") && s.value == "empty") none = true;
    for (const auto& e : eff_.withPrefix("lxc.net.")) {
      if (!e.key.ends_with(".type") || fromSnippet(e)) continue;
      if (e.value == "none")
        add(e.where, e.key + " = none shares the host's network namespace with the container");
      else if (none && e.value != "empty")
        add(e.where, e.key + " = " + e.value + " gives the container a network; " + policy() + " says network none");
    }
    for (const auto& s : snip_.withPrefix("lxc.net.")) {
      if (s.key.ends_with(".type")) continue;
      auto e = eff_.get(s.key);
      if (!e || norm(e->value) != norm(s.value))
        add(e ? e->where : Location{}, s.key + (e ? " = " + e->value : std::string(" is not set")) + "; " + policy() + " sets " + s.value);
    }
  }

  void namespaces() {
    for (const auto& e : eff_.withPrefix("lxc.namespace.share."))
      if (!e.value.empty() && !fromSnippet(e))
        add(e.where, e.key + " = " + e.value + " shares another process's " + e.key.substr(20) + " namespace with the container");
    std::set<std::string> snipKeep;
    for (const auto& [w, at] : snip_.words("lxc.namespace.keep")) snipKeep.insert(w);
    for (const auto& [w, at] : eff_.words("lxc.namespace.keep"))
      if (!snipKeep.count(w)) add(at, "lxc.namespace.keep = " + w + " keeps the host's " + w + " namespace");
  }
};

}  // namespace

std::string Drift::str() const { return where.file.empty() ? message : where.str() + ": " + message; }

std::vector<Drift> checkDrift(const Config& effective, const Config& snippet, const DriftOptions& options) {
  return Checker(effective, snippet, options).run();
}

}  // namespace ward::hook
