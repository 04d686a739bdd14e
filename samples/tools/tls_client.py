#!/usr/bin/env python3
"""tls_client.py - a SIP client over TLS (sips), for the tls_sip.pcap sample.

Usage: tls_client.py --host 127.0.0.1 --port 15061 [--sni sip.sipscope.test]

Opens one TLS connection (Python's ssl module, OpenSSL underneath) with the
server name in the ClientHello (SNI), sends a REGISTER and an OPTIONS and
reads a 200 OK for each, then closes the connection (TLS close_notify, then
FIN).  The server's certificate is a throwaway one made for the run, so it
is not verified.  Python 3 standard library only.  Exit status 0 when both
requests got their 200, 1 otherwise.
"""
import argparse
import socket
import ssl
import sys

TIMEOUT = 5.0


def request(method, uri, host, lport, cseq, extra=""):
    body = ""
    return (f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/TLS {host}:{lport};branch=z9hG4bK-tls-{cseq};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sips:alice@sip.sipscope.test>;tag=tls-alice\r\n"
            f"To: <sips:alice@sip.sipscope.test>\r\n"
            f"Call-ID: tls-{method.lower()}@sipscope.invalid\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"{extra}"
            f"User-Agent: sipscope-samples tls_client.py\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def read_response(conn):
    """One response, framed by Content-Length; returns its status code."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed before a response")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            length = int(value.strip())
    while len(rest) < length:
        rest += conn.recv(4096)
    return int(head.split(b" ", 2)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=15061)
    ap.add_argument("--sni", default="sip.sipscope.test")
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((args.host, args.port), timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname=args.sni) as conn:
            lport = conn.getsockname()[1]
            contact = f"Contact: <sips:alice@{args.host}:{lport};transport=tls>\r\nExpires: 60\r\n"
            conn.sendall(request("REGISTER", "sips:sip.sipscope.test", args.host, lport, 1, contact))
            reg = read_response(conn)
            conn.sendall(request("OPTIONS", "sips:sip.sipscope.test", args.host, lport, 2))
            opt = read_response(conn)
            print(f"REGISTER -> {reg}, OPTIONS -> {opt}")
            try:
                conn.unwrap()
            except (ssl.SSLError, OSError):
                pass
    return 0 if reg == 200 and opt == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
