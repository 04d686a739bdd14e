#!/usr/bin/env python3
"""Seed the fuzz corpora from the bundled samples.

Usage: make_seeds.py SAMPLES_DIR OUT_DIR
Writes OUT_DIR/fuzz_sip/* (SIP payloads), OUT_DIR/fuzz_sdp/* (SDP bodies)
and OUT_DIR/fuzz_decode/* (runs of Ethernet frames in the target's
length-prefixed format).
"""
import os
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        yield data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def main():
    samples, out = sys.argv[1], sys.argv[2]
    os.makedirs(f"{out}/fuzz_sip", exist_ok=True)
    os.makedirs(f"{out}/fuzz_decode", exist_ok=True)
    os.makedirs(f"{out}/fuzz_sdp", exist_ok=True)
    for name in sorted(os.listdir(samples)):
        if not name.endswith(".pcap"):
            continue
        fr = list(frames(os.path.join(samples, name)))
        run = b"\x00"
        for i, f in enumerate(fr[:24]):
            run += struct.pack("!H", len(f)) + f
            if len(f) > 42 + 20 and b"SIP/2.0" in f:
                payload = f[42:]  # Ethernet + IPv4 + UDP headers
                with open(f"{out}/fuzz_sip/{name}-{i}", "wb") as s:
                    s.write(payload)
                body = payload.find(b"\r\n\r\nv=")
                if body >= 0:
                    with open(f"{out}/fuzz_sdp/{name}-{i}", "wb") as s:
                        s.write(payload[body + 4:])
        with open(f"{out}/fuzz_decode/{name}", "wb") as s:
            s.write(run)


if __name__ == "__main__":
    main()
