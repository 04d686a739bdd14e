#!/usr/bin/env python3
"""udp_sink.py - receive and count UDP datagrams until the line goes quiet.

Usage: udp_sink.py HOST PORT [IDLE_SECONDS]

Binds HOST:PORT, reads datagrams and throws them away; exits when nothing
arrived for IDLE_SECONDS (3 by default) after the first one, or after 30 s
without any, printing how many it got.  make-samples.sh uses it as the HEP
collector for hep3_udp.pcap: without a socket on the port, each datagram
draws an ICMP port unreachable and sngrep's next send() on its connected
socket fails with ECONNREFUSED, so every other HEP packet would be lost.
Exit status 0 if at least one datagram arrived.  Standard library only.
"""
import socket
import sys


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    host, port = sys.argv[1], int(sys.argv[2])
    idle = float(sys.argv[3]) if len(sys.argv) == 4 else 3.0
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(30.0)
    count = 0
    try:
        while True:
            s.recv(65535)
            count += 1
            s.settimeout(idle)
    except socket.timeout:
        pass
    print(f"udp_sink: {count} datagrams on {host}:{port}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
