#!/usr/bin/env python3
"""Cross-check `sipscope rtp` against tshark's rtp,streams.

Usage: rtp_compare.py SIPSCOPE CAPTURE...
For each capture, tshark is told to decode as RTP every UDP port sipscope
found a stream on (tshark's heuristics take some RTP for other protocols),
then every stream (source, destination, SSRC) must be in both, with the same
packets and lost counts, and max delta, mean and max jitter within 0.01 ms
(tshark prints three decimals).  Exit 0 when all agree, 1 when not, 77 when
tshark is missing.
"""
import json
import re
import shutil
import subprocess
import sys

TOL = 0.011


def sipscope_streams(binary, cap):
    out = subprocess.run([binary, "rtp", "-r", cap, "--format", "json"], capture_output=True,
                         text=True, check=False).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def split_ep(ep):
    host, _, port = ep.rpartition(":")
    return host.strip("[]"), int(port)


def tshark_streams(cap, ports):
    cmd = ["tshark", "-r", cap, "-q", "-z", "rtp,streams"]
    for p in sorted(ports):
        cmd[3:3] = ["-d", "udp.port==%d,rtp" % p]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) < 16 or not re.match(r"^0x[0-9A-Fa-f]+$", f[6]):
            continue
        # start end src sport dst dport ssrc payload pkts lost (pct) mind meand maxd minj meanj maxj [X]
        key = (f[2], int(f[3]), f[4], int(f[5]), int(f[6], 16))
        rows[key] = {"packets": int(f[8]), "lost": int(f[9]), "max_delta": float(f[13]),
                     "mean_jitter": float(f[15]), "max_jitter": float(f[16])}
    return rows


def main():
    if shutil.which("tshark") is None:
        print("tshark not installed")
        return 77
    binary, caps = sys.argv[1], sys.argv[2:]
    bad = 0
    for cap in caps:
        ours = sipscope_streams(binary, cap)
        ports = {split_ep(s["dst"])[1] for s in ours} | {split_ep(s["src"])[1] for s in ours}
        theirs = tshark_streams(cap, ports)
        problems = []
        seen = set()
        for s in ours:
            sh, sp = split_ep(s["src"])
            dh, dp = split_ep(s["dst"])
            key = (sh, sp, dh, dp, int(s["ssrc"], 16))
            seen.add(key)
            t = theirs.get(key)
            if t is None:
                problems.append("%s -> %s %s: not in tshark" % (s["src"], s["dst"], s["ssrc"]))
                continue
            for ours_k, theirs_k, exact in (("packets", "packets", True), ("lost", "lost", True),
                                            ("max_delta_ms", "max_delta", False),
                                            ("jitter_ms_mean", "mean_jitter", False),
                                            ("jitter_ms_max", "max_jitter", False)):
                a, b = s[ours_k], t[theirs_k]
                if (exact and a != b) or (not exact and abs(a - b) > TOL):
                    problems.append("%s -> %s %s: %s %s, tshark %s" % (s["src"], s["dst"], s["ssrc"],
                                                                      ours_k, a, b))
        for key in theirs:
            if key not in seen:
                problems.append("tshark stream %s not found by sipscope" % (key,))
        name = cap.rsplit("/", 1)[-1]
        if problems:
            bad = 1
            print("FAIL %s" % name)
            for p in problems[:20]:
                print("     " + p)
        else:
            print("ok   %s: %d streams agree with tshark (packets, lost, max delta, jitter)" % (name, len(ours)))
    return bad


if __name__ == "__main__":
    sys.exit(main())
