#!/usr/bin/env python3
"""sipscope audio on a capture of real sipp calls (play_pcap_audio), against
the audio file sipp played.

Usage: audio_sipp_check.py SIPSCOPE SAMPLE.pcap PLAYED.pcap OUTDIR

samples/rtp_g711.pcap: each side of call 1 played sip-tester's g711a.pcap
(PCMA, SSRC 0xDEE0EE8F both ways).  Each --split WAV must hold exactly
audioop's A-law decoding of PLAYED.pcap's payloads in sequence order (no
packet was lost on lo), and the stereo WAV both of them, at the place
their first packet arrived.
"""
import audioop
import os
import struct
import subprocess
import sys


def pcap_payloads(path):
    data = open(path, "rb").read()
    le = data[:4] == b"\xd4\xc3\xb2\xa1"
    fmt = "<IIII" if le else ">IIII"
    link = struct.unpack("<I" if le else ">I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(fmt, data[off:off + 16])
        fr = data[off + 16:off + 16 + incl]
        off += 16 + incl
        l2 = 14 if link == 1 else 0
        ip = fr[l2:]
        ihl = (ip[0] & 15) * 4
        rtp = ip[ihl + 8:]
        seq = struct.unpack("!H", rtp[2:4])[0]
        cc = rtp[0] & 15
        out.append((seq, rtp[1] & 0x7f, rtp[12 + 4 * cc:]))
    out.sort(key=lambda p: p[0])
    return out


def wav(path):
    d = open(path, "rb").read()
    ch = struct.unpack("<H", d[22:24])[0]
    s = struct.unpack("<%dh" % ((len(d) - 44) // 2), d[44:44 + 2 * ((len(d) - 44) // 2)])
    return [list(s[c::ch]) for c in range(ch)]


def main():
    bin_, sample, played, out = sys.argv[1:5]
    ref = b"".join(audioop.alaw2lin(p, 2) for _, pt, p in pcap_payloads(played) if pt == 8)
    ref = list(struct.unpack("<%dh" % (len(ref) // 2), ref))
    if not any(ref):
        sys.exit("FAIL: the played audio is silent")
    base = os.path.join(out, "sipp.wav")
    r = subprocess.run([bin_, "audio", "-r", sample, "-c", "1", "--split", "-o", base],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: audio --split: status %d\n%s" % (r.returncode, r.stderr))
    names = ["sipp-dee0ee8f.wav", "sipp-dee0ee8f-2.wav"]
    for n in names:
        got = wav(os.path.join(out, n))[0]
        if got != ref:
            diff = next((i for i in range(min(len(got), len(ref))) if got[i] != ref[i]), None)
            sys.exit(f"FAIL: {n}: {len(got)} samples, want {len(ref)}; first difference at {diff}")
    r = subprocess.run([bin_, "audio", "-r", sample, "-c", "1", "-o", base],
                       capture_output=True, text=True)
    if r.returncode != 0 or "DTMF: 1" not in r.stderr:
        sys.exit("FAIL: audio: status %d, no 'DTMF: 1'\n%s" % (r.returncode, r.stderr))
    left, right = wav(base)
    for name, c in (("left", left), ("right", right)):
        start = next(i for i, v in enumerate(c) if v)
        lead = next(i for i, v in enumerate(ref) if v)
        if c[start - lead:start - lead + len(ref)] != ref:
            sys.exit(f"FAIL: the {name} channel does not hold the played audio from sample {start - lead}")
    print(f"ok: both directions as played, {len(ref)} samples each (split and stereo), DTMF 1")


if __name__ == "__main__":
    main()
