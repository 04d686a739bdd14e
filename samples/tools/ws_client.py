#!/usr/bin/env python3
"""ws_client.py - two SIP-over-WebSocket clients (RFC 7118) talking to a proxy.

Usage: ws_client.py [--host 127.0.0.1] [--port 18080]

Opens two WebSocket connections to the proxy (kamailio with the websocket
module, see ../kamailio/kamailio-ws.cfg): an HTTP/1.1 GET with
"Upgrade: websocket", "Sec-WebSocket-Protocol: sip" and a random
Sec-WebSocket-Key, checked against the 101's Sec-WebSocket-Accept.  Every
frame the clients send is masked with a random key, as RFC 6455 requires
of a client.  Python 3 standard library only.

  bob:   REGISTER in one text frame (opcode 1)                 <- 200 OK
  alice: REGISTER fragmented over three frames: text frame with FIN=0,
         a ping control frame (opcode 9) in between, continuation frame
         (opcode 0, FIN=0), continuation frame (opcode 0, FIN=1)
                                                               <- pong, 200 OK
  alice: OPTIONS to the proxy in one binary frame (opcode 2)   <- 200 OK
  alice: INVITE bob (SDP)                                      <- 100 Trying
  bob:   <- INVITE relayed by the proxy; 180 Ringing, 486 Busy Here
         <- ACK from the proxy (hop by hop)
  alice: <- 180, 486; ACK
  alice, bob: close frame (opcode 8, status 1000)              <- close frame
         the proxy then closes the TCP connection.

Call-IDs, tags and branches are fixed; the WebSocket keys and masks are
random (as they must be), so frame bytes change from run to run.  Exit
status 0 when everything above happened, 1 otherwise.
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 5.0
OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class Ws:
    def __init__(self, name, host, port):
        self.name, self.buf, self.pongs = name, b"", []
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n"
               f"Origin: http://{host}:{port}\r\nUser-Agent: sipscope-samples-ws\r\n\r\n")
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if not lines[0].startswith("HTTP/1.1 101") or hdrs.get("sec-websocket-accept") != want \
                or hdrs.get("sec-websocket-protocol", "").lower() != "sip":
            raise RuntimeError(f"{name}: handshake refused: {lines[0]!r}")

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError(f"{self.name}: connection closed")
        self.buf += data

    def send(self, opcode, payload, fin=True):
        """One masked frame."""
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)
        time.sleep(0.005)   # one frame, one TCP segment

    def frame(self):
        """Next frame from the server: (fin, opcode, payload)."""
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                n, pos = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
                if n < 126 or pos > 2:
                    mask = b""
                    if b1 & 0x80:
                        mask, pos = self.buf[pos:pos + 4], pos + 4
                    if len(self.buf) >= pos + n:
                        payload = self.buf[pos:pos + n]
                        if mask:
                            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                        self.buf = self.buf[pos + n:]
                        return bool(b0 & 0x80), b0 & 0x0F, payload
            self._fill()

    def sip(self):
        """Next SIP message (a whole text or binary message); pongs are kept."""
        parts = []
        while True:
            fin, op, payload = self.frame()
            if op == OP_PONG:
                self.pongs.append(payload)
                continue
            if op == OP_PING:
                self.send(OP_PONG, payload)
                continue
            if op == OP_CLOSE:
                raise EOFError(f"{self.name}: close frame received")
            parts.append(payload)
            if fin:
                return b"".join(parts).decode("utf-8")

    def close(self):
        self.send(OP_CLOSE, struct.pack("!H", 1000) + b"done")
        while True:
            fin, op, payload = self.frame()
            if op == OP_CLOSE:
                break
        # the server closes the TCP connection after its close frame
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass
        self.sock.close()


def parse(text):
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    return lines[0], headers, body


def get(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def message(start, headers, body=""):
    return (start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
            + f"Content-Length: {len(body.encode())}\r\n\r\n" + body)


def expect(ws, want):
    text = ws.sip()
    start = text.split("\r\n", 1)[0]
    if not start.startswith(want):
        raise RuntimeError(f"{ws.name}: expected {want!r}, got {start!r}")
    return parse(text)


def register(user, inv, proxy, n):
    return message(f"REGISTER sip:{proxy} SIP/2.0", [
        ("Via", f"SIP/2.0/WS {inv};branch=z9hG4bK-ws-{user}-reg{n}"),
        ("Max-Forwards", "70"),
        ("From", f"<sip:{user}@{proxy}>;tag=ws-{user}-r"),
        ("To", f"<sip:{user}@{proxy}>"),
        ("Call-ID", f"ws-{user}-reg@sipscope.invalid"),
        ("CSeq", f"{n} REGISTER"),
        ("Contact", f"<sip:{user}@{inv};transport=ws>;+sip.ice;reg-id=1"
                    f';+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000{user[0]}ws01>"'),
        ("Expires", "600"),
        ("Supported", "path, outbound, gruu"),
        ("User-Agent", "sipscope-samples-ws")])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18080)
    a = ap.parse_args()
    proxy = f"{a.host}:{a.port}"
    ainv, binv = "k3v9q2c8p1xz.invalid", "m7d4w0r6t5yb.invalid"
    try:
        bob = Ws("bob", a.host, a.port)
        bob.send(OP_TEXT, register("bob", binv, proxy, 1))
        expect(bob, "SIP/2.0 200")

        alice = Ws("alice", a.host, a.port)
        reg = register("alice", ainv, proxy, 1).encode()
        cut1, cut2 = reg.index(b"\r\nCall-ID") + 7, reg.index(b"\r\nContact") + 5
        alice.send(OP_TEXT, reg[:cut1], fin=False)
        alice.send(OP_PING, b"sipscope-ping")
        alice.send(OP_CONT, reg[cut1:cut2], fin=False)
        alice.send(OP_CONT, reg[cut2:], fin=True)
        expect(alice, "SIP/2.0 200")
        if b"sipscope-ping" not in alice.pongs:
            raise RuntimeError(f"alice: no pong for the ping (got {alice.pongs!r})")

        alice.send(OP_BIN, message(f"OPTIONS sip:{proxy};transport=ws SIP/2.0", [
            ("Via", f"SIP/2.0/WS {ainv};branch=z9hG4bK-ws-alice-opt1"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:alice@{proxy}>;tag=ws-alice-o"),
            ("To", f"<sip:{proxy}>"),
            ("Call-ID", "ws-alice-options@sipscope.invalid"),
            ("CSeq", "1 OPTIONS"),
            ("Accept", "application/sdp"),
            ("User-Agent", "sipscope-samples-ws")]))
        expect(alice, "SIP/2.0 200")

        sdp = ("v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=sipscope\r\n"
               "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
               "a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
               "a=setup:actpass\r\na=rtcp-mux\r\na=sendrecv\r\n")
        inv_hdrs = [
            ("Via", f"SIP/2.0/WS {ainv};branch=z9hG4bK-ws-alice-inv1"),
            ("Max-Forwards", "70"),
            ("From", f'"Alice" <sip:alice@{proxy}>;tag=ws-alice-c'),
            ("To", f"<sip:bob@{proxy}>"),
            ("Call-ID", "ws-alice-call@sipscope.invalid"),
            ("CSeq", "1 INVITE")]
        alice.send(OP_TEXT, message(f"INVITE sip:bob@{proxy} SIP/2.0", inv_hdrs + [
            ("Contact", f"<sip:alice@{ainv};transport=ws;ob>"),
            ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"),
            ("User-Agent", "sipscope-samples-ws"),
            ("Content-Type", "application/sdp")], sdp))
        expect(alice, "SIP/2.0 100")

        start, hdrs, _ = expect(bob, "INVITE ")
        copy = [("Via", v) for v in get(hdrs, "Via")]
        rr = [("Record-Route", v) for v in get(hdrs, "Record-Route")]
        dlg = [("From", get(hdrs, "From")[0]), ("To", get(hdrs, "To")[0] + ";tag=ws-bob-c"),
               ("Call-ID", get(hdrs, "Call-ID")[0]), ("CSeq", get(hdrs, "CSeq")[0])]
        bob.send(OP_TEXT, message("SIP/2.0 180 Ringing", copy + rr + dlg + [
            ("Contact", f"<sip:bob@{binv};transport=ws;ob>"),
            ("User-Agent", "sipscope-samples-ws")]))
        time.sleep(0.2)
        bob.send(OP_TEXT, message("SIP/2.0 486 Busy Here", copy + dlg + [
            ("User-Agent", "sipscope-samples-ws")]))
        expect(bob, "ACK ")

        expect(alice, "SIP/2.0 180")
        _, hdrs, _ = expect(alice, "SIP/2.0 486")
        alice.send(OP_TEXT, message(f"ACK sip:bob@{proxy} SIP/2.0", [
            inv_hdrs[0], inv_hdrs[1], inv_hdrs[2], ("To", get(hdrs, "To")[0]),
            inv_hdrs[4], ("CSeq", "1 ACK"), ("User-Agent", "sipscope-samples-ws")]))
        time.sleep(0.2)

        alice.close()
        bob.close()
    except Exception as e:
        print(f"ws_client: {e}", file=sys.stderr)
        return 1
    print("ws_client: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
