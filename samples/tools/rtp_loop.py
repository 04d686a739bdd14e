#!/usr/bin/env python3
"""rtp_loop.py - repeat the RTP stream of a pcap, seamlessly, for sipp to play.

Usage: rtp_loop.py IN.pcap OUT.pcap COPIES [--jitter MS] [--seed N]

Reads a classic pcap holding one RTP stream over UDP (Ethernet, IPv4 or
IPv6; e.g. sipp's /usr/share/sip-tester/g711a.pcap, 236 packets of 30 ms)
and writes COPIES copies of it back to back as one stream: each copy
continues the sequence numbers, RTP timestamps and capture times of the one
before (one packet interval after its last packet), so that
`<exec play_pcap_audio="OUT.pcap"/>` sends a longer stream without the
backward jumps that playing the file several times would give.  SSRC,
payload and marker bit stay as they are (the marker only on the very first
packet).

--jitter MS moves each packet's capture time (the time sipp sends it at) by
a random amount in [-MS, +MS] milliseconds, from a generator seeded with
--seed (default 1), so the send timing, and the jitter a receiver computes,
is the same on every run.  MS must stay below half the packet interval so
the packets keep their order.

make-samples.sh uses it for rtp_loss.pcap, whose stream must be longer
than 500 packets.  Standard library only.
"""
import random
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        end = ">"
    else:
        raise SystemExit("%s: not a classic microsecond pcap" % path)
    header = data[:24]
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, only Ethernet (1) is handled" % (path, linktype))
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        pkts.append([sec * 1000000 + usec, bytearray(data[off + 16:off + 16 + incl]), orig])
        off += 16 + incl
    return end, header, pkts


def rtp_offset(frame):
    """offset of the RTP header in an Ethernet frame, or None"""
    off = 12
    ethertype = struct.unpack(">H", frame[off:off + 2])[0]
    off += 2
    while ethertype in (0x8100, 0x88A8):
        ethertype = struct.unpack(">H", frame[off + 2:off + 4])[0]
        off += 4
    if ethertype == 0x0800:
        ihl = (frame[off] & 0x0F) * 4
        if frame[off + 9] != 17:
            return None
        off += ihl
    elif ethertype == 0x86DD:
        if frame[off + 6] != 17:
            return None
        off += 40
    else:
        return None
    off += 8  # UDP header
    if len(frame) < off + 12 or frame[off] >> 6 != 2:
        return None
    return off


def main():
    args = sys.argv[1:]
    jitter_ms, seed = 0.0, 1
    while "--jitter" in args or "--seed" in args:
        for opt in ("--jitter", "--seed"):
            if opt in args:
                i = args.index(opt)
                value = args[i + 1]
                del args[i:i + 2]
                if opt == "--jitter":
                    jitter_ms = float(value)
                else:
                    seed = int(value)
    if len(args) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, dst, copies = args[0], args[1], int(args[2])
    end, header, pkts = read_pcap(src)
    rtp = [(p, rtp_offset(p[1])) for p in pkts]
    rtp = [(p, o) for p, o in rtp if o is not None]
    if len(rtp) < 2:
        raise SystemExit("%s: fewer than 2 RTP packets" % src)
    first, last = rtp[0], rtp[-1]
    t0, t1 = first[0][0], last[0][0]
    interval_us = (t1 - t0) // (len(rtp) - 1)
    if jitter_ms * 1000 * 2 >= interval_us:
        raise SystemExit("--jitter must be below half the packet interval (%.1f ms)" % (interval_us / 1000))
    seq0 = struct.unpack(">H", first[0][1][first[1] + 2:first[1] + 4])[0]
    ts0 = struct.unpack(">I", first[0][1][first[1] + 4:first[1] + 8])[0]
    ts1 = struct.unpack(">I", last[0][1][last[1] + 4:last[1] + 8])[0]
    ts_step = (ts1 - ts0) % 2**32 // (len(rtp) - 1)
    span_us = t1 - t0 + interval_us
    span_seq = len(rtp)
    span_ts = (ts1 - ts0 + ts_step) % 2**32
    rng = random.Random(seed)
    out = bytearray(header)
    for k in range(copies):
        for n, ((t, frame, orig), o) in enumerate(rtp):
            frame = bytearray(frame)
            seq = struct.unpack(">H", frame[o + 2:o + 4])[0]
            ts = struct.unpack(">I", frame[o + 4:o + 8])[0]
            frame[o + 2:o + 4] = struct.pack(">H", (seq + k * span_seq) % 2**16)
            frame[o + 4:o + 8] = struct.pack(">I", (ts + k * span_ts) % 2**32)
            if k > 0:
                frame[o + 1] &= 0x7F  # marker only at the start of the talk spurt
            when = t + k * span_us
            if jitter_ms:
                when += int(rng.uniform(-jitter_ms, jitter_ms) * 1000)
            out += struct.pack(end + "IIII", when // 1000000, when % 1000000, len(frame), orig)
            out += frame
    with open(dst, "wb") as f:
        f.write(out)
    print("%d packets, %d copies of %d, %.3f s, first seq %d" %
          (copies * len(rtp), copies, len(rtp), copies * span_us / 1e6, seq0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
