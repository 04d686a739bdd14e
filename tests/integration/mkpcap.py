#!/usr/bin/env python3
"""Write small crafted captures for the integration tests.

Usage: mkpcap.py KIND OUT.pcap
KINDs exercise one decoder path each: link types (sll, sll2, null, raw,
qinq), IPv4 options, IPv6 extension headers, a snaplen-cut packet, a SIP
message missing Call-ID, and terminal escape sequences inside headers;
others are small flows for tracking (fork, b2bua, bad487: a Via-less 487
re-sent byte for byte).
"""
import re
import struct
import sys

SIP = (b"OPTIONS sip:bob@example.com SIP/2.0\r\n"
       b"Via: SIP/2.0/UDP 192.0.2.1:5099;branch=z9hG4bK-crafted\r\n"
       b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
       b"Call-ID: crafted-%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp(payload, sport=5099, dport=5098):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv4(l4, proto=17, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(l4), 1, 0, 64, proto, 0,
                    bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ipv6(l4, ext=b"", first_nh=17):
    src = bytes(15) + b"\x01"
    dst = bytes(15) + b"\x02"
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(l4), first_nh, 64) + src + dst + ext + l4


def sipmsg(start, cid, cseq, branch, ftag, ttag=None, extra=""):
    """A SIP message; the CSeq method is the request's, or given in cseq."""
    num, meth = cseq.split()
    to = "<sip:bob@example.com>" + (f";tag={ttag}" if ttag else "")
    return (f"{start}\r\nVia: SIP/2.0/UDP 192.0.2.1:5099;branch={branch}\r\n"
            f"From: <sip:alice@example.com>;tag={ftag}\r\nTo: {to}\r\n"
            f"Call-ID: {cid}\r\nCSeq: {num} {meth}\r\n{extra}Content-Length: 0\r\n\r\n").encode()


def udp_between(a, b, payload):
    """UDP from 192.0.2.a:5060 to 192.0.2.b:5060."""
    ip = ipv4(udp(payload, 5060, 5060))
    ip = ip[:12] + bytes([192, 0, 2, a, 192, 0, 2, b]) + ip[20:]
    ip = ip[:10] + b"\0\0" + ip[12:]
    ip = ip[:10] + struct.pack("!H", csum(ip[:20])) + ip[12:]
    return eth(ip)


def tcp(payload, seq, flags=0x18, sport=5060, dport=5062):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags, 65535, 0, 0) + payload


def opt(cid):
    return SIP.replace(b"crafted-%s", cid)


def eth(net, ethertype=0x0800, tags=()):
    h = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb"
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", ethertype) + net


def write(out, linktype, frames, snaplen=65535, cut=None):
    """frames: bytes, or (bytes, captured_length) for one cut frame."""
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for i, fr in enumerate(frames):
            if isinstance(fr, tuple):
                fr, keep = fr
                cap = fr[:keep]
            else:
                cap = fr if cut is None else fr[:cut]
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(cap), len(fr)))
            f.write(cap)


def tcp_stream(chunks, drop=(), cut=None):
    """One TCP direction carrying the chunks in order from seq 1000;
    indexes in drop are left out (lost), cut=(index, bytes kept)."""
    frames, seq = [], 1000
    for i, c in enumerate(chunks):
        fr = eth(ipv4(tcp(c, seq), proto=6))
        seq += len(c)
        if i in drop:
            continue
        if cut and cut[0] == i:
            fr = (fr, 14 + 20 + 20 + cut[1])
        frames.append(fr)
    return frames


def hop(a, pa, b, pb, payload):
    """UDP from 192.0.2.a:pa to 192.0.2.b:pb."""
    ip = ipv4(udp(payload, pa, pb))
    ip = ip[:12] + bytes([192, 0, 2, a, 192, 0, 2, b]) + ip[20:]
    ip = ip[:10] + b"\0\0" + ip[12:]
    ip = ip[:10] + struct.pack("!H", csum(ip[:20])) + ip[12:]
    return eth(ip)


def sdpmsg(start, cid, cseq, branch, ftag, ttag, conn, port):
    """A SIP message carrying an SDP offer or answer for conn:port."""
    ip6 = ":" in conn
    body = (f"v=0\r\no=- 1 1 IN {'IP6' if ip6 else 'IP4'} {conn}\r\ns=-\r\n"
            f"c=IN {'IP6' if ip6 else 'IP4'} {conn}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n")
    m = sipmsg(start, cid, cseq, branch, ftag, ttag, "Content-Type: application/sdp\r\n")
    return m.replace(b"Content-Length: 0\r\n\r\n",
                     b"Content-Length: %d\r\n\r\n" % len(body) + body.encode())


def ladder_calls():
    """Three calls through a proxy (192.0.2.20:5060 towards the callers,
    :5070 towards the callees), seven endpoints; the first INVITE is
    retransmitted; the third call's SDP is IPv6."""
    frames = []
    for k, (a, b, conn) in enumerate([(10, 30, "192.0.2.10"), (11, 31, "192.0.2.11"),
                                      (12, 32, "2001:db8::1")]):
        cid, inv = f"ladder-{k + 1}", f"INVITE sip:bob{k}@example.com SIP/2.0"
        br1, br2, f = f"z9hG4bK{k}a", f"z9hG4bK{k}b", f"f{k}"
        offer = sdpmsg(inv, cid, "1 INVITE", br1, f, None, conn, 6000 + k * 2)
        fwd = sdpmsg(inv, cid, "1 INVITE", br2, f, None, conn, 6000 + k * 2)
        ans = "2001:db8::2" if ":" in conn else f"192.0.2.{b}"
        seq = [(a, 5060, 20, 5060, offer)]
        if k == 0:
            seq.append((a, 5060, 20, 5060, offer))
        seq += [
            (20, 5060, a, 5060, sipmsg("SIP/2.0 100 Trying", cid, "1 INVITE", br1, f)),
            (20, 5070, b, 5060, fwd),
            (b, 5060, 20, 5070, sipmsg("SIP/2.0 180 Ringing", cid, "1 INVITE", br2, f, "t")),
            (20, 5060, a, 5060, sipmsg("SIP/2.0 180 Ringing", cid, "1 INVITE", br1, f, "t")),
            (b, 5060, 20, 5070, sdpmsg("SIP/2.0 200 OK", cid, "1 INVITE", br2, f, "t", ans, 7000)),
            (20, 5060, a, 5060, sdpmsg("SIP/2.0 200 OK", cid, "1 INVITE", br1, f, "t", ans, 7000)),
        ]
        frames += [hop(*x) for x in seq]
    return frames


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "file":  # file OUT MESSAGE: one message from a file, over UDP
        write(out, 1, [eth(ipv4(udp(open(sys.argv[3], "rb").read())))])
        return
    if kind == "ladder":  # three calls, seven endpoints, an IPv6 SDP (ladder_calls)
        write(out, 1, ladder_calls())
        return
    if kind == "stir":  # stir OUT HEADER... : one INVITE per Identity header value (UI tests)
        frames = []
        for i, ident in enumerate(sys.argv[3:]):
            req = sipmsg("INVITE sip:15551230002@example.com SIP/2.0", "crafted-stir-%d" % i, "1 INVITE",
                         "z9hG4bK-stir%d" % i, "s%d" % i, extra="Identity: %s\r\n" % ident)
            req = req.replace(b"<sip:alice@example.com>", b"<sip:15551230001@example.com>")
            frames.append(eth(ipv4(udp(req))))
        write(out, 1, frames)
        return
    if kind == "wide":  # a request, and a 180 whose reason is Japanese with a bidi override
        req = sipmsg("INVITE sip:bob@example.com SIP/2.0", "crafted-wide", "1 INVITE",
                     "z9hG4bK-wide", "w1")
        rsp = sipmsg("SIP/2.0 180 \u547c\u3073\u51fa\u3057\u4e2d\u202e!", "crafted-wide",
                     "1 INVITE", "z9hG4bK-wide", "w1", ttag="w2")
        write(out, 1, [eth(ipv4(udp(req))), eth(ipv4(udp(rsp, 5098, 5099)))])
        return
    if kind == "tollfraud":  # issue 25: a refused INVITE, then 15 calls to premium numbers, from 192.0.2.66
        auth = 'Proxy-Authorization: Digest username="100", realm="x", nonce="n", uri="sip:x", response="00"\r\n'
        frames = [udp_between(66, 1, sipmsg("INVITE sip:100@example.com SIP/2.0", "tf-0", "1 INVITE",
                                            "z9hG4bK-tf0", "t0", extra=auth)),
                  udp_between(1, 66, sipmsg("SIP/2.0 403 Forbidden", "tf-0", "1 INVITE", "z9hG4bK-tf0", "t0",
                                            ttag="x0"))]
        for i in range(1, 16):
            frames.append(udp_between(66, 1, sipmsg(f"INVITE sip:+88255500{i:02d}@example.com SIP/2.0", f"tf-{i}",
                                                    "1 INVITE", f"z9hG4bK-tf{i}", f"t{i}")))
        write(out, 1, frames)
        return
    if kind == "rejected":  # rejected OUT N: N REGISTERs each answered 403, from 50 sources
        frames = []
        for i in range(int(sys.argv[3])):
            # the first Call-ID has a quote, a backslash and an escape
            cid = 'rej"\\\x1b[31m-0' if i == 0 else f"rej-{i}"
            a = 10 + i % 50
            req = sipmsg("REGISTER sip:example.com SIP/2.0", cid, "1 REGISTER", f"z9hG4bK-r{i}", f"f{i}")
            rsp = sipmsg("SIP/2.0 403 Forbidden", cid, "1 REGISTER", f"z9hG4bK-r{i}", f"f{i}", ttag=f"t{i}")
            frames += [udp_between(a, 1, req), udp_between(1, a, rsp)]
        write(out, 1, frames)
        return
    msg = SIP % kind.encode()
    v4 = ipv4(udp(msg))
    if kind == "sll":
        write(out, 113, [struct.pack("!HHH8sH", 0, 1, 6, b"\0" * 8, 0x0800) + v4])
    elif kind == "sll2":
        write(out, 276, [struct.pack("!HHIHBB8s", 0x0800, 0, 1, 1, 0, 6, b"\0" * 8) + v4])
    elif kind == "null":
        write(out, 0, [struct.pack("<I", 2) + v4])
    elif kind == "raw":
        write(out, 101, [v4])
    elif kind == "qinq":
        write(out, 1, [eth(v4, tags=((0x88a8, 100), (0x8100, 200)))])
    elif kind == "ipv4opts":
        write(out, 1, [eth(ipv4(udp(msg), options=b"\x01\x01\x01\x00" * 2))])
    elif kind == "ipv6ext":
        hop = bytes([60, 0]) + b"\x01\x04\0\0\0\0"     # hop-by-hop, next: dest opts
        dst = bytes([17, 0]) + b"\x01\x04\0\0\0\0"     # destination options, next: UDP
        write(out, 1, [eth(ipv6(udp(msg), hop + dst, first_nh=0), 0x86dd)])
    elif kind == "snapcut":
        write(out, 1, [eth(v4)], snaplen=120, cut=120)
    elif kind == "nocallid":
        bad = msg.replace(b"Call-ID: crafted-nocallid\r\n", b"")
        write(out, 1, [eth(ipv4(udp(bad)))])
    elif kind == "escapes":
        evil = msg.replace(b"crafted-escapes", b"evil-\x1b[31mred\x1b[0m-\x07\x9b2J")
        evil = evil.replace(b"<sip:alice@example.com>", b"\"\x1b]0;title\x07\" <sip:alice@example.com>")
        write(out, 1, [eth(ipv4(udp(evil)))])
    elif kind == "checkescape":
        # A finding quotes the wire: a 180 without To tag whose reason
        # phrase holds a terminal escape sequence.
        m = msg.replace(b"OPTIONS sip:bob@example.com SIP/2.0", b"SIP/2.0 180 Ring\x1b[2J\x07ing")
        m = m.replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE")
        write(out, 1, [eth(ipv4(udp(m)))])
    elif kind == "utf8":
        m = msg.replace(b"crafted-utf8", "café-☎".encode()).replace(
            b"<sip:alice@example.com>", "\"Zoë\" <sip:alice@example.com>".encode())
        write(out, 1, [eth(ipv4(udp(m)))])
    elif kind == "hugeuri":
        # 12 messages whose From and To URIs are 30 KB each: more than a
        # batch of the two-thread pipeline carries, so every one must still
        # come out (with its Call-ID).
        frames = []
        for i in range(12):
            m = msg.replace(b"crafted-hugeuri", b"huge-%d" % i)
            m = m.replace(b"sip:alice@example.com", b"sip:" + b"a" * 30000 + b"@example.com")
            m = m.replace(b"sip:bob@example.com>", b"sip:" + b"b" * 30000 + b"@example.com>")
            frames.append(eth(ipv4(udp(m))))
        write(out, 1, frames)
    elif kind == "tcploss":   # c1's segment lost: c0, c2, c3 at their frames
        write(out, 1, tcp_stream([opt(b"c%d" % i) for i in range(4)], drop={1}))
    elif kind == "tcpcut":    # c1's segment cut by snaplen: kept, flagged; c2 goes on
        write(out, 1, tcp_stream([opt(b"c%d" % i) for i in range(3)], cut=(1, 60)))
    elif kind == "tcpsplit":  # the very first segment is 10 bytes of a start line
        m = opt(b"s1") + opt(b"s2")
        write(out, 1, tcp_stream([m[:10], m[10:]]))
    elif kind == "tcpresync": # garbage, then a message whose start line is split
        m1, m2 = opt(b"r1"), opt(b"r2")
        write(out, 1, tcp_stream([m1, b"garbage\r\n" + m2[:20], m2[20:]]))
    elif kind == "fork":
        # One INVITE, two forks answer (RFC 3261 13.2.2.4): two dialogs,
        # both confirmed, the second hung up; nothing is a retransmission.
        inv = "INVITE sip:bob@example.com SIP/2.0"
        seq = [
            (1, 2, sipmsg(inv, "fork-1", "1 INVITE", "z9hG4bKf1", "a")),
            (2, 1, sipmsg("SIP/2.0 180 Ringing", "fork-1", "1 INVITE", "z9hG4bKf1", "a", "b1")),
            (2, 1, sipmsg("SIP/2.0 180 Ringing", "fork-1", "1 INVITE", "z9hG4bKf1", "a", "b2")),
            (2, 1, sipmsg("SIP/2.0 200 OK", "fork-1", "1 INVITE", "z9hG4bKf1", "a", "b1")),
            (2, 1, sipmsg("SIP/2.0 200 OK", "fork-1", "1 INVITE", "z9hG4bKf1", "a", "b2")),
            (1, 2, sipmsg("ACK sip:bob@example.com SIP/2.0", "fork-1", "1 ACK", "z9hG4bKf2", "a", "b1")),
            (1, 2, sipmsg("ACK sip:bob@example.com SIP/2.0", "fork-1", "1 ACK", "z9hG4bKf3", "a", "b2")),
            (1, 2, sipmsg("BYE sip:bob@example.com SIP/2.0", "fork-1", "2 BYE", "z9hG4bKf4", "a", "b2")),
            (2, 1, sipmsg("SIP/2.0 200 OK", "fork-1", "2 BYE", "z9hG4bKf4", "a", "b2")),
        ]
        write(out, 1, [udp_between(a, b, m) for a, b, m in seq])
    elif kind == "b2bua":
        # Two calls through a B2BUA: legs tied by X-Call-ID (naming the A
        # leg's Call-ID) and by RFC 7989 Session-ID; a third call stays apart.
        inv = "INVITE sip:bob@example.com SIP/2.0"
        sid_a = "ab30317f1a784dc48ff824d0d3715d86"
        sid_b = "47755a9de7794ba387653f2099600ef2"
        seq = [
            (1, 2, sipmsg(inv, "leg-A", "1 INVITE", "z9hG4bKa", "a")),
            (2, 3, sipmsg(inv, "leg-B", "1 INVITE", "z9hG4bKb", "b", extra="X-Call-ID: leg-A\r\n")),
            (3, 2, sipmsg("SIP/2.0 200 OK", "leg-B", "1 INVITE", "z9hG4bKb", "b", "t")),
            (2, 1, sipmsg("SIP/2.0 200 OK", "leg-A", "1 INVITE", "z9hG4bKa", "a", "t")),
            (1, 2, sipmsg(inv, "leg-C", "1 INVITE", "z9hG4bKc", "c",
                          extra=f"Session-ID: {sid_a};remote=00000000000000000000000000000000\r\n")),
            (2, 3, sipmsg(inv, "leg-D", "1 INVITE", "z9hG4bKd", "d",
                          extra=f"Session-ID: {sid_a};remote=00000000000000000000000000000000\r\n")),
            (3, 2, sipmsg("SIP/2.0 200 OK", "leg-D", "1 INVITE", "z9hG4bKd", "d", "t",
                          extra=f"Session-ID: {sid_b};remote={sid_a}\r\n")),
            (1, 2, sipmsg(inv, "leg-E", "1 INVITE", "z9hG4bKe", "e")),
            (1, 2, sipmsg(inv, "leg-F", "1 INVITE", "z9hG4bKf", "f", extra="X-Leg: 77\r\n")),
            (2, 3, sipmsg(inv, "leg-G", "1 INVITE", "z9hG4bKg", "g", extra="X-Leg: 77\r\n")),
        ]
        write(out, 1, [udp_between(a, b, m) for a, b, m in seq])
    elif kind == "bad487":
        # A cancelled call whose 487 to the caller lost its Via (a broken
        # proxy): re-sent 3 times byte for byte, as the caller's ACK cannot
        # match it.  A second call: its INVITE re-sent byte for byte, then
        # Via-less 487s that differ (a header added, another hop).
        inv = "INVITE sip:bob@example.com SIP/2.0"
        novia = lambda m: re.sub(rb"Via: [^\r]*\r\n", b"", m)
        r487 = novia(sipmsg("SIP/2.0 487 Request Terminated", "bad487-1", "1 INVITE", "z9hG4bKc1",
                            "a", "p"))
        r487b = novia(sipmsg("SIP/2.0 487 Request Terminated", "bad487-2", "1 INVITE", "z9hG4bKc2",
                             "b", "q"))
        r487c = novia(sipmsg("SIP/2.0 487 Request Terminated", "bad487-2", "1 INVITE", "z9hG4bKc2",
                             "b", "q", extra="Reason: SIP;cause=487\r\n"))
        inv2 = sipmsg(inv, "bad487-2", "1 INVITE", "z9hG4bKc2", "b")
        seq = [
            (1, 2, sipmsg(inv, "bad487-1", "1 INVITE", "z9hG4bKc1", "a")),
            (2, 1, sipmsg("SIP/2.0 100 Trying", "bad487-1", "1 INVITE", "z9hG4bKc1", "a")),
            (1, 2, sipmsg("CANCEL sip:bob@example.com SIP/2.0", "bad487-1", "1 CANCEL", "z9hG4bKc1", "a")),
            (2, 1, sipmsg("SIP/2.0 200 OK", "bad487-1", "1 CANCEL", "z9hG4bKc1", "a", "p")),
            (2, 1, r487), (2, 1, r487), (2, 1, r487),
            (1, 2, sipmsg("ACK sip:bob@example.com SIP/2.0", "bad487-1", "1 ACK", "z9hG4bKc1", "a", "p")),
            (1, 2, inv2), (1, 2, inv2),
            (2, 1, sipmsg("SIP/2.0 100 Trying", "bad487-2", "1 INVITE", "z9hG4bKc2", "b")),
            (2, 1, r487b), (2, 1, r487c), (2, 3, r487b),
        ]
        write(out, 1, [udp_between(a, b, m) for a, b, m in seq])
    elif kind == "options100k":
        # 100,000 calls of one OPTIONS each (call numbers up to 100000),
        # cheap to write and to read: the Call-IDs are all one length, so
        # one frame is patched, not rebuilt.
        frame = udp_between(1, 2, opt(b"crafted-000000"))
        at = frame.index(b"crafted-000000") + len(b"crafted-")
        with open(out, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for i in range(100000):
                fr = frame[:at] + b"%06d" % i + frame[at + 6:]
                f.write(struct.pack("<IIII", 1700000000 + i // 100, i % 100 * 10000, len(fr), len(fr)))
                f.write(fr)
    elif kind == "b2bua_to":
        # A call through a B2BUA whose B-leg alone goes to 192.0.2.20 with
        # its own From, To, User-Agent and final status (503; the A-leg
        # gets 500), tied to the A-leg by X-Call-ID; a call that stays apart.
        def leg(m, frm, to, ua):
            m = m.replace(b"<sip:alice@example.com>", frm.encode())
            m = m.replace(b"<sip:bob@example.com>", to.encode())
            return m.replace(b"Content-Length", f"User-Agent: {ua}\r\nContent-Length".encode())
        a = ("<sip:alice@example.com>", "<sip:bob@example.com>", "alice-phone")
        b = ("<sip:b2bua@192.0.2.2>", "<sip:bob@192.0.2.20>", "b2bua-out")
        c = ("<sip:carol@example.com>", "<sip:dave@192.0.2.30>", "carol-phone")
        inv = "INVITE sip:bob@example.com SIP/2.0"
        seq = [
            (1, 2, leg(sipmsg(inv, "leg-A", "1 INVITE", "z9hG4bKa", "a"), *a)),
            (2, 20, leg(sipmsg("INVITE sip:bob@192.0.2.20 SIP/2.0", "leg-B", "1 INVITE", "z9hG4bKb",
                               "b", extra="X-Call-ID: leg-A\r\n"), *b)),
            (20, 2, leg(sipmsg("SIP/2.0 503 Service Unavailable", "leg-B", "1 INVITE", "z9hG4bKb",
                               "b", "t"), *b)),
            (2, 1, leg(sipmsg("SIP/2.0 500 Server Error", "leg-A", "1 INVITE", "z9hG4bKa", "a", "t"), *a)),
            (1, 30, leg(sipmsg(inv, "leg-C", "1 INVITE", "z9hG4bKc", "c"), *c)),
        ]
        write(out, 1, [udp_between(x, y, m) for x, y, m in seq])
    elif kind in ("tcp_cl_huge", "tcp_cl_short", "tcp_cl_short_fin", "tcp_cl_expired"):
        # One TCP direction: an OPTIONS, an INVITE whose Content-Length
        # promises more than ever comes (999999999 bytes, or 5000), two
        # more OPTIONS; _fin closes the connection after them, _expired
        # leaves it silent while another connection talks 700 s later.
        cl = b"999999999" if kind == "tcp_cl_huge" else b"5000"
        inv = opt(b"cut").replace(b"OPTIONS sip", b"INVITE sip").replace(b"1 OPTIONS", b"1 INVITE")
        inv = inv.replace(b"Content-Length: 0", b"Content-Type: application/sdp\r\nContent-Length: " + cl)
        inv += b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
        frames = tcp_stream([opt(b"before"), inv, opt(b"after1"), opt(b"after2")])
        seq = 1000 + sum(len(c) for c in (opt(b"before"), inv, opt(b"after1"), opt(b"after2")))
        if kind == "tcp_cl_short_fin":
            frames.append(eth(ipv4(tcp(b"", seq, flags=0x11), proto=6)))
        if kind == "tcp_cl_expired":
            other = eth(ipv4(tcp(opt(b"later"), 5000, sport=5070), proto=6))
            with open(out, "wb") as f:
                f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
                for i, fr in enumerate(frames + [other]):
                    f.write(struct.pack("<IIII", 1700000000 + (700 if fr is other else i), 0, len(fr), len(fr)))
                    f.write(fr)
        else:
            write(out, 1, frames)
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
