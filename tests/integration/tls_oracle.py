#!/usr/bin/env python3
"""tls_oracle.py - tshark as the independent decoder of SIP over TLS, and
the check that sipscope finds the same messages, frame for frame.

Usage: tls_oracle.py [options] CAPTURE [-- SIPSCOPE_ARGS...]
       tls_oracle.py --manifest FILE [--list] [--sipscope BIN]

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
                       is decoded inside (-d tcp.port==P,tls -d tls.port==P,sip)
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
--manifest FILE: every capture of FILE, as tls_captures.sh writes it (one
line each: name, capture, these options, sipscope's options, tab-separated;
VAR=VALUE words before sipscope's options go to its environment).  The
classic pcap captures are concatenated and tshark decrypts them in one run
(their key logs joined; tshark takes half a second to start), each other
capture in a run of its own.  One line per capture, "ok   NAME ..." or
"FAIL NAME ...", then what differs, indented.

Exit status: 0 same messages, 1 sipscope differs (or failed), 2 tshark
cannot give a trustworthy list (missing, failed, wrong count), 3 bad
input (a missing file), 77 tshark is not installed.
"""
import argparse
import collections
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def parser():
    ap = argparse.ArgumentParser(usage="tls_oracle.py [options] CAPTURE [-- SIPSCOPE_ARGS...]\n"
                                       "       tls_oracle.py --manifest FILE [--list] [--sipscope BIN]",
                                 description=__doc__.split("\n\n", 2)[2], add_help=False,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-h", "--help", action="help", help=argparse.SUPPRESS)
    ap.add_argument("capture", nargs="?")
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
    ap.add_argument("--manifest")
    return ap


def parse_args(argv):
    cut = argv.index("--") if "--" in argv else len(argv)
    ap = parser()
    a = ap.parse_args(argv[:cut])
    a.sipscope_args = argv[cut + 1:]
    a.env = {}
    while a.sipscope_args and "=" in a.sipscope_args[0] and not a.sipscope_args[0].startswith("-"):
        k, _, v = a.sipscope_args.pop(0).partition("=")
        a.env[k] = v
    if (a.reference is None) != (a.lost_frame is None):
        ap.error("--reference and --lost-frame go together")
    if (a.capture is None) == (a.manifest is None):
        ap.error("give a CAPTURE or --manifest")
    return a


class TsharkError(Exception):
    """tshark could not read a capture: no list to trust."""


def tshark_cmd(a, capture, extra=()):
    cmd = ["tshark", "-n", "-r", capture]
    if a.keylog:
        cmd += ["-o", f"tls.keylog_file:{os.path.abspath(a.keylog)}"]
    if a.rsa_key:
        cmd += ["-o", f'uat:rsa_keys:"{os.path.abspath(a.rsa_key)}",""']
    for p in a.tls_port:
        cmd += ["-d", f"tcp.port=={p},tls", "-d", f"tls.port=={p},sip"]
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
        raise TsharkError(f"ERROR tshark failed on {capture} (exit {r.returncode}): "
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
    """sipscope's messages as tshark_msgs() gives them, and its stderr; or
    None and the reason it failed."""
    cmd = [a.sipscope, "messages", "-r", a.capture, "--format", "json"] + a.sipscope_args
    env = dict(os.environ, **a.env) if a.env else None
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
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
    # A segment TCP sent again (a loaded machine's loopback retransmits
    # too) is no loss: only a frame whose bytes no other frame carries.
    seg = subprocess.run(tshark_cmd(a, a.capture, [
        "-Y", f"tcp.srcport == {a.tls_port[0]} and tcp.len > 0", "-T", "fields",
        "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.seq", "-e", "tcp.len"]),
        capture_output=True, text=True)
    spans = {}
    for line in seg.stdout.splitlines():
        f, st, sq, ln = (int(x) for x in line.split("\t"))
        spans[f] = (st, sq, sq + ln)

    def repeated(frame):
        if frame not in spans:
            return True
        st, lo, hi = spans[frame]
        return any(o != frame and s2 == st and l2 < hi and lo < h2
                   for o, (s2, l2, h2) in spans.items())

    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        frame, tcplen = int(cols[0]), int(cols[1])
        recs = [int(x) for x in cols[2].split(",") if x]
        whole = recs and sum(5 + n for n in recs) == tcplen and not cols[3] and not cols[4]
        rows.append((frame, whole and not repeated(frame)))
    for frame, whole in rows[1:-1]:
        if whole:
            print(frame)
            return 0
    print("no frame fit to delete", file=sys.stderr)
    return 2


def expected(a, ref_msgs):
    """The list sipscope must give: tshark's, or for a lossy capture its
    reference's without the lost frame; and a line saying which."""
    if a.reference is None:
        if a.expect is not None and len(ref_msgs) != a.expect:
            return None, (f"ERROR tshark finds {len(ref_msgs)} SIP messages in {a.capture}, "
                          f"expected {a.expect}: the capture or the oracle's options are wrong")
        return ref_msgs, f"tshark decrypts {len(ref_msgs)} SIP messages"
    if a.expect is not None and len(ref_msgs) != a.expect:
        return None, (f"ERROR tshark finds {len(ref_msgs)} SIP messages in {a.reference}, "
                      f"expected {a.expect}: the capture or the oracle's options are wrong")
    lost = [m for m in ref_msgs if m[0] == a.lost_frame]
    if not lost:
        return None, f"ERROR frame {a.lost_frame} of {a.reference} holds no SIP message"
    want = [(m[0] - 1 if m[0] > a.lost_frame else m[0],) + m[1:]
            for m in ref_msgs if m[0] != a.lost_frame]
    return want, (f"{os.path.basename(a.reference)} less frame {a.lost_frame} ({len(lost)} "
                  f"SIP message(s) lost): {len(want)} expected")


def compare(a, want):
    """Lines saying how sipscope's list compares with want, and True when
    they are the same."""
    got, err = sipscope_msgs(a)
    if got is None:
        return [f"FAIL {err}"], False
    missing = collections.Counter(want) - collections.Counter(got)
    extra = collections.Counter(got) - collections.Counter(want)
    if not missing and not extra:
        return [f"ok   sipscope finds the same {len(got)} messages in the same frames"], True
    out = [f"FAIL sipscope finds {len(got)} messages, tshark {len(want)}: "
           f"{sum(missing.values())} missing, {sum(extra.values())} not in tshark's list"]
    key = lambda m: tuple(str(x) for x in m)  # noqa: E731 (None sorts as a string)
    out += ["  only tshark:   " + show(m) for m in sorted(missing.elements(), key=key)[:10]]
    out += ["  only sipscope: " + show(m) for m in sorted(extra.elements(), key=key)[:10]]
    if err:
        out.append("  sipscope said: " + err.splitlines()[0][:200])
    return out, False


def one(a):
    """One capture, as the command line gives it."""
    ref = tshark_msgs(a, a.reference or a.capture)
    want, what = expected(a, ref)
    if want is None:
        for m in ref:
            print(show(m))
        print(what)
        return 2
    if a.reference:
        what += f"; tshark alone decrypts {len(tshark_msgs(a, a.capture))}"
    print(f"# {a.capture}: {what}")
    for m in want:
        print(show(m))
    if a.list:
        return 0
    lines, same = compare(a, want)
    print("\n".join(lines))
    return 0 if same else 1


def read_pcap(path):
    """(global header, link type, [records]) of a classic pcap file, or
    None for anything else (pcapng)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                                          b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        return None
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, pos = [], 24
    while pos + 16 <= len(data):
        n = struct.unpack(e + "I", data[pos + 8:pos + 12])[0]
        recs.append(data[pos:pos + 16 + n])
        pos += 16 + n
    return data[:24], struct.unpack(e + "I", data[20:24])[0], recs


def batch(m):
    """Every capture of manifest m.manifest: one tshark run for all the
    classic pcap ones (concatenated, with their key logs concatenated:
    tshark takes half a second to start), one each for the others."""
    entries = []
    with open(m.manifest) as f:
        for line in f:
            if not line.strip():
                continue
            name, cap, oargs, sargs = (line.rstrip("\n").split("\t") + ["", ""])[:4]
            a = parse_args(shlex.split(oargs) + [cap, "--"] + shlex.split(sargs))
            a.sipscope = m.sipscope
            entries.append((name, a))
    # the files tshark must read, each once
    files = {}
    for name, a in entries:
        for path in ([a.reference] if a.reference else [a.capture]):
            files.setdefault(path, a)
    lists, merged, head, link = {}, [], None, None
    for path, a in files.items():
        p = read_pcap(path)
        if p is None or (link is not None and (p[0][:4] != head[:4] or p[1] != link)):
            lists[path] = tshark_msgs(a, path)
            continue
        head, link = head or p[0], p[1]
        merged.append((path, a, p[2]))
    if merged:
        with tempfile.TemporaryDirectory() as tmp:
            cap, keys = os.path.join(tmp, "all.pcap"), os.path.join(tmp, "all.keys")
            union = argparse.Namespace(keylog=None, rsa_key=None, tls_port=[], wss_port=[], sip_port=[])
            with open(cap, "wb") as c, open(keys, "w") as k:
                c.write(head)
                for path, a, recs in merged:
                    c.write(b"".join(recs))
                    if a.keylog:
                        with open(a.keylog) as kl:
                            k.write(kl.read().rstrip("\n") + "\n")
                        union.keylog = keys
                    union.rsa_key = union.rsa_key or a.rsa_key
                    for attr in ("tls_port", "wss_port", "sip_port"):
                        getattr(union, attr).extend(getattr(a, attr))
            msgs = tshark_msgs(union, cap)
        first = 1
        for path, a, recs in merged:
            last = first + len(recs)
            lists[path] = [(f - first + 1,) + x[1:] for x in msgs for f in [x[0]] if first <= f < last]
            first = last
    bad = 0
    for name, a in entries:
        want, what = expected(a, lists[a.reference or a.capture])
        if want is None:
            print(f"FAIL {name}: {what}")
            bad += 1
            continue
        if m.list:
            print(f"## {name}: {what}")
            print("\n".join(show(x) for x in want))
            continue
        lines, same = compare(a, want)
        how = " ".join([f"${k}" for k in a.env] + [w for w in a.sipscope_args if w.startswith("-")])
        print(f"{'ok  ' if same else 'FAIL'} {name} ({how or 'no option'}): {what}; {lines[0][5:]}")
        if not same:
            bad += 1
            print("\n".join(lines[1:] + ["  tshark:        " + show(x) for x in want]))
    return 1 if bad else 0


def main():
    a = parse_args(sys.argv[1:])
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed (apt-get install tshark)")
        return 77
    if a.manifest:
        return batch(a)
    if a.pick_lost_frame:
        return pick_lost_frame(a)
    return one(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TsharkError as e:
        print(e)
        sys.exit(2)
    except (OSError, ValueError, ET.ParseError) as e:  # a missing file, a bad manifest
        print(f"tls_oracle.py: {e}", file=sys.stderr)
        sys.exit(3)
