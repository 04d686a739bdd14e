#!/usr/bin/env python3
"""Compare a WAV sipscope audio wrote with the one expected, 20 ms block by block.

Usage: audio_compare.py GOT.wav WANT.wav [--silent-block CH:N ...] [--silent-channel CH]

Same rate, channels and length; every 160-sample (20 ms at 8 kHz) block
of every channel equal sample for sample (G.711 decoding is exact).  The
first blocks that differ are printed (channel, block, time).  Each
--silent-block CH:N must be all zeros in GOT (where a packet was lost),
and WANT must not be silent overall (so equality means something),
but for a --silent-channel (one-way audio), which must be silent in both.
GOT may also be '-': a WAV read from standard input (sizes 0xFFFFFFFF).
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
    return rate, ch, [s[c::ch] for c in range(ch)], size


def main():
    got, want = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    silent = [tuple(map(int, args[i + 1].split(":"))) for i in range(len(args)) if args[i] == "--silent-block"]
    quiet = [int(args[i + 1]) for i in range(len(args)) if args[i] == "--silent-channel"]
    grate, gch, g, gsize = read_wav(got)
    wrate, wch, w, _ = read_wav(want)
    if (grate, gch) != (wrate, wch):
        sys.exit(f"FAIL: {got} is {grate} Hz x{gch}, want {wrate} Hz x{wch}")
    if len(g[0]) != len(w[0]):
        sys.exit(f"FAIL: {got} has {len(g[0])} frames, want {len(w[0])}")
    blk = wrate // 50
    bad = []
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
