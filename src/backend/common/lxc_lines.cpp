#include "backend/common/lxc_lines.h"

#include <fmt/format.h>

#include <optional>

#include "backend/common/common.h"
#include "base/paths.h"

namespace ward::backend::common {

namespace {

class LineSink {
 public:
  LineSink(const ir::Policy& p, Diagnostics& d) : policy_(p), diags_(d) {}

  void section(std::string_view title) {
    section_ = std::string(title);
    lines_.push_back({LxcLine::Kind::Section, {}, {}, section_, {}, {}, section_});
  }
  void note(std::string_view text) { lines_.push_back({LxcLine::Kind::Note, {}, {}, std::string(text), {}, {}, section_}); }

  // One key with its provenance.
  void key(std::string_view k, std::string_view v, const Span& span, std::string_view why) {
    if (!isSingleLine(k) || !isSingleLine(v)) {
      diags_.error(Code::E1301, span, fmt::format("value for {} spans lines; it cannot be written to an LXC config", k));
      return;
    }
    const Span s = orPolicy(policy_, span);
    lines_.push_back({LxcLine::Kind::Key, std::string(k), std::string(v), provenance(policy_, s, why), s,
                      std::string(why), section_});
  }

  std::vector<LxcLine> take() { return std::move(lines_); }

 private:
  const ir::Policy& policy_;
  Diagnostics& diags_;
  std::string section_;
  std::vector<LxcLine> lines_;
};

// Escapes a path for an fstab-style lxc.mount.entry field (space, tab, backslash as octal).
std::string fstabEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case ' ': out += "\\040"; break;
      case '\t': out += "\\011"; break;
      case '\\': out += "\\134"; break;
      default: out += c;
    }
  }
  return out;
}

std::string relative(std::string_view target) {
  while (!target.empty() && target.front() == '/') target.remove_prefix(1);
  return std::string(target);
}

std::string joined(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}


const char* autoMode(ir::FsMode m) {
  switch (m) {
    case ir::FsMode::Ro: return "ro";
    case ir::FsMode::Mixed: return "mixed";
    case ir::FsMode::Rw: return "rw";
    case ir::FsMode::Off: break;
  }
  return nullptr;
}

bool validHookType(std::string_view t) {
  for (std::string_view k : {"pre-start", "pre-mount", "mount", "autodev", "start-host", "start", "stop",
                             "post-stop", "clone", "destroy"})
    if (k == t) return true;
  return false;
}

bool validRawKey(std::string_view k) {
  if (!k.starts_with("lxc.") || k.size() < 5) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

const char* dflt(const Span& span) { return span.valid() ? "" : "default "; }

std::string rlimitValue(std::uint64_t v) { return v == ir::kUnlimited ? "unlimited" : std::to_string(v); }

void emitBody(LineSink& w, const ir::Policy& p, const Allocations& allocations, const Options& options,
              const LxcLineOptions& lo, Diagnostics& diags) {
  const Span ps = p.span;

  // ---- security
  w.section("seccomp, LSMs, no_new_privs");
  w.key("lxc.seccomp.profile", joinPath(options.artifactDir, p.name + ".lxc.seccomp"),
        p.syscalls.defaultAction.span, "syscalls (" + p.name + ".lxc.seccomp)");
  const std::string& profile = p.apparmor.profileName;   // lower/ gave it the default when unnamed
  w.key("lxc.apparmor.profile", profile, p.apparmor.span, "apparmor profile " + profile);
  w.key("lxc.apparmor.allow_nesting", p.apparmor.nesting.value ? "1" : "0", p.apparmor.nesting.span,
        std::string(p.apparmor.nesting.span.valid() ? "" : "default ") + "apparmor nesting " +
            (p.apparmor.nesting.value ? "on" : "off"));
  if (allocations.selinux) w.key("lxc.selinux.context", allocations.selinux->text, p.selinux.span, "selinux label");
  const auto& nnp = p.identity.noNewPrivs;
  w.key("lxc.no_new_privs", nnp.value ? "1" : "0", nnp.span,
        std::string(nnp.span.valid() ? "" : "default ") + "no_new_privs " + (nnp.value ? "on" : "off"));

  // ---- capabilities: lxc.cap.keep (everything else, including capabilities newer than this
  // compiler, is dropped by LXC). lxc.cap.drop is cleared first: LXC refuses a config with both.
  w.section("capabilities");
  auto caps = capabilitySets(p, kKnownLastCap);
  w.key("lxc.cap.drop", "", ps, "clear inherited lxc.cap.drop (the policy lists what it keeps)");
  w.key("lxc.cap.keep", "", ps, "clear inherited lxc.cap.keep");
  if (caps.all) {
    w.note(provenance(p, orPolicy(p, p.capabilities.keepAllSpan), "capabilities keep all"));
    w.note("no lxc.cap.keep: the container keeps every capability");
  } else if (caps.keep.empty()) {
    w.key("lxc.cap.keep", "none", ps, "no capabilities kept");
  } else {
    for (const auto& c : caps.keep) {
      std::string why = c.derivedFrom.empty() ? "keep " + c.name : "keep " + c.name + " (" + c.derivedFrom + ")";
      w.key("lxc.cap.keep", c.name, c.span, why);
    }
  }

  // ---- identity
  w.section("user namespace");
  // No `lxc.idmap =` to clear inherited maps: LXC 5.0 keeps a dangling pointer to the cleared root
  // mapping and then fails to chown the container's cgroups. The container's own config must not set
  // lxc.idmap (docs/lxc-output.md).
  const std::vector<IdRange> none;
  const auto& maps = lo.idmaps ? allocations.idmaps : none;
  if (maps.empty() && lo.idmaps)
    w.note(provenance(p, orPolicy(p, p.identity.privilegedSpan),
                              "privileged: no user namespace, container root is host root"));
  for (const auto& m : maps)
    w.key("lxc.idmap", fmt::format("{} {} {} {}", m.kind, m.inside, m.outside, m.count), m.span, m.why);

  // ---- cgroups
  auto cg = cgroupSettings(p);
  w.section("cgroup v1 (LXC ignores these on a pure cgroup2 host)");
  for (const auto& s : cg.v1) w.key("lxc.cgroup." + s.key, s.value, s.span, s.why);
  // io.weight has no v1 key that every host has: blkio.weight was CFQ's (removed in Linux 5.0 with the
  // legacy block layer) and blkio.bfq.weight exists only in kernels with BFQ (and acts only on disks BFQ
  // schedules). LXC refuses to start when it cannot write a lxc.cgroup.* key, so nothing is written for
  // v1, and the compile says so.
  if (const auto& iw = p.limits.ioWeight) {
    w.note(provenance(p, orPolicy(p, iw->span),
                              fmt::format("limits io.weight {}: not set on cgroup v1 (blkio.weight was CFQ's, gone "
                                          "since Linux 5.0; blkio.bfq.weight needs BFQ)", iw->value)));
    auto& d = diags.warning(Code::W0006, iw->span,
                            fmt::format("io.weight {} is applied on cgroup v2 hosts only: the LXC config sets no I/O "
                                        "weight on cgroup v1, whose blkio.weight belongs to the CFQ scheduler "
                                        "(removed in Linux 5.0)", iw->value));
    d.notes.push_back({{}, "on a cgroup v1 host whose disks use the BFQ scheduler, set it with "
                           "`lxc { set \"lxc.cgroup.blkio.bfq.weight\" = \"W\"; }` (1..1000, default 100)"});
  }
  w.section("cgroup v2 (LXC ignores these on a legacy or hybrid host; devices become a BPF program)");
  for (const auto& s : cg.v2) w.key("lxc.cgroup2." + s.key, s.value, s.span, s.why);

  // ---- rlimits
  std::vector<std::string> unknown;
  auto rl = rlimits(p, &unknown);
  for (const auto& u : unknown) diags.error(Code::E1301, ps, "unknown rlimit '" + u + "'");
  if (!rl.empty()) w.section("rlimits");
  for (const auto& r : rl)
    w.key("lxc.prlimit." + r.name,
          r.soft == r.hard ? rlimitValue(r.soft) : rlimitValue(r.soft) + ":" + rlimitValue(r.hard), r.span,
          "limits " + r.name);

  // ---- sysctls. LXC writes lxc.sysctl.* after it has mounted /proc, and proc:mixed leaves /proc/sys
  // read-only (except /proc/sys/net while net_admin is kept), so only those keys use lxc.sysctl; the
  // others are written by a start-host hook from the host, inside the container's namespaces.
  // The uts keys are special: /proc/sys/kernel/{hostname,domainname} has no permission handler for user
  // namespaces, so only the host's root (kuid 0) may write them, never the container's mapped root.
  // kernel.hostname is LXC's own lxc.uts.name (LXC calls sethostname in the container's uts namespace);
  // with a user namespace, kernel.domainname is written by a second hook that enters only the uts
  // namespace and so stays the host's root.
  const auto& sc = p.mechanism.sysctls;
  const auto& lim = p.limits;
  const bool userns = usesUserNamespace(p);
  bool netAdmin = false;
  for (const auto& c : caps.keep) netAdmin = netAdmin || c.name == "net_admin";
  auto direct = [&](const std::string& key) {
    if (p.files.proc.value == ir::FsMode::Rw) return true;
    return p.files.proc.value == ir::FsMode::Mixed && (netAdmin || caps.all) && key.starts_with("net.");
  };
  std::optional<Setting> hostname;
  std::vector<Setting> hooked, utsHooked;
  for (const auto& s : sc) {
    if (s.key == "kernel.hostname")
      hostname = s;
    else if (userns && s.key == "kernel.domainname")
      utsHooked.push_back(s);
    else if (!direct(s.key))
      hooked.push_back(s);
  }
  // inotify limits are per user namespace (/proc/sys/user/max_inotify_*): only settable inside one.
  auto inotify = [&](const std::optional<ir::Located<std::uint64_t>>& v, const char* key, const char* what) {
    if (!v) return;
    if (userns)
      hooked.push_back({fmt::format("user.{}", key), std::to_string(v->value), v->span,
                        fmt::format("limits {} {}", what, v->value)});
    else
      w.note(provenance(p, v->span, fmt::format("limits {}: not set, privileged containers share the "
                                                        "host's inotify limits", what)));
  };
  if (!sc.empty() || lim.inotifyInstances || lim.inotifyWatches) w.section("sysctls");
  if (hostname) {
    // sethostname(2) takes at most 64 bytes; LXC trims blanks around a config value.
    const std::string& v = hostname->value;
    if (v.empty() || v.size() > 64 || v.front() == ' ' || v.front() == '\t' || v.back() == ' ' || v.back() == '\t')
      diags.error(Code::E1301, hostname->span,
                  "kernel.hostname \"" + v +
                      "\" cannot be set through lxc.uts.name (1 to 64 bytes, no blanks at either end)");
    else
      w.key("lxc.uts.name", v, hostname->span, hostname->why + " = " + v);
  }
  for (const auto& s : sc)
    if (s.key != "kernel.hostname" && !(userns && s.key == "kernel.domainname") && direct(s.key))
      w.key("lxc.sysctl." + s.key, s.value, s.span, s.why);
  inotify(lim.inotifyInstances, "max_inotify_instances", "inotify.instances");
  inotify(lim.inotifyWatches, "max_inotify_watches", "inotify.watches");
  // One start-host hook: `nsenter --target $LXC_PID NAMESPACES -- /bin/sh -ec SCRIPT`, one printf per value.
  auto hook = [&](const std::vector<Setting>& items, std::string_view ns, std::string_view why) {
    if (items.empty()) return;
    auto safe = [](std::string_view t, bool value) {
      if (t.empty()) return false;
      for (char c : t)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || (value && (c == ' ' || c == ':' || c == ',' || c == '/' || c == '+'))))
          return false;
      return !value ? t.find("..") == std::string_view::npos : true;
    };
    std::string script;
    for (const auto& s : items) {
      if (!safe(s.key, false) || !safe(s.value, true)) {
        diags.error(Code::E1301, s.span, "sysctl " + s.key + " = \"" + s.value + "\" cannot be written safely by an LXC hook");
        continue;
      }
      std::string path = s.key;
      for (char& c : path) c = c == '.' ? '/' : c;
      script += fmt::format("{}printf \"%s\\n\" \"{}\" > /proc/sys/{}", script.empty() ? "" : "; ", s.value, path);
      std::string what = s.why.starts_with("sysctl ") ? s.why : s.why + ": " + s.key;
      w.note(provenance(p, orPolicy(p, s.span), what + " = " + s.value + " (hook below)"));
    }
    w.key("lxc.hook.start-host",
          fmt::format("/bin/sh -c 'exec nsenter --target \"$LXC_PID\" {} -- /bin/sh -ec \"$0\"' '{}'", ns, script), ps,
          why);
  };
  hook(hooked, userns ? "--user --net --ipc --uts" : "--net --ipc --uts",
       "sysctls /proc/sys keeps read-only for LXC (written from the host in the container's namespaces)");
  hook(utsHooked, "--uts",
       "sysctls only the host's root may write (written as the host's root in the container's uts namespace)");

  // ---- filesystems
  w.section("mounts");
  const auto& fs = p.files;
  w.key("lxc.mount.auto", "", ps, "clear inherited lxc.mount.auto");
  // LXC bind-mounts the rootfs and remounts it read-only before the mounts below, which stay writable as
  // they say. Every mount target must exist in the image then (create=dir cannot make one).
  if (fs.rootReadOnly.value) w.key("lxc.rootfs.options", "ro", fs.rootReadOnly.span, "mounts root ro");
  if (fs.proc.value == ir::FsMode::Ro) {
    // LXC has no proc:ro; mount a read-only proc instead.
    w.key("lxc.mount.entry", "proc proc proc ro,nosuid,nodev,noexec,create=dir 0 0", fs.proc.span, "mounts proc ro");
  } else if (const char* m = autoMode(fs.proc.value)) {
    w.key("lxc.mount.auto", fmt::format("proc:{}", m), fs.proc.span, fmt::format("{}mounts proc {}", dflt(fs.proc.span), m));
  }
  if (const char* m = autoMode(fs.sys.value))
    w.key("lxc.mount.auto", fmt::format("sys:{}", m), fs.sys.span, fmt::format("{}mounts sys {}", dflt(fs.sys.span), m));
  if (const char* m = autoMode(fs.cgroup.value))
    w.key("lxc.mount.auto", fmt::format("cgroup:{}", m), fs.cgroup.span,
          fmt::format("{}mounts cgroup {}", dflt(fs.cgroup.span), m));
  for (const auto& m : fs.mounts) {
    std::vector<std::string> opts = mountFlags(m);
    std::string entry;
    if (m.kind == ir::Mount::Kind::Bind) {
      opts.insert(opts.begin(), "bind");
      opts.push_back("create=dir");
      if (m.optional) opts.push_back("optional");
      entry = fmt::format("{} {} none {} 0 0", fstabEscape(m.source), fstabEscape(relative(m.target)), joined(opts));
      w.key("lxc.mount.entry", entry, m.span, fmt::format("mounts bind {} at {}", m.source, m.target));
    } else {
      opts.push_back("create=dir");
      if (m.optional) opts.push_back("optional");
      entry = fmt::format("tmpfs {} tmpfs {} 0 0", fstabEscape(relative(m.target)), joined(opts));
      w.key("lxc.mount.entry", entry, m.span, fmt::format("mounts tmpfs {}", m.target));
    }
  }
  for (const auto& path : p.mechanism.maskedPaths) {
    std::string entry = lower::isDirectoryMask(path)
                            ? fmt::format("tmpfs {} tmpfs ro,nosuid,nodev,noexec,optional 0 0", fstabEscape(relative(path)))
                            : fmt::format("/dev/null {} none bind,ro,optional 0 0", fstabEscape(relative(path)));
    w.key("lxc.mount.entry", entry, ps, "masked path " + path);
  }
  // Read-only paths: a read-only bind of the path onto itself. An lxc.mount.entry source is resolved in
  // the container's mount namespace before pivot_root, where the rootfs (and the /proc mounted above)
  // sits at lxc.rootfs.mount, so ward sets that and names the sources through it. `optional`: a path
  // the kernel does not have (e.g. /proc/bus without PCI or input) has nothing to protect. proc:mixed
  // already keeps /proc/sys and /proc/sysrq-trigger read-only; a read-only proc or sys needs nothing.
  std::vector<std::string> ro;
  for (const auto& path : p.mechanism.readonlyPaths) {
    if (fs.proc.value == ir::FsMode::Mixed && (path == "/proc/sys" || path == "/proc/sysrq-trigger")) continue;
    if (fs.proc.value == ir::FsMode::Ro && pathUnder(path, "/proc")) continue;
    if (fs.sys.value == ir::FsMode::Ro && pathUnder(path, "/sys")) continue;
    ro.push_back(path);
  }
  if (!ro.empty()) {
    std::string mountPoint = options.lxcRootfsMount;
    while (mountPoint.size() > 1 && mountPoint.back() == '/') mountPoint.pop_back();
    w.key("lxc.rootfs.mount", mountPoint, ps, "where LXC mounts the rootfs: the read-only binds below go through it");
    for (const auto& path : ro)
      w.key("lxc.mount.entry",
            fmt::format("{} {} none bind,ro,nosuid,nodev,noexec,optional 0 0", fstabEscape(mountPoint + path),
                        fstabEscape(relative(path))),
            ps, "read-only path " + path);
  }

  if (lim.ptyMax) {
    w.section("terminals");
    w.key("lxc.pty.max", std::to_string(lim.ptyMax->value), lim.ptyMax->span,
          fmt::format("limits pty {}", lim.ptyMax->value));
  }

  // ---- network
  const auto& net = p.network;
  if (net.none || net.bridge) w.section("network");
  if (net.none) {
    w.key("lxc.net", "", net.noneSpan, "network none: clear inherited interfaces");
    w.key("lxc.net.0.type", "empty", net.noneSpan, "network none (loopback only)");
    // LXC brings loopback up in the container's network namespace only for a device flagged up.
    w.key("lxc.net.0.flags", "up", net.noneSpan, "network none (loopback up)");
  } else if (net.bridge) {
    const auto& b = *net.bridge;
    w.key("lxc.net", "", b.span, "clear inherited interfaces");
    w.key("lxc.net.0.type", "veth", b.span, "network bridge \"" + b.value + "\"");
    w.key("lxc.net.0.link", b.value, b.span, "network bridge \"" + b.value + "\"");
    w.key("lxc.net.0.flags", "up", b.span, "network bridge \"" + b.value + "\"");
  }

  // ---- the lxc section: hooks and raw keys, last so that they win
  if (!p.lxc.hooks.empty() || !p.lxc.raw.empty()) w.section("lxc section");
  for (const auto& h : p.lxc.hooks) {
    if (!validHookType(h.type)) {
      diags.error(Code::E1301, h.span, "unknown LXC hook type '" + h.type + "'");
      continue;
    }
    w.key("lxc.hook." + h.type, h.path, h.span, "hook " + h.type);
  }
  for (const auto& r : p.lxc.raw) {
    if (!validRawKey(r.key)) {
      diags.error(Code::E1301, r.span, "'" + r.key + "' is not an LXC configuration key");
      continue;
    }
    w.key(r.key, r.value, r.span, "set \"" + r.key + "\"");
  }
}

}  // namespace

std::string joinPath(const std::string& dir, const std::string& file) {
  if (dir.empty()) return file;
  return dir.back() == '/' ? dir + file : dir + "/" + file;
}

std::vector<LxcLine> lxcLines(const lower::Lowered& lowered, const Allocations& allocations, const Options& options,
                              const LxcLineOptions& lineOptions, Diagnostics& diags) {
  const ir::Policy& policy = lowered.policy();
  LineSink sink(policy, diags);
  emitBody(sink, policy, allocations, options, lineOptions, diags);
  return sink.take();
}

}  // namespace ward::backend::common
