#!/usr/bin/env python3
"""Edit -> publishDiagnostics latency of `ward lsp`, with clangd as the same-run baseline.

For policies of 10, 100 and 1,000 rules, the benchmark opens the file, then makes EDITS incremental
edits one at a time (each changes one rule's text, keeping the policy valid, then alternately breaks and
fixes a limit name so the diagnostics really change) and measures the time from writing didChange to
reading the publishDiagnostics for that version. When clangd is installed, it does the same on a small
C++ file in the same run. Prints p50 and p95 per file.

  python3 bench/lsp_bench.py [--ward build/ward] [--edits 50] [--check]

--check exits 1 when ward's p95 at 1,000 rules is slower than clangd's p50 (the goal of issue 6).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


class Server:
    """A language server over stdio, with a reader thread that timestamps every message."""

    def __init__(self, cmd, cwd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd)
        self.lock = threading.Condition()
        self.messages = []  # (arrival time, message)
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = out.read(length)
            now = time.perf_counter()
            with self.lock:
                self.messages.append((now, json.loads(body)))
                self.lock.notify_all()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return time.perf_counter()

    def request(self, method, params, timeout=60):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)[1]

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred, timeout=60, start=0):
        """The first (arrival time, message) at index >= start that matches."""
        return self.messages[self.wait_index(pred, timeout, start)]

    def wait_index(self, pred, timeout=60, start=0):
        deadline = time.perf_counter() + timeout
        with self.lock:
            while True:
                for i in range(start, len(self.messages)):
                    if pred(self.messages[i][1]):
                        return i
                start = len(self.messages)
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("no matching message from the server")
                self.lock.wait(left)

    def mark(self):
        with self.lock:
            return len(self.messages)

    def close(self):
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def initialize(server, root):
    server.request("initialize", {
        "processId": os.getpid(), "rootUri": Path(root).as_uri(), "workspaceFolders": None,
        "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
    })
    server.notify("initialized", {})


def diagnostics_for(uri, version):
    def pred(m):
        if m.get("method") != "textDocument/publishDiagnostics":
            return False
        p = m["params"]
        return p["uri"] == uri and (p.get("version") is None or p.get("version") == version)
    return pred


def measure(server, uri, text_lines, edits, make_edit, settle=0.0, two_phase=False):
    """Opens the document, then applies `edits` edits one at a time. Returns the latencies (ms) to the
    first publishDiagnostics of each version and, with two_phase (ward: the verifier's findings follow in a
    second publish for a valid document), the latencies to that second publish (empty when none came)."""
    version = 1
    start = server.mark()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "ward" if uri.endswith(".ward") else "cpp", "version": version,
        "text": "\n".join(text_lines) + "\n"}})
    first = server.wait_index(diagnostics_for(uri, version), timeout=120, start=start)
    opened = server.messages[first][1]
    errors = [d for d in opened["params"]["diagnostics"] if d.get("severity") == 1]
    if errors:  # the benchmark's documents must start valid, or it measures error paths only
        raise SystemExit(f"lsp_bench: {uri} does not check cleanly: {errors[0]}")
    if two_phase:  # does the verifier publish for this document?
        try:
            server.wait_index(diagnostics_for(uri, version), timeout=5, start=first + 1)
        except TimeoutError:
            two_phase = False
    if settle:
        time.sleep(settle)
    latencies, verified = [], []
    broken = 0
    for i in range(edits):
        version += 1
        change = make_edit(i)
        start = server.mark()
        sent = server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        index = server.wait_index(diagnostics_for(uri, version), timeout=120, start=start)
        arrived, msg = server.messages[index]
        latencies.append((arrived - sent) * 1000.0)
        has_errors = any(d.get("severity") == 1 for d in msg["params"]["diagnostics"])
        broken += has_errors
        if two_phase and not has_errors:
            arrived2, _ = server.wait(diagnostics_for(uri, version), timeout=120, start=index + 1)
            verified.append((arrived2 - sent) * 1000.0)
    if edits >= 4 and not broken:
        raise SystemExit(f"lsp_bench: no edit of {uri} produced an error: the edits do not exercise the checker")
    return latencies, verified


def rng(line, c1, c2):
    return {"start": {"line": line, "character": c1}, "end": {"line": line, "character": c2}}


def ward_policy(rules):
    """A valid policy with `rules` statements spread over files, network and syscalls."""
    calls = ["read", "write", "openat", "close", "fstat", "mmap", "munmap", "brk", "futex", "epoll_wait",
             "epoll_ctl", "accept4", "recvfrom", "sendto", "getpid", "clock_gettime", "nanosleep", "pread64",
             "pwrite64", "lseek", "getrandom", "sendfile", "fcntl", "dup3", "pipe2", "eventfd2", "socket",
             "bind", "listen", "connect", "getsockname", "setsockopt", "getsockopt", "shutdown", "madvise",
             "mprotect", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "writev", "readv",
             "statx", "newfstatat", "getdents64", "exit_group", "uname", "prlimit64", "gettid", "tgkill"]
    files, net, sys_ = [], [], []
    for i in range(rules):
        if i % 10 == 9:
            net.append(f"    listen tcp {20000 + i};")
        elif i % 10 == 8 and len(sys_) < len(calls):
            sys_.append(f"    allow {calls[len(sys_)]};")
        elif i % 3 == 0:
            files.append(f'    write "/var/lib/app/{i:05d}/**";')
        else:
            files.append(f'    read "/srv/data/{i:05d}/**";')
    while len(files) + len(net) + len(sys_) < rules:
        files.append(f'    read "/srv/extra/{len(files):05d}/**";')
    lines = ['import "std/base";', 'import "std/syscalls";', "",
             "policy bench extends base.unprivileged {",
             "  limits { memory 512MiB; }"]
    lines += ["  files {"] + files + ["  }"]
    if net:
        lines += ["  network {"] + net + ["  }"]
    if sys_:
        lines += ["  syscalls {"] + sys_ + ["  }"]
    lines += ["}"]
    return lines


def ward_edits(lines):
    limit_line = 4  # "  limits { memory 512MiB; }": `memory` at 11..17
    path_lines = [i for i, l in enumerate(lines) if '"/srv/data/' in l or '"/var/lib/app/' in l]

    def make(i):
        if i % 2 == 0:  # retype a digit of a path (stays valid)
            ln = path_lines[(i * 7919) % len(path_lines)]
            col = lines[ln].index('/**"') - 1
            return {"range": rng(ln, col, col + 1), "text": str(i % 10)}
        # break / fix the limit name: alternately memory -> memroy -> memory
        return {"range": rng(limit_line, 14, 16), "text": "ro" if (i // 2) % 2 == 0 else "or"}
    return make


CPP = """#include <cstdio>
#include <string>
#include <vector>

struct Item {
  std::string name;
  int count = 0;
};

static int total(const std::vector<Item>& items) {
  int sum = 0;
  for (const auto& item : items) sum += item.count;
  return sum;
}

int main() {
  std::vector<Item> items{{"a", 1}, {"b", 2}, {"c", 3}};
  int value = total(items);
  std::printf("%d\\n", value);
  return value == 6 ? 0 : 1;
}
""".splitlines()


def cpp_edits():
    line = CPP.index("  int value = total(items);")

    def make(i):  # alternately introduce and fix an error: `int value` -> `int vaule` (then `value` is undeclared)
        return {"range": rng(line, 8, 10), "text": "ul" if i % 2 == 0 else "lu"}
    return make


def pct(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_ward = os.environ.get("WARD_EXE") or os.path.join(os.environ.get("WARD_BINARY_DIR", "build"), "ward")
    ap.add_argument("--ward", default=default_ward)
    ap.add_argument("--clangd", default=shutil.which("clangd") or "")
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = ap.parse_args()
    args.ward = os.path.abspath(args.ward)
    if not os.access(args.ward, os.X_OK):
        sys.exit(f"lsp_bench: no ward executable at {args.ward} (use --ward or WARD_EXE)")

    rows = []
    with tempfile.TemporaryDirectory(prefix="ward-lsp-bench-") as tmp:
        ward = Server([args.ward, "lsp"], tmp)
        initialize(ward, tmp)
        for n in [int(s) for s in args.sizes.split(",")]:
            lines = ward_policy(n)
            path = Path(tmp) / f"bench{n}.ward"
            path.write_text("\n".join(lines) + "\n")
            lat, verified = measure(ward, path.as_uri(), lines, args.edits, ward_edits(lines), two_phase=True)
            rows.append(("ward lsp", f"{n} rules ({len(lines)} lines)", lat, n))
            if verified:
                rows.append(("  + verifier", f"{n} rules, valid edits", verified, None))
            ward.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
        ward.close()

        clangd_p50 = None
        if args.clangd:
            version = subprocess.run([args.clangd, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
            src = Path(tmp) / "small.cpp"
            src.write_text("\n".join(CPP) + "\n")
            (Path(tmp) / "compile_flags.txt").write_text("-std=c++17\n")
            clangd = Server([args.clangd, "--log=error", "--background-index=false"], tmp)
            initialize(clangd, tmp)
            lat, _ = measure(clangd, src.as_uri(), CPP, args.edits, cpp_edits(), settle=0.5)
            clangd.close()
            label = version.replace("Debian ", "").replace(" version", "")
            rows.append((label, f"small C++ file ({len(CPP)} lines)", lat, None))
            clangd_p50 = statistics.median(lat)

    print(f"edit -> publishDiagnostics latency, {args.edits} edits each (ms)")
    print(f"{'server':<18} {'document':<28} {'p50':>8} {'p95':>8} {'max':>8}")
    for server, doc, lat, _ in rows:
        print(f"{server:<18} {doc:<28} {pct(lat, 50):8.1f} {pct(lat, 95):8.1f} {max(lat):8.1f}")
    ward_1000 = [r for r in rows if r[3] == 1000]
    ok = True
    if ward_1000 and clangd_p50 is not None:
        p95 = pct(ward_1000[0][2], 95)
        ok = p95 <= clangd_p50
        print(f"goal: ward p95 at 1,000 rules ({p95:.1f} ms) <= clangd p50 ({clangd_p50:.1f} ms): "
              f"{'met' if ok else 'MISSED'}")
    elif clangd_p50 is None:
        print("clangd not installed: no baseline")
    return 1 if (args.check and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
