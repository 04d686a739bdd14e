#!/usr/bin/env python3
"""Seed the fuzz corpora from the bundled samples.

Usage: make_seeds.py SAMPLES_DIR OUT_DIR
Writes OUT_DIR/fuzz_sip/* (SIP payloads), OUT_DIR/fuzz_sdp/* (SDP bodies),
OUT_DIR/fuzz_decode/* (runs of Ethernet frames in the target's
length-prefixed format), OUT_DIR/fuzz_check/* (a sample's SIP messages),
OUT_DIR/fuzz_media/* (a sample's RTP packets), OUT_DIR/fuzz_ws/* (WebSocket, HEP3 and SIP
streams in that target's segment format) and OUT_DIR/fuzz_tls_keylog/* (NSS key
logs: every label, CRLF, comments, a few broken lines).  fuzz_tcp and fuzz_ipfrag start
from nothing: their inputs are only offsets and lengths.
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


def identity_seeds(out):
    """fuzz_identity: a secsipidx-made Identity header (mode byte even) and
    JSON header / claims pairs (odd: split at the first newline)."""
    d = f"{out}/fuzz_identity"
    os.makedirs(d, exist_ok=True)
    tok = (b"eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0cy5leGFtcGxlLm9yZy9zcC5wZW0ifQ"
           b".eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxNTU1MTIzMDAwMiJdfSwiaWF0IjoxNzAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTU1NTEyMzAwMDEifSwib3JpZ2lkIjoiIn0"
           b".E7xyZy3PMi47Cj_1-AOSAQJgI4MO7dvJQQBF174Pk-pNeQgj2JZ1JFpEdKQbu39nLdGzC6V0hisfpzGpGfM_8w")
    with open(f"{d}/header", "wb") as s:
        s.write(b"\x00" + tok + b";info=<https://certs.example.org/sp.pem>;alg=ES256;ppt=shaken")
    with open(f"{d}/compact", "wb") as s:
        s.write(b"\x00" + tok.split(b".")[0] + b".." + tok.split(b".")[2] + b";info=<https://a/b.pem>")
    with open(f"{d}/json", "wb") as s:
        s.write(b"\x01" + b'{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://a/sp.pem"}\n'
                b'{"attest":"B","dest":{"tn":["1555\\u0031","+1 (555) 2"],"uri":["sip:a@b"]},"iat":1700000000,'
                b'"orig":{"tn":"15551230001"},"origid":"x","div":{"tn":"15550000000"},"x":[1.5e3,true,null,{}]}')


def main():
    samples, out = sys.argv[1], sys.argv[2]
    os.makedirs(f"{out}/fuzz_sip", exist_ok=True)
    os.makedirs(f"{out}/fuzz_decode", exist_ok=True)
    os.makedirs(f"{out}/fuzz_sdp", exist_ok=True)
    os.makedirs(f"{out}/fuzz_check", exist_ok=True)
    os.makedirs(f"{out}/fuzz_media", exist_ok=True)
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
        # fuzz_check: the sample's SIP messages cut by "\n---\n";
        # fuzz_media: its first RTP packets as records (kind, length, bytes).
        sip = [f[42:] for f in fr if len(f) > 62 and f[12:14] == b"\x08\x00" and b"SIP/2.0" in f[42:]]
        if sip:
            with open(f"{out}/fuzz_check/{name}", "wb") as s:
                s.write(b"\n---\n".join(sip[:40]))
        rtp = [f[42:] for f in fr if len(f) > 54 and f[12:14] == b"\x08\x00" and f[42] & 0xc0 == 0x80]
        if rtp:
            with open(f"{out}/fuzz_media/{name}", "wb") as s:
                for i, r in enumerate(rtp[:200]):
                    s.write(bytes([2 + (i & 1) * 8]) + struct.pack("!H", len(r)) + r)
    ws_seeds(out)
    keylog_seeds(out)
    sdp_crypto_seeds(out)
    identity_seeds(out)


def sdp_crypto_seeds(out):
    """fuzz_sdp: SDES a=crypto lines (RFC 4568) of every suite, MKI,
    lifetime, several keys, session parameters, an unknown suite."""
    head = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    seeds = {
        "offer": b"m=audio 4000 RTP/SAVP 0 8\r\n"
                 b"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
                 b"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n",
        "answer": b"m=audio 6000 RTP/SAVP 0\r\n"
                  b"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n",
        "aes256": b"m=audio 4000 RTP/SAVPF 0\r\n"
                  b"a=crypto:1 AES_256_CM_HMAC_SHA1_80 "
                  b"inline:QU5baHWCj5yptsPQ3er3BBEeKzhFUl9seYaToK26x9Th7vsIFSIvPElWY3B9ig==|2^31 KDR=1\r\n",
        "gcm": b"m=audio 4000 RTP/SAVP 0\r\n"
               b"a=crypto:1 AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n"
               b"a=crypto:2 AEAD_AES_256_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w;"
               b"inline:QUJD|2^20|7:2 UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP\r\n",
        "odd": b"m=audio 4000 RTP/SAVP 0\r\n"
               b"a=crypto:9 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\r\n"
               b"a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:bad\r\na=crypto:3\r\n"
               b"a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:====|:|1:999\r\n",
    }
    for name, body in seeds.items():
        with open(f"{out}/fuzz_sdp/crypto-{name}", "wb") as s:
            s.write(head + body)


def ws_frame(payload, opcode=1, fin=True, mask=b"\x37\xfa\x21\x3d"):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    head += bytes([m | n]) if n < 126 else bytes([m | 126]) + struct.pack("!H", n)
    if mask:
        payload = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        head += mask
    return head + payload


def segments(mode, parts):
    """fuzz_ws input: mode byte, then (length, flags, bytes) per segment."""
    out = bytes([mode])
    for flags, data in parts:
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            out += bytes([len(chunk), flags]) + chunk
    return out


def ws_seeds(out):
    os.makedirs(f"{out}/fuzz_ws", exist_ok=True)
    sip = (b"OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
           b"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n"
           b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    ok = sip.replace(b"OPTIONS sip:b@example.com SIP/2.0", b"SIP/2.0 200 OK")
    seeds = {
        "ws-whole": segments(0, [(0, ws_frame(sip)), (1, ws_frame(ok, mask=b""))]),
        "ws-fragments": segments(0, [(0, ws_frame(sip[:30], fin=False) + ws_frame(b"hi", 9)
                                      + ws_frame(sip[30:], 0))]),
        "ws-binary-close": segments(0, [(1, ws_frame(ok, 2, mask=b"") + ws_frame(b"\x03\xe8", 8))]),
        "hep3": segments(1, [(0, b"HEP3" + struct.pack("!H", 6 + 7 * 3 + len(sip) + 6)
                              + struct.pack("!HHHB", 0, 1, 7, 2) + struct.pack("!HHHB", 0, 2, 7, 17)
                              + struct.pack("!HHHB", 0, 11, 7, 1)
                              + struct.pack("!HHH", 0, 15, 6 + len(sip)) + sip)]),
        "sip": segments(2, [(0, sip), (1, ok)]),
        "tls": segments(3, [(0, b"\x17\x03\x03\x00\x05hello"), (1, b"\x16\x03\x03\x00\x01\x02")]),
    }
    for name, data in seeds.items():
        with open(f"{out}/fuzz_ws/{name}", "wb") as s:
            s.write(data)


def keylog_seeds(out):
    os.makedirs(f"{out}/fuzz_tls_keylog", exist_ok=True)
    cr, cr2 = "01" * 32, "a2" * 32
    s32, s48 = "b6" * 32, "0f" * 48
    tls13 = "".join(f"{label} {cr2} {s32}\n" for label in (
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET", "EXPORTER_SECRET"))
    seeds = {
        "tls12": f"# SSL/TLS secrets log file\r\nCLIENT_RANDOM {cr} {s48}\r\n",
        "tls13": tls13,
        "mixed": f"CLIENT_RANDOM {cr} {s48}\n\n# x\nSERVER_TRAFFIC_SECRET_0 {cr} {s48}\n"
                 f"RSA 0011223344556677 {s48}\nCLIENT_RANDOM zz{cr[2:]} {s48}\nCLIENT_RANDOM {cr}",
        "legacy": f"RSA 0011223344556677 0303{'a1' * 46}\nPMS_CLIENT_RANDOM {cr} 0303{'b2' * 46}\r\n"
                  f"RSA Session-ID:{cr} Master-Key:{s48}\nPMS_CLIENT_RANDOM {cr2} {s32}\n",
    }
    for name, data in seeds.items():
        with open(f"{out}/fuzz_tls_keylog/{name}", "w") as s:
            s.write(data)


if __name__ == "__main__":
    main()
