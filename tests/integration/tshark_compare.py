#!/usr/bin/env python3
"""Cross-check `sipscope messages --format json` against tshark's SIP dissector.

Usage: tshark_compare.py SIPSCOPE CAPTURE...
For every capture, both tools must report the same SIP messages: per frame,
the same multiset of (Call-ID, method or status, CSeq number, CSeq method).
Exit 0 when all agree, 1 otherwise; 77 when tshark is not installed.
"""
import collections
import json
import shutil
import subprocess
import sys


def sipscope_msgs(binary, capture):
    out = subprocess.run([binary, "messages", "-r", capture, "--format", "json"],
                         check=False, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{capture}: sipscope exited {out.returncode}: {out.stderr.strip()}")
    msgs, ports = [], set()
    for line in out.stdout.splitlines():
        m = json.loads(line)
        msgs.append(m)
        if m.get("capture_id") is not None:
            continue  # HEP: the wire has the collector's port, not these
        for key in ("src", "dst"):
            ports.add((m["transport"], int(m[key].rsplit(":", 1)[1])))
    return msgs, ports


def tshark_msgs(capture, ports):
    cmd = ["tshark", "-n", "-r", capture, "-Y", "sip", "-T", "fields",
           "-E", "occurrence=a", "-E", "aggregator=\x1f", "-E", "separator=\t",
           "-e", "frame.number", "-e", "sip.Call-ID", "-e", "sip.Method",
           "-e", "sip.Status-Code", "-e", "sip.CSeq.seq", "-e", "sip.CSeq.method",
           "-e", "sip.Request-Line", "-e", "sip.Status-Line"]
    # tshark finds SIP by port; tell it every port sipscope saw SIP on.
    # WebSocket: tshark follows the HTTP upgrade and finds SIP in the frames.
    for transport, port in sorted(ports):
        if transport == "WS":
            cmd += ["-d", f"tcp.port=={port},http"]
        else:
            proto = "udp" if transport == "UDP" else "tcp"
            cmd += ["-d", f"{proto}.port=={port},sip"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    ids, kinds = collections.Counter(), collections.Counter()
    for line in out.stdout.splitlines():
        cols = line.split("\t")
        frame = int(cols[0])
        callids, methods, statuses, seqs, cmethods = \
            [c.split("\x1f") if c else [] for c in cols[1:6]]
        for cid, seq, cm in zip(callids, seqs, cmethods):
            ids[(frame, cid, int(seq), cm)] += 1
        for what in methods + [int(x) for x in statuses]:
            kinds[(frame, what)] += 1
    return ids, kinds


def ours_of(msgs):
    """Same two views of sipscope's messages."""
    ids, kinds = collections.Counter(), collections.Counter()
    for m in msgs:
        if m["call_id"] is not None:  # a cut message may have none, for tshark too
            ids[(m["frame"], m["call_id"], m["cseq"], m["cseq_method"])] += 1
        kinds[(m["frame"], m["method"] if m["method"] is not None else m["status"])] += 1
    return ids, kinds


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed (apt-get install tshark)")
        return 77
    binary, captures = sys.argv[1], sys.argv[2:]
    bad = 0
    for cap in captures:
        msgs, ports = sipscope_msgs(binary, cap)
        if msgs and all(m.get("capture_id") is not None for m in msgs):
            # tshark (4.0) has no HEP dissector: run.sh compares HEP
            # captures with the capture the agent sent instead.
            print(f"ok   {cap}: {len(msgs)} messages, HEP (not for tshark)")
            continue
        # Per frame: the multiset of (Call-ID, CSeq) and of method/status.
        o_ids, o_kinds = ours_of(msgs)
        t_ids, t_kinds = tshark_msgs(cap, ports)
        only_ours = (o_ids - t_ids) + (o_kinds - t_kinds)
        only_theirs = (t_ids - o_ids) + (t_kinds - o_kinds)
        if only_ours or only_theirs:
            bad += 1
            print(f"FAIL {cap}: {len(msgs)} messages vs tshark {sum(t_kinds.values())}")
            for k in sorted(only_ours, key=str)[:5]:
                print("   only sipscope:", k)
            for k in sorted(only_theirs, key=str)[:5]:
                print("   only tshark:  ", k)
        else:
            print(f"ok   {cap}: {len(msgs)} messages agree with tshark")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
