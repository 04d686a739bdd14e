#!/usr/bin/env python3
"""Calls in the library codecs, encoded by real encoders from a known signal.

Usage: gen_codec.py KIND OUT.pcap WANT [G729ENC]

KIND g722: the caller sends G.722 (PT 9, ffmpeg's encoder), its packet 10
  lost and 21 before 20; the callee PCMU (PT 0) from 20 ms later, with an
  RFC 3389 comfort noise packet (-30 dBov) in place of its packet 40: a
  16 kHz call, the PCMU side resampled.
KIND opus: a one-way call in Opus (opus/48000/2, ffmpeg's libopus, stereo
  packets of the same signal on both channels), packet 10 lost (the
  decoder conceals it), 21 before 20: a 48 kHz call.
KIND gsm: a one-way call in GSM 06.10 (PT 3, ffmpeg's libgsm), packet 30
  lost (silence), 21 before 20.  GSM decoding is bit-exact: WANT is what
  ffmpeg's own decoder (not libgsm) makes of the frames that arrived.
KIND g729: a one-way call in G.729 (PT 18) from G729ENC (bcg729's encoder,
  VAD on), two 10 ms frames a packet, the 11th lost (concealed), 21 before
  20; the signal is quiet noise from 0.8 s to 1.2 s, where the encoder
  sends Annex B SID frames and then nothing (DTX).  WANT is what ffmpeg's
  G.729 decoder (not bcg729) makes of the speech frames that arrived.

WANT.wav is (but for gsm and g729) the source signal on the call's timeline at the WAV's rate
(caller left, callee right), zero where nothing is to be compared (a
lost packet, comfort noise, the quiet part).  WANT.args holds the
audio_compare.py options saying what is expected in those blocks.
"""
import math
import os
import struct
import subprocess
import sys
import tempfile
import wave

import gen_audio  # (the same directory: the call, its frames)
from gen_audio import CALLEE, CALLER, frame

SECONDS = 2.0
NBLK = 100


def sip(kind, cid, sdp_caller, sdp_callee):
    """gen_audio.py's call, each side offering its own [(pt, rtpmap)]."""
    def media(port):
        pts = sdp_caller if port == 4000 else sdp_callee
        fmts = " ".join(str(p) for p, _ in pts)
        return f"m=audio {port} RTP/AVP {fmts}\r\n" + "".join(f"a=rtpmap:{p} {n}\r\n" for p, n in pts)
    return gen_audio.sip(kind, cid, media)


def signal(rate, n, f0, f1, quiet=None):
    """A sweep f0..f1 Hz plus a tone whose frequency changes every 20 ms
    block (so a block put in its neighbour's place does not correlate),
    both band-limited below 3.4 kHz; quiet=(a, b): low noise in blocks a..b-1."""
    out = []
    ph1 = ph2 = 0.0
    seed = 12345
    blk = rate // 50
    for i in range(n):
        k = i // blk
        t = i / rate
        f = f0 + (f1 - f0) * t / SECONDS
        g = 450 + 230 * (k * 3 % 11)
        if quiet and quiet[0] <= k < quiet[1]:
            seed = (seed * 1103515245 + 12345) & 0x7fffffff
            out.append((seed >> 16) % 41 - 20)
        else:
            out.append(int(5000 * math.sin(ph1) + 5000 * math.sin(ph2)))
        ph1 += 2 * math.pi * f / rate
        ph2 += 2 * math.pi * g / rate
    return out


def lin2ulaw(v):
    """ITU-T G.711 mu-law encoding of a 16-bit sample (14 bits used)."""
    sign = 0x80 if v < 0 else 0
    mag = min(abs(v) >> 2, 8158) + 33
    seg = max(0, mag.bit_length() - 6)
    return ~(sign | seg << 4 | (mag >> (seg + 1)) & 0x0f) & 0xff


def raw(vals, channels=1):
    if channels == 2:
        vals = [v for v in vals for _ in range(2)]
    return struct.pack("<%dh" % len(vals), *vals)


def ffmpeg(inp, rate, channels, args, out):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(rate),
                    "-ac", str(channels), "-i", inp] + args + [out], check=True)


def ffmpeg_decode(tmp, fmt, data):
    open(f"{tmp}/in.{fmt}", "wb").write(data)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", fmt, "-i", f"{tmp}/in.{fmt}",
                    "-f", "s16le", "-ac", "1", f"{tmp}/out.raw"], check=True)
    d = open(f"{tmp}/out.raw", "rb").read()
    return list(struct.unpack("<%dh" % (len(d) // 2), d))


def ogg_packets(data):
    """The packets of an Ogg stream (RFC 3533), its header packets left out."""
    pkts, cur, off = [], b"", 0
    while off + 27 <= len(data):
        assert data[off:off + 4] == b"OggS"
        nseg = data[off + 26]
        lace = data[off + 27:off + 27 + nseg]
        body = off + 27 + nseg
        for ln in lace:
            cur += data[body:body + ln]
            body += ln
            if ln < 255:
                pkts.append(cur)
                cur = b""
        off = body
    return [p for p in pkts if not p.startswith((b"OpusHead", b"OpusTags"))]


def rtp(seq, ts, ssrc, pt, payload):
    return struct.pack("!BBHII", 0x80, pt, seq & 0xffff, ts & 0xffffffff, ssrc) + payload


def main():
    kind, out, want = sys.argv[1], sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="gen_codec")
    t0 = 1_700_000_000.0
    media_t0 = t0 + 1.0
    streams = []  # (ssrc, pt, src, dst, start, [(k, seq_k, ts, payload)], clock_per_pkt)
    args = []
    if kind == "g722":
        rate = 16000
        sdp_a, sdp_b = [(9, "G722/8000"), (13, "CN/8000")], [(0, "PCMU/8000"), (13, "CN/8000")]
        sa = signal(16000, 32000, 300, 3000)
        open(f"{tmp}/a.raw", "wb").write(raw(sa))
        ffmpeg(f"{tmp}/a.raw", 16000, 1, ["-c:a", "g722", "-f", "g722"], f"{tmp}/a.g722")
        enc = open(f"{tmp}/a.g722", "rb").read()
        pa = [enc[160 * k:160 * k + 160] for k in range(NBLK)]
        sb8 = signal(8000, 16000, 2000, 600)
        sb16 = signal(16000, 32000, 2000, 600)
        eb = bytes(lin2ulaw(v) for v in sb8)
        pb = [eb[160 * k:160 * k + 160] for k in range(NBLK)]
        pb[40] = b"\x1e"  # CN, -30 dBov
        streams.append(dict(ssrc=0x11111111, pt=9, pkts=pa, step=80, lost={10}, swap=True, start=0, src=sa))
        streams.append(dict(ssrc=0x22222222, pt=0, pkts=pb, step=80, lost=set(), swap=False, start=1,
                            src=sb16, cn={40}))
        args += ["--silent-block", "0:10", "--noise-block", "1:41:30"]
    elif kind == "opus":
        rate = 48000
        sdp_a = sdp_b = [(111, "opus/48000/2")]
        sa = signal(48000, 96000, 300, 3000)
        open(f"{tmp}/a.raw", "wb").write(raw(sa, 2))
        ffmpeg(f"{tmp}/a.raw", 48000, 2, ["-c:a", "libopus", "-b:a", "96k", "-frame_duration", "20",
                                          "-application", "audio", "-f", "ogg"], f"{tmp}/a.ogg")
        pa = ogg_packets(open(f"{tmp}/a.ogg", "rb").read())[:NBLK]
        streams.append(dict(ssrc=0x11111111, pt=111, pkts=pa, step=480, lost={10}, swap=True, start=0, src=sa))
        args += ["--conceal-block", "0:10", "--silent-channel", "1"]
    elif kind == "gsm":
        # GSM 06.10 decoding is bit-exact: the reference is ffmpeg's own
        # decoder (not libgsm) given the frames that arrived
        rate = 8000
        sdp_a = sdp_b = [(3, "GSM/8000")]
        sa = signal(8000, 16000, 300, 3000)
        open(f"{tmp}/a.raw", "wb").write(raw(sa))
        ffmpeg(f"{tmp}/a.raw", 8000, 1, ["-c:a", "libgsm", "-f", "gsm"], f"{tmp}/a.gsm")
        enc = open(f"{tmp}/a.gsm", "rb").read()
        pa = [enc[33 * k:33 * k + 33] for k in range(NBLK)]
        ref = ffmpeg_decode(tmp, "gsm", b"".join(p for k, p in enumerate(pa) if k != 30))
        ref = ref[:30 * 160] + [0] * 160 + ref[30 * 160:]
        streams.append(dict(ssrc=0x22222222, pt=3, pkts=pa, step=80, lost={30}, swap=True, start=0, src=ref))
        args += ["--silent-block", "0:30", "--silent-channel", "1"]
    elif kind == "g729":
        rate = 8000
        sdp_a = sdp_b = [(18, "G729/8000")]
        quiet = (40, 60)
        sa = signal(8000, 16000, 300, 3000, quiet)
        r = subprocess.run([sys.argv[4]], input=raw(sa), stdout=subprocess.PIPE, check=True).stdout
        frames, off = [], 0
        while off < len(r):
            ln = r[off]
            frames.append(r[off + 1:off + 1 + ln])
            off += 1 + ln
        # packets: up to two frames, a SID ends one, an untransmitted frame too
        pa, cur, first = [], b"", None
        for i, f in enumerate(frames):
            if f and first is None:
                first = i
            cur += f
            if cur and (len(f) != 10 or i - first == 1):
                pa.append((first, cur))
                cur, first = b"", None
        if cur:
            pa.append((first, cur))
        # the reference: ffmpeg's G.729 decoder (not bcg729) given the
        # speech frames that arrived, each at its place
        got = [(fi + j, p[10 * j:10 * j + 10]) for n, (fi, p) in enumerate(pa) if n != 10
               for j in range(len(p) // 10)]
        dec = ffmpeg_decode(tmp, "g729", b"".join(f for _, f in got))
        ref = [0] * (len(frames) * 80)
        for n, (fi, _) in enumerate(got):
            if not quiet[0] <= fi // 2 < quiet[1]:
                ref[fi * 80:fi * 80 + 80] = dec[n * 80:n * 80 + 80]
        streams.append(dict(ssrc=0x33333333, pt=18, pkts=pa, step=80, lost={10}, swap=True, start=0, src=ref,
                            framed=True))
        sent = set()
        for fi, p in pa:
            sent.update({fi // 2, (fi + len(p) // 10 + (len(p) % 10 == 2) - 1) // 2})
        dtx = [k for k in range(quiet[0], quiet[1]) if k not in sent]
        if not dtx:
            sys.exit("gen_codec: the encoder sent every frame of the quiet part: no DTX to test")
        args += ["--conceal-block", "0:%d" % (pa[10][0] // 2), "--silent-channel", "1"]
        args += [x for k in dtx for x in ("--dtx-block", "0:%d" % k)]
    else:
        sys.exit("gen_codec: KIND is g722, opus or g729")
    cid = f"codec-{kind}@example.com"
    pkts = [(t0, sip("INVITE", cid, sdp_a, sdp_b)), (t0 + 0.5, sip("200", cid, sdp_a, sdp_b)),
            (t0 + 0.51, sip("ACK", cid, sdp_a, sdp_b))]
    blk = rate // 50
    n = (NBLK + max(s["start"] for s in streams)) * blk
    chans = [[0] * n, [0] * n]
    for side, s in enumerate(streams):
        src, dst = ((CALLER, 4000), (CALLEE, 5000)) if side == 0 else ((CALLEE, 5000), (CALLER, 4000))
        start = media_t0 + 0.020 * s["start"]
        plist = s["pkts"] if s.get("framed") else [(2 * k, p) for k, p in enumerate(s["pkts"])]
        for seqi, (fi, payload) in enumerate(plist):
            k = fi // 2  # the 20 ms block it starts in
            t = start + 0.010 * fi
            if s["swap"] and seqi == 20:
                t += 0.021
            if seqi in s["lost"]:
                continue
            ts = 1000 + fi * s["step"]  # step: RTP clock ticks in 10 ms
            pt = 13 if k in s.get("cn", ()) else s["pt"]
            pkts.append((t, frame(src[0], src[1], dst[0], dst[1], rtp(7000 + seqi, ts, s["ssrc"], pt, payload))))
        off = s["start"] * blk
        for i, v in enumerate(s["src"][:NBLK * blk]):
            k = i // blk
            if k in s["lost"] and not s.get("framed") or k in s.get("cn", ()):
                continue
            chans[side][off + i] = v
    # a G.729 packet lost: its block (the 11th packet's) is not compared
    for side, s in enumerate(streams):
        if s.get("framed"):
            for seqi in s["lost"]:
                k = s["pkts"][seqi][0] // 2
                chans[side][k * blk:(k + 1) * blk] = [0] * blk
    pkts.append((media_t0 + 2.5, sip("BYE", cid, sdp_a, sdp_b)))
    pkts.append((media_t0 + 2.51, sip("BYE200", cid, sdp_a, sdp_b)))
    pkts.sort(key=lambda p: p[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, fr in pkts:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
    with wave.open(want + ".wav", "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<%dh" % (2 * n), *[v for pair in zip(*chans) for v in pair]))
    open(want + ".args", "w").write(" ".join(args) + "\n")
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
