#!/usr/bin/env bash
# `ward verify --kube FILE.yaml` as a user runs it (README, docs/engines.md "Kubernetes manifests"): each
# container of a manifest judged as containerd's CRI would hand it to runc, each finding at the manifest line
# that opened it. A default Pod (no securityContext), a privileged one, hostPath / with hostPID, a hardened
# one, and ward's own P.kube.yaml for the examples (with --profiles-dir holding the compiled P.docker.json and
# P.apparmor, as the node would): nothing open there that ward's policy closes, except the entries a Pod
# cannot express (listed below with the reason). Bad YAML and a file without a Pod exit 2 at FILE:LINE:COL.
# No daemon is needed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
FAILURES=0
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
require_cmds python3

TMP=$(mktemp -d /tmp/ward-verify-kube.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# verify NAME [ARGS...]: --format json --all into $TMP/NAME.json, the exit code into RC.
verify() {
  local name=$1
  shift
  "$WARD_EXE" verify --kube "$TMP/$name.yaml" --format json --all "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
  RC=$?
}

# expect NAME ID STATUS [LINE [CONTAINER]]: the finding's status (open, blocked, blocked-by-one-layer, n/a)
# and its line in NAME.yaml.
expect() {
  local out
  out=$(python3 - "$TMP/$1.json" "$2" "$3" "${4:-}" "${5:-}" <<'EOF'
import json, sys
path, fid, status, line, container = sys.argv[1:]
found = [f for f in json.load(open(path))["findings"] if f["id"] == fid and (not container or f["policy"].endswith("/" + container))]
if not found:
    print("no finding %s" % fid); sys.exit(1)
for f in found:
    loc = f.get("location", {})
    if f["status"] != status:
        print("%s is %s, not %s: %s %s" % (fid, f["status"], status, f["message"], f.get("notes", ""))); sys.exit(1)
    if line and str(loc.get("line")) != line:
        print("%s is at line %s, not %s (%s)" % (fid, loc.get("line"), line, f.get("notes", ""))); sys.exit(1)
EOF
  ) || fail "$1: $out"
}

# ---- a default Pod: Kubernetes' defaults ------------------------------------------------------------------
cat >"$TMP/default.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: busybox
YAML
verify default
[ "$RC" -eq 1 ] || { cat "$TMP/default.err" >&2; fail "default: exited $RC, not 1 (findings)"; }
expect default SYS-PERF open 7          # no seccompProfile: Unconfined
expect default SYS-KEYCTL open 7
expect default RES-PIDS open 7          # no pids limit in a Pod
expect default RES-MEM open 7
expect default CAP-NNP open 7           # allowPrivilegeEscalation defaults to true
expect default NS-PRIVILEGED open 7     # no hostUsers: false
expect default CAP-PRIVILEGED blocked
expect default ESC-HOSTPATH blocked
expect default CAP-SYS-MODULE blocked-by-one-layer 7
# The text report: file:line:col of the container, the setting named.
"$WARD_EXE" verify --kube "$TMP/default.yaml" >"$TMP/default.txt" 2>&1
grep -Eq "default.yaml:7:[0-9]+: (error|warning): .*\[SYS-PERF\]" "$TMP/default.txt" \
  || fail "default: the text report does not put SYS-PERF at default.yaml:7: $(grep SYS-PERF "$TMP/default.txt")"
grep -q "no seccompProfile: Unconfined" "$TMP/default.txt" || fail "default: the text report does not name the missing seccompProfile"
"$WARD_EXE" verify --kube "$TMP/default.yaml" --format sarif >"$TMP/default.sarif" 2>/dev/null
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]['results']; assert any(x['ruleId']=='SYS-PERF' for x in r)" \
  "$TMP/default.sarif" || fail "default: no SYS-PERF in the SARIF report"

# ---- privileged ---------------------------------------------------------------------------------------------
cat >"$TMP/privileged.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
      - name: agent
        image: busybox
        securityContext:
          privileged: true
YAML
verify privileged
[ "$RC" -eq 1 ] || fail "privileged: exited $RC, not 1"
expect privileged CAP-PRIVILEGED open 12
expect privileged CAP-SYS-MODULE open 12
expect privileged ESC-SYSRQ open 12
expect privileged CAP-DEVICES-ALLOW open 12

# ---- hostPath / and hostPID -------------------------------------------------------------------------------------
cat >"$TMP/hostpath.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  hostPID: true
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - name: host
    hostPath:
      path: /
  - name: docker
    hostPath: {path: /var/run/docker.sock}
  containers:
  - name: shell
    image: busybox
    volumeMounts:
    - {name: host, mountPath: /host}
    - {name: docker, mountPath: /var/run/docker.sock}
YAML
verify hostpath
[ "$RC" -eq 1 ] || fail "hostpath: exited $RC, not 1"
expect hostpath ESC-HOSTPATH open 13
expect hostpath DEV-RUNTIME-SOCK open 15
expect hostpath NS-HOST-NS open 6
if [ -r /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json ]; then
  expect hostpath SYS-PERF blocked    # RuntimeDefault: Docker's (containerd's) default profile
else
  fail "Docker's default seccomp profile (golang-github-docker-docker-dev) is not installed: RuntimeDefault is not judged"
fi

# ---- the kubelet's directory: every pod's secrets and tokens ---------------------------------------------------------
cat >"$TMP/kubelet.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  volumes:
  - name: pods
    hostPath: {path: /var/lib/kubelet/pods}
  containers:
  - name: app
    image: busybox
    volumeMounts:
    - {name: pods, mountPath: /pods}
YAML
verify kubelet
[ "$RC" -eq 1 ] || fail "kubelet: exited $RC, not 1"
expect kubelet ESC-HOSTPATH open 8

# ---- hardened -----------------------------------------------------------------------------------------------------
cat >"$TMP/hardened.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: hardened
spec:
  hostUsers: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: busybox
    resources:
      limits:
        memory: 64Mi
        cpu: 250m
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
YAML
verify hardened
for id in SYS-PERF SYS-KEYCTL CAP-NNP NS-PRIVILEGED RES-MEM RES-CPU CAP-SYS-MODULE CAP-NET-RAW ESC-HOSTPATH; do
  python3 -c "import json,sys; f=[x for x in json.load(open(sys.argv[1]))['findings'] if x['id']==sys.argv[2]]; sys.exit(0 if f and f[0]['status']!='open' else 1)" \
    "$TMP/hardened.json" "$id" || fail "hardened: $id is open"
done
expect hardened RES-PIDS open 16        # resources.limits: a Pod cannot say pids; the kubelet's podPidsLimit can

# ---- errors: located, exit 2 ----------------------------------------------------------------------------------
expect_error() {   # NAME WHERE(regex) YAML-TEXT
  printf '%s\n' "$3" >"$TMP/$1.yaml"
  "$WARD_EXE" verify --kube "$TMP/$1.yaml" >"$TMP/$1.out" 2>&1
  local rc=$?
  [ "$rc" -eq 2 ] || fail "$1: exited $rc, not 2: $(cat "$TMP/$1.out")"
  grep -Eq "$1.yaml:$2: error" "$TMP/$1.out" || fail "$1: the error is not at $1.yaml:$2: $(cat "$TMP/$1.out")"
}
expect_error badyaml '5:13' $'kind: Pod\nspec:\n  containers:\n  - name: a\n    image: b: c'
expect_error notapod '1:1' $'apiVersion: v1\nkind: ConfigMap\ndata: {a: b}'
expect_error badcap '7:[0-9]+' $'kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        add: [SYS_WIZARD]'
"$WARD_EXE" verify --kube "$TMP/missing.yaml" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 3 ] || fail "a manifest that cannot be read: exited $rc, not 3"

# ---- ward's own P.kube.yaml --------------------------------------------------------------------------------------
# Each example compiled with --target kube,docker,apparmor; --profiles-dir is the output directory (the node's
# kubelet seccomp root with P.docker.json, and P.apparmor). Against `ward verify P.ward`, an entry may be worse
# under the Pod only for a reason a Pod cannot help (each finding must be located at that reason):
#   - the policy accepts it (`verify { accept ... }`: a manifest has no accept);
#   - "no hostUsers: false": P.kube.yaml asks for no user namespace (NS-PRIVILEGED, NS-HOST-NS, NS-SHARED-IDMAP,
#     RES-INOTIFY, and one layer less wherever the user namespace was one of two);
#   - "no pids limit": a Pod has no field for it (the kubelet's podPidsLimit);
#   - NET-IPV6-RA: ward's derived accept_ra=0 sysctls are not in P.kube.yaml (net.ipv6.* is not among the
#     kubelet's safe sysctls), so only the capability layer blocks it.
# system-container.ward keeps sys_admin with no_new_privs on, which a Pod cannot say (the API server refuses
# allowPrivilegeEscalation: false with SYS_ADMIN): the compile warns (W0008) at the policy's line, P.kube.yaml
# says allowPrivilegeEscalation: true, and --kube accepts it and finds CAP-NNP open there.
for ex in build-sandbox database-postgres privileged-wireguard web-nginx system-container; do
  out="$TMP/rt-$ex"
  "$WARD_EXE" compile "$WARD_SOURCE_DIR/examples/$ex.ward" --target kube,docker,apparmor -o "$out" --state-dir "$TMP/state" \
    >/dev/null 2>"$out.compile.err" || { cat "$out.compile.err" >&2; fail "$ex: compile --target kube,docker,apparmor"; continue; }
  kube=$(ls "$out"/*.kube.yaml)
  "$WARD_EXE" verify --kube "$kube" --profiles-dir "$out" --format json --all >"$out.kube.json" 2>"$out.kube.err"
  rc=$?
  if [ "$ex" = system-container ]; then
    grep "W0008" "$out.compile.err" | grep -q "allowPrivilegeEscalation: true" \
      || { cat "$out.compile.err" >&2; fail "$ex: compile --target kube does not warn that no_new_privs cannot be said"; }
    grep -q "allowPrivilegeEscalation: true" "$kube" || fail "$ex: P.kube.yaml does not say allowPrivilegeEscalation: true"
    [ "$rc" -le 1 ] || { cat "$out.kube.err" >&2; fail "$ex: verify --kube refused ward's own P.kube.yaml (exit $rc)"; }
    python3 -c 'import json,sys; f={x["id"]:x["status"] for x in json.load(open(sys.argv[1]))["findings"]}; sys.exit(0 if f.get("CAP-NNP")=="open" else 1)' \
      "$out.kube.json" || fail "$ex: CAP-NNP is not open under allowPrivilegeEscalation: true"
    continue
  fi
  [ "$rc" -le 1 ] || { cat "$out.kube.err" >&2; fail "$ex: verify --kube exited $rc"; continue; }
  "$WARD_EXE" verify "$WARD_SOURCE_DIR/examples/$ex.ward" --format json --all >"$out.ward.json" 2>/dev/null
  msg=$(python3 - "$out.ward.json" "$out.kube.json" <<'EOF'
import json, sys
ward = {f["id"]: f["status"] for f in json.load(open(sys.argv[1]))["findings"]}
kube = json.load(open(sys.argv[2]))["findings"]
rank = {"blocked": 0, "n/a": 0, "accepted": 1, "blocked-by-one-layer": 1, "open": 2}
bad, seccomp = [], 0
for f in kube:
    w = ward.get(f["id"], "blocked")
    note = (f.get("notes") or [""])[-1]
    if any(l["layer"] == "seccomp" and l["evaluated"] and l["blocks"] for l in f["layers"]):
        seccomp += 1
    if rank[f["status"]] <= rank[w] or w == "accepted" or f["id"] == "NET-IPV6-RA":
        continue
    if "no hostUsers: false" in note or "no pids limit" in note:
        continue
    bad.append("%s: %s under the Pod, %s in the policy (%s)" % (f["id"], f["status"], w, note))
if not seccomp:
    bad.append("no entry is blocked by the Localhost seccomp profile from --profiles-dir")
print("; ".join(bad))
EOF
  )
  [ -z "$msg" ] || fail "$ex: $msg"
done
# Without --profiles-dir the Localhost profile is on the node: seccomp is not judged, and says so.
"$WARD_EXE" verify --kube "$TMP/rt-web-nginx/web.kube.yaml" >"$TMP/rt-noprof.txt" 2>&1
grep -q "Localhost profile web.docker.json is on the node; not judged" "$TMP/rt-noprof.txt" \
  || fail "web.kube.yaml without --profiles-dir: no note that the Localhost profile is not judged"

[ "$FAILURES" -eq 0 ] && echo "verify --kube: OK" || exit 1
