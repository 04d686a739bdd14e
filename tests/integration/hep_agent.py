#!/usr/bin/env python3
"""hep_agent.py - HEP3 traffic for the collector tests (loopback only).

  hep_agent.py idle-agent PORT N MSGS HOLD
      open N TCP connections to PORT, every second one sending half a HEP3
      header and nothing more; 1.5 s later one agent connects once, sends
      MSGS SIP messages as HEP3 and closes (no retry); the idle connections
      are held HOLD seconds more.  Prints "sent MSGS" or "agent: ERROR".
  hep_agent.py udp PORT MSGS [TS]
      MSGS SIP OPTIONS as HEP3 datagrams to PORT; TS: a constant HEP time
      (seconds) for all of them, else the clock.  Prints "sent MSGS".
  hep_agent.py calls PORT CALLS TS OPEN
      CALLS calls (INVITE, 200, ACK, BYE, 200) as HEP3 datagrams, all with
      the HEP time TS (seconds); every OPENth call is left answered (no
      BYE).  At most ~4000 messages/s, so loopback keeps them all.
  hep_agent.py stall PORT WAIT
      one TCP connection that sends half a HEP3 header and nothing more;
      prints "closed after S s" when the collector closes it, or "open
      after WAIT s".
  hep_agent.py closer PORT WAIT
      a collector that times out its first connection (closes it 0.5 s after
      accepting it, nothing read), then counts the HEP3 packets of the next
      ones; prints "listening", then "got N" once a connection brought
      packets and closed, or after WAIT s.
Environment: HEP_KEY, when set, goes in every packet (auth key chunk).
"""
import os
import socket
import struct
import sys
import time


def chunk(t, v):
    return struct.pack("!HHH", 0, t, 6 + len(v)) + v


def hep3(payload, sport, dport, ts):
    sec = int(ts)
    usec = int((ts - sec) * 1e6)
    body = b"".join([
        chunk(1, b"\x02"), chunk(2, b"\x11"),
        chunk(3, socket.inet_aton("10.0.0.1")), chunk(4, socket.inet_aton("10.0.0.2")),
        chunk(7, struct.pack("!H", sport)), chunk(8, struct.pack("!H", dport)),
        chunk(9, struct.pack("!I", sec)), chunk(10, struct.pack("!I", usec)),
        chunk(11, b"\x01"), chunk(12, struct.pack("!I", 7))] +
        ([chunk(14, os.environ["HEP_KEY"].encode())] if os.environ.get("HEP_KEY") else []) +
        [chunk(15, payload)])
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def options(i):
    return ("OPTIONS sip:b@10.0.0.2 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-o%d\r\n"
            "From: <sip:a@10.0.0.1>;tag=f%d\r\nTo: <sip:b@10.0.0.2>\r\n"
            "Call-ID: opt-%d@agent\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n" % (i, i, i)).encode()


def call_msgs(i, bye=True):
    cid = "call-%d@agent" % i
    hdr = ("From: <sip:a@10.0.0.1>;tag=f%d\r\nTo: <sip:b@10.0.0.2>%s\r\n"
           "Call-ID: %s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n")
    via = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%s%d\r\n"
    out = []
    out.append(("INVITE sip:b@10.0.0.2 SIP/2.0\r\n" + via % ("i", i) +
                "Contact: <sip:a@10.0.0.1>\r\n" + hdr % (i, "", cid, 1, "INVITE"), 5060, 5061))
    out.append(("SIP/2.0 200 OK\r\n" + via % ("i", i) + "Contact: <sip:b@10.0.0.2>\r\n" +
                hdr % (i, ";tag=t%d" % i, cid, 1, "INVITE"), 5061, 5060))
    out.append(("ACK sip:b@10.0.0.2 SIP/2.0\r\n" + via % ("a", i) +
                hdr % (i, ";tag=t%d" % i, cid, 1, "ACK"), 5060, 5061))
    if not bye:
        return [(m.encode(), s, d) for m, s, d in out]
    out.append(("BYE sip:b@10.0.0.2 SIP/2.0\r\n" + via % ("b", i) +
                hdr % (i, ";tag=t%d" % i, cid, 2, "BYE"), 5060, 5061))
    out.append(("SIP/2.0 200 OK\r\n" + via % ("b", i) +
                hdr % (i, ";tag=t%d" % i, cid, 2, "BYE"), 5061, 5060))
    return [(m.encode(), s, d) for m, s, d in out]


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "idle-agent":
        n, msgs, hold = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        idle = []
        for i in range(n):
            s = socket.socket()
            s.connect(("127.0.0.1", port))
            if i % 2:
                s.sendall(b"HEP3\x01")  # half a header, then nothing
            idle.append(s)
        time.sleep(1.5)
        try:
            a = socket.create_connection(("127.0.0.1", port), timeout=5)
            a.sendall(b"".join(hep3(options(i), 5060, 5061, time.time()) for i in range(msgs)))
            # the peer's close would show as an error here or as EOF
            a.shutdown(socket.SHUT_WR)
            a.settimeout(3)
            try:
                a.recv(1)
            except socket.timeout:
                pass
            a.close()
            print("sent %d" % msgs)
        except OSError as e:
            print("agent: ERROR %s" % e)
        sys.stdout.flush()
        time.sleep(hold)
        return
    if mode == "closer":
        wait = float(sys.argv[3])
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(4)
        print("listening")
        sys.stdout.flush()
        deadline, got = time.time() + wait, 0
        ls.settimeout(wait)
        try:
            c, _ = ls.accept()
            time.sleep(0.5)
            c.close()
            while time.time() < deadline and not got:
                ls.settimeout(max(0.1, deadline - time.time()))
                c, _ = ls.accept()
                c.settimeout(max(0.1, deadline - time.time()))
                data = b""
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    data += d
                c.close()
                o = 0
                while data.startswith(b"HEP3", o) and o + 6 <= len(data):
                    got += 1
                    o += struct.unpack("!H", data[o + 4:o + 6])[0]
        except (socket.timeout, OSError):
            pass
        print("got %d" % got)
        return
    if mode == "stall":
        wait, t0 = float(sys.argv[3]), time.time()
        s = socket.create_connection(("127.0.0.1", port), timeout=wait)
        s.sendall(b"HEP3\x01")
        try:
            got = s.recv(1)
            print("closed after %.1f s" % (time.time() - t0) if not got else "data?")
        except socket.timeout:
            print("open after %.0f s" % wait)
        except OSError:
            print("closed after %.1f s" % (time.time() - t0))
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ts = float(sys.argv[4]) if len(sys.argv) > 4 else None
    if mode == "udp":
        msgs = int(sys.argv[3])
        for i in range(msgs):
            s.sendto(hep3(options(i), 5060, 5061, ts if ts is not None else time.time()),
                     ("127.0.0.1", port))
        print("sent %d" % msgs)
    elif mode == "calls":
        calls, sent, every = int(sys.argv[3]), 0, int(sys.argv[5])
        for i in range(calls):
            for m, sp, dp in call_msgs(i, i % every != 0):
                s.sendto(hep3(m, sp, dp, ts if ts is not None else time.time()), ("127.0.0.1", port))
                sent += 1
            if i % 100 == 99:
                time.sleep(0.1)
        print("sent %d" % sent)


if __name__ == "__main__":
    main()
