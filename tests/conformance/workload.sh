#!/bin/sh
# The workloads run_workloads.sh starts inside each container (busybox sh):
#   workload.sh NET REDIS
#     NET   inet     busybox httpd on 127.0.0.1:8080, fetched with busybox wget (prints ok-httpd)
#           no-inet  the policy has no inet sockets by design: asserts that httpd cannot listen (ok-no-inet)
#     REDIS tcp      redis-server on 127.0.0.1:6379, PING/SET/GET with busybox nc (prints ok-redis)
#           unix     redis-server on a unix socket only, PING/SET/GET with redis-cli -s (prints ok-redis)
#           none     no redis-server on this host
# Always: file I/O, forks, pipes and a FIFO (ok-script); then ok-all. Any failure exits non-zero with a
# message. Servers listen on loopback only, in the container's own network namespace (checked in
# /proc/net/tcp and tcp6); everything written goes to /tmp. Servers are stopped on every exit, so a failure
# cannot leave a daemon that keeps lxc-execute waiting.
set -u
NET=${1:-inet}
REDIS=${2:-none}
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  [ -f /tmp/redis.pid ] && kill "$(cat /tmp/redis.pid)" 2>/dev/null
  return 0
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }

# Every listening TCP socket (IPv4 and IPv6) must be bound to loopback: 127.0.0.1 (0100007F) or ::1.
only_loopback() {
  awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[1] ":" a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    while IFS=: read -r addr port; do
      case $addr in
        0100007F | 00000000000000000000000001000000) ;;
        *) echo "$addr:$port" ;;
      esac
    done
}
listening() {   # PORT(hex): some socket listens on 127.0.0.1:PORT
  awk -v p="0100007F:$1" 'FNR > 1 && $4 == "0A" && $2 == p { f = 1 } END { exit !f }' /proc/net/tcp
}
echo "netns $(readlink /proc/self/ns/net)"
echo "hostname $(hostname)"

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
if [ "$NET" = no-inet ]; then
  # The policy refuses inet sockets by design: httpd must fail to listen (and must not be left running).
  httpd -f -p 127.0.0.1:8080 -h "$www" 2>/tmp/httpd.err &
  hp=$!
  PIDS="$PIDS $hp"
  sleep 0.5
  kill -0 "$hp" 2>/dev/null && die "httpd listens on 127.0.0.1:8080 although the policy has no inet sockets"
  wait "$hp" 2>/dev/null
  echo "  httpd refused: $(cat /tmp/httpd.err)"
  echo ok-no-inet
else
  httpd -f -p 127.0.0.1:8080 -h "$www" 2>/tmp/httpd.err &
  hp=$!
  PIDS="$PIDS $hp"
  n=0
  page=""
  while [ $n -lt 50 ]; do
    kill -0 "$hp" 2>/dev/null || die "httpd exited: $(cat /tmp/httpd.err)"
    page=$(wget -q -O - http://127.0.0.1:8080/index.html 2>/tmp/wget.err) && break
    n=$((n + 1)); sleep 0.1
  done
  [ "$page" = "hello from ward" ] || die "wget got '$page': $(cat /tmp/wget.err)"
  listening 1F90 || die "httpd is not listening on 127.0.0.1:8080"
  other=$(only_loopback)
  [ -z "$other" ] || die "listening on a non-loopback address: $other"
  kill "$hp"; wait "$hp" 2>/dev/null
  echo ok-httpd
fi

# ---- redis-server (Debian's binary, bound in read-only) --------------------------------------------------------------
if [ "$REDIS" = tcp ]; then
  /usr/local/bin/redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --dir /tmp \
    --daemonize yes --pidfile /tmp/redis.pid --logfile /tmp/redis.log || die "redis-server did not start"
  n=0
  pong=""
  while [ $n -lt 50 ]; do
    pong=$(printf 'PING\r\n' | nc -w 1 127.0.0.1 6379 2>/dev/null | tr -d '\r') && [ "$pong" = "+PONG" ] && break
    n=$((n + 1)); sleep 0.1
  done
  [ "$pong" = "+PONG" ] || { tail -n 5 /tmp/redis.log 2>/dev/null; die "redis PING got '$pong'"; }
  got=$(printf 'SET ward conformance\r\nGET ward\r\n' | nc -w 1 127.0.0.1 6379 | tr -d '\r' | tail -n 1)
  [ "$got" = conformance ] || die "redis GET got '$got'"
  listening 18EB || die "redis-server is not listening on 127.0.0.1:6379"
  other=$(only_loopback)
  [ -z "$other" ] || die "listening on a non-loopback address: $other"
  echo ok-redis
elif [ "$REDIS" = unix ]; then
  s=/tmp/redis.sock
  /usr/local/bin/redis-server --port 0 --unixsocket "$s" --unixsocketperm 700 --save "" --appendonly no \
    --dir /tmp --daemonize yes --pidfile /tmp/redis.pid --logfile /tmp/redis.log || die "redis-server did not start"
  n=0
  pong=""
  while [ $n -lt 50 ]; do
    pong=$(/usr/local/bin/redis-cli -s "$s" PING 2>/dev/null) && [ "$pong" = PONG ] && break
    n=$((n + 1)); sleep 0.1
  done
  [ "$pong" = PONG ] || { tail -n 5 /tmp/redis.log 2>/dev/null; die "redis PING (unix socket) got '$pong'"; }
  [ "$(/usr/local/bin/redis-cli -s "$s" SET ward conformance)" = OK ] || die "redis SET (unix socket)"
  got=$(/usr/local/bin/redis-cli -s "$s" GET ward)
  [ "$got" = conformance ] || die "redis GET (unix socket) got '$got'"
  echo ok-redis
fi
echo ok-all
