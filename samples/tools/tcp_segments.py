#!/usr/bin/env python3
"""tcp_segments.py - one SIP dialog over one TCP connection, awkwardly segmented.

Usage: tcp_segments.py [--host 127.0.0.1] [--server-port 15180] [--client-port 25180]

Runs a SIP server (a thread) and a SIP client in this one process, talking
over the kernel's real TCP on loopback.  Every write is a separate send()
on a TCP_NODELAY socket followed by a short sleep (5 ms), so on "lo" each
write becomes its own TCP segment and a capture shows exactly the cuts
below:

  client: CRLF CRLF keep-alive ping (RFC 5626 3.5.1)  server: CRLF pong
  client: INVITE (SDP), its first 20 bytes one byte per segment, the rest
          in one segment
  server: 100 Trying and 180 Ringing, two complete messages in one segment
  server: 200 OK (SDP) spread over 4 writes, cut inside the status line,
          inside a header, between the header block and the blank line, and
          inside the body
  client: ACK
  client: CRLF CRLF keep-alive ping inside the dialog  server: CRLF pong
  client: BYE                                          server: 200 OK
  client closes (FIN), server reads the end of stream and closes (FIN).

The messages form a real, consistent dialog (Via, From/To tags, Call-ID,
CSeq, Contact, Content-Length); the server builds its responses from the
request it parsed (Via, From, To, Call-ID and CSeq copied).  Call-ID, tags
and branches are fixed, so only addresses, ports and times change between
runs.  Python 3 standard library only.  Exit status 0 when the whole dialog
went through, 1 otherwise.
"""
import argparse
import socket
import sys
import threading
import time

GAP = 0.005          # pause after every write, so each write is a segment
TIMEOUT = 5.0        # any read waiting longer than this fails the run
CRLF = b"\r\n"


class SipStream:
    """Split a SIP-over-TCP byte stream into messages (RFC 3261 18.3) and
    keep-alives (CRLF CRLF ping, CRLF pong)."""

    def __init__(self, sock, name):
        self.sock, self.name, self.buf = sock, name, b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError(f"{self.name}: connection closed by the peer")
        self.buf += data

    def next(self):
        """Return ("ping", None), ("pong", None) or ("msg", (start, headers, raw))."""
        while True:
            if self.buf.startswith(b"\r\n\r\n"):
                self.buf = self.buf[4:]
                return "ping", None
            if self.buf == CRLF:
                # a lone CRLF: a pong, unless more CRLF follows (a ping)
                self.sock.settimeout(0.05)
                try:
                    self._fill()
                except (socket.timeout, EOFError):
                    pass
                finally:
                    self.sock.settimeout(TIMEOUT)
                if self.buf == CRLF:
                    self.buf = b""
                    return "pong", None
                continue
            if self.buf.startswith(CRLF) and not self.buf.startswith(b"\r\n\r\n") and len(self.buf) >= 4:
                self.buf = self.buf[2:]
                return "pong", None
            end = self.buf.find(b"\r\n\r\n")
            if end > 0:
                head = self.buf[:end].decode("utf-8")
                lines = head.split("\r\n")
                headers = []
                for line in lines[1:]:
                    if line[:1] in (" ", "\t") and headers:
                        headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
                    else:
                        k, _, v = line.partition(":")
                        headers.append((k.strip(), v.strip()))
                clen = 0
                for k, v in headers:
                    if k.lower() in ("content-length", "l"):
                        clen = int(v)
                total = end + 4 + clen
                if len(self.buf) >= total:
                    raw, self.buf = self.buf[:total], self.buf[total:]
                    return "msg", (lines[0], headers, raw)
            self._fill()


def hdr(headers, name, short=None):
    names = {name.lower()} | ({short} if short else set())
    return [v for k, v in headers if k.lower() in names]


def message(start, headers, body=b""):
    text = start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    text += f"Content-Length: {len(body)}\r\n\r\n"
    return text.encode() + body


def write(sock, data):
    sock.sendall(data)
    time.sleep(GAP)


def sdp(user, ip, port, sess):
    return (f"v=0\r\no={user} {sess} {sess} IN IP4 {ip}\r\ns=sipscope\r\n"
            f"c=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 8 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n").encode()


def server(lsock, host, port, result):
    try:
        conn, _ = lsock.accept()
        lsock.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(TIMEOUT)
        stream = SipStream(conn, "server")
        totag = "tcpseg-b1"
        while True:
            try:
                kind, msg = stream.next()
            except EOFError:
                break
            if kind == "ping":
                write(conn, CRLF)
                continue
            if kind != "msg":
                continue
            start, headers, _ = msg
            method = start.split(" ", 1)[0]
            if method == "ACK":
                continue
            common = [("Via", v) for v in hdr(headers, "Via", "v")]
            common += [("From", hdr(headers, "From", "f")[0])]
            to = hdr(headers, "To", "t")[0]
            common_to = to if ";tag=" in to else f"{to};tag={totag}"
            callid = hdr(headers, "Call-ID", "i")[0]
            cseq = hdr(headers, "CSeq")[0]
            contact = f"<sip:bob@{host}:{port};transport=tcp>"
            if method == "INVITE":
                trying = message("SIP/2.0 100 Trying", common + [
                    ("To", to), ("Call-ID", callid), ("CSeq", cseq),
                    ("Server", "sipscope-samples-tcp")])
                ringing = message("SIP/2.0 180 Ringing", common + [
                    ("To", common_to), ("Call-ID", callid), ("CSeq", cseq),
                    ("Contact", contact), ("Server", "sipscope-samples-tcp")])
                # two complete messages in one write, hence one segment
                write(conn, trying + ringing)
                time.sleep(0.15)
                ok = message("SIP/2.0 200 OK", common + [
                    ("To", common_to), ("Call-ID", callid), ("CSeq", cseq),
                    ("Contact", contact), ("Allow", "INVITE, ACK, CANCEL, BYE"),
                    ("Server", "sipscope-samples-tcp"),
                    ("Content-Type", "application/sdp")],
                    sdp("bob", host, port + 1000, 2890844527))
                # one message over four writes: inside the status line,
                # inside a header value, right before the blank line, and
                # inside the body
                hend = ok.index(b"\r\n\r\n")
                cuts = [7, ok.index(b"Call-ID:") + 13, hend + 2, hend + 4 + 40, len(ok)]
                pos = 0
                for cut in cuts:
                    write(conn, ok[pos:cut])
                    pos = cut
            else:
                write(conn, message("SIP/2.0 200 OK", common + [
                    ("To", common_to), ("Call-ID", callid), ("CSeq", cseq),
                    ("Server", "sipscope-samples-tcp")]))
        conn.close()
        result.append("ok")
    except Exception as e:  # reported by the main thread
        result.append(f"server: {e}")


def expect(stream, want):
    kind, msg = stream.next()
    got = kind if kind != "msg" else msg[0]
    if not (got == want or (kind == "msg" and msg[0].startswith(want))):
        raise RuntimeError(f"client: expected {want!r}, got {got!r}")
    return msg


def client(host, sport, cport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, cport))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(TIMEOUT)
    s.connect((host, sport))
    stream = SipStream(s, "client")
    me, peer = f"{host}:{cport}", f"{host}:{sport}"
    frm = f'"Alice" <sip:alice@{me}>;tag=tcpseg-a1'
    to = f"<sip:bob@{peer}>"
    callid = f"tcpseg-1@{host}"
    ident = [("Max-Forwards", "70"), ("From", frm)]

    time.sleep(0.1)
    write(s, b"\r\n\r\n")                       # keep-alive ping
    expect(stream, "pong")

    invite = message(f"INVITE sip:bob@{peer};transport=tcp SIP/2.0", [
        ("Via", f"SIP/2.0/TCP {me};branch=z9hG4bK-tcpseg-1;rport")] + ident + [
        ("To", to), ("Call-ID", callid), ("CSeq", "1 INVITE"),
        ("Contact", f"<sip:alice@{me};transport=tcp>"),
        ("Allow", "INVITE, ACK, CANCEL, BYE"), ("User-Agent", "sipscope-samples-tcp"),
        ("Content-Type", "application/sdp")], sdp("alice", host, cport + 1000, 2890844526))
    for i in range(20):                          # one byte per segment
        write(s, invite[i:i + 1])
    write(s, invite[20:])
    expect(stream, "SIP/2.0 100")
    expect(stream, "SIP/2.0 180")
    _, headers, _ = expect(stream, "SIP/2.0 200")
    to_tagged = hdr(headers, "To", "t")[0]
    remote = hdr(headers, "Contact", "m")[0].strip("<>")

    write(s, message(f"ACK {remote} SIP/2.0", [
        ("Via", f"SIP/2.0/TCP {me};branch=z9hG4bK-tcpseg-2;rport")] + ident + [
        ("To", to_tagged), ("Call-ID", callid), ("CSeq", "1 ACK"),
        ("User-Agent", "sipscope-samples-tcp")]))
    time.sleep(0.3)
    write(s, b"\r\n\r\n")                       # keep-alive inside the dialog
    expect(stream, "pong")
    time.sleep(0.1)
    write(s, message(f"BYE {remote} SIP/2.0", [
        ("Via", f"SIP/2.0/TCP {me};branch=z9hG4bK-tcpseg-3;rport")] + ident + [
        ("To", to_tagged), ("Call-ID", callid), ("CSeq", "2 BYE"),
        ("User-Agent", "sipscope-samples-tcp")]))
    expect(stream, "SIP/2.0 200")
    time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)                   # FIN from the client
    while s.recv(65536):                         # until the server's FIN
        pass
    s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--server-port", type=int, default=15180)
    ap.add_argument("--client-port", type=int, default=25180)
    a = ap.parse_args()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((a.host, a.server_port))
    lsock.listen(1)
    lsock.settimeout(TIMEOUT)
    result = []
    t = threading.Thread(target=server, args=(lsock, a.host, a.server_port, result))
    t.start()
    try:
        client(a.host, a.server_port, a.client_port)
    except Exception as e:
        print(f"tcp_segments: {e}", file=sys.stderr)
        t.join(TIMEOUT + 1)
        return 1
    t.join(TIMEOUT + 1)
    if result != ["ok"]:
        print(f"tcp_segments: {result}", file=sys.stderr)
        return 1
    print("tcp_segments: dialog complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
