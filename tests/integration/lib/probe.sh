# shellcheck shell=sh
# The probe both runtime tests run inside the container (busybox sh). It prints what the host checks, then
# "ward-ready", then sleeps so that the host can inspect the running container from outside.
# Arguments: sysctl keys to read back.
for f in CapBnd CapEff CapPrm Seccomp NoNewPrivs; do
  grep "^$f:" /proc/self/status | tr -d '\t' | sed 's/:/: /'
done
echo "uid_map: $(head -n1 /proc/self/uid_map | tr -s ' ' | sed 's/^ //')"
echo "gid_map: $(head -n1 /proc/self/gid_map | tr -s ' ' | sed 's/^ //')"
echo "apparmor: $(cat /proc/self/attr/current 2>/dev/null || echo unavailable)"
for f in kcore keys timer_list; do
  echo "mask $f: $(stat -c %t:%T /proc/$f 2>/dev/null || echo absent)"
done
sed 's/^/limits: /' /proc/self/limits
for k in "$@"; do
  echo "sysctl $k=$(cat "/proc/sys/$(echo "$k" | tr . /)" 2>&1)"
done
# Writes to the root file system and to /tmp: "ok", or the error (EROFS: "Read-only file system").
for d in root:/ tmp:/tmp; do
  if e=$(touch "${d#*:}/.ward-probe" 2>&1); then echo "${d%%:*} write: ok"; rm -f "${d#*:}/.ward-probe"
  else echo "${d%%:*} write: ${e:-failed}"; fi
done
echo ward-ready
exec sleep 300
