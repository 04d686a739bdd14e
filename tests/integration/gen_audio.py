#!/usr/bin/env python3
"""A G.711 call made from a known signal, and the WAVs sipscope audio must give.

Usage: gen_audio.py OUT.pcap WANT [--oneway] [--cn-dtmf] [--g723] [--ssrc-change]

OUT.pcap: INVITE (SDP offer, caller 192.0.2.10:4000) / 200 (SDP answer,
callee 192.0.2.20:5000) / ACK, then RTP: the caller sends a tone sweep as
PCMU (PT 0, SSRC 0x11111111), the callee another as PCMA (PT 8, SSRC
0x22222222) starting 10 ms later, 20 ms packets of 160 samples; then BYE.
Impairments: the caller's packet 10 is lost; the callee's packet 20 arrives
after 21 (swapped); the caller's packet 30 comes twice.
--oneway: no callee stream.  --cn-dtmf: the callee also sends a comfort
noise packet (PT 13, -40 dBov) in place of packet 40 and DTMF '5' (RFC
4733, PT 101); that block is left silent in WANT (audio_compare.py's
--noise-block checks it).
--g723: the callee's stream is sent as PT 4 (G723/8000, which sipscope
does not decode): its channel is expected silent.
--ssrc-change: from its packet 60 on, the caller sends as another source
(SSRC 0x33333333, sequence numbers and timestamps from new random bases),
as a phone or a B2BUA restarting its stream does: the stereo WAV expected
is the same (WANT-<ssrc>.wav do not apply).

WANT.wav is the stereo WAV expected (caller left, callee right, from the
first media packet), WANT-<ssrc>.wav each stream's mono WAV on its own
timeline: the samples are audioop's G.711 decoding of the very bytes
sent, silence where a packet was lost or was comfort noise.
"""
import audioop
import math
import struct
import sys
import wave

from mkpcap import csum  # (the same directory: the IPv4 header checksum)

RATE = 8000
PKT = 160
NPKT = 100
CALLER, CALLEE = (192, 0, 2, 10), (192, 0, 2, 20)


def frame(src, sport, dst, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + u


def ip(a):
    return ".".join(map(str, a))


def g711_media(port):
    return (f"m=audio {port} RTP/AVP 0 8 4 13 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:4 G723/8000\r\n"
            f"a=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n")


def sip(kind, cid, media=g711_media):
    """One message of the call (INVITE, 200, ACK, BYE, BYE200) as a frame;
    media(port) gives the SDP's m= line and attributes (gen_codec.py has
    its own)."""
    sdp = ""
    if kind in ("INVITE", "200"):
        addr, port = (CALLER, 4000) if kind == "INVITE" else (CALLEE, 5000)
        sdp = (f"v=0\r\no=- 1 1 IN IP4 {ip(addr)}\r\ns=-\r\nc=IN IP4 {ip(addr)}\r\nt=0 0\r\n"
               + media(port))
    meth = {"200": "INVITE", "BYE200": "BYE"}.get(kind, kind)
    start = {"200": "SIP/2.0 200 OK", "BYE200": "SIP/2.0 200 OK"}.get(kind, f"{kind} sip:bob@{ip(CALLEE)} SIP/2.0")
    cseq = 2 if meth == "BYE" else 1
    totag = "" if kind == "INVITE" else ";tag=b1"
    hdr = (f"{start}\r\nVia: SIP/2.0/UDP {ip(CALLER)}:5060;branch=z9hG4bK-{meth}{cseq}\r\n"
           f"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>{totag}\r\n"
           f"Call-ID: {cid}\r\nCSeq: {cseq} {meth}\r\nContact: <sip:x@{ip(CALLER)}>\r\n")
    if sdp:
        hdr += f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
    else:
        hdr += "Content-Length: 0\r\n\r\n"
    caller_sends = kind in ("INVITE", "ACK", "BYE")
    a, b = (CALLER, CALLEE) if caller_sends else (CALLEE, CALLER)
    return frame(a, 5060, b, 5060, hdr.encode())


def signal(n, f0, f1, amp):
    """A sweep from f0 to f1 Hz, its loudness stepping every block."""
    out = []
    ph = 0.0
    for i in range(n):
        f = f0 + (f1 - f0) * i / n
        ph += 2 * math.pi * f / RATE
        a = amp * (0.4 + 0.6 * ((i // PKT) % 5) / 4)
        out.append(int(a * math.sin(ph)))
    return struct.pack("<%dh" % n, *out)


def rtp(seq, ts, ssrc, pt, payload, marker=0):
    return struct.pack("!BBHII", 0x80, (marker << 7) | pt, seq & 0xffff, ts & 0xffffffff, ssrc) + payload


def main():
    out, want = sys.argv[1], sys.argv[2]
    oneway = "--oneway" in sys.argv
    cn_dtmf = "--cn-dtmf" in sys.argv
    g723 = "--g723" in sys.argv
    ssrc_change = "--ssrc-change" in sys.argv
    cid = "audio-call-1@example.com"
    t0 = 1_700_000_000.0
    pkts = [(t0, sip("INVITE", cid)), (t0 + 0.5, sip("200", cid)), (t0 + 0.51, sip("ACK", cid))]
    media_t0 = t0 + 1.0
    # caller: PCMU, seq from 65500 (wraps), ts from 4294960000 (wraps)
    sig_a = signal(NPKT * PKT, 300, 1500, 12000)
    enc_a = audioop.lin2ulaw(sig_a, 2)
    sig_b = signal(NPKT * PKT, 2000, 600, 9000)
    enc_b = audioop.lin2alaw(sig_b, 2)
    dec = {0: lambda b: audioop.ulaw2lin(b, 2), 8: lambda b: audioop.alaw2lin(b, 2)}
    streams = [dict(ssrc=0x11111111, pt=0, enc=enc_a, start=media_t0, seq0=65500, ts0=4294960000,
                    src=(CALLER, 4000), dst=(CALLEE, 5000), lost={10}, dup={30}, swap=set(), cn=set())]
    if not oneway:
        streams.append(dict(ssrc=0x22222222, pt=8, enc=enc_b, start=media_t0 + 0.010, seq0=1000,
                            ts0=123456, src=(CALLEE, 5000), dst=(CALLER, 4000), lost=set(), dup=set(),
                            swap={20, 21}, cn={40} if cn_dtmf else set()))
    # expected samples per stream, on the call's timeline (sample offset)
    per = []
    for s in streams:
        off = round((s["start"] - media_t0) * RATE)
        samples = bytearray()
        for k in range(NPKT):
            payload = s["enc"][k * PKT:(k + 1) * PKT]
            t = s["start"] + 0.020 * k
            if k == 20 and 20 in s["swap"]:  # held back: arrives just after 21
                t = s["start"] + 0.020 * 21 + 0.001
            pt = 4 if g723 and s["pt"] == 8 else s["pt"]
            if k in s["cn"]:
                pt, payload = 13, b"\x28"
            ssrc, seq, ts = s["ssrc"], s["seq0"] + k, s["ts0"] + k * PKT
            if ssrc_change and s["pt"] == 0 and k >= 60:
                ssrc, seq, ts = 0x33333333, 7000 + k - 60, 999999 + (k - 60) * PKT
            if k in s["lost"]:
                samples += bytes(2 * PKT)
            else:
                pkts.append((t, frame(s["src"][0], s["src"][1], s["dst"][0], s["dst"][1],
                                      rtp(seq, ts, ssrc, pt, payload))))
                if k in s["dup"]:
                    pkts.append((t + 0.005, frame(s["src"][0], s["src"][1], s["dst"][0], s["dst"][1],
                                                  rtp(seq, ts, ssrc, pt, payload))))
                samples += bytes(2 * PKT) if pt in (13, 4) else dec[s["pt"]](payload)
        # a stream that cannot be decoded adds nothing to the timeline
        per.append((off, b"" if g723 and s["pt"] == 8 else bytes(samples)))
        if cn_dtmf and s["pt"] == 8:
            # DTMF '5' (event 5) during packets 50..52, three packets, the last an end
            for j in range(3):
                ev = struct.pack("!BBH", 5, (0x80 if j == 2 else 0) | 10, 160 * (j + 1))
                seqn = s["seq0"] + NPKT + j
                pkts.append((s["start"] + 0.020 * NPKT + 0.020 * j,
                             frame(s["src"][0], s["src"][1], s["dst"][0], s["dst"][1],
                                   rtp(seqn, s["ts0"] + NPKT * PKT, s["ssrc"], 101, ev, marker=int(j == 0)))))
    pkts.append((media_t0 + 2.5, sip("BYE", cid)))
    pkts.append((media_t0 + 2.51, sip("BYE200", cid)))
    pkts.sort(key=lambda p: p[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, fr in pkts:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
    # the stereo WAV: caller left, callee right
    n = max(off + len(b) // 2 for off, b in per)
    chans = [[0] * n, [0] * n]
    for i, (off, b) in enumerate(per):
        vals = struct.unpack("<%dh" % (len(b) // 2), b)
        chans[i][off:off + len(vals)] = vals
    write_wav(want + ".wav", 2, [v for pair in zip(*chans) for v in pair])
    for s, (off, b) in zip(streams, per):
        write_wav("%s-%08x.wav" % (want, s["ssrc"]), 1, list(struct.unpack("<%dh" % (len(b) // 2), b)))


def write_wav(path, channels, vals):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % len(vals), *vals))


if __name__ == "__main__":
    main()
