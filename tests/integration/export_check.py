#!/usr/bin/env python3
"""Every call of every sample exported as pcap and read back.

Usage: export_check.py SIPSCOPE SAMPLES_DIR OUT_DIR
For each sample and each of its calls: `sipscope export --call N` writes a
pcap; read back by sipscope it holds exactly that call (the same row in
`calls --format csv`, the same messages in `messages --format json` but for
frame numbers); tcpdump reads it; every frame it holds is a frame of the
sample, byte for byte.  Prints one line per sample, exits 1 on a failure.
"""
import json
import os
import shutil
import struct
import subprocess
import sys


def run(args, **kw):
    return subprocess.run(args, capture_output=True, check=False, **kw)


def frames(path):
    """(timestamp, bytes) of each record of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data)[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from(end + "IIII", data, off)
        out.append(((sec, usec), data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return out


def strip(m):
    m = dict(m)
    for k in ("frame", "request_frame", "cancels_frame", "first_hop_frame"):
        m.pop(k, None)
    return m


def main():
    binary, samples, out = sys.argv[1:4]
    bad = 0
    for name in sorted(os.listdir(samples)):
        if not name.endswith(".pcap"):
            continue
        cap = os.path.join(samples, name)
        calls = run([binary, "calls", "-r", cap, "--format", "csv"], text=True).stdout.splitlines()[1:]
        msgs = [json.loads(x) for x in run([binary, "messages", "-r", cap, "--format", "json"],
                                           text=True).stdout.splitlines()]
        original = set(frames(cap))
        problems = []
        for row in calls:
            n = row.split(",", 1)[0]
            dst = os.path.join(out, f"{name}-call{n}.pcap")
            r = run([binary, "export", "-r", cap, "--call", n, "-o", dst], text=True)
            if r.returncode != 0:
                problems.append(f"call {n}: export exit {r.returncode}: {r.stderr.strip()}")
                continue
            back = run([binary, "calls", "-r", dst, "--format", "csv"], text=True).stdout.splitlines()[1:]
            if len(back) != 1 or back[0].split(",", 1)[1] != row.split(",", 1)[1]:
                problems.append(f"call {n}: read back as {back}, not {row}")
            mine = [strip(m) for m in msgs if str(m["call"]) == n]
            got = [strip(m) for m in map(json.loads, run([binary, "messages", "-r", dst, "--format", "json"],
                                                         text=True).stdout.splitlines())]
            for m in got:
                m["call"] = mine[0]["call"] if mine else None
            if [m["call_id"] for m in got] != [m["call_id"] for m in mine] or \
                    [(m["method"], m["status"], m["cseq"], m["time"]) for m in got] != \
                    [(m["method"], m["status"], m["cseq"], m["time"]) for m in mine]:
                problems.append(f"call {n}: its messages differ when read back")
            if not set(frames(dst)) <= original:
                problems.append(f"call {n}: a frame that is not in the sample")
            if shutil.which("tcpdump") and run(["tcpdump", "-n", "-r", dst]).returncode != 0:
                problems.append(f"call {n}: tcpdump cannot read it")
        if problems:
            bad += 1
            print(f"FAIL {name}: " + "; ".join(problems[:3]))
        else:
            print(f"ok   {name}: {len(calls)} calls exported and read back")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
