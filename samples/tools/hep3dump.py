#!/usr/bin/env python3
"""hep3dump.py - list the HEP v3 (EEP) packets of a classic pcap file.

Usage: hep3dump.py FILE.pcap [PORT]

Reads a classic pcap (Ethernet or Linux cooked link type) with the Python
standard library only, takes every UDP datagram to or from PORT (19060 by
default) whose payload starts with "HEP3", decodes its chunks (RFC-less
HEP v3 / EEP as used by Homer, sngrep, kamailio siptrace) and prints one
line per packet: frame number, captured source and destination of the
encapsulated packet, transport, capture id, and the first line of the SIP
payload.  Exits 1 if the file holds no HEP v3 packet.

tshark 4.0 (Debian bookworm) has no HEP dissector, so make-samples.sh
uses this to check hep3_udp.pcap.
"""
import ipaddress
import signal
import struct
import sys

PROTO = {6: "TCP", 17: "UDP", 132: "SCTP"}


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            raise SystemExit(f"{path}: not a pcap file")
        magic = head[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            end = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            end = ">"
        else:
            raise SystemExit(f"{path}: not a classic pcap file")
        linktype = struct.unpack(end + "I", head[20:24])[0] & 0xFFFFFFF
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(end + "I", rec[8:12])[0]
            yield linktype, f.read(caplen)


def udp_payload(linktype, frame):
    if linktype == 1:  # Ethernet
        off, etype = 14, struct.unpack("!H", frame[12:14])[0]
        while etype in (0x8100, 0x88A8):
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
    elif linktype == 113:  # Linux cooked
        off, etype = 16, struct.unpack("!H", frame[14:16])[0]
    else:
        return None
    if etype == 0x0800 and frame[off + 9] == 17:
        if struct.unpack("!H", frame[off + 6:off + 8])[0] & 0x3FFF:
            return None  # a fragment
        off += (frame[off] & 0x0F) * 4
    elif etype == 0x86DD and frame[off + 6] == 17:
        off += 40
    else:
        return None
    sport, dport, ulen = struct.unpack("!HHH", frame[off:off + 6])
    return sport, dport, frame[off + 8:off + ulen]


def chunks(data):
    """HEP3 header: "HEP3", total length; then chunks: vendor(2) type(2) len(2) value."""
    total = struct.unpack("!H", data[4:6])[0]
    pos, out = 6, {}
    while pos + 6 <= min(total, len(data)):
        vendor, ctype, clen = struct.unpack("!HHH", data[pos:pos + 6])
        if clen < 6:
            break
        out[(vendor, ctype)] = data[pos + 6:pos + clen]
        pos += clen
    return out


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under head(1)
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    port = int(sys.argv[2]) if len(sys.argv) == 3 else 19060
    count = 0
    for num, (linktype, frame) in enumerate(packets(sys.argv[1]), 1):
        udp = udp_payload(linktype, frame)
        if not udp or port not in udp[:2] or not udp[2].startswith(b"HEP3"):
            continue
        c = chunks(udp[2])
        u8 = lambda t: c[(0, t)][0] if (0, t) in c else None
        u16 = lambda t: struct.unpack("!H", c[(0, t)])[0] if (0, t) in c else None
        u32 = lambda t: struct.unpack("!I", c[(0, t)])[0] if (0, t) in c else None
        family = u8(1)
        if family == 2:
            src, dst = (str(ipaddress.IPv4Address(c.get((0, t), b"\0" * 4))) for t in (3, 4))
        else:
            src, dst = (f"[{ipaddress.IPv6Address(c.get((0, t), bytes(16)))}]" for t in (5, 6))
        payload = c.get((0, 15), b"")
        first = payload.split(b"\r\n", 1)[0].decode("latin-1")
        print(f"{num}\t{src}:{u16(7)} -> {dst}:{u16(8)}\t{PROTO.get(u8(2), u8(2))}"
              f"\tts={u32(9)}.{u32(10):06d}\tptype={u8(11)}\tcapid={u32(12)}\t{first}")
        count += 1
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
