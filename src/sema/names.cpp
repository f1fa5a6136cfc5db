#include "sema/names.h"

#include <seccomp.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>

namespace ward::names {

namespace {

std::uint32_t archToken(int i) {
  switch (i) {
    case 0: return SCMP_ARCH_X86_64;
    case 1: return SCMP_ARCH_X86;
    default: return SCMP_ARCH_X32;
  }
}

template <class T, class F>
std::vector<std::string> namesOf(const std::vector<T>& v, F f) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& x : v) out.emplace_back(f(x));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

const std::vector<std::string>& archNames() {
  static const std::vector<std::string> v{"x86_64", "x86", "x32"};
  return v;
}

std::optional<std::string> canonicalArch(std::string_view name) {
  if (name == "x86_64" || name == "amd64") return std::string("x86_64");
  if (name == "x86" || name == "i386" || name == "i686") return std::string("x86");
  if (name == "x32") return std::string("x32");
  return std::nullopt;
}

const std::vector<SyscallInfo>& syscalls() {
  static const std::vector<SyscallInfo> table = [] {
    // libseccomp has no "list every name" call: walk each arch's number space (x86_64 and x86 end below
    // 1024, x32's calls are 0x40000000 + 0..1023) and collect the names, then resolve each name per arch.
    std::map<std::string, SyscallInfo> byName;
    for (int a = 0; a < kArchCount; ++a) {
      for (int n = 0; n < 1024; ++n) {
        int num = a == 2 ? (n | 0x40000000) : n;
        char* s = seccomp_syscall_resolve_num_arch(archToken(a), num);
        if (!s) continue;
        std::string name(s);
        std::free(s);
        byName[name].name = name;
      }
    }
    std::vector<SyscallInfo> out;
    out.reserve(byName.size());
    for (auto& [name, info] : byName) {
      for (int a = 0; a < kArchCount; ++a) {
        int nr = seccomp_syscall_resolve_name_arch(archToken(a), name.c_str());
        // __NR_SCMP_ERROR (-1) is unknown; values <= -10000 are libseccomp's "not on this arch" markers.
        if (nr == __NR_SCMP_ERROR || nr <= -10000) continue;
        info.number[a] = nr;
      }
      out.push_back(std::move(info));
    }
    return out;
  }();
  return table;
}

const SyscallInfo* findSyscall(std::string_view name) {
  const auto& t = syscalls();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const SyscallInfo& s, std::string_view n) { return s.name < n; });
  if (it != t.end() && it->name == name) return &*it;
  return nullptr;
}

const std::vector<std::string>& syscallNames() {
  static const std::vector<std::string> v = namesOf(syscalls(), [](const SyscallInfo& s) { return s.name; });
  return v;
}

namespace {
const std::map<std::string, std::vector<std::string>, std::less<>>& paramTable() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> t = {
      {"accept", {"sockfd", "addr", "addrlen"}},
      {"accept4", {"sockfd", "addr", "addrlen", "flags"}},
      {"arch_prctl", {"code", "addr"}},
      {"bind", {"sockfd", "addr", "addrlen"}},
      {"bpf", {"cmd", "attr", "size"}},
      {"chmod", {"pathname", "mode"}},
      {"clone", {"flags", "stack", "parent_tid", "child_tid", "tls"}},
      {"clone3", {"uargs", "size"}},
      {"connect", {"sockfd", "addr", "addrlen"}},
      {"execve", {"pathname", "argv", "envp"}},
      {"execveat", {"dirfd", "pathname", "argv", "envp", "flags"}},
      {"fanotify_init", {"flags", "event_f_flags"}},
      {"fchmod", {"fd", "mode"}},
      {"fchmodat", {"dirfd", "pathname", "mode", "flags"}},
      {"fcntl", {"fd", "cmd", "arg"}},
      {"getsockopt", {"sockfd", "level", "optname", "optval", "optlen"}},
      {"ioctl", {"fd", "request", "arg"}},
      {"ioprio_set", {"which", "who", "ioprio"}},
      {"keyctl", {"operation", "arg2", "arg3", "arg4", "arg5"}},
      {"kill", {"pid", "sig"}},
      {"madvise", {"addr", "length", "advice"}},
      {"mknod", {"pathname", "mode", "dev"}},
      {"mknodat", {"dirfd", "pathname", "mode", "dev"}},
      {"mmap", {"addr", "length", "prot", "flags", "fd", "offset"}},
      {"mount", {"source", "target", "fstype", "flags", "data"}},
      {"mprotect", {"addr", "len", "prot"}},
      {"open", {"pathname", "flags", "mode"}},
      {"openat", {"dirfd", "pathname", "flags", "mode"}},
      {"perf_event_open", {"attr", "pid", "cpu", "group_fd", "flags"}},
      {"personality", {"persona"}},
      {"pidfd_open", {"pid", "flags"}},
      {"prctl", {"option", "arg2", "arg3", "arg4", "arg5"}},
      {"ptrace", {"request", "pid", "addr", "data"}},
      {"quotactl", {"cmd", "special", "id", "addr"}},
      {"seccomp", {"operation", "flags", "args"}},
      {"setgid", {"gid"}},
      {"setns", {"fd", "nstype"}},
      {"setresgid", {"rgid", "egid", "sgid"}},
      {"setresuid", {"ruid", "euid", "suid"}},
      {"setsockopt", {"sockfd", "level", "optname", "optval", "optlen"}},
      {"setuid", {"uid"}},
      {"socket", {"domain", "type", "protocol"}},
      {"socketpair", {"domain", "type", "protocol", "sv"}},
      {"tgkill", {"tgid", "tid", "sig"}},
      {"tkill", {"tid", "sig"}},
      {"umount2", {"target", "flags"}},
      {"unshare", {"flags"}},
      {"userfaultfd", {"flags"}},
  };
  return t;
}
}  // namespace

const std::vector<std::string>& syscallParams(std::string_view syscall) {
  static const std::vector<std::string> none;
  const auto& t = paramTable();
  auto it = t.find(syscall);
  return it == t.end() ? none : it->second;
}

std::optional<unsigned> argumentIndex(std::string_view syscall, std::string_view arg) {
  if (arg.size() == 4 && arg.substr(0, 3) == "arg" && arg[3] >= '0' && arg[3] <= '5')
    return static_cast<unsigned>(arg[3] - '0');
  const auto& p = syscallParams(syscall);
  for (std::size_t i = 0; i < p.size() && i < 6; ++i)
    if (p[i] == arg) return static_cast<unsigned>(i);
  return std::nullopt;
}

const std::vector<Constant>& constants() {
  // Values from the kernel and glibc headers (x86_64; identical on x86 and x32 for every entry here).
  static const std::vector<Constant> t = [] {
    std::vector<Constant> v = {
      {"CSIGNAL", 0xffULL},
      {"CLONE_VM", 0x100ULL},
      {"CLONE_FS", 0x200ULL},
      {"CLONE_FILES", 0x400ULL},
      {"CLONE_SIGHAND", 0x800ULL},
      {"CLONE_PIDFD", 0x1000ULL},
      {"CLONE_PTRACE", 0x2000ULL},
      {"CLONE_VFORK", 0x4000ULL},
      {"CLONE_PARENT", 0x8000ULL},
      {"CLONE_THREAD", 0x10000ULL},
      {"CLONE_NEWNS", 0x20000ULL},
      {"CLONE_SYSVSEM", 0x40000ULL},
      {"CLONE_SETTLS", 0x80000ULL},
      {"CLONE_PARENT_SETTID", 0x100000ULL},
      {"CLONE_CHILD_CLEARTID", 0x200000ULL},
      {"CLONE_DETACHED", 0x400000ULL},
      {"CLONE_UNTRACED", 0x800000ULL},
      {"CLONE_CHILD_SETTID", 0x1000000ULL},
      {"CLONE_NEWCGROUP", 0x2000000ULL},
      {"CLONE_NEWUTS", 0x4000000ULL},
      {"CLONE_NEWIPC", 0x8000000ULL},
      {"CLONE_NEWUSER", 0x10000000ULL},
      {"CLONE_NEWPID", 0x20000000ULL},
      {"CLONE_NEWNET", 0x40000000ULL},
      {"CLONE_IO", 0x80000000ULL},
      {"CLONE_NEWTIME", 0x80ULL},
      {"CLONE_CLEAR_SIGHAND", 0x100000000ULL},
      {"CLONE_INTO_CGROUP", 0x200000000ULL},
      {"AF_UNSPEC", 0x0ULL},
      {"AF_UNIX", 0x1ULL},
      {"AF_LOCAL", 0x1ULL},
      {"AF_INET", 0x2ULL},
      {"AF_AX25", 0x3ULL},
      {"AF_IPX", 0x4ULL},
      {"AF_APPLETALK", 0x5ULL},
      {"AF_NETROM", 0x6ULL},
      {"AF_BRIDGE", 0x7ULL},
      {"AF_ATMPVC", 0x8ULL},
      {"AF_X25", 0x9ULL},
      {"AF_INET6", 0xaULL},
      {"AF_ROSE", 0xbULL},
      {"AF_DECnet", 0xcULL},
      {"AF_NETBEUI", 0xdULL},
      {"AF_SECURITY", 0xeULL},
      {"AF_KEY", 0xfULL},
      {"AF_NETLINK", 0x10ULL},
      {"AF_ROUTE", 0x10ULL},
      {"AF_PACKET", 0x11ULL},
      {"AF_ASH", 0x12ULL},
      {"AF_ECONET", 0x13ULL},
      {"AF_ATMSVC", 0x14ULL},
      {"AF_RDS", 0x15ULL},
      {"AF_SNA", 0x16ULL},
      {"AF_IRDA", 0x17ULL},
      {"AF_PPPOX", 0x18ULL},
      {"AF_WANPIPE", 0x19ULL},
      {"AF_LLC", 0x1aULL},
      {"AF_IB", 0x1bULL},
      {"AF_MPLS", 0x1cULL},
      {"AF_CAN", 0x1dULL},
      {"AF_TIPC", 0x1eULL},
      {"AF_BLUETOOTH", 0x1fULL},
      {"AF_IUCV", 0x20ULL},
      {"AF_RXRPC", 0x21ULL},
      {"AF_ISDN", 0x22ULL},
      {"AF_PHONET", 0x23ULL},
      {"AF_IEEE802154", 0x24ULL},
      {"AF_CAIF", 0x25ULL},
      {"AF_ALG", 0x26ULL},
      {"AF_NFC", 0x27ULL},
      {"AF_VSOCK", 0x28ULL},
      {"AF_KCM", 0x29ULL},
      {"AF_QIPCRTR", 0x2aULL},
      {"AF_SMC", 0x2bULL},
      {"AF_XDP", 0x2cULL},
      {"AF_MCTP", 0x2dULL},
      {"SOCK_STREAM", 0x1ULL},
      {"SOCK_DGRAM", 0x2ULL},
      {"SOCK_RAW", 0x3ULL},
      {"SOCK_RDM", 0x4ULL},
      {"SOCK_SEQPACKET", 0x5ULL},
      {"SOCK_DCCP", 0x6ULL},
      {"SOCK_PACKET", 0xaULL},
      {"SOCK_NONBLOCK", 0x800ULL},
      {"SOCK_CLOEXEC", 0x80000ULL},
      {"IPPROTO_IP", 0x0ULL},
      {"IPPROTO_ICMP", 0x1ULL},
      {"IPPROTO_TCP", 0x6ULL},
      {"IPPROTO_UDP", 0x11ULL},
      {"IPPROTO_IPV6", 0x29ULL},
      {"IPPROTO_ICMPV6", 0x3aULL},
      {"IPPROTO_SCTP", 0x84ULL},
      {"IPPROTO_RAW", 0xffULL},
      {"NETLINK_ROUTE", 0x0ULL},
      {"NETLINK_AUDIT", 0x9ULL},
      {"NETLINK_KOBJECT_UEVENT", 0xfULL},
      {"NETLINK_NETFILTER", 0xcULL},
      {"NETLINK_GENERIC", 0x10ULL},
      {"NETLINK_SOCK_DIAG", 0x4ULL},
      {"NETLINK_XFRM", 0x6ULL},
      {"NETLINK_SELINUX", 0x7ULL},
      {"TIOCSTI", 0x5412ULL},
      {"TIOCLINUX", 0x541cULL},
      {"TIOCSCTTY", 0x540eULL},
      {"TIOCSETD", 0x5423ULL},
      {"TCGETS", 0x5401ULL},
      {"TCSETS", 0x5402ULL},
      {"TIOCGWINSZ", 0x5413ULL},
      {"TIOCSWINSZ", 0x5414ULL},
      {"FIONREAD", 0x541bULL},
      {"FIONBIO", 0x5421ULL},
      {"FIOCLEX", 0x5451ULL},
      {"PR_SET_PDEATHSIG", 0x1ULL},
      {"PR_GET_PDEATHSIG", 0x2ULL},
      {"PR_GET_DUMPABLE", 0x3ULL},
      {"PR_SET_DUMPABLE", 0x4ULL},
      {"PR_GET_KEEPCAPS", 0x7ULL},
      {"PR_SET_KEEPCAPS", 0x8ULL},
      {"PR_SET_NAME", 0xfULL},
      {"PR_GET_NAME", 0x10ULL},
      {"PR_GET_SECCOMP", 0x15ULL},
      {"PR_SET_SECCOMP", 0x16ULL},
      {"PR_CAPBSET_READ", 0x17ULL},
      {"PR_CAPBSET_DROP", 0x18ULL},
      {"PR_GET_SECUREBITS", 0x1bULL},
      {"PR_SET_SECUREBITS", 0x1cULL},
      {"PR_SET_TIMERSLACK", 0x1dULL},
      {"PR_GET_TIMERSLACK", 0x1eULL},
      {"PR_SET_MM", 0x23ULL},
      {"PR_SET_PTRACER", 0x59616d61ULL},
      {"PR_SET_CHILD_SUBREAPER", 0x24ULL},
      {"PR_GET_CHILD_SUBREAPER", 0x25ULL},
      {"PR_SET_NO_NEW_PRIVS", 0x26ULL},
      {"PR_GET_NO_NEW_PRIVS", 0x27ULL},
      {"PR_GET_TID_ADDRESS", 0x28ULL},
      {"PR_SET_THP_DISABLE", 0x29ULL},
      {"PR_GET_THP_DISABLE", 0x2aULL},
      {"PR_CAP_AMBIENT", 0x2fULL},
      {"PR_SET_SPECULATION_CTRL", 0x35ULL},
      {"PR_GET_SPECULATION_CTRL", 0x34ULL},
      {"PR_SET_VMA", 0x53564d41ULL},
      {"MS_RDONLY", 0x1ULL},
      {"MS_NOSUID", 0x2ULL},
      {"MS_NODEV", 0x4ULL},
      {"MS_NOEXEC", 0x8ULL},
      {"MS_SYNCHRONOUS", 0x10ULL},
      {"MS_REMOUNT", 0x20ULL},
      {"MS_MANDLOCK", 0x40ULL},
      {"MS_DIRSYNC", 0x80ULL},
      {"MS_NOATIME", 0x400ULL},
      {"MS_NODIRATIME", 0x800ULL},
      {"MS_BIND", 0x1000ULL},
      {"MS_MOVE", 0x2000ULL},
      {"MS_REC", 0x4000ULL},
      {"MS_SILENT", 0x8000ULL},
      {"MS_POSIXACL", 0x10000ULL},
      {"MS_UNBINDABLE", 0x20000ULL},
      {"MS_PRIVATE", 0x40000ULL},
      {"MS_SLAVE", 0x80000ULL},
      {"MS_SHARED", 0x100000ULL},
      {"MS_RELATIME", 0x200000ULL},
      {"MS_KERNMOUNT", 0x400000ULL},
      {"MS_I_VERSION", 0x800000ULL},
      {"MS_STRICTATIME", 0x1000000ULL},
      {"MS_LAZYTIME", 0x2000000ULL},
      {"PER_LINUX", 0x0ULL},
      {"PER_LINUX_32BIT", 0x800000ULL},
      {"PER_LINUX32", 0x8ULL},
      {"PER_LINUX32_3GB", 0x8000008ULL},
      {"UNAME26", 0x20000ULL},
      {"ADDR_NO_RANDOMIZE", 0x40000ULL},
      {"FDPIC_FUNCPTRS", 0x80000ULL},
      {"MMAP_PAGE_ZERO", 0x100000ULL},
      {"ADDR_COMPAT_LAYOUT", 0x200000ULL},
      {"READ_IMPLIES_EXEC", 0x400000ULL},
      {"ADDR_LIMIT_32BIT", 0x800000ULL},
      {"SHORT_INODE", 0x1000000ULL},
      {"WHOLE_SECONDS", 0x2000000ULL},
      {"STICKY_TIMEOUTS", 0x4000000ULL},
      {"ADDR_LIMIT_3GB", 0x8000000ULL},
      {"PER_QUERY", 0xffffffffULL},
      {"O_RDONLY", 0x0ULL},
      {"O_WRONLY", 0x1ULL},
      {"O_RDWR", 0x2ULL},
      {"O_CREAT", 0x40ULL},
      {"O_EXCL", 0x80ULL},
      {"O_NOCTTY", 0x100ULL},
      {"O_TRUNC", 0x200ULL},
      {"O_APPEND", 0x400ULL},
      {"O_NONBLOCK", 0x800ULL},
      {"O_DIRECTORY", 0x10000ULL},
      {"O_NOFOLLOW", 0x20000ULL},
      {"O_CLOEXEC", 0x80000ULL},
      {"O_PATH", 0x200000ULL},
      {"O_TMPFILE", 0x410000ULL},
    };
    std::sort(v.begin(), v.end(), [](const Constant& a, const Constant& b) { return a.name < b.name; });
    return v;
  }();
  return t;
}

std::optional<std::uint64_t> findConstant(std::string_view name) {
  const auto& t = constants();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const Constant& c, std::string_view n) { return c.name < n; });
  if (it != t.end() && it->name == name) return it->value;
  return std::nullopt;
}

const std::vector<std::string>& constantNames() {
  static const std::vector<std::string> v =
      namesOf(constants(), [](const Constant& c) { return std::string(c.name); });
  return v;
}

const std::vector<RuntimeSyscall>& runtimeSyscalls() {
  static const std::vector<RuntimeSyscall> t = {
      {"capget", "LXC drops capabilities after loading the filter"},
      {"capset", "LXC drops capabilities after loading the filter"},
      {"close", "runc and LXC close their sync pipes and inherited descriptors"},
      {"execve", "the runtime executes the container's init"},
      {"exit", "threads of the runtime exit"},
      {"exit_group", "the runtime process exits on failure"},
      {"fstat", "runc's Go runtime"},
      {"futex", "runc's Go runtime synchronises its threads"},
      {"getpid", "runc's Go runtime (signal delivery)"},
      {"madvise", "runc's Go runtime returns memory"},
      {"mmap", "runc's Go runtime allocates memory"},
      {"munmap", "runc's Go runtime frees memory"},
      {"nanosleep", "runc's Go runtime scheduler"},
      {"newfstatat", "runc's Go runtime"},
      {"openat", "runc opens its exec fifo"},
      {"prctl", "LXC sets no_new_privs and the parent death signal"},
      {"read", "runc and LXC read their sync pipes"},
      {"rt_sigprocmask", "runc's Go runtime and LXC reset the signal mask"},
      {"rt_sigreturn", "returning from any signal handler"},
      {"sched_yield", "runc's Go runtime scheduler"},
      {"setgid", "LXC switches to the container's gid"},
      {"setgroups", "LXC drops supplementary groups"},
      {"setuid", "LXC switches to the container's uid"},
      {"sigaltstack", "runc's Go runtime installs signal stacks"},
      {"tgkill", "runc's Go runtime preempts goroutines"},
      {"write", "runc writes to its exec fifo and sync pipe"},
  };
  return t;
}

const std::vector<CapabilityInfo>& capabilities() {
  static const std::vector<CapabilityInfo> t = {
      {"chown", 0, "change file owners and groups"},
      {"dac_override", 1, "bypass file read, write and execute permission checks"},
      {"dac_read_search", 2, "bypass file read and directory search checks; open_by_handle_at"},
      {"fowner", 3, "bypass checks that require owning the file"},
      {"fsetid", 4, "keep set-user-ID and set-group-ID bits when modifying a file"},
      {"kill", 5, "send signals to any process"},
      {"setgid", 6, "change group ids; forge gids in socket credentials"},
      {"setuid", 7, "change user ids; forge uids in socket credentials"},
      {"setpcap", 8, "change capability sets and bounding set"},
      {"linux_immutable", 9, "set the immutable and append-only file attributes"},
      {"net_bind_service", 10, "bind to ports below 1024"},
      {"net_broadcast", 11, "broadcast and listen to multicast (unused)"},
      {"net_admin", 12, "configure network interfaces, routing, firewall"},
      {"net_raw", 13, "use raw and packet sockets"},
      {"ipc_lock", 14, "lock memory (mlock, mlockall, SHM_LOCK)"},
      {"ipc_owner", 15, "bypass System V IPC permission checks"},
      {"sys_module", 16, "load and unload kernel modules"},
      {"sys_rawio", 17, "raw I/O: iopl, ioperm, /dev/mem"},
      {"sys_chroot", 18, "use chroot and change mount namespaces with setns"},
      {"sys_ptrace", 19, "trace any process with ptrace"},
      {"sys_pacct", 20, "use acct"},
      {"sys_admin", 21, "mount, namespaces and many other administrative operations"},
      {"sys_boot", 22, "reboot and kexec_load"},
      {"sys_nice", 23, "raise priorities and set scheduling policies of any process"},
      {"sys_resource", 24, "override resource limits and quotas"},
      {"sys_time", 25, "set the system clock"},
      {"sys_tty_config", 26, "vhangup and privileged terminal ioctls"},
      {"mknod", 27, "create device nodes with mknod"},
      {"lease", 28, "take leases on any file"},
      {"audit_write", 29, "write records to the kernel audit log"},
      {"audit_control", 30, "configure kernel auditing"},
      {"setfcap", 31, "set file capabilities"},
      {"mac_override", 32, "override mandatory access control (Smack)"},
      {"mac_admin", 33, "configure mandatory access control (Smack)"},
      {"syslog", 34, "privileged syslog operations; read kernel addresses"},
      {"wake_alarm", 35, "trigger wake-up alarms"},
      {"block_suspend", 36, "block system suspend"},
      {"audit_read", 37, "read the audit log over multicast netlink"},
      {"perfmon", 38, "privileged performance monitoring"},
      {"bpf", 39, "privileged BPF operations"},
      {"checkpoint_restore", 40, "checkpoint and restore operations"},
  };
  return t;
}

const CapabilityInfo* findCapability(std::string_view name) {
  for (const auto& c : capabilities())
    if (c.name == name) return &c;
  return nullptr;
}

const CapabilityInfo* findCapability(int number) {
  const auto& t = capabilities();
  if (number < 0 || static_cast<std::size_t>(number) >= t.size()) return nullptr;
  return &t[static_cast<std::size_t>(number)];
}

const std::vector<std::string>& capabilityNames() {
  static const std::vector<std::string> v =
      namesOf(capabilities(), [](const CapabilityInfo& c) { return std::string(c.name); });
  return v;
}

const std::vector<ErrnoInfo>& errnos() {
  static const std::vector<ErrnoInfo> t = {
      {"EPERM", 1, "Operation not permitted"},
      {"ENOENT", 2, "No such file or directory"},
      {"ESRCH", 3, "No such process"},
      {"EINTR", 4, "Interrupted system call"},
      {"EIO", 5, "Input/output error"},
      {"ENXIO", 6, "No such device or address"},
      {"E2BIG", 7, "Argument list too long"},
      {"ENOEXEC", 8, "Exec format error"},
      {"EBADF", 9, "Bad file descriptor"},
      {"ECHILD", 10, "No child processes"},
      {"EAGAIN", 11, "Resource temporarily unavailable"},
      {"EWOULDBLOCK", 11, "Resource temporarily unavailable"},
      {"ENOMEM", 12, "Cannot allocate memory"},
      {"EACCES", 13, "Permission denied"},
      {"EFAULT", 14, "Bad address"},
      {"ENOTBLK", 15, "Block device required"},
      {"EBUSY", 16, "Device or resource busy"},
      {"EEXIST", 17, "File exists"},
      {"EXDEV", 18, "Invalid cross-device link"},
      {"ENODEV", 19, "No such device"},
      {"ENOTDIR", 20, "Not a directory"},
      {"EISDIR", 21, "Is a directory"},
      {"EINVAL", 22, "Invalid argument"},
      {"ENFILE", 23, "Too many open files in system"},
      {"EMFILE", 24, "Too many open files"},
      {"ENOTTY", 25, "Inappropriate ioctl for device"},
      {"ETXTBSY", 26, "Text file busy"},
      {"EFBIG", 27, "File too large"},
      {"ENOSPC", 28, "No space left on device"},
      {"ESPIPE", 29, "Illegal seek"},
      {"EROFS", 30, "Read-only file system"},
      {"EMLINK", 31, "Too many links"},
      {"EPIPE", 32, "Broken pipe"},
      {"EDOM", 33, "Numerical argument out of domain"},
      {"ERANGE", 34, "Numerical result out of range"},
      {"EDEADLK", 35, "Resource deadlock avoided"},
      {"EDEADLOCK", 35, "Resource deadlock avoided"},
      {"ENAMETOOLONG", 36, "File name too long"},
      {"ENOLCK", 37, "No locks available"},
      {"ENOSYS", 38, "Function not implemented"},
      {"ENOTEMPTY", 39, "Directory not empty"},
      {"ELOOP", 40, "Too many levels of symbolic links"},
      {"ENOMSG", 42, "No message of desired type"},
      {"EIDRM", 43, "Identifier removed"},
      {"ECHRNG", 44, "Channel number out of range"},
      {"EL2NSYNC", 45, "Level 2 not synchronized"},
      {"EL3HLT", 46, "Level 3 halted"},
      {"EL3RST", 47, "Level 3 reset"},
      {"ELNRNG", 48, "Link number out of range"},
      {"EUNATCH", 49, "Protocol driver not attached"},
      {"ENOCSI", 50, "No CSI structure available"},
      {"EL2HLT", 51, "Level 2 halted"},
      {"EBADE", 52, "Invalid exchange"},
      {"EBADR", 53, "Invalid request descriptor"},
      {"EXFULL", 54, "Exchange full"},
      {"ENOANO", 55, "No anode"},
      {"EBADRQC", 56, "Invalid request code"},
      {"EBADSLT", 57, "Invalid slot"},
      {"EBFONT", 59, "Bad font file format"},
      {"ENOSTR", 60, "Device not a stream"},
      {"ENODATA", 61, "No data available"},
      {"ETIME", 62, "Timer expired"},
      {"ENOSR", 63, "Out of streams resources"},
      {"ENONET", 64, "Machine is not on the network"},
      {"ENOPKG", 65, "Package not installed"},
      {"EREMOTE", 66, "Object is remote"},
      {"ENOLINK", 67, "Link has been severed"},
      {"EADV", 68, "Advertise error"},
      {"ESRMNT", 69, "Srmount error"},
      {"ECOMM", 70, "Communication error on send"},
      {"EPROTO", 71, "Protocol error"},
      {"EMULTIHOP", 72, "Multihop attempted"},
      {"EDOTDOT", 73, "RFS specific error"},
      {"EBADMSG", 74, "Bad message"},
      {"EOVERFLOW", 75, "Value too large for defined data type"},
      {"ENOTUNIQ", 76, "Name not unique on network"},
      {"EBADFD", 77, "File descriptor in bad state"},
      {"EREMCHG", 78, "Remote address changed"},
      {"ELIBACC", 79, "Can not access a needed shared library"},
      {"ELIBBAD", 80, "Accessing a corrupted shared library"},
      {"ELIBSCN", 81, ".lib section in a.out corrupted"},
      {"ELIBMAX", 82, "Attempting to link in too many shared libraries"},
      {"ELIBEXEC", 83, "Cannot exec a shared library directly"},
      {"EILSEQ", 84, "Invalid or incomplete multibyte or wide character"},
      {"ERESTART", 85, "Interrupted system call should be restarted"},
      {"ESTRPIPE", 86, "Streams pipe error"},
      {"EUSERS", 87, "Too many users"},
      {"ENOTSOCK", 88, "Socket operation on non-socket"},
      {"EDESTADDRREQ", 89, "Destination address required"},
      {"EMSGSIZE", 90, "Message too long"},
      {"EPROTOTYPE", 91, "Protocol wrong type for socket"},
      {"ENOPROTOOPT", 92, "Protocol not available"},
      {"EPROTONOSUPPORT", 93, "Protocol not supported"},
      {"ESOCKTNOSUPPORT", 94, "Socket type not supported"},
      {"ENOTSUP", 95, "Operation not supported"},
      {"EOPNOTSUPP", 95, "Operation not supported"},
      {"EPFNOSUPPORT", 96, "Protocol family not supported"},
      {"EAFNOSUPPORT", 97, "Address family not supported by protocol"},
      {"EADDRINUSE", 98, "Address already in use"},
      {"EADDRNOTAVAIL", 99, "Cannot assign requested address"},
      {"ENETDOWN", 100, "Network is down"},
      {"ENETUNREACH", 101, "Network is unreachable"},
      {"ENETRESET", 102, "Network dropped connection on reset"},
      {"ECONNABORTED", 103, "Software caused connection abort"},
      {"ECONNRESET", 104, "Connection reset by peer"},
      {"ENOBUFS", 105, "No buffer space available"},
      {"EISCONN", 106, "Transport endpoint is already connected"},
      {"ENOTCONN", 107, "Transport endpoint is not connected"},
      {"ESHUTDOWN", 108, "Cannot send after transport endpoint shutdown"},
      {"ETOOMANYREFS", 109, "Too many references: cannot splice"},
      {"ETIMEDOUT", 110, "Connection timed out"},
      {"ECONNREFUSED", 111, "Connection refused"},
      {"EHOSTDOWN", 112, "Host is down"},
      {"EHOSTUNREACH", 113, "No route to host"},
      {"EALREADY", 114, "Operation already in progress"},
      {"EINPROGRESS", 115, "Operation now in progress"},
      {"ESTALE", 116, "Stale file handle"},
      {"EUCLEAN", 117, "Structure needs cleaning"},
      {"ENOTNAM", 118, "Not a XENIX named type file"},
      {"ENAVAIL", 119, "No XENIX semaphores available"},
      {"EISNAM", 120, "Is a named type file"},
      {"EREMOTEIO", 121, "Remote I/O error"},
      {"EDQUOT", 122, "Disk quota exceeded"},
      {"ENOMEDIUM", 123, "No medium found"},
      {"EMEDIUMTYPE", 124, "Wrong medium type"},
      {"ECANCELED", 125, "Operation canceled"},
      {"ENOKEY", 126, "Required key not available"},
      {"EKEYEXPIRED", 127, "Key has expired"},
      {"EKEYREVOKED", 128, "Key has been revoked"},
      {"EKEYREJECTED", 129, "Key was rejected by service"},
      {"EOWNERDEAD", 130, "Owner died"},
      {"ENOTRECOVERABLE", 131, "State not recoverable"},
      {"ERFKILL", 132, "Operation not possible due to RF-kill"},
      {"EHWPOISON", 133, "Memory page has hardware error"},
  };
  return t;
}

const ErrnoInfo* findErrno(std::string_view name) {
  for (const auto& e : errnos())
    if (e.name == name) return &e;
  return nullptr;
}

const ErrnoInfo* findErrno(int number) {
  // The primary name: EAGAIN over EWOULDBLOCK, EDEADLK over EDEADLOCK, EOPNOTSUPP over ENOTSUP.
  for (const auto& e : errnos()) {
    if (e.number != number) continue;
    if (e.name == "EWOULDBLOCK" || e.name == "EDEADLOCK" || e.name == "ENOTSUP") continue;
    return &e;
  }
  return nullptr;
}

const std::vector<std::string>& errnoNames() {
  static const std::vector<std::string> v =
      namesOf(errnos(), [](const ErrnoInfo& e) { return std::string(e.name); });
  return v;
}

const std::vector<std::string>& namespacedSysctlPatterns() {
  static const std::vector<std::string> v = {
      "net.*",           "kernel.shmmax",  "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced",
      "kernel.msgmax",   "kernel.msgmnb",  "kernel.msgmni", "kernel.sem",    "kernel.hostname",
      "kernel.domainname", "fs.mqueue.*",
  };
  return v;
}

bool sysctlIsNamespaced(std::string_view key) {
  for (const auto& p : namespacedSysctlPatterns()) {
    if (p.size() >= 2 && p.substr(p.size() - 2) == ".*") {
      std::string_view prefix(p.data(), p.size() - 1);  // "net."
      if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix) return true;
    } else if (key == p) {
      return true;
    }
  }
  return false;
}

const std::vector<DeviceNode>& deviceNodes() {
  static const std::vector<DeviceNode> t = {
      {"/dev/autofs", 'c', 10, 235, "automount control"},
      {"/dev/console", 'c', 5, 1, "system console"},
      {"/dev/full", 'c', 1, 7, "always full"},
      {"/dev/fuse", 'c', 10, 229, "FUSE filesystems"},
      {"/dev/hwrng", 'c', 10, 183, "hardware random number generator"},
      {"/dev/kmsg", 'c', 1, 11, "kernel log (writes reach the host log)"},
      {"/dev/kvm", 'c', 10, 232, "KVM virtual machines"},
      {"/dev/loop-control", 'c', 10, 237, "loop device control"},
      {"/dev/mem", 'c', 1, 1, "physical memory"},
      {"/dev/net/tun", 'c', 10, 200, "TUN/TAP network devices"},
      {"/dev/null", 'c', 1, 3, "discards writes"},
      {"/dev/ppp", 'c', 108, 0, "PPP"},
      {"/dev/ptmx", 'c', 5, 2, "pseudo-terminal multiplexer"},
      {"/dev/random", 'c', 1, 8, "random numbers"},
      {"/dev/rtc0", 'c', 248, 0, "real-time clock"},
      {"/dev/tty", 'c', 5, 0, "the process's controlling terminal"},
      {"/dev/tty0", 'c', 4, 0, "the current virtual console"},
      {"/dev/urandom", 'c', 1, 9, "random numbers (non-blocking)"},
      {"/dev/vhost-net", 'c', 10, 238, "vhost networking"},
      {"/dev/vhost-vsock", 'c', 10, 241, "vhost vsock"},
      {"/dev/zero", 'c', 1, 5, "reads zeros"},
  };
  return t;
}

const DeviceNode* findDeviceNode(std::string_view path) {
  for (const auto& d : deviceNodes())
    if (d.path == path) return &d;
  return nullptr;
}

const std::vector<LimitInfo>& limits() {
  using K = LimitInfo::Kind;
  static const std::vector<LimitInfo> t = {
      {"as", K::RlimitBytes, "rlimit: address space size"},
      {"core", K::RlimitBytes, "rlimit: core file size"},
      {"cpu", K::Cpu, "CPU quota in CPUs (1.5 = one and a half CPUs per period)"},
      {"cpu.weight", K::Weight, "relative CPU weight, 1..10000"},
      {"cpuset", K::String, "the CPUs the container may run on (\"0-1\")"},
      {"data", K::RlimitBytes, "rlimit: data segment size"},
      {"fsize", K::RlimitBytes, "rlimit: largest file size"},
      {"hugetlb", K::Hugetlb, "huge page limit: page size, bytes"},
      {"inotify.instances", K::Count, "inotify instances per user (fs.inotify.max_user_instances)"},
      {"inotify.watches", K::Count, "inotify watches per user (fs.inotify.max_user_watches)"},
      {"io.read_bps", K::DeviceBps, "read bandwidth limit on a device (\"major:minor\" bytes)"},
      {"io.weight", K::Weight, "relative I/O weight, 1..10000"},
      {"io.write_bps", K::DeviceBps, "write bandwidth limit on a device (\"major:minor\" bytes)"},
      {"locks", K::RlimitCount, "rlimit: file locks"},
      {"memlock", K::RlimitBytes, "rlimit: locked memory"},
      {"memory", K::Bytes, "memory limit (memory.max)"},
      {"memory.high", K::Bytes, "memory throttling threshold (memory.high)"},
      {"msgqueue", K::RlimitBytes, "rlimit: POSIX message queue bytes"},
      {"nice", K::RlimitCount, "rlimit: nice ceiling"},
      {"nofile", K::RlimitCount, "rlimit: open files"},
      {"nproc", K::RlimitCount, "rlimit: processes per user"},
      {"pids", K::Count, "maximum number of tasks (pids.max)"},
      {"pty", K::Count, "maximum number of pseudo-terminals (lxc.pty.max)"},
      {"rss", K::RlimitBytes, "rlimit: resident set size (ignored by Linux)"},
      {"rtprio", K::RlimitCount, "rlimit: real-time priority ceiling"},
      {"rttime", K::RlimitCount, "rlimit: real-time CPU time in microseconds"},
      {"sigpending", K::RlimitCount, "rlimit: queued signals"},
      {"stack", K::RlimitBytes, "rlimit: stack size"},
      {"swap", K::Bytes, "swap limit (memory.swap.max)"},
  };
  return t;
}

const LimitInfo* findLimit(std::string_view name) {
  for (const auto& l : limits())
    if (l.name == name) return &l;
  return nullptr;
}

const std::vector<std::string>& limitNames() {
  static const std::vector<std::string> v =
      namesOf(limits(), [](const LimitInfo& l) { return std::string(l.name); });
  return v;
}

}  // namespace ward::names
