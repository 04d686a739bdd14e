#!/usr/bin/env python3
"""tls_client.py - a SIP client over TLS (sips), for the TLS samples and
tests/integration/tls_captures.sh.

Usage: tls_client.py --host 127.0.0.1 --port 15061 [--sni sip.sipscope.test]
                     [--keylog FILE] [--tls-version 1.2|1.3] [--ciphers LIST]
                     [--call URI [--callid ID] [--big-sdp] [--options]
                      [--ws] [--coalesce] [--split] [--reconnect]]

By default it opens one TLS connection (Python's ssl module, OpenSSL
underneath) with the server name in the ClientHello (SNI), sends a REGISTER
and an OPTIONS and reads a 200 OK for each, then closes the connection (TLS
close_notify, then FIN).  Each message is one TLS record, sent at once.

  --keylog FILE      append the connection's secrets to FILE in the NSS key
                     log format (ssl's keylog_filename), so that a capture
                     of it can be decrypted
  --tls-version V    offer only TLS 1.2 or only TLS 1.3
  --ciphers LIST     the OpenSSL cipher list for TLS 1.2 (set_ciphers; the
                     TLS 1.3 suites are the server's choice)
  --call URI         instead of REGISTER and OPTIONS: a call to URI through
                     the connection: INVITE (SDP), the provisional responses
                     and the 200 OK, ACK and BYE (to the 200's Contact, with
                     its Record-Route as the route set), 200 OK for the BYE
  --callid ID        the Call-ID of the call (default tls-call@sipscope.invalid)
  --big-sdp          the INVITE's SDP is about 3 KB (one audio m= line
                     with ICE candidates), so its record is larger than
                     the others
  --options          before the call, an OPTIONS to the server itself (200)
  --ws               SIP over secure WebSocket (RFC 7118): an HTTP GET with
                     "Upgrade: websocket" and "Sec-WebSocket-Protocol: sip"
                     first, then each SIP message in one masked text frame
  --coalesce         the ACK and the BYE leave in one TCP segment, each in
                     its own TLS record
  --split            the INVITE goes in two TLS records (cut inside its
                     headers), the first one over three TCP segments
  --reconnect        after the call, a second connection that resumes the
                     TLS session (ticket or session id) and makes a second
                     call (Call-ID ID-2)

The server's certificate is a throwaway one made for the run, so it is not
verified.  Python 3 standard library only.  Exit status 0 when every request
got its 200, 1 otherwise.
"""
import argparse
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
import time

TIMEOUT = 5.0
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PAUSE = 0.02  # between writes meant to be separate TCP segments


class Conn:
    """One TLS connection through memory BIOs, so that the records and the
    TCP segments they leave in are chosen here: each write() is one TLS
    record, and send() puts the records written since the last send() on
    the wire in one segment."""

    def __init__(self, ctx, host, port, sni, session=None):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname=sni, session=session)
        self.plain = b""
        self._loop(self.tls.do_handshake)

    def _loop(self, fn, *args):
        while True:
            try:
                r = fn(*args)
                self.send()
                return r
            except ssl.SSLWantReadError:
                self.send()
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("connection closed")
                self.inc.write(data)

    def write(self, data):
        self.tls.write(data)

    def send(self):
        """The records written since the last send(), in one TCP segment."""
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def fill(self):
        self.plain += self._loop(self.tls.read, 65536)

    def close(self):
        try:
            self._loop(self.tls.unwrap)
        except (ssl.SSLError, OSError, EOFError):
            pass
        self.sock.close()


class SipStream:
    """SIP straight over the TLS connection (RFC 3261 18.3 framing)."""

    transport = "TLS"

    def __init__(self, conn, host):
        self.conn, self.sent_by = conn, f"{host}:{conn.sock.getsockname()[1]}"

    def wrap(self, msg):
        return msg

    def put(self, msg):
        self.conn.write(self.wrap(msg))

    def get(self):
        c = self.conn
        while b"\r\n\r\n" not in c.plain:
            c.fill()
        head, _, rest = c.plain.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                length = int(value.strip())
        while len(rest) < length:
            c.fill()
            head, _, rest = c.plain.partition(b"\r\n\r\n")
        c.plain = rest[length:]
        return head.decode("utf-8", "replace"), rest[:length]

    def close(self):
        self.conn.send()


class SipWs(SipStream):
    """SIP over secure WebSocket (RFC 7118, RFC 6455): one message per
    masked text frame."""

    transport = "WSS"

    def __init__(self, conn, host, port):
        self.conn = conn
        self.sent_by = base64.b32encode(os.urandom(5)).decode().lower() + ".invalid"
        key = base64.b64encode(os.urandom(16)).decode()
        conn.write((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n"
                    f"Origin: https://{host}:{port}\r\nUser-Agent: sipscope-samples tls_client.py\r\n\r\n").encode())
        conn.send()
        while b"\r\n\r\n" not in conn.plain:
            conn.fill()
        head, _, conn.plain = conn.plain.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if not lines[0].startswith("HTTP/1.1 101") or hdrs.get("sec-websocket-accept") != want:
            raise RuntimeError(f"WebSocket handshake refused: {lines[0]!r}")

    def _frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def wrap(self, msg):
        return self._frame(1, msg)

    def _next(self):
        c = self.conn
        while True:
            b = c.plain
            if len(b) >= 2:
                n, pos = b[1] & 0x7F, 2
                if n == 126:
                    n, pos = (struct.unpack("!H", b[2:4])[0], 4) if len(b) >= 4 else (None, 0)
                elif n == 127:
                    n, pos = (struct.unpack("!Q", b[2:10])[0], 10) if len(b) >= 10 else (None, 0)
                if n is not None:
                    mask = b""
                    if b[1] & 0x80:
                        mask, pos = b[pos:pos + 4], pos + 4
                    if len(b) >= pos + n:
                        payload = b[pos:pos + n]
                        if mask:
                            payload = bytes(x ^ mask[i % 4] for i, x in enumerate(payload))
                        c.plain = b[pos + n:]
                        return b[0] & 0x0F, payload
            c.fill()

    def get(self):
        while True:
            op, payload = self._next()
            if op == 9:
                self.conn.write(self._frame(10, payload))
                self.conn.send()
            elif op in (1, 2):
                head, _, body = payload.partition(b"\r\n\r\n")
                return head.decode("utf-8", "replace"), body
            elif op == 8:
                raise EOFError("WebSocket close frame")

    def close(self):
        self.conn.write(self._frame(8, struct.pack("!H", 1000)))
        self.conn.send()
        try:
            while self._next()[0] != 8:
                pass
        except (EOFError, OSError, ssl.SSLError):
            pass


def headers(head):
    out = []
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        out.append((name.strip().lower(), value.strip()))
    return out


def status(head):
    return int(head.split(" ", 2)[1])


def request(method, uri, sip, cseq, callid, branch, extra="", body=b"", ctype=None):
    if ctype:
        extra += f"Content-Type: {ctype}\r\n"
    return (f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/{sip.transport} {sip.sent_by};branch=z9hG4bK-{branch};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"{extra}"
            f"Call-ID: {callid}\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"User-Agent: sipscope-samples tls_client.py\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def sdp(host, big):
    """An audio offer; big: about 3 KB of it, WebRTC style (ICE candidates,
    a DTLS fingerprint, SSRC lines), still one m= line, so that the
    callee's one-line answer matches it (RFC 3264 6)."""
    lines = ["v=0", "o=alice 2890844526 2890844526 IN IP4 " + host, "s=sipscope TLS call",
             "c=IN IP4 " + host, "t=0 0", "m=audio 49170 RTP/AVP 0 8 101",
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
             "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"]
    if big:
        lines += ["a=ice-ufrag:Zx1Q", "a=ice-pwd:7Q2mN0c9fY3dK8rT6vB1wE4s", "a=ice-options:trickle",
                  "a=fingerprint:sha-256 " + ":".join(f"{i * 7 % 256:02X}" for i in range(32)),
                  "a=setup:actpass", "a=mid:0", "a=rtcp-mux",
                  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"]
        for i in range(24):
            net = "192.0.2" if i < 12 else "198.51.100"
            lines.append(f"a=candidate:{1467250027 + i} {1 + i % 2} udp {2122260223 - i * 100} "
                         f"{net}.{10 + i % 12} {50000 + 2 * i} typ host generation 0 network-id {i + 1}")
        for k in ("cname:sipscopeTLSsample0", "msid:sipscope-stream audio0",
                  "mslabel:sipscope-stream", "label:audio0"):
            lines.append(f"a=ssrc:3735928559 {k}")
    lines.append("a=sendrecv")
    return ("\r\n".join(lines) + "\r\n").encode()


def register_options(sip, host, args):
    """The default run: REGISTER and OPTIONS, each answered 200."""
    frm = "From: <sips:alice@sip.sipscope.test>;tag=tls-alice\r\nTo: <sips:alice@sip.sipscope.test>\r\n"
    lport = sip.conn.sock.getsockname()[1]
    contact = f"Contact: <sips:alice@{host}:{lport};transport=tls>\r\nExpires: 60\r\n"
    sip.put(request("REGISTER", "sips:sip.sipscope.test", sip, 1,
                    "tls-register@sipscope.invalid", "tls-1", frm + contact))
    sip.conn.send()
    reg = status(sip.get()[0])
    sip.put(request("OPTIONS", "sips:sip.sipscope.test", sip, 2,
                    "tls-options@sipscope.invalid", "tls-2", frm))
    sip.conn.send()
    opt = status(sip.get()[0])
    print(f"REGISTER -> {reg}, OPTIONS -> {opt}")
    return reg == 200 and opt == 200


def call(sip, host, args, callid, tag):
    """INVITE, 1xx, 200, ACK, BYE, 200; True when it all went so."""
    uri = args.call
    frm = f"From: <sip:alice@sip.sipscope.test>;tag={tag}\r\n"
    to = f"To: <{uri}>\r\n"
    if sip.transport == "WSS":
        contact = f"Contact: <sip:alice@{sip.sent_by};transport=ws>\r\n"
    else:
        contact = f"Contact: <sip:alice@{sip.sent_by};transport=tls>\r\n"
    codes = []
    if args.options:
        sip.put(request("OPTIONS", f"sip:{args.host}:{args.port};transport=tls", sip, 1,
                        callid + "-options", tag + "-o", frm + f"To: <sip:{args.host}:{args.port}>\r\n"))
        sip.conn.send()
        codes.append(("OPTIONS", status(sip.get()[0])))
    inv = request("INVITE", uri, sip, 1, callid, tag + "-1", frm + to + contact,
                  sdp(host, args.big_sdp), "application/sdp")
    if args.split:
        # two records, cut inside the Call-ID header; the first one leaves
        # in three TCP segments (cut inside its record header, then in its
        # middle), the second in a fourth
        wire = sip.wrap(inv)
        cut = len(wire) - len(inv) + inv.index(b"\r\nCall-ID:") + 10
        sip.conn.write(wire[:cut])
        rec1 = sip.conn.out.read()
        sip.conn.write(wire[cut:])
        rec2 = sip.conn.out.read()
        for piece in (rec1[:3], rec1[3:len(rec1) // 2], rec1[len(rec1) // 2:], rec2):
            sip.conn.sock.sendall(piece)
            time.sleep(PAUSE)
    else:
        sip.put(inv)
        sip.conn.send()
    while True:
        head, _ = sip.get()
        code = status(head)
        codes.append(("INVITE", code))
        if code >= 200:
            break
    if code != 200:
        print(f"{callid}: INVITE -> {code}", file=sys.stderr)
        return False
    h = headers(head)
    to_hdr = next(v for k, v in h if k in ("to", "t"))
    contact_uri = next(v for k, v in h if k in ("contact", "m"))
    contact_uri = contact_uri[contact_uri.index("<") + 1:contact_uri.index(">")]
    rr = [v for k, v in h if k == "record-route"]
    routes = [r.strip() for v in rr for r in v.split(",")][::-1]
    route = "".join(f"Route: {r}\r\n" for r in routes)
    to2 = f"To: {to_hdr}\r\n"
    ack = request("ACK", contact_uri, sip, 1, callid, tag + "-2", route + frm + to2)
    bye = request("BYE", contact_uri, sip, 2, callid, tag + "-3", route + frm + to2)
    sip.put(ack)
    if args.coalesce:
        sip.put(bye)
        sip.conn.send()
    else:
        sip.conn.send()
        time.sleep(0.05)
        sip.put(bye)
        sip.conn.send()
    code = status(sip.get()[0])
    codes.append(("BYE", code))
    print(f"{callid}: " + ", ".join(f"{m} -> {c}" for m, c in codes))
    return all(c == 200 for m, c in codes if m != "INVITE" or c >= 200)


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if args.keylog:
        ctx.keylog_filename = args.keylog
    if args.tls_version:
        v = ssl.TLSVersion.TLSv1_2 if args.tls_version == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = v
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    return ctx


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=15061)
    ap.add_argument("--sni", default="sip.sipscope.test")
    ap.add_argument("--keylog")
    ap.add_argument("--tls-version", choices=("1.2", "1.3"))
    ap.add_argument("--ciphers")
    ap.add_argument("--call", metavar="URI")
    ap.add_argument("--callid", default="tls-call@sipscope.invalid")
    ap.add_argument("--big-sdp", action="store_true")
    ap.add_argument("--options", action="store_true")
    ap.add_argument("--ws", action="store_true")
    ap.add_argument("--coalesce", action="store_true")
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--reconnect", action="store_true")
    args = ap.parse_args()
    if not args.call and (args.big_sdp or args.options or args.ws or args.coalesce
                          or args.split or args.reconnect):
        ap.error("--big-sdp, --options, --ws, --coalesce, --split and --reconnect go with --call")
    ctx = context(args)
    ok, session = True, None
    for n in range(2 if args.reconnect else 1):
        conn = Conn(ctx, args.host, args.port, args.sni, session)
        try:
            sip = SipWs(conn, args.host, args.port) if args.ws else SipStream(conn, args.host)
            if not args.call:
                ok = register_options(sip, args.host, args) and ok
            else:
                cid, tag = args.callid, "tls-alice"
                if n:
                    local, at, dom = cid.partition("@")
                    cid, tag = f"{local}-{n + 1}{at}{dom}", f"{tag}-{n + 1}"
                    print(f"session reused: {conn.tls.session_reused}")
                    ok = conn.tls.session_reused and ok
                ok = call(sip, args.host, args, cid, tag) and ok
            sip.close()
            session = conn.tls.session
        finally:
            conn.close()
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, RuntimeError, ssl.SSLError) as e:
        print(f"tls_client.py: {e}", file=sys.stderr)
        sys.exit(1)
