#!/usr/bin/env python3
"""tls_pipe.py - put an openssl s_client or s_server between a SIP peer
speaking plain TCP (sipp -t t1) and the TLS connection, for
tests/integration/tls_captures.sh.

Usage:
  tls_pipe.py client --listen PORT [--keyupdate N:CMD]... -- openssl s_client ARGS
      accept one TCP connection on 127.0.0.1:PORT (the sipp caller), then
      start the command and copy the caller's bytes to its standard input
      and its standard output back to the caller.  --keyupdate 1:k writes
      the s_client command line "k" (KeyUpdate; "K": KeyUpdate, update
      requested) after the first chunk from the caller, once s_client has
      read that chunk, and writes nothing more until it has read the
      command, so that s_client reads it alone (and a pause around it).
  tls_pipe.py server --connect HOST:PORT -- openssl s_server ARGS
      connect to the sipp callee first, then start the command and copy
      both ways.  The command's standard input is closed only once its
      standard output has ended (s_server -quiet must not see end of
      input while a connection is up).

Each chunk read from one side is written whole to the other in one write,
so s_client/s_server make one TLS record of it (up to their 8 KB/16 KB
buffer).  Everything is bounded: --timeout seconds in all (default 30).
Exit status: the command's, or 3 on a timeout, 2 on bad usage.
Python 3 standard library only.
"""
import argparse
import array
import fcntl
import os
import selectors
import socket
import subprocess
import sys
import termios
import time


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("client", "server"))
    ap.add_argument("--listen", type=int, help="client: the port the caller connects to")
    ap.add_argument("--connect", help="server: HOST:PORT of the callee")
    ap.add_argument("--keyupdate", action="append", default=[],
                    help="client: N:CMD, send CMD (k or K) to s_client after chunk N")
    ap.add_argument("--pause", type=float, default=0.3,
                    help="seconds of quiet around a --keyupdate command (default 0.3)")
    ap.add_argument("--timeout", type=float, default=30.0)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    a.cmd = argv[cut + 1:]
    if not a.cmd or (a.mode == "client") != (a.listen is not None) or \
            (a.mode == "server") != (a.connect is not None):
        ap.error("client needs --listen, server needs --connect, both a command after --")
    a.ku = {}
    for k in a.keyupdate:
        n, _, c = k.partition(":")
        if not n.isdigit() or c not in ("k", "K"):
            ap.error(f"--keyupdate {k}: want N:k or N:K")
        a.ku[int(n)] = c
    return a


def write_all(fd, data, deadline):
    while data:
        if time.monotonic() > deadline:
            raise TimeoutError
        n = os.write(fd, data)
        data = data[n:]


def drain(fd, deadline):
    """Until the reader of pipe fd has read all that was written to it."""
    n = array.array("i", [0])
    while True:
        fcntl.ioctl(fd, termios.FIONREAD, n, True)
        if n[0] == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.01)


def pump(a, sock, deadline):
    proc = subprocess.Popen(a.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "sock")
    sel.register(proc.stdout, selectors.EVENT_READ, "proc")
    chunks = 0
    sock_open = proc_open = True
    try:
        while proc_open:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            for key, _ in sel.select(min(left, 0.5)):
                if key.data == "sock":
                    data = sock.recv(65536)
                    if not data:
                        sel.unregister(sock)
                        sock_open = False
                        if a.mode == "client":
                            proc.stdin.close()  # s_client -no_ign_eof: close_notify, exit
                        continue
                    write_all(proc.stdin.fileno(), data, deadline)
                    chunks += 1
                    cmd = a.ku.get(chunks)
                    if cmd:
                        # s_client must read the command alone: once it has
                        # read everything before it, and before anything after
                        drain(proc.stdin.fileno(), deadline)
                        time.sleep(a.pause)
                        write_all(proc.stdin.fileno(), cmd.encode() + b"\n", deadline)
                        drain(proc.stdin.fileno(), deadline)
                        time.sleep(a.pause)
                else:
                    data = os.read(proc.stdout.fileno(), 65536)
                    if not data:
                        proc_open = False
                        break
                    if sock_open:
                        try:
                            sock.sendall(data)
                        except OSError:
                            pass  # the sipp peer is gone; the TLS side goes on
        rc = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except (TimeoutError, subprocess.TimeoutExpired):
        print(f"tls_pipe: {a.mode}: timeout after {a.timeout:g} s", file=sys.stderr)
        rc = 3
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        sock.close()
    return rc


def main():
    a = parse()
    deadline = time.monotonic() + a.timeout
    if a.mode == "client":
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", a.listen))
        ls.listen(1)
        ls.settimeout(a.timeout)
        try:
            sock, _ = ls.accept()
        except socket.timeout:
            print("tls_pipe: client: nobody connected", file=sys.stderr)
            return 3
        finally:
            ls.close()
    else:
        host, _, port = a.connect.rpartition(":")
        sock = None
        while sock is None:
            try:
                sock = socket.create_connection((host, int(port)), timeout=1)
            except OSError:
                if time.monotonic() > deadline:
                    print(f"tls_pipe: server: cannot connect to {a.connect}", file=sys.stderr)
                    return 3
                time.sleep(0.1)
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return pump(a, sock, deadline)


if __name__ == "__main__":
    sys.exit(main())
