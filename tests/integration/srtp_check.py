#!/usr/bin/env python3
"""Compare `sipscope rtp` on a plain capture and on the same calls over SRTP.

Usage: srtp_check.py SIPSCOPE PLAIN.pcap SRTP.pcap ok|wrongkey|nokey
(the captures gen_srtp.c writes).  Exit 0 when every stream of the SRTP
capture has the plain stream's figures and the SRTP state the mode calls
for; else 1, saying what differs.
"""
import json
import subprocess
import sys

SAME = ["packets", "expected", "lost", "duplicates", "out_of_order", "seq_jumps", "max_delta_ms",
        "jitter_ms_mean", "jitter_ms_max", "mos", "codec", "payload_type", "call"]


def rtp(binary, pcap, fmt="json"):
    out = subprocess.run([binary, "rtp", "-r", pcap, "--format", fmt], capture_output=True, text=True,
                         check=True).stdout
    if fmt != "json":
        return out
    return {(r["src"], r["dst"], r["ssrc"]): r for r in map(json.loads, out.splitlines())}


def main():
    binary, plain_pcap, srtp_pcap, mode = sys.argv[1:5]
    plain, sec = rtp(binary, plain_pcap), rtp(binary, srtp_pcap)
    errs = []
    if set(plain) != set(sec) or not plain:
        errs.append("streams differ: %s vs %s" % (sorted(plain), sorted(sec)))
    for k in sorted(set(plain) & set(sec)):
        p, s = plain[k], sec[k]
        for f in SAME:
            if p[f] != s[f]:
                errs.append("%s %s: plain %r, srtp %r" % (k, f, p[f], s[f]))
        if p["srtp"] is not None:
            errs.append("%s: the plain stream has srtp %r" % (k, p["srtp"]))
        x = s["srtp"] or {}
        if mode == "ok":
            for f in ("bytes", "dtmf", "rtcp"):
                if p[f] != s[f]:
                    errs.append("%s %s: plain %r, srtp %r" % (k, f, p[f], s[f]))
            if x.get("state") != "keyed" or x.get("auth_failed") != 0 or \
                    x.get("decrypted", 0) + x.get("replayed", 0) != s["packets"] or \
                    x.get("decrypted", 0) < s["packets"] - s["duplicates"]:
                errs.append("%s: srtp %r for %d packets" % (k, x, s["packets"]))
            if s["packets"] >= 50 and not x.get("srtcp_decrypted"):
                errs.append("%s: no SRTCP decrypted %r" % (k, x))
        elif mode == "wrongkey":
            if x.get("state") != "keyed" or x.get("decrypted") != 0 or x.get("auth_failed") != s["packets"] \
                    or "srtp-auth" not in s["problems"] or s["dtmf"]:
                errs.append("%s: wrong key gave srtp %r, problems %r, dtmf %r" % (k, x, s["problems"], s["dtmf"]))
        elif mode == "nokey":
            if x.get("state") != "no-key" or x.get("decrypted") or x.get("auth_failed") or s["dtmf"]:
                errs.append("%s: no key gave srtp %r, dtmf %r" % (k, x, s["dtmf"]))
    table = rtp(binary, srtp_pcap, "table")
    want = {"ok": "srtp: decrypted", "wrongkey": "srtp: decrypted 0, auth failed", "nokey": "srtp: no key"}[mode]
    rows = table.splitlines()[1:1 + len(sec)]
    if len(rows) != len(sec) or any(want not in l for l in rows) or \
            (mode == "ok" and any(", auth failed 0" not in l for l in rows)):
        errs.append("table rows do not all say %r:\n%s" % (want, table))
    import csv
    rows = list(csv.DictReader(rtp(binary, srtp_pcap, "csv").splitlines()))
    state = {"ok": "keyed", "wrongkey": "keyed", "nokey": "no-key"}[mode]
    if len(rows) != len(sec) or any(r["srtp"] != state for r in rows) or \
            (mode == "ok" and any(r["srtp_auth_failed"] != "0" for r in rows)) or \
            (mode == "wrongkey" and any(r["srtp_decrypted"] != "0" for r in rows)):
        errs.append("CSV srtp columns: %r" % rows)
    if any(r["srtp"] for r in csv.DictReader(rtp(binary, plain_pcap, "csv").splitlines())):
        errs.append("CSV: plain streams with an srtp state")
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
