#!/usr/bin/env python3
"""Merges a ward P.oci.json fragment into a runtime-spec config.json (docs/oci-output.md, "Merging").

Objects merge key by key, recursively; arrays and scalars in the fragment replace the base's.
Then the test's own process settings are applied:
  oci_merge.py BASE FRAGMENT OUT [--args ARG...] [--drop-apparmor] [--drop-selinux]
"""
import json
import sys


def merge(base, frag):
    if isinstance(base, dict) and isinstance(frag, dict):
        out = dict(base)
        for k, v in frag.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return frag


def main(argv):
    base_path, frag_path, out_path = argv[1:4]
    rest = argv[4:]
    with open(base_path) as f:
        base = json.load(f)
    with open(frag_path) as f:
        frag = json.load(f)
    cfg = merge(base, frag)
    proc = cfg.setdefault("process", {})
    proc["terminal"] = False
    if "--drop-apparmor" in rest:
        proc.pop("apparmorProfile", None)
    if "--drop-selinux" in rest:
        proc.pop("selinuxLabel", None)
        cfg.get("linux", {}).pop("mountLabel", None)
    if "--args" in rest:
        proc["args"] = rest[rest.index("--args") + 1:]
    with open(out_path, "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
