#!/usr/bin/env python3
"""Captures that stress TCP reassembly (issue 20), written to OUT ("-": stdout).

  tcp_gen.py flows N OUT        N one-segment half-open flows, each the start
                                of an INVITE whose headers never end (a burst:
                                10 us apart), then one whole OPTIONS on a new
                                connection 8 s later (it must be seen)
  tcp_gen.py trickle BYTES SEG OUT
                                one flow: an INVITE whose header lines go on
                                for BYTES bytes and never end, in SEG-byte
                                segments
  tcp_gen.py body BYTES SEG OUT one flow: a MESSAGE with a BYTES-byte body, in
                                SEG-byte segments (it completes at the last)
  tcp_gen.py big N BYTES OUT    N connections, one after the other and never
                                closed: an OPTIONS, then an INVITE saying
                                Content-Length: 999999999 followed by BYTES
                                bytes, in 60,000-byte segments
  tcp_gen.py bigmsg N BYTES OUT the same with a whole MESSAGE of a BYTES-byte
                                body after the OPTIONS

Ethernet/IPv4/TCP, pcap microsecond format.  Checksums are left zero (the
reader does not check them).
"""
import struct
import sys

T0 = 1700000000


def frame(src, sport, dst, dport, seq, payload, flags=0x18):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, src, dst)
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + tcp + payload


class Pcap:
    def __init__(self, path):
        self.f = sys.stdout.buffer if path == "-" else open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))

    def put(self, us, fr):
        self.f.write(struct.pack("<IIII", T0 + us // 1000000, us % 1000000, len(fr), len(fr)))
        self.f.write(fr)

    def close(self):
        self.f.flush()
        if self.f is not sys.stdout.buffer:
            self.f.close()


def options(cid):
    return (b"OPTIONS sip:bob@example.com SIP/2.0\r\n"
            b"Via: SIP/2.0/TCP 192.0.2.1:5099;branch=z9hG4bK-" + cid + b"\r\n"
            b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
            b"Call-ID: " + cid + b"\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


START = (b"INVITE sip:bob@example.com SIP/2.0\r\n"
         b"Via: SIP/2.0/TCP 10.1.2.3:5060;branch=z9hG4bK-flood\r\n"
         b"From: <sip:x@example.com>;tag=f\r\n")
SERVER = bytes([192, 0, 2, 200])


def flows(n, out):
    p = Pcap(out)
    for i in range(n):
        src = bytes([10, 64 + (i >> 16 & 63), i >> 8 & 255, i & 255])
        p.put(i * 10, frame(src, 1024 + i % 60000, SERVER, 5060, 1000, START))
    p.put(n * 10 + 8000000, frame(bytes([192, 0, 2, 1]), 40000, SERVER, 5060, 1, options(b"after-the-burst")))
    p.close()


def pieces(data, seg):
    for at in range(0, len(data), seg):
        yield at, data[at:at + seg]


def trickle(nbytes, seg, out, body):
    if body:
        msg = (b"MESSAGE sip:bob@example.com SIP/2.0\r\n"
               b"Via: SIP/2.0/TCP 192.0.2.1:5099;branch=z9hG4bK-t\r\n"
               b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
               b"Call-ID: trickle\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
               b"Content-Length: %d\r\n\r\n" % nbytes) + b"b" * nbytes
    else:
        line = b"X-Pad: " + b"a" * 91 + b"\r\n"
        msg = START + line * ((nbytes - len(START)) // len(line) + 1)
        msg = msg[:nbytes]
    p = Pcap(out)
    src = bytes([192, 0, 2, 1])
    for k, (at, piece) in enumerate(pieces(msg, seg)):
        p.put(k, frame(src, 40000, SERVER, 5060, 1000 + at, piece))
    p.close()


def big(n, nbytes, out, whole):
    p = Pcap(out)
    us = 0
    junk = (b"z" * 99 + b"\n") * (nbytes // 100 + 1)
    for i in range(n):
        src = bytes([10, 9, i >> 8 & 255, i & 255])
        first = options(b"big-%d" % i)
        if whole:
            msg = (options(b"msg-%d" % i).replace(b"OPTIONS sip", b"MESSAGE sip")
                   .replace(b"1 OPTIONS", b"1 MESSAGE")
                   .replace(b"Content-Length: 0", b"Content-Length: %d" % nbytes))
        else:
            msg = (options(b"cut-%d" % i).replace(b"OPTIONS sip", b"INVITE sip")
                   .replace(b"1 OPTIONS", b"1 INVITE").replace(b"Content-Length: 0", b"Content-Length: 999999999"))
        stream = first + msg + junk[:nbytes]
        for at, piece in pieces(stream, 60000):
            p.put(us, frame(src, 40000 + i % 20000, SERVER, 5060, 1000 + at, piece))
            us += 100
    p.close()


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "flows":
        flows(int(a[1]), a[2])
    elif len(a) == 4 and a[0] in ("trickle", "body"):
        trickle(int(a[1]), int(a[2]), a[3], a[0] == "body")
    elif len(a) == 4 and a[0] in ("big", "bigmsg"):
        big(int(a[1]), int(a[2]), a[3], a[0] == "bigmsg")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
