// AppArmor rules from the policy: files, mounts, devices, the proc/sys/cgroup modes, network statements,
// the final capability set, a safe base modelled on LXC's abstractions/lxc/container-base, nesting, and
// the policy's raw rules. Each rule carries the span it came from and a short reason; base rules carry
// the policy's own span and a reason that starts with "ward base" and names the escape they close (ids
// from ESCAPES.md / ward's catalog).
//
// File access model:
//   - a policy that allows no files (no read/write/append/exec/link/lock rule; denies do not count) gets
//     `file,` like LXC's and Docker's profiles: broad access, narrowed by the deny rules;
//   - a policy that allows files gets exactly those (an allow-list, as std/base's unprivileged policy
//     is written), plus mmap of shared libraries and the writable mounts it declares.
// Deny rules win over allow rules in AppArmor whatever their order, so the base denies hold against any
// `read`/`write` or raw rule a policy adds.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "lower/internal.h"
#include "ir/dump.h"

namespace ward::lower::detail {

std::string apparmorPath(std::string_view path) {
  static constexpr std::string_view kPlain = "/_.-*?{}[]^@+:=~%,\\";
  bool quote = path.empty();
  int depth = 0;
  for (char c : path) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    const auto u = static_cast<unsigned char>(c);
    bool plain = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80 ||
                 kPlain.find(c) != std::string_view::npos;
    if (!plain || (c == ',' && depth <= 0)) quote = true;
  }
  if (!quote) return std::string(path);
  std::string out = "\"";
  for (char c : path) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string apparmorLiteral(std::string_view path) {
  std::string escaped;
  for (char c : path) {
    if (std::string_view("*?[]{}^\\@,").find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

namespace {

using ir::FsMode;

struct Out {
  std::vector<ir::AppArmorRule>& rules;
  void add(std::string text, const Span& span, std::string why) {
    rules.push_back({std::move(text), span, std::move(why)});
  }
};

// ---- files ---------------------------------------------------------------------------------------------
std::string allowPerms(unsigned a) {
  std::string p;
  if (a & (ir::kRead | ir::kWrite | ir::kAppend | ir::kExec)) p += 'r';   // write, append, exec imply read
  if (a & ir::kWrite) p += 'w';
  else if (a & ir::kAppend) p += 'a';                                     // w and a are exclusive; w covers a
  if (a & ir::kExec) p += 'm';
  if (a & ir::kLink) p += 'l';
  if (a & ir::kLock) p += 'k';
  if (a & ir::kExec) p += "ix";
  return p;
}

std::string denyPerms(unsigned a) {
  if (a == 0) return "rwmlkx";   // `deny PATH;`: every access
  std::string p;
  if (a & ir::kRead) p += 'r';
  if (a & ir::kWrite) p += 'w';
  else if (a & ir::kAppend) p += 'a';
  if (a & ir::kExec) p += 'm';
  if (a & ir::kLink) p += 'l';
  if (a & ir::kLock) p += 'k';
  if (a & ir::kExec) p += 'x';
  return p;
}

std::string accessWords(unsigned a) {
  std::vector<std::string> w;
  if (a & ir::kRead) w.emplace_back("read");
  if (a & ir::kWrite) w.emplace_back("write");
  if (a & ir::kAppend) w.emplace_back("append");
  if (a & ir::kExec) w.emplace_back("exec");
  if (a & ir::kLink) w.emplace_back("link");
  if (a & ir::kLock) w.emplace_back("lock");
  std::string s;
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? "+" : "") + w[i];
  return s;
}

void fileRules(const ir::Policy& p, Out& out) {
  const bool allowList = std::any_of(p.files.rules.begin(), p.files.rules.end(),
                                     [](const ir::FileRule& r) { return !r.deny && r.access != 0; });
  if (!allowList) {
    out.add("file,", p.span,
            "ward base: the policy allows no files, so file access is broad (as in LXC's container-base); "
            "the deny rules below still apply");
  } else {
    out.add("/{,usr/}lib{,32,64,x32}/** mr,", p.span,
            "ward base: shared libraries may be mapped executable (the policy's files are an allow-list)");
  }
  for (const auto& r : p.files.rules) {
    if (!r.deny && r.access == 0) continue;
    std::string text = r.deny ? "deny " : "";
    if (r.owner) text += "owner ";
    text += apparmorPath(r.path) + " " + (r.deny ? denyPerms(r.access) : allowPerms(r.access)) + ",";
    std::string why = "files ";
    if (r.owner) why += "owner ";
    if (r.deny) why += r.access ? "deny " + accessWords(r.access) : std::string("deny");
    else why += accessWords(r.access);
    out.add(std::move(text), r.span, std::move(why));
  }
}

std::string trimSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

void mountRules(const ir::Policy& p, Out& out) {
  for (const auto& m : p.files.mounts) {
    const std::string target = trimSlash(m.target);
    const std::string glob = apparmorPath(apparmorLiteral(target) + "{,/**}");
    if (m.kind == ir::Mount::Kind::Tmpfs) {
      out.add(glob + " rwk,", m.span, "mounts tmpfs \"" + m.target + "\": scratch space is writable");
    } else if (m.readOnly) {
      out.add("deny " + glob + " wl,", m.span,
              "mounts bind \"" + m.source + "\" at \"" + m.target + "\" ro: no writes, even after a remount");
    } else {
      out.add(glob + " rwk,", m.span, "mounts bind \"" + m.source + "\" at \"" + m.target + "\" rw");
    }
  }
}

bool isFuse(const ir::Device& d) {
  return d.path == "/dev/fuse" || (d.type == 'c' && d.major == 10 && d.minor == 229);
}

void deviceRules(const ir::Policy& p, Out& out) {
  for (const auto& d : p.devices) {
    if (d.path.empty()) continue;
    std::string perms;
    if (d.read) perms += 'r';
    if (d.write || d.mknod) perms += 'w';   // creating the node (mknod) is a write to its path
    if (perms.empty()) continue;
    out.add(apparmorPath(d.path) + " " + perms + ",", d.span, "devices " + deviceText(d));
  }
}

// ---- the base: kernel interfaces no container reaches ---------------------------------------------------
struct BaseRule {
  const char* text;
  const char* why;
};

constexpr BaseRule kBaseDenies[] = {
    {"deny @{PROC}/sysrq-trigger rwklx,", "ward base: ESC-SYSRQ, the host's magic SysRq key"},
    {"deny @{PROC}/kcore rwklx,", "ward base: ESC-KCORE, kernel memory"},
    {"deny @{PROC}/sys/kernel/{core_pattern,modprobe,hotplug,poweroff_cmd,usermodehelper/**} wklx,",
     "ward base: ESC-CORE-PATTERN, helpers the host kernel runs as root"},
    {"deny @{PROC}/sys/fs/binfmt_misc/{,**} wklx,", "ward base: MNT-BINFMT, interpreters for the host's execs"},
    {"deny @{PROC}/acpi/** rwklx,", "ward base: ESC-HW-PATHS, ACPI"},
    {"deny @{PROC}/bus/** wklx,", "ward base: ESC-HW-PATHS, PCI configuration space"},
    {"deny /sys/kernel/security/{,**} rwklx,", "ward base: MNT-SECURITYFS, LSM policy interfaces"},
    {"deny /sys/kernel/{debug,tracing}/{,**} rwklx,", "ward base: MNT-KERNFS, debugfs and tracefs"},
    {"deny /sys/kernel/config/{,**} wklx,", "ward base: MNT-KERNFS, configfs"},
    {"deny /sys/kernel/uevent_helper wklx,", "ward base: ESC-UEVENT-HELPER, a helper the host kernel runs"},
    {"deny /sys/firmware/efi/efivars/{,**} rwklx,", "ward base: ESC-HW-PATHS, EFI variables"},
    {"deny /sys/devices/virtual/powercap/{,**} rwklx,",
     "ward base: ESC-HW-PATHS, power capping and RAPL energy counters"},
    {"deny /**/release_agent wklx,", "ward base: CAP-RELEASE-AGENT, cgroup v1 release agents run on the host"},
    {"deny /dev/{mem,kmem,port} rwklx,", "ward base: CAP-SYS-RAWIO, physical memory and I/O ports"},
};

// LXC's generated rules (abstractions/lxc/container-base, lxc-generate-aa-rules.py): writes under
// /proc/sys only to the namespaced kernel.{shm*,msg*,sem*,hostname,domainname} and net/**.
constexpr const char* kProcSysMixed[] = {
    "deny /proc/sys/[^kn]*{,/**} wklx,",             "deny /proc/sys/k[^e]*{,/**} wklx,",
    "deny /proc/sys/ke[^r]*{,/**} wklx,",            "deny /proc/sys/ker[^n]*{,/**} wklx,",
    "deny /proc/sys/kern[^e]*{,/**} wklx,",          "deny /proc/sys/kerne[^l]*{,/**} wklx,",
    "deny /proc/sys/kernel/[^smhd]*{,/**} wklx,",    "deny /proc/sys/kernel/d[^o]*{,/**} wklx,",
    "deny /proc/sys/kernel/do[^m]*{,/**} wklx,",     "deny /proc/sys/kernel/dom[^a]*{,/**} wklx,",
    "deny /proc/sys/kernel/doma[^i]*{,/**} wklx,",   "deny /proc/sys/kernel/domai[^n]*{,/**} wklx,",
    "deny /proc/sys/kernel/domain[^n]*{,/**} wklx,", "deny /proc/sys/kernel/domainn[^a]*{,/**} wklx,",
    "deny /proc/sys/kernel/domainna[^m]*{,/**} wklx,", "deny /proc/sys/kernel/domainnam[^e]*{,/**} wklx,",
    "deny /proc/sys/kernel/domainname?*{,/**} wklx,", "deny /proc/sys/kernel/h[^o]*{,/**} wklx,",
    "deny /proc/sys/kernel/ho[^s]*{,/**} wklx,",     "deny /proc/sys/kernel/hos[^t]*{,/**} wklx,",
    "deny /proc/sys/kernel/host[^n]*{,/**} wklx,",   "deny /proc/sys/kernel/hostn[^a]*{,/**} wklx,",
    "deny /proc/sys/kernel/hostna[^m]*{,/**} wklx,", "deny /proc/sys/kernel/hostnam[^e]*{,/**} wklx,",
    "deny /proc/sys/kernel/hostname?*{,/**} wklx,",  "deny /proc/sys/kernel/m[^s]*{,/**} wklx,",
    "deny /proc/sys/kernel/ms[^g]*{,/**} wklx,",     "deny /proc/sys/kernel/msg*/** wklx,",
    "deny /proc/sys/kernel/s[^he]*{,/**} wklx,",     "deny /proc/sys/kernel/se[^m]*{,/**} wklx,",
    "deny /proc/sys/kernel/sem*/** wklx,",           "deny /proc/sys/kernel/sh[^m]*{,/**} wklx,",
    "deny /proc/sys/kernel/shm*/** wklx,",           "deny /proc/sys/kernel?*{,/**} wklx,",
    "deny /proc/sys/n[^e]*{,/**} wklx,",             "deny /proc/sys/ne[^t]*{,/**} wklx,",
    "deny /proc/sys/net?*{,/**} wklx,",
};

// LXC's sys:mixed: writes only under /sys/fs/cgroup, /sys/class/net and /sys/devices/virtual/net.
constexpr const char* kSysMixed[] = {
    "deny /sys/[^fdc]*{,/**} wklx,",                "deny /sys/c[^l]*{,/**} wklx,",
    "deny /sys/cl[^a]*{,/**} wklx,",                "deny /sys/cla[^s]*{,/**} wklx,",
    "deny /sys/clas[^s]*{,/**} wklx,",              "deny /sys/class/[^n]*{,/**} wklx,",
    "deny /sys/class/n[^e]*{,/**} wklx,",           "deny /sys/class/ne[^t]*{,/**} wklx,",
    "deny /sys/class/net?*{,/**} wklx,",            "deny /sys/class?*{,/**} wklx,",
    "deny /sys/d[^e]*{,/**} wklx,",                 "deny /sys/de[^v]*{,/**} wklx,",
    "deny /sys/dev[^i]*{,/**} wklx,",               "deny /sys/devi[^c]*{,/**} wklx,",
    "deny /sys/devic[^e]*{,/**} wklx,",             "deny /sys/device[^s]*{,/**} wklx,",
    "deny /sys/devices/[^v]*{,/**} wklx,",          "deny /sys/devices/v[^i]*{,/**} wklx,",
    "deny /sys/devices/vi[^r]*{,/**} wklx,",        "deny /sys/devices/vir[^t]*{,/**} wklx,",
    "deny /sys/devices/virt[^u]*{,/**} wklx,",      "deny /sys/devices/virtu[^a]*{,/**} wklx,",
    "deny /sys/devices/virtua[^l]*{,/**} wklx,",    "deny /sys/devices/virtual/[^n]*{,/**} wklx,",
    "deny /sys/devices/virtual/n[^e]*{,/**} wklx,", "deny /sys/devices/virtual/ne[^t]*{,/**} wklx,",
    "deny /sys/devices/virtual/net?*{,/**} wklx,",  "deny /sys/devices/virtual?*{,/**} wklx,",
    "deny /sys/devices?*{,/**} wklx,",              "deny /sys/f[^s]*{,/**} wklx,",
    "deny /sys/fs/[^c]*{,/**} wklx,",               "deny /sys/fs/c[^g]*{,/**} wklx,",
    "deny /sys/fs/cg[^r]*{,/**} wklx,",             "deny /sys/fs/cgr[^o]*{,/**} wklx,",
    "deny /sys/fs/cgro[^u]*{,/**} wklx,",           "deny /sys/fs/cgrou[^p]*{,/**} wklx,",
    "deny /sys/fs/cgroup?*{,/**} wklx,",            "deny /sys/fs?*{,/**} wklx,",
};

// sys:ro: no writes anywhere in /sys except /sys/fs/cgroup (which the cgroup mode governs).
constexpr const char* kSysRo[] = {
    "deny /sys/[^f]*{,/**} wklx,",        "deny /sys/f[^s]*{,/**} wklx,",      "deny /sys/fs/[^c]*{,/**} wklx,",
    "deny /sys/fs/c[^g]*{,/**} wklx,",    "deny /sys/fs/cg[^r]*{,/**} wklx,",  "deny /sys/fs/cgr[^o]*{,/**} wklx,",
    "deny /sys/fs/cgro[^u]*{,/**} wklx,", "deny /sys/fs/cgrou[^p]*{,/**} wklx,",
    "deny /sys/fs/cgroup?*{,/**} wklx,",  "deny /sys/fs?*{,/**} wklx,",
};

void fsModeRules(const ir::Policy& p, Out& out) {
  auto spanOf = [&](const ir::Located<FsMode>& m) { return m.span.valid() ? m.span : p.span; };
  // proc
  const auto& proc = p.files.proc;
  const std::string procWhy = fmt::format("mounts proc {}{}", ir::fsModeName(proc.value), proc.span.valid() ? "" : " (default)");
  if (proc.value != FsMode::Rw) {
    for (const char* r : kProcSysMixed)
      out.add(r, spanOf(proc), procWhy + ": /proc/sys writable only for namespaced keys (ESC-HOST-SYSCTL)");
    out.add("deny @{PROC}/{keys,key-users,timer_list,timer_stats,sched_debug,latency_stats} rwklx,", spanOf(proc),
            procWhy + ": host information (ESC-PROC-LEAK, SYS-KEYCTL)");
    out.add("deny @{PROC}/{fs,irq,scsi}/** wklx,", spanOf(proc), procWhy + ": read-only kernel interfaces");
  }
  if (proc.value == FsMode::Ro || proc.value == FsMode::Off)
    out.add("deny @{PROC}/** wkl,", spanOf(proc), procWhy + ": no writes under /proc");
  // sys
  const auto& sys = p.files.sys;
  const std::string sysWhy = fmt::format("mounts sys {}{}", ir::fsModeName(sys.value), sys.span.valid() ? "" : " (default)");
  if (sys.value == FsMode::Mixed) {
    for (const char* r : kSysMixed)
      out.add(r, spanOf(sys), sysWhy + ": writes only to cgroups and network devices (ESC-SYSFS-RW, ESC-UDEV-STORM)");
  } else if (sys.value != FsMode::Rw) {
    for (const char* r : kSysRo)
      out.add(r, spanOf(sys), sysWhy + ": no writes to sysfs (ESC-SYSFS-RW, ESC-UDEV-STORM)");
  }
  // cgroup
  const auto& cg = p.files.cgroup;
  const std::string cgWhy =
      fmt::format("mounts cgroup {}{}", ir::fsModeName(cg.value), cg.span.valid() ? "" : " (default)");
  if (cg.value == FsMode::Ro || cg.value == FsMode::Off)
    out.add("deny /sys/fs/cgroup/{,**} wklx,", spanOf(cg), cgWhy + ": the cgroup tree is read-only");
  else if (cg.value == FsMode::Mixed)
    out.add("deny /sys/fs/cgroup/**/devices.{allow,deny} wklx,", spanOf(cg),
            cgWhy + ": the device allow-list cannot be widened (CAP-DEVICES-ALLOW)");
}

void mountSyscallRules(const ir::Policy& p, Out& out) {
  const bool nesting = p.apparmor.nesting.value;
  const Span base = p.span;
  struct Deny {
    const char* fstype;
    const char* why;
    bool unlessNesting;
  };
  static constexpr Deny kDenies[] = {
      {"devpts", "MNT-DEVPTS, a devpts without newinstance is the host's", true},
      {"securityfs", "MNT-SECURITYFS", false},
      {"debugfs", "MNT-KERNFS", false},
      {"tracefs", "MNT-KERNFS", false},
      {"configfs", "MNT-KERNFS", false},
      {"binfmt_misc", "MNT-BINFMT", false},
      {"efivarfs", "ESC-HW-PATHS", false},
      {"bpf", "SYS-BPF, pinned BPF objects", false},
      {"cgroup", "CAP-RELEASE-AGENT, no cgroup v1 hierarchy (release_agent)", true},
      {"proc", "MNT-PROC-REMOUNT, a fresh procfs has no masks", true},
      {"sysfs", "MNT-PROC-REMOUNT, a fresh sysfs is writable", true},
  };
  for (const auto& d : kDenies) {
    if (d.unlessNesting && nesting) continue;
    out.add(fmt::format("deny mount fstype={},", d.fstype), base, fmt::format("ward base: {}", d.why));
  }
  out.add("deny remount @{PROC}/{,**},", base, "ward base: MNT-PROC-REMOUNT, /proc stays as the runtime mounted it");
  out.add("deny remount /sys/{,**},", base, "ward base: ESC-SYSFS-RW, /sys stays as the runtime mounted it");
  if (p.files.rootReadOnly.value)   // a deny wins over any allow, a raw `mount,` included
    out.add("deny remount /,", p.files.rootReadOnly.span, "mounts root ro: the root file system stays read-only");
  out.add("mount fstype=tmpfs,", base, "ward base: scratch filesystems (needs sys_admin in the container)");
  out.add("mount fstype=mqueue,", base, "ward base: POSIX message queues (needs sys_admin in the container)");
  for (const auto& d : p.devices) {
    if (!isFuse(d) || !(d.read || d.write)) continue;
    out.add("mount fstype=fuse,", d.span, "devices " + deviceText(d) + ": FUSE mounts");
    out.add("mount fstype=fuse.*,", d.span, "devices " + deviceText(d) + ": FUSE mounts");
    break;
  }
  if (!nesting) {
    out.add("deny pivot_root,", base, "ward base: pivot_root only with `nesting on`");
    return;
  }
  const Span ns = p.apparmor.nesting.span.valid() ? p.apparmor.nesting.span : base;
  const std::string why = "apparmor nesting on: nested containers (as LXC's lxc-container-default-with-nesting)";
  for (const char* r : {"pivot_root,", "umount,", "mount fstype=devpts,", "mount fstype=proc -> /var/cache/lxc/**,",
                        "mount fstype=sysfs -> /var/cache/lxc/**,", "mount -> /usr/lib*/lxc/{**,},",
                        "mount -> /usr/lib*/*/lxc/{**,},", "mount -> /var/lib/lxc/{**,},",
                        "mount options=(rw,bind),", "mount options=(rw,make-slave) -> **,",
                        "mount options=(rw,make-rslave) -> **,", "mount options=(rw,make-private) -> **,",
                        "mount options=(rw,make-rprivate) -> **,", "mount fstype=cgroup -> /sys/fs/cgroup/**,",
                        "mount fstype=cgroup2 -> /sys/fs/cgroup/**,", "deny /dev/.lxc/proc/** rw,",
                        "deny /dev/.lxc/sys/** rw,", "change_profile -> ward-*,"})
    out.add(r, ns, why);
}

// ---- network -------------------------------------------------------------------------------------------
void networkRules(const ir::Policy& p, Out& out) {
  const auto& n = p.network;
  const Span base = p.span;
  const bool unixOn = !n.unix || n.unix->value;
  const Span unixSpan = n.unix ? n.unix->span : base;
  if (unixOn) out.add("network unix,", unixSpan, n.unix ? "network unix on" : "network: unix sockets (on by default)");
  else out.add("deny network unix,", unixSpan, "network unix off");
  // `families any`: every family; the denies below (raw and packet without their statements, alg, vsock)
  // still take precedence, as AppArmor deny rules do.
  if (n.familiesAny) out.add("network,", *n.familiesAny, "network families any");

  if (!n.none) {
    // Types by protocol: tcp stream, udp dgram, sctp stream and seqpacket. One rule per (family, type),
    // attributed to the first statement that needs it.
    std::vector<std::pair<std::string, const ir::Endpoint*>> types;   // ordered: stream, dgram, seqpacket
    auto need = [&](const std::string& type, const ir::Endpoint* e) {
      for (auto& t : types)
        if (t.first == type) return;
      types.emplace_back(type, e);
    };
    std::vector<std::pair<const char*, const ir::Endpoint*>> all;
    for (const auto& e : n.listen) all.emplace_back("listen", &e);
    for (const auto& e : n.connect) all.emplace_back("connect", &e);
    for (const char* type : {"stream", "dgram", "seqpacket"}) {
      for (const auto& [verb, e] : all) {
        const auto proto = e->proto;
        bool needs = (std::string_view(type) == "stream" &&
                      (proto == ir::Endpoint::Proto::Tcp || proto == ir::Endpoint::Proto::Sctp)) ||
                     (std::string_view(type) == "dgram" && proto == ir::Endpoint::Proto::Udp) ||
                     (std::string_view(type) == "seqpacket" && proto == ir::Endpoint::Proto::Sctp);
        if (needs) {
          need(type, e);
          break;
        }
      }
    }
    for (const char* family : {"inet", "inet6"}) {
      if (std::string_view(family) == "inet6" && !n.ipv6) continue;
      for (const auto& [type, e] : types) {
        const bool listen = e >= n.listen.data() && e < n.listen.data() + n.listen.size();
        out.add(fmt::format("network {} {},", family, type), e->span,
                std::string("network ") + (listen ? "listen " : "connect ") + endpointText(*e, nullptr));
      }
    }
  }
  if (n.raw) {
    out.add("network inet raw,", *n.raw, "network raw");
    if (n.ipv6) out.add("network inet6 raw,", *n.raw, "network raw");
  } else {
    out.add("deny network inet raw,", base, "ward base: CAP-NET-RAW, no `raw` statement");
    out.add("deny network inet6 raw,", base, "ward base: CAP-NET-RAW, no `raw` statement");
  }
  if (n.packet) out.add("network packet,", *n.packet, "network packet");
  else out.add("deny network packet,", base, "ward base: CAP-NET-RAW, no `packet` statement (AF_PACKET)");
  if (n.netlink) {
    out.add("network netlink raw,", *n.netlink, "network netlink");
    out.add("network netlink dgram,", *n.netlink, "network netlink");
  }
  // The AppArmor layer also covers i386 socketcall(2), whose family seccomp cannot read.
  out.add("deny network alg,", base, "ward base: SYS-AF-ALG-VSOCK, kernel crypto sockets (also via socketcall)");
  out.add("deny network vsock,", base, "ward base: SYS-AF-ALG-VSOCK, host/VM sockets (also via socketcall)");
}

// ---- capabilities, signals, ptrace, unix peers ---------------------------------------------------------
void capabilityRules(const ir::Policy& p, Out& out) {
  if (p.capabilities.keepAll) {
    out.add("capability,", p.capabilities.keepAllSpan.valid() ? p.capabilities.keepAllSpan : p.span,
            "capabilities keep all");
    return;
  }
  for (const auto& c : p.mechanism.capabilities) {
    std::string why = c.derivedFrom.empty() ? "capabilities keep " + c.name : c.derivedFrom;
    out.add("capability " + c.name + ",", c.span.valid() ? c.span : p.span, std::move(why));
  }
}

void peerRules(const ir::Policy& p, Out& out) {
  const Span base = p.span;
  out.add("signal (receive),", base, "ward base: the runtime and the host may signal the container");
  out.add("signal peer=@{profile_name},", base, "ward base: processes in the container signal each other");
  out.add("ptrace (read, trace) peer=@{profile_name},", base,
          "ward base: ptrace only within the container (CAP-SYS-PTRACE)");
  out.add("ptrace (readby, tracedby),", base, "ward base: host tools may inspect the container");
  const auto& n = p.network;
  if (!n.unix || n.unix->value) {
    const Span s = n.unix ? n.unix->span : base;
    out.add("unix (create, bind, listen, accept, shutdown, getattr, setattr, getopt, setopt),", s,
            "network unix: own sockets");
    out.add("unix peer=(label=@{profile_name}),", s, "network unix: peers in the container");
    out.add("unix (receive),", s, "network unix: the host may connect to the container's sockets");
  }
}

}  // namespace

void lowerAppArmor(ir::Policy& p) {
  auto& rules = p.mechanism.apparmorRules;
  rules.clear();
  Out out{rules};
  fileRules(p, out);
  mountRules(p, out);
  deviceRules(p, out);
  for (const auto& b : kBaseDenies) out.add(b.text, p.span, b.why);
  fsModeRules(p, out);
  mountSyscallRules(p, out);
  networkRules(p, out);
  capabilityRules(p, out);
  peerRules(p, out);
  for (const auto& r : p.apparmor.rawRules) out.add(r.value, r.span.valid() ? r.span : p.apparmor.span, "apparmor rule");
}

}  // namespace ward::lower::detail
