#!/usr/bin/env python3
"""Send one SIP call's messages (INVITE, 100, 180, 200, ACK, BYE, 200) as UDP
datagrams between two loopback ports, for the viewer's live-capture test.
Nobody listens: the capture on lo sees them anyway.
Usage: send_call.py PORT_A PORT_B CALL_ID [DELAY_S [STEPS]]
STEPS: send only the first STEPS messages (5: up to the ACK, no BYE)."""
import socket
import sys
import time

a, b, cid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
sa = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sa.bind(("127.0.0.1", a))
sb.bind(("127.0.0.1", b))


def msg(start, cseq, method, branch, to_tag="", body=""):
    to = "<sip:bob@127.0.0.1:%d>" % b + (";tag=" + to_tag if to_tag else "")
    lines = [start,
             "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s" % (a, branch),
             "From: <sip:alice@127.0.0.1:%d>;tag=live1" % a,
             "To: " + to,
             "Call-ID: " + cid,
             "CSeq: %d %s" % (cseq, method),
             "Contact: <sip:alice@127.0.0.1:%d>" % a,
             "Content-Length: %d" % len(body), "", body]
    return "\r\n".join(lines).encode()


invite = "INVITE sip:bob@127.0.0.1:%d SIP/2.0" % b
steps = [
    (sa, b, msg(invite, 1, "INVITE", "z9hG4bKlive1")),
    (sb, a, msg("SIP/2.0 100 Trying", 1, "INVITE", "z9hG4bKlive1")),
    (sb, a, msg("SIP/2.0 180 Ringing", 1, "INVITE", "z9hG4bKlive1", "bob1")),
    (sb, a, msg("SIP/2.0 200 OK", 1, "INVITE", "z9hG4bKlive1", "bob1")),
    (sa, b, msg("ACK sip:bob@127.0.0.1:%d SIP/2.0" % b, 1, "ACK", "z9hG4bKlive2", "bob1")),
    (sa, b, msg("BYE sip:bob@127.0.0.1:%d SIP/2.0" % b, 2, "BYE", "z9hG4bKlive3", "bob1")),
    (sb, a, msg("SIP/2.0 200 OK", 2, "BYE", "z9hG4bKlive3", "bob1")),
]
for sock, port, data in steps[:int(sys.argv[5]) if len(sys.argv) > 5 else len(steps)]:
    sock.sendto(data, ("127.0.0.1", port))
    time.sleep(delay)
