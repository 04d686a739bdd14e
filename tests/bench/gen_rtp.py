#!/usr/bin/env python3
"""Write a capture that is mostly RTP, for the media benchmark.

Usage: gen_rtp.py OUT.pcap [CALLS] [PACKETS_PER_STREAM] [nosdp]
Each call is INVITE (SDP) / 200 OK (SDP) / ACK ... BYE / 200 over UDP, with
G.711 A-law RTP both ways (160-byte payloads every 20 ms, ~1% of packets
dropped, a few late), calls overlapping in time.  Defaults: 250 calls of 2 x
2000 packets (1,000,000 RTP packets, ~99.5% of the frames).  With nosdp the
INVITE and 200 carry no SDP: no stream is announced.
"""
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp


def sip(call, kind, a, b, pa, pb, nosdp=False):
    cid = "bench-rtp-%d@gen" % call
    sdp_a = "v=0\r\no=a 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 8\r\n" \
            "a=rtpmap:8 PCMA/8000\r\n" % (a, a, pa)
    sdp_b = sdp_a.replace(a, b).replace(str(pa), str(pb))
    body = "" if nosdp else {"INVITE": sdp_a, "200I": sdp_b}.get(kind, "")
    start = {"INVITE": "INVITE sip:b@%s SIP/2.0" % b, "200I": "SIP/2.0 200 OK", "ACK": "ACK sip:b@%s SIP/2.0" % b,
             "BYE": "BYE sip:b@%s SIP/2.0" % b, "200B": "SIP/2.0 200 OK"}[kind]
    cseq = {"INVITE": "1 INVITE", "200I": "1 INVITE", "ACK": "1 ACK", "BYE": "2 BYE", "200B": "2 BYE"}[kind]
    branch = {"INVITE": "i", "200I": "i", "ACK": "a", "BYE": "b", "200B": "b"}[kind]
    to_tag = "" if kind == "INVITE" else ";tag=tb%d" % call
    text = ("%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s%d\r\nMax-Forwards: 70\r\n"
            "From: <sip:a@%s>;tag=fa%d\r\nTo: <sip:b@%s>%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
            "Contact: <sip:x@%s>\r\n%sContent-Length: %d\r\n\r\n%s") % (
        start, a, branch, call, a, call, b, to_tag, cid, cseq, a,
        "Content-Type: application/sdp\r\n" if body else "", len(body), body)
    return text.encode()


def main():
    out = sys.argv[1]
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 250
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    nosdp = len(sys.argv) > 4 and sys.argv[4] == "nosdp"
    rnd = random.Random(1)
    events = []  # (time_us, bytes)
    payload = bytes(rnd.randrange(256) for _ in range(160))
    for c in range(calls):
        a = bytes([10, 1, c // 250, c % 250 + 1])
        b = bytes([10, 2, c // 250, c % 250 + 1])
        sa, sb = ".".join(map(str, a)), ".".join(map(str, b))
        pa, pb = 20000 + 2 * (c % 5000), 30000 + 2 * (c % 5000)
        t0 = 1_700_000_000_000_000 + c * 40_000
        for kind, dt, fwd in (("INVITE", 0, 1), ("200I", 50_000, 0), ("ACK", 60_000, 1)):
            s = sip(c, kind, sa, sb, pa, pb, nosdp)
            events.append((t0 + dt, frame(a, 5060, b, 5060, s) if fwd else frame(b, 5060, a, 5060, s)))
        for d, (src, sp, dst, dp) in enumerate(((a, pa, b, pb), (b, pb, a, pa))):
            ssrc = rnd.getrandbits(32)
            for i in range(per):
                if rnd.random() < 0.01:
                    continue
                t = t0 + 100_000 + i * 20_000 + rnd.randrange(0, 3000) + d * 7
                hdr = struct.pack("!BBHII", 0x80, 8, i & 0xffff, (i * 160) & 0xffffffff, ssrc)
                events.append((t, frame(src, sp, dst, dp, hdr + payload)))
        tb = t0 + 100_000 + per * 20_000 + 50_000
        events.append((tb, frame(a, 5060, b, 5060, sip(c, "BYE", sa, sb, pa, pb))))
        events.append((tb + 1000, frame(b, 5060, a, 5060, sip(c, "200B", sa, sb, pa, pb))))
    events.sort(key=lambda e: e[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, b in events:
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(b), len(b)))
            f.write(b)
    print("%s: %d frames, %d calls" % (out, len(events), calls))


if __name__ == "__main__":
    main()
