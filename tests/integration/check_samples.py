#!/usr/bin/env python3
"""What each bundled sample must show, from how make-samples.sh made it.

Usage: check_samples.py SIPSCOPE SAMPLES_DIR
The expectations come from the sipp scenarios (call counts, final codes,
states), not from sipscope's own earlier output.  Prints one line per check
and exits 1 if any failed.
"""
import collections
import json
import os
import shutil
import subprocess
import sys


def run(binary, cmd, capture):
    out = subprocess.run([binary, cmd, "-r", capture, "--format", "json"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise AssertionError(f"exit {out.returncode}: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines()]


def expect_calls(calls, n, method, state, status, msgs=None):
    assert len(calls) == n, f"{len(calls)} calls, expected {n}"
    for c in calls:
        assert c["method"] == method, c
        assert c["state"] == state, c
        assert c["final_status"] == status, c
        if msgs is not None:
            assert c["messages"] == msgs, c
        assert c["start"] <= c["end"], c


def check_basic(binary, d, name, ncalls, transport):
    calls = run(binary, "calls", f"{d}/{name}")
    expect_calls(calls, ncalls, "INVITE", "completed", 200, 7)
    msgs = run(binary, "messages", f"{d}/{name}")
    assert all(m["transport"] == transport for m in msgs)
    seq = [m["method"] or m["status"] for m in msgs if m["call"] == 1]
    assert seq == ["INVITE", 100, 180, 200, "ACK", "BYE", 200], seq
    # Responses point at their request; ACK for 2xx is its own transaction.
    by_frame = {m["frame"]: m for m in msgs}
    for m in msgs:
        if m["status"] is not None:
            req = by_frame[m["request_frame"]]
            assert req["txn"] == m["txn"] and req["method"] == m["cseq_method"], m
    inv = [m for m in msgs if m["method"] == "INVITE"][0]
    ack = [m for m in msgs if m["method"] == "ACK" and m["call"] == inv["call"]][0]
    assert ack["txn"] != inv["txn"]
    assert len({m["dialog"] for m in msgs if m["call"] == 1}) == 1
    assert not any(m["retrans"] or m["malformed"] for m in msgs)
    return msgs


def check_busy(binary, d):
    expect_calls(run(binary, "calls", f"{d}/busy_udp.pcap"), 3, "INVITE", "busy", 486, 4)
    msgs = run(binary, "messages", f"{d}/busy_udp.pcap")
    # No 1xx with a To tag and no 2xx: no dialog is ever created (RFC 3261 12.1).
    assert all(m["dialog"] is None for m in msgs), "a 486 and its ACK make no dialog"
    for m in msgs:
        if m["method"] == "ACK":  # ACK to a non-2xx belongs to the INVITE transaction
            inv = [x for x in msgs if x["method"] == "INVITE" and x["call"] == m["call"]][0]
            assert m["txn"] == inv["txn"], m


def check_cancel(binary, d):
    expect_calls(run(binary, "calls", f"{d}/cancel_udp.pcap"), 3, "INVITE", "cancelled", 487, 7)
    msgs = run(binary, "messages", f"{d}/cancel_udp.pcap")
    for m in msgs:
        if m["method"] == "CANCEL":
            inv = [x for x in msgs if x["method"] == "INVITE" and x["call"] == m["call"]][0]
            assert m["txn"] != inv["txn"], "CANCEL is its own transaction"
            assert m["cancels_frame"] == inv["frame"], "CANCEL is linked to the INVITE it cancels"


def check_register(binary, d):
    expect_calls(run(binary, "calls", f"{d}/register_udp.pcap"), 3, "REGISTER", "completed", 200, 4)
    msgs = run(binary, "messages", f"{d}/register_udp.pcap")
    assert collections.Counter(m["status"] for m in msgs if m["status"]) == {401: 3, 200: 3}


def check_reinvite(binary, d):
    expect_calls(run(binary, "calls", f"{d}/reinvite_udp.pcap"), 2, "INVITE", "completed", 200, 13)
    msgs = run(binary, "messages", f"{d}/reinvite_udp.pcap")
    c1 = [m for m in msgs if m["call"] == 1]
    assert [m["cseq"] for m in c1 if m["method"] == "INVITE"] == [1, 2]
    assert any(m["method"] == "INFO" for m in c1)
    assert len({m["dialog"] for m in c1}) == 1, "re-INVITE and INFO stay in the dialog"
    # The hold re-INVITE offers sendonly and its 200 answers recvonly (the
    # scenario's SDP); the first offer/answer is sendrecv with PCMU.
    sdp = [(m["method"] or m["status"], m["cseq"], m["sdp"]["media"][0])
           for m in c1 if m["sdp"]]
    dirs = [(what, cseq, media["dir"]) for what, cseq, media in sdp]
    assert ("INVITE", 2, "sendonly") in dirs and (200, 2, "recvonly") in dirs, dirs
    assert ("INVITE", 1, "sendrecv") in dirs, dirs
    assert all("PCMU/8000" in media["codecs"] and media["addr"] == "127.0.0.1"
               for _, _, media in sdp)


def check_ipv6(binary, d):
    msgs = check_basic(binary, d, "basic_ipv6.pcap", 2, "UDP")
    assert all(m["src"].startswith("[::1]:") for m in msgs)


def check_proxy(binary, d):
    expect_calls(run(binary, "calls", f"{d}/proxy_rr_udp.pcap"), 3, "INVITE", "completed", 200)
    msgs = run(binary, "messages", f"{d}/proxy_rr_udp.pcap")
    invites = [m for m in msgs if m["method"] == "INVITE" and m["call"] == 1]
    assert len(invites) == 2, "the INVITE is seen on both hops"
    assert invites[0]["txn"] != invites[1]["txn"], "each hop is its own transaction"
    assert invites[0]["first_hop_frame"] is None
    assert invites[1]["first_hop_frame"] == invites[0]["frame"], "the hops are one request"
    assert not any(m["retrans"] for m in msgs), "a forwarded copy is not a retransmission"


def check_lossy(binary, d):
    calls = run(binary, "calls", f"{d}/lossy_udp.pcap")
    assert len(calls) == 8
    msgs = run(binary, "messages", f"{d}/lossy_udp.pcap")
    rt = [m for m in msgs if m["retrans"]]
    assert rt, "sipp -lost makes retransmissions"
    for m in rt:  # a retransmission repeats an earlier message of its transaction, same hop
        first = [x for x in msgs if x["txn"] == m["txn"] and x["frame"] < m["frame"]
                 and x["src"] == m["src"] and x["dst"] == m["dst"]
                 and (x["method"] or x["status"]) == (m["method"] or m["status"])]
        assert first, m


def check_lossy_vs_tshark(binary, d):
    """Retransmissions agree with tshark's sip.resend, except where tshark
    counts a request that has a new Via branch: RFC 3261 17.1.3 makes that a
    new transaction (sipp sends such a BYE when it gives up), not a repeat."""
    if not shutil.which("tshark"):
        return
    cap = f"{d}/lossy_udp.pcap"
    out = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "sip.resend == 1", "-T", "fields",
                          "-e", "frame.number"], capture_output=True, text=True, check=True)
    theirs = {int(x) for x in out.stdout.split()}
    msgs = run(binary, "messages", cap)
    ours = {m["frame"] for m in msgs if m["retrans"]}
    assert ours <= theirs, f"flagged but not by tshark: {sorted(ours - theirs)}"
    for frame in theirs - ours:
        m = [x for x in msgs if x["frame"] == frame][0]
        same = [x for x in msgs if x["frame"] < frame and x["call_id"] == m["call_id"]
                and x["cseq"] == m["cseq"] and x["method"] == m["method"]
                and x["status"] == m["status"] and x["branch"] == m["branch"]]
        assert not same, f"frame {frame} repeats an earlier message yet is not flagged"


def check_big_sdp(binary, d, name, transport, prefix):
    """Two calls whose INVITE and 200 carry ~5 KB of SDP (ICE candidates):
    over UDP each is IP fragments, over TCP several segments."""
    msgs = check_basic(binary, d, name, 2, transport)
    big = [m for m in msgs if m["sdp"]]
    assert len(big) == 4, f"{len(big)} messages with SDP"
    assert all(m["sdp"]["media"][0]["candidates"] >= 10 for m in big), \
        [m["sdp"]["media"][0]["candidates"] for m in big]
    assert all(m["src"].startswith(prefix) for m in msgs)


def check_tcp_segments(binary, d):
    """The script's own TCP peers: the INVITE starts one byte per segment,
    100 and 180 share a segment, the 200 spans four writes."""
    msgs = check_basic(binary, d, "tcp_segments.pcap", 1, "TCP")
    by = {m["method"] or m["status"]: m for m in msgs if m["cseq_method"] == "INVITE"}
    assert by[100]["frame"] == by[180]["frame"], "100 and 180 came in one segment"
    assert by["INVITE"]["frame"] < by[100]["frame"] < by[200]["frame"]


def check_ws(binary, d):
    """kamailio as WebSocket registrar and proxy, two Python WS clients."""
    calls = run(binary, "calls", f"{d}/ws_sip.pcap")
    kinds = collections.Counter((c["method"], c["state"], c["final_status"]) for c in calls)
    assert kinds == {("REGISTER", "completed", 200): 2, ("OPTIONS", "completed", 200): 1,
                     ("INVITE", "busy", 486): 1}, kinds
    msgs = run(binary, "messages", f"{d}/ws_sip.pcap")
    assert all(m["transport"] == "WS" for m in msgs)
    assert not any(m["malformed"] for m in msgs)
    inv = [m for m in msgs if m["method"] == "INVITE"]
    assert len(inv) == 2 and inv[1]["first_hop_frame"] == inv[0]["frame"], \
        "the INVITE is relayed to the second client"


def check_hep(binary, d):
    """sngrep sent basic_udp.pcap as HEP3: decapsulated, the messages are
    those of basic_udp.pcap, with their original times and addresses."""
    key = ("time", "src", "dst", "transport", "call_id", "cseq", "method", "status", "branch")
    hep = run(binary, "messages", f"{d}/hep3_udp.pcap")
    orig = run(binary, "messages", f"{d}/basic_udp.pcap")
    assert [tuple(m[k] for k in key) for m in hep] == [tuple(m[k] for k in key) for m in orig]
    assert len({m["capture_id"] for m in hep}) == 1 and hep[0]["capture_id"] is not None
    calls = run(binary, "calls", f"{d}/hep3_udp.pcap")
    expect_calls(calls, 3, "INVITE", "completed", 200, 7)


def check_tls(binary, d):
    """kamailio over TLS, no key log: no SIP can be read, the connection
    is listed with the server name the client sent, its version and suite,
    and why it was not decrypted; tshark counts the same data."""
    cap = f"{d}/tls_sip.pcap"
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    assert run(binary, "messages", cap) == []
    out = subprocess.run([binary, "stats", "-r", cap, "--format", "json"],
                         capture_output=True, text=True, check=True, env=env)
    tls = json.loads(out.stdout)["capture"]["tls"]
    assert len(tls) == 1, tls
    c = tls[0]
    assert c["server"] == "127.0.0.1:15061" and c["sni"] == "sip.sipscope.test", c
    assert c["sip"] and c["handshake_seen"], c
    assert c["version"] in ("TLS 1.2", "TLS 1.3") and c["cipher_suite"], c
    assert not c["decrypted"] and c["reason"] == "no key" and c["sip_messages"] == 0, c
    if shutil.which("tshark"):
        t = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "tcp.len > 0", "-T", "fields",
                            "-e", "frame.number", "-e", "tcp.len"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
        rows = [line.split("\t") for line in t if line]
        assert c["segments"] == len(rows), (c["segments"], len(rows))
        assert c["bytes"] == sum(int(r[1]) for r in rows), c
        assert c["first_frame"] == int(rows[0][0]) and c["last_frame"] == int(rows[-1][0]), c


def check_transport_counts(binary, d):
    """stats' capture section on the transport samples."""
    def cap(name):
        out = subprocess.run([binary, "stats", "-r", f"{d}/{name}", "--format", "json"],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["capture"]
    for name in ("frag_udp.pcap", "frag_ipv6.pcap"):
        c = cap(name)
        assert c["ip_fragments"] == {"reassembled": 4, "dropped": 0}, (name, c)
    c = cap("ws_sip.pcap")
    assert c["transports"] == {"WS": 15} and c["websocket"]["messages"] == 15, c
    c = cap("hep3_udp.pcap")
    assert c["hep"]["packets"] == 21 and len(c["hep"]["agents"]) == 1, c
    assert c["hep"]["agents"][0]["messages"] == 21, c
    c = cap("frag_tcp.pcap")
    assert c["tcp"]["gaps"] == 0 and c["tcp"]["broken_messages"] == 0, c


def main():
    binary, d = sys.argv[1], sys.argv[2]
    checks = [
        ("basic_udp", lambda: check_basic(binary, d, "basic_udp.pcap", 3, "UDP")),
        ("basic_tcp", lambda: check_basic(binary, d, "basic_tcp.pcap", 3, "TCP")),
        ("basic_ipv6", lambda: check_ipv6(binary, d)),
        ("busy_udp", lambda: check_busy(binary, d)),
        ("cancel_udp", lambda: check_cancel(binary, d)),
        ("register_udp", lambda: check_register(binary, d)),
        ("reinvite_udp", lambda: check_reinvite(binary, d)),
        ("proxy_rr_udp", lambda: check_proxy(binary, d)),
        ("lossy_udp", lambda: check_lossy(binary, d)),
        ("lossy_udp vs tshark sip.resend", lambda: check_lossy_vs_tshark(binary, d)),
        ("frag_udp", lambda: check_big_sdp(binary, d, "frag_udp.pcap", "UDP", "10.99.0.")),
        ("frag_ipv6", lambda: check_big_sdp(binary, d, "frag_ipv6.pcap", "UDP", "[fd00:99::")),
        ("frag_tcp", lambda: check_big_sdp(binary, d, "frag_tcp.pcap", "TCP", "10.99.0.")),
        ("tcp_segments", lambda: check_tcp_segments(binary, d)),
        ("ws_sip", lambda: check_ws(binary, d)),
        ("hep3_udp", lambda: check_hep(binary, d)),
        ("tls_sip", lambda: check_tls(binary, d)),
        ("transport counts in stats", lambda: check_transport_counts(binary, d)),
    ]
    failed = 0
    for name, fn in checks:
        try:
            fn()
            print(f"ok   sample {name}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL sample {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
