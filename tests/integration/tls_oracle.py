#!/usr/bin/env python3
"""tls_oracle.py - tshark as the independent decoder of SIP over TLS, and
the check that sipscope finds the same messages, frame for frame.

Usage: tls_oracle.py [options] CAPTURE [-- SIPSCOPE_ARGS...]

tshark (4.0: -o tls.keylog_file, -o uat:rsa_keys, the secrets of a pcapng
Decryption Secrets Block without any option) decrypts CAPTURE and lists
its SIP messages, one line each:
    FRAME  CALL-ID  CSEQ-METHOD  METHOD-OR-STATUS  TRANSPORT
where FRAME is the frame in which the message became complete and
TRANSPORT is UDP, TCP, TLS, WS or WSS.  Then `sipscope messages -r CAPTURE
--format json SIPSCOPE_ARGS...` must list the same messages in the same
frames (the order of several messages within one frame is not compared).

Options:
  --sipscope BIN       the binary (default $SIPSCOPE, else ./sipscope)
  --tls-port P         a TCP port with TLS on it (repeat for more); SIP
                       is decoded inside (-o sip.tls.port:P)
  --wss-port P         a TCP port with TLS carrying HTTP, i.e. WebSocket
                       after an upgrade (-d tls.port==P,http)
  --sip-port P         a port with plain SIP on it, UDP or TCP (-d ...,sip)
  --keylog FILE        NSS key log for tshark (tls.keylog_file)
  --rsa-key FILE       RSA private key (PEM) for tshark (uat:rsa_keys)
  --expect N           tshark must find N SIP messages; any other count
                       means the capture or the options above are wrong
                       (exit 2), not that sipscope is
  --reference REF --lost-frame N
                       CAPTURE is REF with frame N deleted (editcap): the
                       expected list is tshark's list of REF without the
                       messages of frame N, later frames numbered one less
                       (what a decoder that resynchronises after the loss
                       must find; tshark itself does not resynchronise,
                       its own count on CAPTURE is printed for information)
  --list               print tshark's list only, compare nothing
  --pick-lost-frame    print the number of a frame that is fit to delete
                       for a lossy variant and exit: a data frame from the
                       server (source port = the first --tls-port) made of
                       whole TLS records and holding SIP, neither the first
                       nor the last such frame
Exit status: 0 same messages, 1 sipscope differs (or failed), 2 tshark
cannot give a trustworthy list (missing, failed, wrong count), 77 tshark
is not installed.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET


def parse_args():
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    ap = argparse.ArgumentParser(usage="tls_oracle.py [options] CAPTURE [-- SIPSCOPE_ARGS...]")
    ap.add_argument("capture")
    ap.add_argument("--sipscope", default=os.environ.get("SIPSCOPE", "./sipscope"))
    ap.add_argument("--tls-port", type=int, action="append", default=[])
    ap.add_argument("--wss-port", type=int, action="append", default=[])
    ap.add_argument("--sip-port", type=int, action="append", default=[])
    ap.add_argument("--keylog")
    ap.add_argument("--rsa-key")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--reference")
    ap.add_argument("--lost-frame", type=int)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--pick-lost-frame", action="store_true")
    a = ap.parse_args(argv[:cut])
    a.sipscope_args = argv[cut + 1:]
    if (a.reference is None) != (a.lost_frame is None):
        ap.error("--reference and --lost-frame go together")
    return a


def tshark_cmd(a, capture, extra=()):
    cmd = ["tshark", "-n", "-r", capture]
    if a.keylog:
        cmd += ["-o", f"tls.keylog_file:{os.path.abspath(a.keylog)}"]
    if a.rsa_key:
        cmd += ["-o", f'uat:rsa_keys:"{os.path.abspath(a.rsa_key)}",""']
    for p in a.tls_port:
        cmd += ["-d", f"tcp.port=={p},tls", "-o", f"sip.tls.port:{p}"]
    for p in a.wss_port:
        cmd += ["-d", f"tcp.port=={p},tls", "-d", f"tls.port=={p},http"]
    for p in a.sip_port:
        cmd += ["-d", f"udp.port=={p},sip", "-d", f"tcp.port=={p},sip"]
    return cmd + list(extra)


def transport_of(protocols):
    layers = protocols.split(":")
    if "websocket" in layers:
        return "WSS" if "tls" in layers else "WS"
    if "tls" in layers:
        return "TLS"
    if "udp" in layers:
        return "UDP"
    return "TCP"


def fields_of(proto):
    """The first value of each field of one SIP message (its own fields,
    not those of a SIP message nested in its body)."""
    out = {}
    stack = list(proto)
    while stack:
        el = stack.pop(0)
        if el.tag == "proto" and el.get("name") == "sip":
            continue
        if el.tag == "field":
            out.setdefault(el.get("name"), el.get("show"))
        stack[0:0] = list(el)
    return out


def sip_protos(el, inside=False):
    for child in el:
        if child.tag == "proto" and child.get("name") == "sip":
            if not inside:
                yield child
            yield from sip_protos(child, True)
        else:
            yield from sip_protos(child, inside)


def tshark_msgs(a, capture):
    """[(frame, call_id, cseq_method, method_or_status, transport)], in order."""
    r = subprocess.run(tshark_cmd(a, capture, ["-Y", "sip", "-T", "pdml"]),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"ERROR tshark failed on {capture} (exit {r.returncode}): "
                         f"{r.stderr.strip()[-400:]}")
    msgs = []
    for pkt in ET.fromstring(r.stdout).iter("packet"):
        frame, protocols = None, ""
        for f in pkt.iter("field"):
            if f.get("name") == "frame.number":
                frame = int(f.get("show"))
            elif f.get("name") == "frame.protocols":
                protocols = f.get("show")
            if frame is not None and protocols:
                break
        tp = transport_of(protocols)
        for proto in sip_protos(pkt):
            f = fields_of(proto)
            kind = f.get("sip.Method") or f.get("sip.Status-Code")
            if kind is None:
                continue  # not a message (e.g. a keep-alive)
            msgs.append((frame, f.get("sip.Call-ID"), f.get("sip.CSeq.method"), kind, tp))
    return msgs


def sipscope_msgs(a):
    cmd = [a.sipscope, "messages", "-r", a.capture, "--format", "json"] + a.sipscope_args
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        first = (r.stderr.strip().splitlines() or [""])[0]
        return None, f"sipscope exit {r.returncode}: {first[:300]}"
    msgs = []
    for line in r.stdout.splitlines():
        m = json.loads(line)
        kind = m["method"] if m["method"] is not None else str(m["status"])
        msgs.append((m["frame"], m["call_id"], m["cseq_method"], kind, m["transport"]))
    return msgs, r.stderr.strip()


def show(m):
    return "\t".join("-" if x is None else str(x) for x in m)


def pick_lost_frame(a):
    if not a.tls_port:
        raise SystemExit("--pick-lost-frame needs --tls-port")
    r = subprocess.run(tshark_cmd(a, a.capture, [
        "-Y", f"sip and tcp.srcport == {a.tls_port[0]}", "-T", "fields",
        "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number",
        "-e", "tcp.len", "-e", "tls.record.length", "-e", "tls.reassembled_in",
        "-e", "tcp.segment"]), capture_output=True, text=True)
    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        frame, tcplen = int(cols[0]), int(cols[1])
        recs = [int(x) for x in cols[2].split(",") if x]
        whole = recs and sum(5 + n for n in recs) == tcplen and not cols[3] and not cols[4]
        rows.append((frame, whole))
    for frame, whole in rows[1:-1]:
        if whole:
            print(frame)
            return 0
    print("no frame fit to delete", file=sys.stderr)
    return 2


def main():
    a = parse_args()
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed (apt-get install tshark)")
        return 77
    if a.pick_lost_frame:
        return pick_lost_frame(a)
    if a.reference:
        ref = tshark_msgs(a, a.reference)
        if a.expect is not None and len(ref) != a.expect:
            print(f"ERROR tshark finds {len(ref)} SIP messages in {a.reference}, expected "
                  f"{a.expect}: the capture or the oracle's options are wrong")
            return 2
        lost = [m for m in ref if m[0] == a.lost_frame]
        if not lost:
            print(f"ERROR frame {a.lost_frame} of {a.reference} holds no SIP message")
            return 2
        want = [((f - 1 if f > a.lost_frame else f),) + m[1:] for m in ref
                for f in [m[0]] if f != a.lost_frame]
        own = tshark_msgs(a, a.capture)
        print(f"# {a.capture}: {a.reference} less frame {a.lost_frame} ({len(lost)} SIP "
              f"message(s) lost): {len(want)} expected; tshark alone decrypts {len(own)}")
    else:
        want = tshark_msgs(a, a.capture)
        if a.expect is not None and len(want) != a.expect:
            for m in want:
                print(show(m))
            print(f"ERROR tshark finds {len(want)} SIP messages in {a.capture}, expected "
                  f"{a.expect}: the capture or the oracle's options are wrong")
            return 2
        print(f"# {a.capture}: tshark decrypts {len(want)} SIP messages")
    for m in want:
        print(show(m))
    if a.list:
        return 0
    got, err = sipscope_msgs(a)
    if got is None:
        print(f"FAIL {err}")
        return 1
    missing = collections.Counter(want) - collections.Counter(got)
    extra = collections.Counter(got) - collections.Counter(want)
    if not missing and not extra:
        print(f"ok   sipscope finds the same {len(got)} messages in the same frames")
        return 0
    print(f"FAIL sipscope finds {len(got)} messages, tshark {len(want)}: "
          f"{sum(missing.values())} missing, {sum(extra.values())} not in tshark's list")
    for m in sorted(missing.elements(), key=lambda m: tuple(str(x) for x in m))[:10]:
        print("  only tshark:   " + show(m))
    for m in sorted(extra.elements(), key=lambda m: tuple(str(x) for x in m))[:10]:
        print("  only sipscope: " + show(m))
    if err:
        print("  sipscope said: " + err.splitlines()[0][:200])
    return 1


if __name__ == "__main__":
    sys.exit(main())
