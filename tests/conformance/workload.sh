#!/bin/sh
# The workloads run_workloads.sh starts inside each container (busybox sh). Prints ok-script, ok-httpd,
# ok-redis (with the argument "redis") and ok-all; any failure exits non-zero with a message.
# Only loopback in the container's own network namespace; everything written goes to /tmp.
set -u
die() { echo "FAIL: $*"; exit 1; }

# ---- file I/O, forks and pipes -------------------------------------------------------------------------------
w=/tmp/ward-work
mkdir -p "$w" || die "mkdir $w"
i=0
while [ $i -lt 50 ]; do echo "line $i" >"$w/f$i" || die "write $w/f$i"; i=$((i + 1)); done
[ "$(cat "$w"/f* | wc -l)" -eq 50 ] || die "read back"
dd if=/dev/zero of="$w/big" bs=1024 count=2048 2>/dev/null || die "dd"
[ "$(wc -c <"$w/big")" -eq 2097152 ] || die "size of $w/big"
max=$(seq 1 200 | while read -r x; do echo $((x * 3)); done | sort -n | tail -n 1)
[ "$max" = 600 ] || die "pipeline gave '$max'"
for j in 1 2 3 4 5 6 7 8; do (echo "child $j" >"$w/c$j") & done
wait
[ "$(ls "$w"/c* | wc -l)" -eq 8 ] || die "forked children"
mkfifo "$w/fifo" || die mkfifo
(echo through-fifo >"$w/fifo") &
[ "$(cat "$w/fifo")" = through-fifo ] || die fifo
wait
rm -rf "$w" || die "rm"
echo ok-script

# ---- busybox httpd on loopback -----------------------------------------------------------------------------------
www=/tmp/ward-www
mkdir -p "$www" && echo "hello from ward" >"$www/index.html" || die "www"
httpd -p 127.0.0.1:8080 -h "$www" || die "httpd did not start"
n=0
page=""
while [ $n -lt 50 ]; do
  page=$(wget -q -O - http://127.0.0.1:8080/index.html 2>/dev/null) && break
  n=$((n + 1)); sleep 0.1
done
[ "$page" = "hello from ward" ] || die "wget got '$page'"
pkill httpd 2>/dev/null || killall httpd 2>/dev/null
echo ok-httpd

# ---- redis-server (Debian's binary, bound in read-only) --------------------------------------------------------------
if [ "${1:-}" = redis ]; then
  /usr/local/bin/redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --dir /tmp \
    --daemonize yes --pidfile /tmp/redis.pid --logfile /tmp/redis.log || die "redis-server did not start"
  n=0
  pong=""
  while [ $n -lt 50 ]; do
    pong=$(printf 'PING\r\n' | nc -w 1 127.0.0.1 6379 2>/dev/null | tr -d '\r') && [ "$pong" = "+PONG" ] && break
    n=$((n + 1)); sleep 0.1
  done
  [ "$pong" = "+PONG" ] || { cat /tmp/redis.log 2>/dev/null | tail -n 5; die "redis PING got '$pong'"; }
  got=$(printf 'SET ward conformance\r\nGET ward\r\n' | nc -w 1 127.0.0.1 6379 | tr -d '\r' | tail -n 1)
  [ "$got" = conformance ] || die "redis GET got '$got'"
  kill "$(cat /tmp/redis.pid)" 2>/dev/null
  echo ok-redis
fi
echo ok-all
