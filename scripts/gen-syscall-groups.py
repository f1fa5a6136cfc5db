#!/usr/bin/env python3
"""Generate stdlib/std/syscalls.ward: ward's system call groups.

The classification below is the source of truth; the list of system calls comes from the installed
libseccomp (through ctypes), so the generated file covers exactly what that libseccomp knows:

  * every name libseccomp resolves on x86_64 is in exactly one PRIMARY group;
  * names that exist only on i386 (x86) are placed too (chown32, socketcall, ...), so a rule written for
    a group covers 32-bit processes as well; x32 has no names of its own;
  * a name in the table that this libseccomp does not know is an error (so a newer table run against an
    older libseccomp fails loudly instead of writing a name `ward check` rejects).

Usage:  scripts/gen-syscall-groups.py [--check | --table] [OUTPUT]
        OUTPUT defaults to stdlib/std/syscalls.ward next to this script; --check compares instead of writing
        and exits 1 when the file is stale; --table prints the Markdown table used in docs/stdlib.md. tests/unit/stdlib/ checks the same invariants at test time.
"""
import ctypes
import ctypes.util
import os
import sys

# ---- libseccomp ---------------------------------------------------------------------------------------
SCMP_ARCH_X86_64 = 0xC000003E
SCMP_ARCH_X86 = 0x40000003
SCMP_ARCH_X32 = 0x4000003E
X32_SYSCALL_BIT = 0x40000000


def load_libseccomp():
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    lib.seccomp_version.restype = ctypes.c_void_p
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    return lib, libc


def known_names(lib, libc, arch, bit=0):
    out = {}
    for n in range(1024):
        p = lib.seccomp_syscall_resolve_num_arch(arch, n | bit)
        if p:
            out[ctypes.string_at(p).decode()] = n
            libc.free(p)
    return out


def libseccomp_version(lib):
    class Ver(ctypes.Structure):
        _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]
    v = ctypes.cast(lib.seccomp_version(), ctypes.POINTER(Ver)).contents
    return f"{v.major}.{v.minor}.{v.micro}"


# ---- the classification ---------------------------------------------------------------------------------
# (name, description, [syscalls]) in output order. Descriptions of primary groups must NOT start with
# "composite:"; that prefix marks composite groups (see COMPOSITE below).
PRIMARY = [
    ("@basic-process", "what every process needs: exit, execve, thread and TLS set-up, futexes, its own ids and limits, uname", """
        arch_prctl execve exit exit_group futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake
        get_robust_list get_thread_area getcpu getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups
        getgroups32 getpgid getpgrp getpid getppid getrandom getresgid getresgid32 getresuid getresuid32
        getrlimit getsid gettid getuid getuid32 oldolduname olduname prlimit64 restart_syscall rseq
        sched_yield set_robust_list set_thread_area set_tid_address sysinfo ugetrlimit uname"""),
    ("@time", "read the clocks and sleep (setting a clock is @clock)", """
        clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
        gettimeofday nanosleep time"""),
    ("@memory", "map, protect and advise the process's own memory", """
        brk madvise map_shadow_stack membarrier mincore mmap mmap2 mprotect mremap munmap
        remap_file_pages"""),
    ("@basic-io", "read, write, seek, duplicate and close file descriptors; ioctl; in-kernel copies", """
        _llseek close close_range copy_file_range dup dup2 dup3 ioctl lseek pread64 preadv preadv2 pwrite64
        pwritev pwritev2 read readv sendfile sendfile64 splice tee vmsplice write writev"""),
    ("@file-system", "open, stat, create, rename, remove and watch files and directories; xattrs; locks", """
        access cachestat chdir chmod creat faccessat faccessat2 fadvise64 fadvise64_64 fallocate fchdir fchmod
        fchmodat fchmodat2 fcntl fcntl64 fgetxattr flistxattr flock fremovexattr fsetxattr fstat fstat64
        fstatat64 fstatfs fstatfs64 ftruncate ftruncate64 futimesat getcwd getdents getdents64 getxattr
        inotify_add_watch inotify_init inotify_init1 inotify_rm_watch lgetxattr link linkat listxattr
        llistxattr lremovexattr lsetxattr lstat lstat64 mkdir mkdirat mknod mknodat newfstatat oldfstat
        oldlstat oldstat open openat openat2 readahead readdir readlink readlinkat removexattr rename renameat
        renameat2 rmdir setxattr stat stat64 statfs statfs64 statx symlink symlinkat truncate truncate64
        umask unlink unlinkat utime utimensat utimensat_time64 utimes"""),
    ("@io-event", "event loops: select, poll, epoll, eventfd", """
        _newselect epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait eventfd eventfd2
        poll ppoll ppoll_time64 pselect6 pselect6_time64 select"""),
    ("@aio", "Linux native asynchronous I/O (io_submit and friends; io_uring is @io-uring)", """
        io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit"""),
    ("@io-uring", "io_uring: a large, fast-moving kernel interface behind many escapes; containerd and moby block it", """
        io_uring_enter io_uring_register io_uring_setup"""),
    ("@ipc", "pipes, SysV IPC, POSIX message queues, memfd", """
        ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
        mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 semctl semget semop semtimedop
        semtimedop_time64 shmat shmctl shmdt shmget"""),
    ("@network-io", "sockets: create, bind, listen, connect, send and receive (the socket() family is filtered by the network section)", """
        accept accept4 bind connect getpeername getsockname getsockopt listen recvfrom recvmmsg
        recvmmsg_time64 recvmsg sendmmsg sendmsg sendto setsockopt shutdown socket socketpair"""),
    ("@process", "create, wait for and signal processes; prctl; process accounting reads", """
        clone execveat fork getrusage kill pidfd_open pidfd_send_signal prctl process_mrelease
        rt_sigqueueinfo rt_tgsigqueueinfo setpgid setsid tgkill times tkill vfork wait4 waitid waitpid"""),
    ("@namespaces", "enter or create namespaces: setns, unshare, and clone3 (whose flags, CLONE_NEW* included, live in memory seccomp cannot read)", """
        clone3 setns unshare"""),
    ("@signal", "signal handlers, masks, waits and signalfd", """
        pause rt_sigaction rt_sigpending rt_sigprocmask rt_sigreturn rt_sigsuspend rt_sigtimedwait
        rt_sigtimedwait_time64 sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask
        sigreturn sigsuspend"""),
    ("@timer", "interval timers, POSIX timers and timerfd", """
        alarm getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
        timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
        timerfd_settime64"""),
    ("@sync", "flush files and memory to storage", """
        fdatasync fsync msync sync sync_file_range syncfs"""),
    ("@setuid", "change user and group ids (meaningful only for ids mapped into the container)", """
        setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setregid setregid32
        setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setuid setuid32"""),
    ("@capabilities", "read and change the process's capability sets", """
        capget capset"""),
    ("@chown", "change the owner of files", """
        chown chown32 fchown fchown32 fchownat lchown lchown32"""),
    ("@resources", "change priorities, scheduling, CPU affinity, NUMA placement and resource limits", """
        ioprio_set mbind migrate_pages move_pages nice process_madvise sched_setaffinity sched_setattr
        sched_setparam sched_setscheduler set_mempolicy set_mempolicy_home_node setpriority setrlimit"""),
    ("@resources-query", "read priorities, scheduling, CPU affinity and NUMA placement", """
        get_mempolicy getpriority ioprio_get sched_get_priority_max sched_get_priority_min sched_getaffinity
        sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64"""),
    ("@memlock", "lock memory into RAM, including secret memory (bounded by RLIMIT_MEMLOCK)", """
        memfd_secret mlock mlock2 mlockall munlock munlockall"""),
    ("@pkey", "memory protection keys", """
        pkey_alloc pkey_free pkey_mprotect"""),
    ("@sandbox", "restrict the caller further: seccomp filters and Landlock rulesets", """
        landlock_add_rule landlock_create_ruleset landlock_restrict_self seccomp"""),
    ("@cpu-emulation", "other ABIs and CPU modes: LDT changes, vm86, execution domains (personality), i386 socketcall (socket families out of seccomp's sight)", """
        modify_ldt personality socketcall vm86 vm86old"""),
    ("@debug", "trace, inspect and compare other processes; performance monitoring (ESC SYS-PERF, CAP-SYS-PTRACE)", """
        kcmp lookup_dcookie perf_event_open pidfd_getfd process_vm_readv process_vm_writev ptrace"""),
    ("@file-handle", "file handles: open_by_handle_at opens any file on a filesystem by handle (the 'shocker' escape, CAP-SHOCKER)", """
        name_to_handle_at open_by_handle_at"""),
    ("@userfaultfd", "user-space page-fault handling: widens kernel race windows that exploits rely on (SYS-USERFAULTFD)", """
        userfaultfd"""),
    ("@keyring", "kernel keyrings: not namespaced, shared with the host (SYS-KEYCTL)", """
        add_key keyctl request_key"""),
    ("@mount", "mount and unmount, the new mount API, pivot_root and chroot (SYS-MOUNT-API, CVE-FSCONFIG)", """
        chroot fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree pivot_root umount
        umount2"""),
    ("@module", "load and unload kernel modules (CAP-SYS-MODULE)", """
        delete_module finit_module init_module"""),
    ("@reboot", "reboot the machine or load a new kernel (CAP-SYS-BOOT, SYS-KEXEC)", """
        kexec_file_load kexec_load reboot"""),
    ("@swap", "enable and disable swap devices", """
        swapoff swapon"""),
    ("@clock", "set the system clocks, which are not namespaced (CAP-SYS-TIME)", """
        adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 settimeofday stime"""),
    ("@raw-io", "raw I/O port access (CAP-SYS-RAWIO)", """
        ioperm iopl"""),
    ("@privileged", "host-wide administration: BPF, fanotify, accounting, quotas, the kernel log, host names, vhangup", """
        acct bpf fanotify_init fanotify_mark quotactl quotactl_fd setdomainname sethostname syslog vhangup"""),
    ("@obsolete", "removed, unimplemented or historical system calls", """
        _sysctl afs_syscall bdflush break create_module epoll_ctl_old epoll_wait_old ftime get_kernel_syms
        getpmsg gtty idle lock mpx nfsservctl prof profil putpmsg query_module security sgetmask ssetmask stty
        sysfs tuxcall ulimit uselib ustat vserver"""),
]

# Composite groups: built from primary groups and names; their descriptions start with "composite:".
COMPOSITE = [
    ("@default", "composite: what any program needs to start and run single-threaded or threaded", """
        @basic-process @time"""),
    ("@system-service", "composite: what a typical service needs; excludes @namespaces (clone3 included), @cpu-emulation (personality), @keyring, @debug, @io-uring, @userfaultfd, @file-handle and every host-administration group", """
        @default @memory @basic-io @file-system @io-event @aio @ipc @network-io @process @signal @timer
        @sync @setuid @capabilities @chown @resources @resources-query @memlock @pkey @sandbox"""),
    ("@container-runtime", "composite: what LXC and runc still call after the filter is installed and before the container's init runs (execve, prctl, capset, setgroups ...)", """
        @default @signal @memory close close_range dup2 dup3 fcntl openat read write fstat newfstatat
        getdents64 chdir fchdir execveat prctl capget capset setgroups setresuid setresgid setuid setgid
        epoll_pwait epoll_ctl sched_getaffinity tgkill"""),
    ("@dangerous", "composite: what ward's base policy denies on purpose (EPERM): escape sources and host-wide administration", """
        @debug @io-uring @file-handle @userfaultfd @keyring @mount @module @reboot @swap @clock @raw-io
        @privileged"""),
]


def render(version, x86_only, by_group, seen_arch):
    out = []
    w = out.append
    w("// ward standard library: system call groups.")
    w("//")
    w("// GENERATED by scripts/gen-syscall-groups.py from the system call tables of libseccomp " + version + ";")
    w("// edit the table in that script and re-run it (`--check` tells whether this file is stale).")
    w("//")
    w("// PRIMARY groups are disjoint, and together hold every system call libseccomp knows on x86_64 plus")
    w("// the names that exist only on i386 (so rules written with groups cover 32-bit processes too).")
    w("// COMPOSITE groups are unions of primary groups and names; their description starts with")
    w("// \"composite:\". tests/unit/stdlib/ checks both rules against the installed libseccomp.")
    w("//")
    w("// Names that exist on i386 (x86) but not on x86_64 (" + str(len(x86_only)) + "):")
    line = "//  "
    for n in x86_only:
        if len(line) + len(n) + 1 > 110:
            w(line)
            line = "//  "
        line += " " + n
    w(line)
    w("// x32 has no names of its own. x86_64 names missing on x32 (" + str(len(seen_arch)) + "):")
    line = "//  "
    for n in seen_arch:
        if len(line) + len(n) + 1 > 110:
            w(line)
            line = "//  "
        line += " " + n
    w(line)
    w("")
    for name, desc, calls in PRIMARY:
        calls = sorted(calls.split())
        w(f'group {name} "{desc}" {{')
        line = " "
        for i, c in enumerate(calls):
            tok = c + ("," if i + 1 < len(calls) else ";")
            if len(line) + len(tok) + 1 > 110:
                w(line)
                line = " "
            line += " " + tok
        w(line)
        w("}")
        w("")
    for name, desc, items in COMPOSITE:
        items = items.split()
        w(f'group {name} "{desc}" {{')
        line = " "
        for i, c in enumerate(items):
            tok = c + ("," if i + 1 < len(items) else ";")
            if len(line) + len(tok) + 1 > 110:
                w(line)
                line = " "
            line += " " + tok
        w(line)
        w("}")
        w("")
    return "\n".join(out).rstrip("\n") + "\n"


def expand(name, seen=()):
    for g, _, items in PRIMARY + COMPOSITE:
        if g == name:
            out = set()
            for it in items.split():
                out |= expand(it, seen + (name,)) if it.startswith("@") else {it}
            return out
    raise KeyError(name)


def table(owner):
    rows = ["| group | kind | system calls | description |", "|---|---|---:|---|"]
    for name, desc, calls in PRIMARY:
        rows.append(f"| `{name}` | primary | {len(calls.split())} | {desc} |")
    for name, desc, items in COMPOSITE:
        rows.append(f"| `{name}` | composite | {len(expand(name))} | {desc[len('composite: '):]} "
                    f"(`{' '.join(items.split())}`) |")
    return "\n".join(rows)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = args[0] if args else os.path.join(root, "stdlib", "std", "syscalls.ward")

    lib, libc = load_libseccomp()
    x86_64 = known_names(lib, libc, SCMP_ARCH_X86_64)
    x86 = known_names(lib, libc, SCMP_ARCH_X86)
    x32 = known_names(lib, libc, SCMP_ARCH_X32, X32_SYSCALL_BIT)
    known = set(x86_64) | set(x86) | set(x32)

    errors = []
    owner = {}
    for name, desc, calls in PRIMARY:
        if desc.startswith("composite:"):
            errors.append(f"{name}: a primary group's description must not start with 'composite:'")
        for c in calls.split():
            if c in owner:
                errors.append(f"{c} is in both {owner[c]} and {name}")
            owner[c] = name
            if c not in known:
                errors.append(f"{c} ({name}) is unknown to this libseccomp")
    missing = sorted(known - set(owner))
    if missing:
        errors.append("not in any primary group: " + " ".join(missing))
    groups = {g for g, _, _ in PRIMARY} | {g for g, _, _ in COMPOSITE}
    for name, desc, items in COMPOSITE:
        for it in items.split():
            if it.startswith("@") and it not in groups:
                errors.append(f"{name}: unknown group {it}")
            elif not it.startswith("@") and it not in owner:
                errors.append(f"{name}: unknown system call {it}")
    if errors:
        print("gen-syscall-groups: " + "\n  ".join(errors), file=sys.stderr)
        return 2

    if "--table" in argv:
        print(table(owner))
        return 0

    text = render(libseccomp_version(lib), sorted(set(x86) - set(x86_64)),
                  None, sorted(set(x86_64) - set(x32)))
    if check:
        try:
            current = open(output).read()
        except OSError:
            current = ""
        if current != text:
            print(f"{output} is stale; run scripts/gen-syscall-groups.py", file=sys.stderr)
            return 1
        return 0
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)
    print(f"wrote {output}: {len(PRIMARY)} primary groups, {len(owner)} system calls "
          f"({len(x86_64)} x86_64, {len(set(x86) - set(x86_64))} i386-only), {len(COMPOSITE)} composite groups")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
