/* ward-syscall: makes one raw system call and prints what came back, for the engine tests (a denied call's
 * errno under a real engine's seccomp filter). Static, so it runs in a busybox rootfs.
 *   ward-syscall [--filter FILE.bpf] [--i386] NR [ARG...]   ARGs are integers (0x.. hex, -1 ...), at most six
 * --i386 makes the call through `int $0x80`: the kernel takes it as an i386 (compat) system call, so a
 * seccomp filter sees AUDIT_ARCH_I386 and the i386 number (five arguments, truncated to 32 bits). That is
 * how the engine tests reach a filter's x86 part from this 64-bit static binary (no multilib needed).
 * --filter first loads FILE (a raw struct sock_filter[], as `ward compile` writes P.bpf) into the kernel
 * (no_new_privs, then seccomp(SECCOMP_SET_MODE_FILTER)), so the call meets that filter.
 * Prints "ok RESULT" or "errno NAME (N)"; exits 0 either way, 2 on bad usage, 3 when the filter does not load. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errnoName(int e) {
  switch (e) {
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
    case EBADF: return "EBADF"; case EACCES: return "EACCES"; case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL"; case ENOSYS: return "ENOSYS"; case ENOTTY: return "ENOTTY";
    case EAFNOSUPPORT: return "EAFNOSUPPORT"; case EOPNOTSUPP: return "EOPNOTSUPP"; case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM"; case EEXIST: return "EEXIST"; case ENODEV: return "ENODEV";
    case EIO: return "EIO"; case E2BIG: return "E2BIG";
    default: return "other";
  }
}

#if defined(__x86_64__)
static long i386Call(long nr, const long *a) {   /* five arguments: ebp (the sixth) stays the frame's */
  long rc;
  __asm__ volatile("int $0x80"
                   : "=a"(rc)
                   : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                   : "memory", "r8", "r9", "r10", "r11", "cc");
  if (rc < 0 && rc > -4096) { errno = (int)-rc; return -1; }
  return rc;
}
#endif

static int loadFilter(const char *path) {
  static struct sock_filter insns[4096];
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); return -1; }
  ssize_t n = read(fd, insns, sizeof insns);
  close(fd);
  if (n <= 0 || n % (ssize_t)sizeof insns[0] != 0) { fprintf(stderr, "%s: not a BPF program\n", path); return -1; }
  struct sock_fprog prog = {(unsigned short)(n / (ssize_t)sizeof insns[0]), insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("no_new_privs"); return -1; }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) { perror("seccomp"); return -1; }
  return 0;
}

int main(int argc, char **argv) {
  long a[6] = {0};
  if (argc > 2 && strcmp(argv[1], "--filter") == 0) {
    if (loadFilter(argv[2]) != 0) return 3;
    argv += 2;
    argc -= 2;
  }
  int i386 = 0;
  if (argc > 1 && strcmp(argv[1], "--i386") == 0) {
    i386 = 1;
    argv += 1;
    argc -= 1;
  }
  if (argc < 2 || argc > 8) {
    fprintf(stderr, "usage: ward-syscall [--filter FILE.bpf] [--i386] NR [ARG...]\n");
    return 2;
  }
  for (int i = 2; i < argc; ++i) a[i - 2] = (long)strtoull(argv[i], NULL, 0);
  errno = 0;
  long rc;
#if defined(__x86_64__)
  if (i386) rc = i386Call(strtol(argv[1], NULL, 0), a);
  else
#endif
    rc = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
#if !defined(__x86_64__)
  (void)i386;
#endif
  if (rc == -1) printf("errno %s (%d)\n", errnoName(errno), errno);
  else printf("ok %ld\n", rc);
  return 0;
}
