/* ward conformance probe: tries the harmless first step of each escape catalog entry that has a probe and
 * prints one line per probe:  ID blocked|open|n/a reason
 *
 * Rules (docs/escapes.md, "Probe rules"): every probe runs in a forked child (a SIGSYS kill counts as
 * blocked); an open-probe is open(O_WRONLY|O_CLOEXEC|O_NOCTTY) then close, never a write; mounts happen
 * only in a private mount namespace and are detached at once; system calls get invalid arguments so that
 * EPERM/EACCES/EROFS/ENOSYS mean blocked and EINVAL/EBADF/EFAULT mean the call reached the kernel.
 *
 * Usage: ward-probe [--unconfined] [--list | ID...]   (no IDs: every probe; --unconfined for the
 *        calibration run on the host, where ENOSYS or EAFNOSUPPORT means the kernel lacks the feature: n/a;
 *        inside a container the calibration decides what applies, so there they mean blocked)
 * Built static (tests/conformance/CMakeLists.txt) so it runs in any container rootfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum { BLOCKED, OPEN, NA };
static const char *const kStatus[] = {"blocked", "open", "n/a"};
struct result { int status; char reason[200]; };

static struct result R(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static struct result R(int status, const char *fmt, ...) {
  struct result r;
  va_list ap;
  r.status = status;
  va_start(ap, fmt);
  vsnprintf(r.reason, sizeof r.reason, fmt, ap);
  va_end(ap);
  return r;
}

static int gUnconfined; /* --unconfined: the calibration run, where ENOSYS means the kernel lacks the call */
static int blockedErrno(int e) { return e == EPERM || e == EACCES || e == EROFS || e == ENOSYS; }

/* A system call's outcome: 0 or a "reached" errno is open, a blocking errno is blocked. */
static struct result syscallResult(long rc, int e, const char *what) {
  if (rc >= 0) return R(OPEN, "%s succeeded", what);
  if (gUnconfined && e == ENOSYS) return R(NA, "%s: the kernel lacks it (ENOSYS unconfined)", what);
  if (blockedErrno(e)) return R(BLOCKED, "%s: %s", what, strerror(e));
  return R(OPEN, "%s reached the kernel: %s", what, strerror(e));
}

/* A path masked the way runtimes mask files (a bind of /dev/null over it) opens, but reaches nothing. */
static int maskedByNull(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

static struct result openProbe(const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    int masked = maskedByNull(fd) && strncmp(path, "/dev/", 5) != 0;
    close(fd); /* never a write */
    if (masked) return R(BLOCKED, "%s is masked (/dev/null bound over it)", path);
    return R(OPEN, "%s opened %s", path, (flags & O_ACCMODE) == O_RDONLY ? "read-only" : "for writing");
  }
  if (errno == ENOENT || errno == ENODEV || errno == ENXIO) return R(NA, "%s: %s", path, strerror(errno));
  if (blockedErrno(errno)) return R(BLOCKED, "%s: %s", path, strerror(errno));
  return R(OPEN, "%s: %s (reached)", path, strerror(errno));
}

/* The first result that is open, else the first blocked, else n/a. */
static struct result any(struct result *rs, int n) {
  int i, b = -1;
  for (i = 0; i < n; i++) {
    if (rs[i].status == OPEN) return rs[i];
    if (rs[i].status == BLOCKED && b < 0) b = i;
  }
  return rs[b >= 0 ? b : 0];
}

static struct result openFirst(const char *const *paths, int flags) {
  struct result r = R(NA, "none of the paths exists");
  for (; *paths; paths++) {
    r = openProbe(*paths, flags);
    if (r.status != NA) return r;
  }
  return r;
}

/* ---- private mount namespace helpers ---- */
static const char *scratch(void) {
  static char dir[64];
  strcpy(dir, "/tmp/ward-probe-XXXXXX");
  if (mkdtemp(dir)) return dir;
  return "/mnt";
}

static int privateNs(struct result *r) {
  if (unshare(CLONE_NEWNS) != 0) {
    *r = R(BLOCKED, "unshare(CLONE_NEWNS): %s", strerror(errno));
    return -1;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
    *r = R(BLOCKED, "make / private: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static struct result mountProbe(const char *fstype, const char *data, const char *openRel, int flags) {
  struct result r;
  char path[256];
  const char *dir;
  if (privateNs(&r) != 0) return r;
  dir = scratch();
  if (mount(fstype, dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, data) != 0) {
    int e = errno;
    rmdir(dir);
    if (e == ENODEV) return R(NA, "mount %s: %s", fstype, strerror(e));
    if (blockedErrno(e)) return R(BLOCKED, "mount %s: %s", fstype, strerror(e));
    return R(OPEN, "mount %s: %s (reached)", fstype, strerror(e));
  }
  r = R(OPEN, "mounted %s in a private namespace", fstype);
  if (openRel) {
    snprintf(path, sizeof path, "%s/%s", dir, openRel);
    r = openProbe(path, flags);
    if (r.status == NA) r = R(OPEN, "mounted %s (%s absent)", fstype, openRel);
  }
  umount2(dir, MNT_DETACH);
  rmdir(dir);
  return r;
}

/* ---- /proc readers ---- */
static int readFile(const char *path, char *buf, size_t n) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t got;
  if (fd < 0) return -1;
  got = read(fd, buf, n - 1);
  close(fd);
  if (got < 0) return -1;
  buf[got] = 0;
  return 0;
}

static unsigned long long statusHex(const char *key) {
  static char buf[8192];
  char *p;
  if (readFile("/proc/self/status", buf, sizeof buf) != 0) return 0;
  p = strstr(buf, key);
  return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static long statusNum(const char *key) {
  static char buf[8192];
  char *p;
  if (readFile("/proc/self/status", buf, sizeof buf) != 0) return -1;
  p = strstr(buf, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* `list` ("cpu,cpuacct") names `controller` as one of its comma-separated entries. */
static int namesController(const char *list, const char *controller) {
  size_t n = strlen(controller);
  const char *p = list;
  while ((p = strstr(p, controller)) != NULL) {
    if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    p += n;
  }
  return 0;
}

/* The own cgroup path of a v1 controller ("" for v2 / unified). */
static int cgroupPath(const char *controller, char *out, size_t n) {
  static char buf[4096];
  char *line, *save;
  if (readFile("/proc/self/cgroup", buf, sizeof buf) != 0) return -1;
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    if ((controller && namesController(c1 + 1, controller)) || (!controller && c1[1] == 0)) {
      snprintf(out, n, "%s", c2 + 1);
      return 0;
    }
  }
  return -1;
}

static int privateNs(struct result *r);
static const char *scratch(void);

/* The v1 hierarchy's option list for a controller, as /proc/self/cgroup names it ("cpu,cpuacct"). */
static int cgroupHierarchy(const char *controller, char *out, size_t n) {
  static char buf[4096];
  char *line, *save;
  if (readFile("/proc/self/cgroup", buf, sizeof buf) != 0) return -1;
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    if (namesController(c1 + 1, controller)) { snprintf(out, n, "%s", c1 + 1); return 0; }
  }
  return -1;
}

/* LXC skips lxc.mount.auto's cgroup for a container that keeps CAP_SYS_ADMIN (it can mount its own). Then
 * the probe mounts the hierarchy itself, in a private mount namespace (it runs in a forked child), reads
 * the file at the top of its cgroup namespace (the container's own cgroup), and unmounts at once. */
static int cgroupFileMounted(const char *controller, const char *file, char *val, size_t n, char *where, size_t wn) {
  char opts[256], path[1100];
  struct result r;
  const char *dir;
  int rc;
  if (cgroupHierarchy(controller, opts, sizeof opts) != 0 || privateNs(&r) != 0) return -1;
  dir = scratch();
  if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) != 0) { rmdir(dir); return -1; }
  snprintf(path, sizeof path, "%s/%s", dir, file);
  rc = readFile(path, val, n);
  if (rc == 0) snprintf(where, wn, "%s (the probe's own read-only mount of the %s hierarchy)", file, opts);
  umount2(dir, MNT_DETACH);
  rmdir(dir);
  return rc;
}

static int cgroupFile(const char *controller, const char *file, char *val, size_t n, char *where, size_t wn) {
  char path[1100], p[512];
  if (cgroupPath(controller, p, sizeof p) == 0) {
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s/%s", controller, strcmp(p, "/") ? p : "", file);
    if (readFile(path, val, n) == 0) { snprintf(where, wn, "%s", path); return 0; }
    /* Without a cgroup namespace LXC binds the container's own cgroup directory at the controller's mount
     * point, so the file sits at its top, while /proc/self/cgroup shows the host's path. (The real root
     * cgroup has no limit files, so this never reads a host-wide value.) */
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s", controller, file);
    if (strcmp(p, "/") && readFile(path, val, n) == 0) { snprintf(where, wn, "%s", path); return 0; }
  }
  if (cgroupPath(NULL, p, sizeof p) == 0) {
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/%s", strcmp(p, "/") ? p : "", file);
    if (readFile(path, val, n) == 0) { snprintf(where, wn, "%s", path); return 0; }
  }
  if (controller && access("/sys/fs/cgroup", F_OK) == 0 && cgroupPath(controller, p, sizeof p) == 0) {
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s", controller);
    if (access(path, F_OK) != 0) return cgroupFileMounted(controller, file, val, n, where, wn);
  }
  return -1;
}

/* mountinfo: call fn for each line's fields. */
typedef int (*mountFn)(const char *root, const char *point, const char *opts, const char *optional,
                       const char *fstype, const char *superOpts, struct result *r);
static struct result scanMounts(mountFn fn, struct result none) {
  static char buf[1 << 17];
  char *line, *save;
  struct result r = none;
  if (readFile("/proc/self/mountinfo", buf, sizeof buf) != 0) return R(NA, "no /proc/self/mountinfo");
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char root[512], point[512], opts[512], rest[1024], fstype[128], src[512], sopts[512];
    char optional[512] = "";
    char *dash = strstr(line, " - ");
    if (!dash) continue;
    if (sscanf(line, "%*s %*s %*s %511s %511s %511s %1023[^\n]", root, point, opts, rest) < 3) continue;
    { /* optional fields sit between the mount options and " - " */
      char *o = strstr(line, opts);
      if (o) {
        o += strlen(opts);
        snprintf(optional, sizeof optional, "%.*s", (int)(dash - o), o);
      }
    }
    if (sscanf(dash + 3, "%127s %511s %511s", fstype, src, sopts) < 3) continue;
    if (fn(root, point, opts, optional, fstype, sopts, &r)) return r;
  }
  return r;
}

static int lxcfsRw(const char *root, const char *point, const char *opts, const char *optional,
                   const char *fstype, const char *sopts, struct result *r) {
  (void)root; (void)optional; (void)sopts;
  if (strcmp(fstype, "fuse.lxcfs") != 0) return 0;
  if (strncmp(opts, "rw", 2) == 0) { *r = R(OPEN, "fuse.lxcfs at %s is read-write", point); return 1; }
  *r = R(BLOCKED, "fuse.lxcfs mounts are read-only");
  return 0;
}

static int sensitiveBind(const char *root, const char *point, const char *opts, const char *optional,
                         const char *fstype, const char *sopts, struct result *r) {
  static const char *const roots[] = {"/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/lib/docker",
                                      "/var/lib/lxc", "/root", "/home", NULL};
  const char *const *s;
  (void)opts; (void)optional; (void)sopts;
  if (!strcmp(fstype, "proc") || !strcmp(fstype, "sysfs") || !strcmp(fstype, "devtmpfs") ||
      !strcmp(fstype, "tmpfs") || !strncmp(fstype, "cgroup", 6) || !strcmp(fstype, "devpts") ||
      !strcmp(fstype, "mqueue"))
    return 0;
  for (s = roots; *s; s++)
    if (!strcmp(root, *s) && strcmp(point, root) != 0) {
      *r = R(OPEN, "host %s is bound at %s", root, point);
      return 1;
    }
  return 0;
}

/* MNT-PROPAGATION. Peer group ids are global, so a container's shared mount is a way between container and
 * host only when a host mount is in the same group. LXC and runc make a container's own mounts shared in new
 * groups that only the container's namespace holds (seen with real LXC 5.0.2; docs/conformance.md): those
 * reach nothing outside. The harness passes the host's shared groups in WARD_HOST_PEERS (ids separated by
 * spaces, from the host's mountinfo; tests/conformance/lib/conformance.sh); without it every shared mount
 * counts. A slave of a host group (master:N alone) receives the host's mounts but sends none back: the
 * runtimes' default, which the catalog accepts. The unconfined run is the host itself: every shared mount. */
static int hostPeer(long id) {
  const char *list = getenv("WARD_HOST_PEERS");
  char *end;
  if (!list) return 1;
  for (const char *p = list; *p;) {
    long v = strtol(p, &end, 10);
    if (end == p) { p++; continue; }
    if (v == id) return 1;
    p = end;
  }
  return 0;
}
static char gLocalPeers[256], gHostSlave[600];
static int sharedMount(const char *root, const char *point, const char *opts, const char *optional,
                       const char *fstype, const char *sopts, struct result *r) {
  (void)root; (void)opts; (void)fstype; (void)sopts;
  const char *m = strstr(optional, "master:");
  if (m && !gUnconfined && getenv("WARD_HOST_PEERS") && hostPeer(strtol(m + 7, NULL, 10)) && !gHostSlave[0])
    snprintf(gHostSlave, sizeof gHostSlave, "; %s is a slave of a host group (%s): it receives the host's mounts "
             "and sends none back", point, optional + strspn(optional, " "));
  const char *s = strstr(optional, "shared:");
  if (!s) return 0;
  long id = strtol(s + 7, NULL, 10);
  if (gUnconfined || hostPeer(id)) {
    *r = R(OPEN, "%s has shared propagation (%s)%s", point, optional,
           gUnconfined || !getenv("WARD_HOST_PEERS") ? "" : ", a peer group the host has");
    return 1;
  }
  size_t len = strlen(gLocalPeers);
  if (len + 16 < sizeof gLocalPeers) snprintf(gLocalPeers + len, sizeof gLocalPeers - len, " %ld", id);
  return 0;
}

static int unboundedTmpfs(const char *root, const char *point, const char *opts, const char *optional,
                          const char *fstype, const char *sopts, struct result *r) {
  (void)root; (void)optional;
  if (strcmp(fstype, "tmpfs") != 0 || strncmp(opts, "rw", 2) != 0) return 0;
  if (!strstr(sopts, "size=")) { *r = R(OPEN, "tmpfs %s is writable and has no size=", point); return 1; }
  return 0;
}

/* ---- the probes ---- */
static struct result pSysrq(void) { return openProbe("/proc/sysrq-trigger", O_WRONLY); }
static struct result pCorePattern(void) {
  struct result rs[2] = {openProbe("/proc/sys/kernel/core_pattern", O_WRONLY),
                         openProbe("/proc/sys/kernel/modprobe", O_WRONLY)};
  return any(rs, 2);
}
static struct result pUeventHelper(void) { return openProbe("/sys/kernel/uevent_helper", O_WRONLY); }
static struct result pHostSysctl(void) {
  struct result r = openProbe("/proc/sys/fs/file-max", O_WRONLY);
  struct result control = openProbe("/proc/sys/kernel/shmmax", O_WRONLY);
  size_t len = strlen(r.reason);
  snprintf(r.reason + len, sizeof r.reason - len, " (control shmmax: %s)", kStatus[control.status]);
  return r;
}
static struct result pKcore(void) { return openProbe("/proc/kcore", O_RDONLY); }
static struct result pProcLeak(void) {
  struct result rs[3] = {openProbe("/proc/timer_list", O_RDONLY), openProbe("/proc/sched_debug", O_RDONLY),
                         openProbe("/proc/keys", O_RDONLY)};
  return any(rs, 3);
}
static struct result pHwPaths(void) {
  static const char *const w[] = {"/proc/bus/pci/00/00.0", "/sys/firmware/efi/efivars/ward-probe-none", NULL};
  static const char *const r[] = {"/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj", NULL};
  struct result rs[2] = {openFirst(w, O_WRONLY), openFirst(r, O_RDONLY)};
  return any(rs, 2);
}
static struct result pSysfsRw(void) {
  static const char *const p[] = {"/sys/bus/pci/drivers_probe", "/sys/kernel/mm/transparent_hugepage/enabled",
                                  "/sys/power/state", NULL};
  return openFirst(p, O_WRONLY);
}
static struct result pUdevStorm(void) {
  static const char *const p[] = {"/sys/devices/system/cpu/cpu0/uevent", "/sys/devices/platform/uevent", NULL};
  return openFirst(p, O_WRONLY);
}
static struct result pLxcfs(void) { return scanMounts(lxcfsRw, R(NA, "no fuse.lxcfs mounts")); }
static struct result pHostpath(void) { return scanMounts(sensitiveBind, R(BLOCKED, "no sensitive host directory bound")); }
static struct result pDevpts(void) { return mountProbe("devpts", "newinstance,ptmxmode=0666", NULL, 0); }
static struct result pSecurityfs(void) { return mountProbe("securityfs", NULL, NULL, 0); }
static struct result pKernfs(void) {
  struct result rs[3] = {R(NA, "-"), R(NA, "-"), R(NA, "-")};
  const char *fs[3] = {"debugfs", "tracefs", "configfs"};
  int i;
  for (i = 0; i < 3; i++) {
    pid_t pid = fork();
    int pfd[2];
    (void)pfd;
    if (pid == 0) _exit(mountProbe(fs[i], NULL, NULL, 0).status);
    if (pid > 0) {
      int st = 0;
      waitpid(pid, &st, 0);
      int s = WIFEXITED(st) ? WEXITSTATUS(st) : BLOCKED;
      rs[i] = R(s, "mount %s: %s", fs[i], kStatus[s]);
    }
  }
  return any(rs, 3);
}
static int initialUserNs(void);
/* Since Linux 6.7 a binfmt_misc mounted in a user namespace other than the initial one is that namespace's
 * own instance: registering there changes nothing for the host (fs/binfmt_misc.c, "binfmt_misc: enable
 * sandboxed mounts"). Open only where the mount reaches the host's registry. */
static struct result pBinfmt(void) {
  struct utsname u;
  int maj = 0, min = 0;
  struct result r = mountProbe("binfmt_misc", NULL, "register", O_WRONLY);
  uname(&u);
  sscanf(u.release, "%d.%d", &maj, &min);
  if (r.status == OPEN && !initialUserNs() && (maj > 6 || (maj == 6 && min >= 7)))
    return R(BLOCKED, "binfmt_misc mounts, but in a user namespace on Linux %s it is the namespace's own registry", u.release);
  return r;
}
static struct result pPropagation(void) {
  struct result r = scanMounts(sharedMount, R(BLOCKED, "no shared propagation"));
  if (r.status == BLOCKED && gLocalPeers[0])
    r = R(BLOCKED, "shared only in peer groups no host mount is in (%.40s...): the container's own%s", gLocalPeers + 1,
          gHostSlave);
  else if (r.status == BLOCKED && gHostSlave[0])
    r = R(BLOCKED, "no shared propagation%s", gHostSlave);
  return r;
}
static struct result pProcRemount(void) { return mountProbe("proc", NULL, "sys/kernel/core_pattern", O_WRONLY); }
static struct result pHostdisk(void) {
  static const char *const p[] = {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda", NULL};
  struct result r = openFirst(p, O_RDONLY);
  if (r.status == NA) r = R(BLOCKED, "no host disk node in /dev");
  return r;
}
static struct result pPrivileged(void) {
  char buf[64];
  int last = 40;
  unsigned long long full, bnd = statusHex("CapBnd:\t");
  long sc = statusNum("Seccomp:\t");
  if (readFile("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) == 0) last = atoi(buf);
  full = last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
  if (bnd == full && sc == 0) return R(OPEN, "CapBnd is the full set and Seccomp is 0");
  return R(BLOCKED, "CapBnd %llx, Seccomp %ld", bnd, sc);
}
static struct result pReleaseAgent(void) { return mountProbe("cgroup", "none,name=ward-probe", "release_agent", O_WRONLY); }
static struct result pShocker(void) {
  struct { unsigned int bytes; int type; unsigned char h[8]; } fh = {0, 0, {0}};
  long rc = syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
  return syscallResult(rc, errno, "open_by_handle_at(empty handle)");
}
static struct result pSysModule(void) {
  long rc = syscall(SYS_finit_module, -1, "", 0);
  return syscallResult(rc, errno, "finit_module(-1)");
}
static struct result pSysPtrace(void) {
  unsigned long long eff = statusHex("CapEff:\t");
  return (eff >> 19) & 1 ? R(OPEN, "cap_sys_ptrace in CapEff") : R(BLOCKED, "no cap_sys_ptrace in CapEff");
}
static struct result pSysBoot(void) {
  long rc = syscall(SYS_reboot, 0xfee1dead, 0, 0, NULL); /* wrong second magic: never reboots */
  return syscallResult(rc, errno, "reboot(bad magic)");
}
static struct result pSysTime(void) {
  long rc = syscall(SYS_settimeofday, NULL, NULL); /* sets nothing */
  return syscallResult(rc, errno, "settimeofday(NULL, NULL)");
}
static struct result nodeProbe(mode_t type, dev_t dev, const char *what) {
  struct result r;
  char path[128];
  const char *dir;
  int fd, inNs = privateNs(&r) == 0;
  dir = scratch();
  if (inNs && mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=16k") != 0) inNs = 0;
  snprintf(path, sizeof path, "%s/node", dir);
  if (mknod(path, type | 0600, dev) != 0) {
    int e = errno;
    if (inNs) umount2(dir, MNT_DETACH);
    rmdir(dir);
    return blockedErrno(e) ? R(BLOCKED, "mknod %s: %s", what, strerror(e)) : R(OPEN, "mknod %s: %s", what, strerror(e));
  }
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  r = fd >= 0 ? R(OPEN, "created and opened %s read-only", what)
              : blockedErrno(errno) ? R(BLOCKED, "open %s: %s", what, strerror(errno))
                                    : R(OPEN, "open %s: %s (reached)", what, strerror(errno));
  if (fd >= 0) close(fd);
  unlink(path);
  if (inNs) umount2(dir, MNT_DETACH);
  rmdir(dir);
  return r;
}
static struct result pRawio(void) { return nodeProbe(S_IFCHR, makedev(1, 1), "/dev/mem (c 1:1)"); }
static struct result pMknodDev(void) {
  struct stat st;
  char what[64];
  if (stat("/", &st) != 0 || major(st.st_dev) == 0) return R(NA, "the root filesystem has no block device");
  snprintf(what, sizeof what, "the root's block node (b %u:%u)", major(st.st_dev), minor(st.st_dev));
  return nodeProbe(S_IFBLK, st.st_dev, what);
}
/* Opening devices.allow for writing is not enough: the kernel checks CAP_SYS_ADMIN at write time
 * (devcgroup_update_access), before it parses the rule. So the probe writes a rule that cannot parse:
 * EPERM = blocked, EINVAL = the write reached the parser (open). The rule never takes effect. */
static struct result pDevicesAllow(void) {
  static const char invalid[] = "x\n"; /* no such device type */
  char p[512], path[600];
  int fd;
  ssize_t n;
  if (cgroupPath("devices", p, sizeof p) != 0) return R(NA, "no cgroup v1 devices controller");
  snprintf(path, sizeof path, "/sys/fs/cgroup/devices%s/devices.allow", strcmp(p, "/") ? p : "");
  fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return openProbe(path, O_WRONLY);
  n = write(fd, invalid, sizeof invalid - 1);
  {
    int e = errno;
    close(fd);
    if (n >= 0) return R(OPEN, "%s accepted an invalid rule", path);
    if (e == EINVAL) return R(OPEN, "%s: an invalid rule reached the parser (EINVAL)", path);
    if (blockedErrno(e)) return R(BLOCKED, "%s opens, but writing a rule fails: %s", path, strerror(e));
    return R(OPEN, "%s: write %s (reached)", path, strerror(e));
  }
}
static struct result pNetRaw(void) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd >= 0) { close(fd); return R(OPEN, "socket(AF_PACKET, SOCK_RAW) succeeded"); }
  if (errno == EAFNOSUPPORT) return R(gUnconfined ? NA : BLOCKED, "AF_PACKET: %s", strerror(errno));
  return syscallResult(-1, errno, "socket(AF_PACKET)");
}
static struct result pNetAdmin(void) {
  int mark = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  long rc;
  int e;
  if (fd < 0) return R(gUnconfined ? NA : BLOCKED, "no UDP socket to set SO_MARK on: %s", strerror(errno));
  rc = setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark);
  e = errno;
  close(fd);
  return syscallResult(rc, e, "setsockopt(SO_MARK)");
}
static struct result pInheritable(void) {
  unsigned long long inh = statusHex("CapInh:\t"), amb = statusHex("CapAmb:\t");
  return inh || amb ? R(OPEN, "CapInh %llx CapAmb %llx", inh, amb) : R(BLOCKED, "CapInh and CapAmb are 0");
}
static struct result pNnp(void) {
  int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  return v == 1 ? R(BLOCKED, "no_new_privs is 1") : R(OPEN, "no_new_privs is %d", v);
}
static struct result pKeyctl(void) {
  long rc = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (rc < 0 && errno == ENOKEY) return R(OPEN, "keyctl reached the kernel: ENOKEY");
  return syscallResult(rc, errno, "keyctl(GET_KEYRING_ID)");
}
static struct result pBpf(void) { long rc = syscall(SYS_bpf, 999, NULL, 0); return syscallResult(rc, errno, "bpf(999)"); }
static struct result pPerf(void) {
  long rc = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
  return syscallResult(rc, errno, "perf_event_open(NULL)");
}
static struct result pUserfaultfd(void) {
  long rc = syscall(SYS_userfaultfd, 1 | 2); /* UFFD_USER_MODE_ONLY | an invalid bit */
  if (rc >= 0) close((int)rc);
  return syscallResult(rc, errno, "userfaultfd(bad flags)");
}
static struct result pIouring(void) {
  long rc = syscall(SYS_io_uring_setup, 0, NULL);
  return syscallResult(rc, errno, "io_uring_setup(0, NULL)");
}
static struct result pPtracePre48(void) {
  struct utsname u;
  int maj = 0, min = 0;
  uname(&u);
  sscanf(u.release, "%d.%d", &maj, &min);
  if (maj > 4 || (maj == 4 && min >= 8)) return R(NA, "kernel %s >= 4.8", u.release);
  return R(OPEN, "kernel %s < 4.8", u.release);
}
static struct result pSuspendSeccomp(void) {
  int st;
  long rc;
  int e;
  int pipefd[2];
  char traced = 0;
  pid_t child;
  if (pipe(pipefd) != 0) return R(NA, "pipe: %s", strerror(errno));
  child = fork();
  if (child == 0) {
    /* Tell the parent whether PTRACE_TRACEME worked; stop only when traced (an untraced SIGSTOP would
     * leave the child stopped and the parent waiting for an exit that never comes). */
    char ok = ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 ? 1 : 0;
    if (write(pipefd[1], &ok, 1) != 1) _exit(1);
    if (ok) raise(SIGSTOP);
    _exit(0);
  }
  close(pipefd[1]);
  if (child < 0) { close(pipefd[0]); return R(NA, "fork: %s", strerror(errno)); }
  if (read(pipefd[0], &traced, 1) != 1) traced = 0;
  close(pipefd[0]);
  if (!traced) {
    waitpid(child, &st, 0);
    return R(BLOCKED, "PTRACE_TRACEME failed");
  }
  waitpid(child, &st, WUNTRACED);
  if (!WIFSTOPPED(st)) return R(BLOCKED, "the traced child did not stop");
  rc = ptrace(PTRACE_SETOPTIONS, child, 0, (void *)(long)0x200000 /* PTRACE_O_SUSPEND_SECCOMP */);
  e = errno;
  kill(child, SIGKILL);
  waitpid(child, &st, 0);
  return syscallResult(rc, e, "PTRACE_O_SUSPEND_SECCOMP");
}
static struct result pPersonality(void) {
  long rc = syscall(SYS_personality, 0x0400000); /* READ_IMPLIES_EXEC, in this child only */
  return syscallResult(rc, errno, "personality(READ_IMPLIES_EXEC)");
}
static struct result pKexec(void) {
  long rc = syscall(SYS_kexec_load, 0, 17, NULL, 0xffff0000ul); /* too many segments, foreign arch */
  return syscallResult(rc, errno, "kexec_load(17 segments)");
}
static struct result pMountApi(void) {
  long rc = syscall(SYS_fsopen, "tmpfs", 0xffff);
  if (rc >= 0) close((int)rc);
  return syscallResult(rc, errno, "fsopen(bad flags)");
}
#if defined(__x86_64__)
/* i386 socketcall(SYS_SOCKET, {family, type, 0}) through int 0x80: the family sits in memory, where seccomp
 * cannot read it. The argument block must lie below 4 GiB for the 32-bit entry. Returns the raw result. */
static long i386Socket(int family, int type) {
  unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  long r;
  if (args == MAP_FAILED) return -ENOMEM;
  args[0] = (unsigned)family;
  args[1] = (unsigned)type;
  args[2] = 0;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(102L), "b"(1L), "c"((long)args) : "memory", "r8", "r9", "r10", "r11");
  if (r >= 0) close((int)r);
  munmap(args, 4096);
  return r;
}
#endif

/* AF_ALG and AF_VSOCK through socket(2), and on x86_64 also through i386 socketcall(2). */
static struct result pAfAlgVsock(void) {
  struct result rs[4];
  int fams[2] = {38, 40}, types[2] = {SOCK_SEQPACKET, SOCK_STREAM}, i, n = 2;
  const char *names[2] = {"AF_ALG", "AF_VSOCK"};
  for (i = 0; i < 2; i++) {
    int fd = socket(fams[i], types[i] | SOCK_CLOEXEC, 0);
    if (fd >= 0) { close(fd); rs[i] = R(OPEN, "socket(%s) succeeded", names[i]); }
    else if (errno == EAFNOSUPPORT) rs[i] = R(gUnconfined ? NA : BLOCKED, "socket(%s): %s", names[i], strerror(errno));
    else rs[i] = syscallResult(-1, errno, i == 0 ? "socket(AF_ALG)" : "socket(AF_VSOCK)");
  }
#if defined(__x86_64__)
  for (i = 0; i < 2; i++, n++) {
    long r = i386Socket(fams[i], types[i]);
    if (r >= 0) rs[n] = R(OPEN, "i386 socketcall(SYS_SOCKET, %s) succeeded", names[i]);
    else if (-r == EAFNOSUPPORT) rs[n] = R(gUnconfined ? NA : BLOCKED, "i386 socketcall(%s): %s", names[i], strerror((int)-r));
    else if (-r == ENOSYS && gUnconfined) rs[n] = R(NA, "no IA32 emulation");
    else rs[n] = syscallResult(-1, (int)-r, i == 0 ? "i386 socketcall(SYS_SOCKET, AF_ALG)" : "i386 socketcall(SYS_SOCKET, AF_VSOCK)");
  }
#endif
  return any(rs, n);
}
static struct result pCompat(void) {
  struct result rs[2];
  long r;
#if defined(__x86_64__)
  /* A bypass is the 32-bit entry allowing what the native one refuses: when the policy allows the call
   * natively too, the other ABIs have nothing to bypass. (The probe runs in a forked child; a new user
   * namespace there is gone when it exits.) */
  if (!gUnconfined && syscall(SYS_unshare, 0x10000000L) == 0)
    return R(BLOCKED, "native unshare(CLONE_NEWUSER) is allowed too: no rule to bypass");
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(310L), "b"(0x10000000L) : "memory", "r8", "r9", "r10", "r11");
  rs[0] = r >= 0 ? R(OPEN, "i386 unshare(CLONE_NEWUSER) succeeded")
                 : -r == ENOSYS ? R(NA, "no IA32 emulation")
                                : syscallResult(-1, (int)-r, "i386 unshare(CLONE_NEWUSER)");
  r = syscall(0x40000000L | 272, 0x10000000L);
  rs[1] = r >= 0 ? R(OPEN, "x32 unshare(CLONE_NEWUSER) succeeded")
                 : errno == ENOSYS ? R(NA, "no x32 ABI") : syscallResult(-1, errno, "x32 unshare(CLONE_NEWUSER)");
  return any(rs, 2);
#else
  (void)r; (void)rs;
  return R(NA, "not x86_64");
#endif
}
static struct result pHostAdmin(void) {
  long rc = syscall(SYS_swapoff, "/nonexistent/ward-probe");
  return syscallResult(rc, errno, "swapoff(/nonexistent)");
}
static struct result pTiocsti(void) {
  int m, s;
  signal(SIGHUP, SIG_IGN); /* closing the pty of our own session must not end the probe */
  m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  long rc;
  int e;
  if (m < 0) return R(NA, "no pty: %s", strerror(errno));
  if (grantpt(m) || unlockpt(m)) return R(NA, "pty setup failed");
  setsid();
  s = open(ptsname(m), O_RDWR | O_CLOEXEC); /* becomes the controlling tty */
  if (s < 0) return R(NA, "open pts: %s", strerror(errno));
  rc = ioctl(s, TIOCSTI, NULL); /* NULL byte pointer: nothing is injected */
  e = errno;
  close(s);
  close(m);
  if (rc < 0 && e == EIO) return R(BLOCKED, "TIOCSTI: EIO (legacy_tiocsti off)");
  return syscallResult(rc, e, "TIOCSTI(NULL) on an own pty");
}
static struct result pTioclinux(void) {
  char path[32];
  int i;
  for (i = 0; i < 8; i++) {
    int fd;
    snprintf(path, sizeof path, "/dev/tty%d", i);
    fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENXIO || errno == ENODEV) continue;
      return R(BLOCKED, "%s: %s", path, strerror(errno));
    }
    {
      long rc = ioctl(fd, TIOCLINUX, NULL);
      int e = errno;
      close(fd);
      return syscallResult(rc, e, "TIOCLINUX(NULL) on a virtual console");
    }
  }
  return R(BLOCKED, "no virtual console node");
}
static struct result pRuntimeSock(void) {
  static const char *const socks[] = {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
                                      "/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket",
                                      "/var/lib/incus/unix.socket", "/run/podman/podman.sock", "/run/crio/crio.sock",
                                      NULL};
  const char *const *p;
  for (p = socks; *p; p++) {
    struct sockaddr_un a;
    int fd;
    if (access(*p, F_OK) != 0) continue;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", *p);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) { close(fd); return R(OPEN, "connected to %s", *p); }
    if (fd >= 0) close(fd);
    return R(BLOCKED, "%s: %s", *p, strerror(errno));
  }
  return R(NA, "no runtime socket present");
}
static struct result pLeakedFd(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  struct result r = R(BLOCKED, "no inherited directory fds");
  if (!d) return R(NA, "no /proc/self/fd");
  while ((e = readdir(d))) {
    int fd = atoi(e->d_name);
    struct stat st;
    char link[256], path[64];
    ssize_t n;
    if (fd <= 2 || fd == dirfd(d)) continue;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    r = R(OPEN, "fd %d is a directory: %s", fd, link);
    break;
  }
  closedir(d);
  return r;
}
/* The initial user namespace has the fixed inode PROC_USER_INIT_INO. */
static int initialUserNs(void) {
  struct stat st;
  return stat("/proc/self/ns/user", &st) == 0 && st.st_ino == 0xEFFFFFFDul;
}
static struct result pNsPrivileged(void) {
  char buf[256];
  unsigned long a, b, c;
  if (readFile("/proc/self/uid_map", buf, sizeof buf) != 0) return R(NA, "no uid_map");
  if (sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295ul)
    return R(OPEN, "uid_map is the identity (container root is host root)");
  return R(BLOCKED, "uid_map: %lu %lu %lu", a, b, c);
}
static struct result pHostNs(void) {
  static const struct { const char *ns; unsigned long ino; } init[] = {
      {"ipc", 0xEFFFFFFFul}, {"uts", 0xEFFFFFFEul}, {"user", 0xEFFFFFFDul}, {"pid", 0xEFFFFFFCul}, {"cgroup", 0xEFFFFFFBul}};
  char path[64], open_[128] = "";
  unsigned i;
  for (i = 0; i < sizeof init / sizeof init[0]; i++) {
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", init[i].ns);
    if (stat(path, &st) == 0 && st.st_ino == init[i].ino) {
      strncat(open_, init[i].ns, sizeof open_ - strlen(open_) - 2);
      strcat(open_, " ");
    }
  }
  return open_[0] ? R(OPEN, "initial namespaces: %s", open_) : R(BLOCKED, "no initial pid/user/ipc/uts/cgroup namespace");
}
static struct result pUsernsNest(void) {
  long rc = unshare(CLONE_NEWUSER);
  return syscallResult(rc, errno, "unshare(CLONE_NEWUSER)");
}
static struct result limitProbe(const char *v1c, const char *v1f, const char *v2f, const char *what) {
  char val[128], where[1100];
  if (cgroupFile(v1c, v1f, val, sizeof val, where, sizeof where) != 0 &&
      cgroupFile(NULL, v2f, val, sizeof val, where, sizeof where) != 0)
    return R(OPEN, "no %s file for the own cgroup (the root cgroup has no limit)", what);
  val[strcspn(val, "\n")] = 0;
  if (!strncmp(val, "max", 3) || !strcmp(val, "-1") || strtoull(val, NULL, 10) >= (1ull << 62))
    return R(OPEN, "%s = %s", where, val);
  return R(BLOCKED, "%s = %s", where, val);
}
static struct result pPids(void) { return limitProbe("pids", "pids.max", "pids.max", "pids.max"); }
static struct result pMem(void) { return limitProbe("memory", "memory.limit_in_bytes", "memory.max", "memory limit"); }
/* RES-CPU: a quota, or a weight below the default one (cpu.shares 1024 on v1, cpu.weight 100 on v2), so
 * that under contention the host's own services (at the default weight) keep the larger share. */
static struct result pCpu(void) {
  char val[128], where[1100];
  struct result quota = limitProbe("cpu", "cpu.cfs_quota_us", "cpu.max", "cpu quota");
  unsigned long long w;
  if (quota.status == BLOCKED) return quota;
  if (cgroupFile("cpu", "cpu.shares", val, sizeof val, where, sizeof where) == 0) {
    w = strtoull(val, NULL, 10);
    return w < 1024 ? R(BLOCKED, "%s = %llu (below the default 1024)", where, w)
                    : R(OPEN, "no cpu quota and %s = %llu (not below the default 1024)", where, w);
  }
  if (cgroupFile(NULL, "cpu.weight", val, sizeof val, where, sizeof where) == 0) {
    w = strtoull(val, NULL, 10);
    return w < 100 ? R(BLOCKED, "%s = %llu (below the default 100)", where, w)
                   : R(OPEN, "no cpu quota and %s = %llu (not below the default 100)", where, w);
  }
  return quota;
}
static struct result pDisk(void) { return scanMounts(unboundedTmpfs, R(BLOCKED, "every writable tmpfs has a size")); }
static struct result pHostnetSock(void) {
  static char buf[1 << 16];
  if (readFile("/proc/net/unix", buf, sizeof buf) != 0) return R(NA, "no /proc/net/unix");
  if (strstr(buf, "@/containerd-shim") || strstr(buf, "@/run/containerd"))
    return R(OPEN, "containerd-shim abstract sockets are visible");
  return R(BLOCKED, "no runtime abstract sockets visible");
}
static struct result pRouteLocalnet(void) {
  char buf[16];
  if (readFile("/proc/sys/net/ipv4/conf/all/route_localnet", buf, sizeof buf) != 0) return R(NA, "no route_localnet");
  return buf[0] == '1' ? R(OPEN, "route_localnet = 1") : R(BLOCKED, "route_localnet = 0");
}

static const struct { const char *id; struct result (*fn)(void); } kProbes[] = {
    {"ESC-SYSRQ", pSysrq}, {"ESC-CORE-PATTERN", pCorePattern}, {"ESC-UEVENT-HELPER", pUeventHelper},
    {"ESC-HOST-SYSCTL", pHostSysctl}, {"ESC-KCORE", pKcore}, {"ESC-PROC-LEAK", pProcLeak},
    {"ESC-HW-PATHS", pHwPaths}, {"ESC-SYSFS-RW", pSysfsRw}, {"ESC-UDEV-STORM", pUdevStorm},
    {"ESC-LXCFS-RW", pLxcfs}, {"ESC-HOSTPATH", pHostpath}, {"MNT-DEVPTS", pDevpts},
    {"MNT-SECURITYFS", pSecurityfs}, {"MNT-KERNFS", pKernfs}, {"MNT-BINFMT", pBinfmt},
    {"MNT-PROPAGATION", pPropagation}, {"MNT-PROC-REMOUNT", pProcRemount}, {"MNT-HOSTDISK", pHostdisk},
    {"CAP-PRIVILEGED", pPrivileged}, {"CAP-RELEASE-AGENT", pReleaseAgent}, {"CAP-SHOCKER", pShocker},
    {"CAP-SYS-MODULE", pSysModule}, {"CAP-SYS-PTRACE", pSysPtrace}, {"CAP-SYS-BOOT", pSysBoot},
    {"CAP-SYS-TIME", pSysTime}, {"CAP-SYS-RAWIO", pRawio}, {"CAP-MKNOD-DEV", pMknodDev},
    {"CAP-DEVICES-ALLOW", pDevicesAllow}, {"CAP-NET-RAW", pNetRaw}, {"CAP-NET-ADMIN", pNetAdmin},
    {"CAP-INHERITABLE", pInheritable}, {"CAP-NNP", pNnp}, {"SYS-KEYCTL", pKeyctl}, {"SYS-BPF", pBpf},
    {"SYS-PERF", pPerf}, {"SYS-USERFAULTFD", pUserfaultfd}, {"SYS-IOURING", pIouring},
    {"SYS-PTRACE-PRE48", pPtracePre48}, {"SYS-SUSPEND-SECCOMP", pSuspendSeccomp},
    {"SYS-PERSONALITY", pPersonality}, {"SYS-KEXEC", pKexec}, {"SYS-MOUNT-API", pMountApi},
    {"SYS-AF-ALG-VSOCK", pAfAlgVsock}, {"SYS-COMPAT", pCompat}, {"SYS-HOST-ADMIN", pHostAdmin},
    {"DEV-TIOCSTI", pTiocsti}, {"DEV-TIOCLINUX", pTioclinux}, {"DEV-RUNTIME-SOCK", pRuntimeSock},
    {"DEV-LEAKED-FD", pLeakedFd}, {"NS-PRIVILEGED", pNsPrivileged}, {"NS-HOST-NS", pHostNs},
    {"NS-USERNS-NEST", pUsernsNest}, {"RES-PIDS", pPids}, {"RES-MEM", pMem}, {"RES-CPU", pCpu},
    {"RES-DISK", pDisk}, {"NET-HOSTNET-SOCK", pHostnetSock}, {"NET-ROUTE-LOCALNET", pRouteLocalnet},
};

/* Runs one probe in a forked child; the child reports through a pipe. */
static void run(int i) {
  int p[2], st = 0;
  pid_t pid;
  struct result r;
  fflush(stdout);
  if (pipe(p) != 0) { printf("%s n/a pipe failed\n", kProbes[i].id); return; }
  pid = fork();
  if (pid == 0) {
    close(p[0]);
    alarm(10);
    r = kProbes[i].fn();
    if (write(p[1], &r, sizeof r) != (ssize_t)sizeof r) _exit(3);
    _exit(0);
  }
  close(p[1]);
  if (pid < 0) { printf("%s n/a fork failed\n", kProbes[i].id); close(p[0]); return; }
  if (read(p[0], &r, sizeof r) != (ssize_t)sizeof r) {
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) r = R(BLOCKED, "killed by SIGSYS (seccomp)");
    else if (WIFSIGNALED(st)) r = R(BLOCKED, "killed by signal %d", WTERMSIG(st));
    else r = R(NA, "the probe exited without a result (%d)", WEXITSTATUS(st));
  } else {
    waitpid(pid, &st, 0);
  }
  close(p[0]);
  printf("%s %s %s\n", kProbes[i].id, kStatus[r.status], r.reason);
}

int main(int argc, char **argv) {
  int i, j, n = (int)(sizeof kProbes / sizeof kProbes[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && !strcmp(argv[1], "--unconfined")) {
    gUnconfined = 1;
    argv++;
    argc--;
  }
  if (argc > 1 && !strcmp(argv[1], "--list")) {
    for (i = 0; i < n; i++) puts(kProbes[i].id);
    return 0;
  }
  for (i = 0; i < n; i++) {
    int want = argc <= 1;
    for (j = 1; j < argc; j++)
      if (!strcmp(argv[j], kProbes[i].id)) want = 1;
    if (want) run(i);
  }
  return 0;
}
