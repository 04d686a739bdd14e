#!/usr/bin/env python3
"""Compare a WAV sipscope audio wrote with the one expected, 20 ms block by block.

Usage: audio_compare.py GOT.wav WANT.wav [--silent-block CH:N ...] [--silent-channel CH]
                        [--noise-at CH:SAMPLE:DBOV ...]
       audio_compare.py GOT.wav SOURCE.wav --corr MIN [--max-lag MS] [--silent-block CH:N ...]
                        [--conceal-block CH:N ...] [--noise-block CH:N:DBOV ...]
                        [--dtx-block CH:N ...] [--silent-channel CH] [--settle N]

Same rate, channels and length; every 160-sample (20 ms at 8 kHz) block
of every channel equal sample for sample (G.711 decoding is exact).  The
first blocks that differ are printed (channel, block, time).  Each
--silent-block CH:N must be all zeros in GOT (where a packet was lost),
and WANT must not be silent overall (so equality means something),
but for a --silent-channel (one-way audio), which must be silent in both.
Each --noise-at CH:SAMPLE:DBOV: the 20 ms from that sample are comfort
noise of RMS -DBOV (RFC 3389, within 1 dB) and are not compared.
GOT may also be '-': a WAV read from standard input (sizes 0xFFFFFFFF).

--corr MIN (a lossy codec): SOURCE is the signal that was encoded, on the
call's timeline, zero where nothing is compared.  Per channel, the
codec's delay is the lag (0 to --max-lag ms, default 10) that best aligns
GOT with SOURCE; then every 20 ms block of SOURCE that is not silent must
correlate at least MIN with GOT's block at that lag, and less than MIN
with its two neighbours (so a packet put in the wrong place could not
pass: the signal changes tone every block).  The block before a flagged
or silent one and the --settle N (default 1) after it are not compared: the
decoder finds its way back (G.722's ADPCM predictor takes about 40 ms).  Flags: --silent-block
all zero in GOT (no concealment in that codec); --conceal-block not silent
(the codec's concealment); --noise-block RMS of -DBOV (RFC 3389, within
1 dB); --dtx-block comfort noise of the codec after a SID (RMS over 1 and
under 1000).
"""
import struct
import sys


def read_wav(path):
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    if data[:4] != b"RIFF" or data[8:16] != b"WAVEfmt ":
        sys.exit(f"{path}: not a RIFF/WAVE file")
    fmt, ch, rate, _, _, bits = struct.unpack("<HHIIHH", data[20:36])
    if fmt != 1 or bits != 16:
        sys.exit(f"{path}: not 16-bit PCM (format {fmt}, {bits} bits)")
    if data[36:40] != b"data":
        sys.exit(f"{path}: no data chunk at 36")
    size = struct.unpack("<I", data[40:44])[0]
    body = data[44:] if size == 0xFFFFFFFF else data[44:44 + size]
    if size != 0xFFFFFFFF and (len(data) - 44 != size or struct.unpack("<I", data[4:8])[0] != 36 + size):
        sys.exit(f"{path}: RIFF/data sizes {struct.unpack('<I', data[4:8])[0]}/{size} do not match "
                 f"{len(data) - 44} data bytes")
    n = len(body) // 2
    s = struct.unpack("<%dh" % n, body[:2 * n])
    return rate, ch, [list(s[c::ch]) for c in range(ch)], size


def rms(v):
    return (sum(x * x for x in v) / len(v)) ** 0.5 if v else 0.0


def corr(a, b):
    xy = sum(x * y for x, y in zip(a, b))
    xx = sum(x * x for x in a)
    yy = sum(y * y for y in b)
    return xy / (xx * yy) ** 0.5 if xx and yy else 0.0


def lossy(args, g, w, rate):
    flag = lambda name: [tuple(map(int, args[i + 1].split(":"))) for i in range(len(args)) if args[i] == name]
    mn = float(args[args.index("--corr") + 1])
    max_lag = int(args[args.index("--max-lag") + 1]) if "--max-lag" in args else 10
    settle = int(args[args.index("--settle") + 1]) if "--settle" in args else 1
    quiet = [int(args[i + 1]) for i in range(len(args)) if args[i] == "--silent-channel"]
    silent, conceal, noise, dtx = flag("--silent-block"), flag("--conceal-block"), flag("--noise-block"), flag("--dtx-block")
    blk = rate // 50
    fails, worst = [], {}
    for c in range(len(w)):
        if c in quiet:
            if any(w[c]) or any(g[c]):
                fails.append(f"channel {c} is not silent")
            continue
        n = min(len(g[c]), len(w[c]))
        nb = n // blk
        flagged = {f[1] for f in silent + conceal + noise + dtx if f[0] == c}
        # the lag, on 100 ms of blocks 2..6 (enough for a steady codec)
        lo, hi = 2 * blk, 7 * blk
        lag = max(range(0, max_lag * rate // 1000 + 1), key=lambda L: corr(g[c][lo + L:hi + L], w[c][lo:hi]))
        own, near = [], []
        for b in range(nb):
            if any(b - k in flagged for k in range(-1, settle + 1)):
                continue
            ws = w[c][b * blk:(b + 1) * blk]
            if not any(ws) or not any(w[c][(b + 1) * blk:(b + 2) * blk]) or (b + 1) * blk + lag > len(g[c]):
                continue  # (before a silent block the delayed audio runs into it)
            gs = g[c][b * blk + lag:(b + 1) * blk + lag]
            r = corr(gs, ws)
            own.append(r)
            if r < mn:
                fails.append(f"channel {c} block {b} ({b * 20} ms): correlation {r:.3f} < {mn}")
            for nbk in (b - 1, b + 1):
                wn = w[c][nbk * blk:(nbk + 1) * blk]
                if 0 <= nbk < nb and any(wn):
                    rn = corr(gs, wn)
                    near.append(rn)
                    if rn >= mn:
                        fails.append(f"channel {c} block {b}: correlates {rn:.3f} with block {nbk}: "
                                     "the signal cannot tell a misplaced block")
        if not own:
            fails.append(f"channel {c}: no block compared")
            continue
        worst[c] = (lag, min(own), max(near) if near else 0, len(own))
        for cc, b in silent:
            if cc == c and any(g[c][b * blk:(b + 1) * blk]):
                fails.append(f"channel {c} block {b}: not silent where the packet was lost")
        for cc, b in conceal + dtx:
            if cc != c:
                continue
            r = rms(g[c][b * blk:(b + 1) * blk])
            top = 1000 if (cc, b) in dtx else 1e9
            if not 1 < r < top:
                fails.append(f"channel {c} block {b}: RMS {r:.1f}, want the codec's "
                             + ("comfort noise" if (cc, b) in dtx else "concealment"))
        for cc, b, db in noise:
            if cc != c:
                continue
            r, want = rms(g[c][b * blk:(b + 1) * blk]), 32767 * 10 ** (-db / 20)
            if not want * 10 ** (-1 / 20) < r < want * 10 ** (1 / 20):
                fails.append(f"channel {c} block {b}: comfort noise RMS {r:.1f}, want {want:.1f} (-{db} dBov)")
    for f in fails[:8]:
        print(f)
    if fails:
        sys.exit(f"FAIL: {len(fails)} findings")
    print("ok: " + "; ".join(f"channel {c}: lag {v[0]}, {v[3]} blocks, min correlation {v[1]:.3f}, "
                             f"max with a neighbour {v[2]:.3f}" for c, v in worst.items()))


def main():
    got, want = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    silent = [tuple(map(int, args[i + 1].split(":"))) for i in range(len(args)) if args[i] == "--silent-block"]
    quiet = [int(args[i + 1]) for i in range(len(args)) if args[i] == "--silent-channel"]
    grate, gch, g, gsize = read_wav(got)
    wrate, wch, w, _ = read_wav(want)
    if (grate, gch) != (wrate, wch):
        sys.exit(f"FAIL: {got} is {grate} Hz x{gch}, want {wrate} Hz x{wch}")
    if "--corr" in args:
        return lossy(args, g, w, wrate)
    if len(g[0]) != len(w[0]):
        sys.exit(f"FAIL: {got} has {len(g[0])} frames, want {len(w[0])}")
    blk = wrate // 50
    bad = []
    # comfort noise: its RMS checked, then its samples taken as WANT's
    for i in range(len(args)):
        if args[i] == "--noise-at":
            c, at, db = map(int, args[i + 1].split(":"))
            r, lvl = rms(g[c][at:at + blk]), 32767 * 10 ** (-db / 20)
            if not lvl * 10 ** (-1 / 20) < r < lvl * 10 ** (1 / 20):
                sys.exit(f"FAIL: channel {c} from sample {at}: comfort noise RMS {r:.1f}, want {lvl:.1f} (-{db} dBov)")
            g[c] = g[c][:at] + w[c][at:at + blk] + g[c][at + blk:]
    for c in range(wch):
        if c in quiet:
            if any(w[c]) or any(g[c]):
                sys.exit(f"FAIL: channel {c} is not silent")
            continue
        if not any(w[c]):
            sys.exit(f"FAIL: channel {c} of {want} is silent: the comparison would prove nothing")
        for b in range(0, len(w[c]), blk):
            if g[c][b:b + blk] != w[c][b:b + blk]:
                bad.append((c, b // blk))
    for c, b in silent:
        if any(g[c][b * blk:(b + 1) * blk]):
            bad.append((c, b))
            print(f"channel {c} block {b}: not silent where the packet was lost")
    for c, b in bad[:5]:
        print(f"channel {c} block {b} ({b * 20} ms): differs")
    if bad:
        sys.exit(f"FAIL: {len(bad)} blocks differ")
    print(f"ok: {len(w[0]) // blk} blocks x {wch} channels equal"
          + (", sizes unknown (stream)" if gsize == 0xFFFFFFFF else ""))


if __name__ == "__main__":
    main()
