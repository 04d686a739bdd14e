#!/usr/bin/env python3
"""The Prometheus text of sipscope -N against the batch commands, and a
Prometheus server's HTTP API.

  metrics_check.py compare PROM CALLS_JSON STATS_JSON CHECK_JSON RTP_JSON PACKETS [--no-findings]
      every metric against calls/stats/check/rtp --format json of the same
      packets (and the packets -N read); prints each mismatch, exit 1
  metrics_check.py query URL EXPR WANT SECONDS
      polls URL/api/v1/query?query=EXPR until its single value is WANT
      (at most SECONDS); prints the last answer, exit 1 when it never was
  metrics_check.py fetch URL OUT
      GET URL into OUT (exit 1 on an error)
  metrics_check.py ready URL SECONDS
      until GET URL answers 200
  metrics_check.py sample URL SAMPLE WANT SECONDS
      polls the exposition text at URL until the line SAMPLE (name and
      labels) has the value WANT (at most SECONDS); exit 1 when it never had
  metrics_check.py port
      prints a free TCP port of 127.0.0.1
  metrics_check.py slowcat OUT SECONDS PCAP...
      the packets of the pcap files one after another as one pcap on
      standard output (the first file's header), a pause of SECONDS after
      each file; the same bytes into OUT
"""
import json
import re
import socket
import sys
import time
import urllib.parse
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(path):
    """{(name, frozenset(labels)): value}"""
    out = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise SystemExit("not a sample line: %r" % line)
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def total(metrics, name, **want):
    return sum(v for (n, labels), v in metrics.items()
               if n == name and all((k, w) in labels for k, w in want.items()))


def lines(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def compare(args):
    prom, calls_p, stats_p, check_p, rtp_p, packets = args[:6]
    findings = "--no-findings" not in args
    m = parse(prom)
    calls = lines(calls_p)
    stats = json.load(open(stats_p))
    bad = []

    def eq(what, got, want, tol=0.0):
        if abs(got - want) > tol:
            bad.append("%s: metrics %s, batch %s" % (what, got, want))

    eq("messages", total(m, "sipscope_messages_total"), stats["messages"])
    for meth, v in stats["requests"].items():
        eq("requests " + meth, total(m, "sipscope_messages_total", method=meth, status=""), v["count"])
    for code, v in stats["responses"].items():
        eq("responses " + code, total(m, "sipscope_messages_total", status=code), v["count"])
    eq("retransmissions", total(m, "sipscope_retransmissions_total"), stats["retransmissions"])
    states = {}
    for c in calls:
        states[c["state"]] = states.get(c["state"], 0) + 1
    for st, n in states.items():
        eq("calls " + st, total(m, "sipscope_calls_total", state=st), n)
    eq("calls, all states", total(m, "sipscope_calls_total"), len(calls))
    eq("calls active at the end", total(m, "sipscope_calls_active"), 0)
    setup = [c["setup_ms"] / 1000 for c in calls if c["setup_ms"] is not None]
    dur = [c["duration_s"] for c in calls if c["duration_s"] is not None]
    eq("setup count", total(m, "sipscope_call_setup_seconds_count"), len(setup))
    eq("setup sum", total(m, "sipscope_call_setup_seconds_sum"), sum(setup), 1e-6 * (len(setup) + 1))
    eq("setup <= 0.25 s", total(m, "sipscope_call_setup_seconds_bucket", le="0.25"),
       len([s for s in setup if s <= 0.25]))
    eq("duration count", total(m, "sipscope_call_duration_seconds_count"), len(dur))
    eq("duration sum", total(m, "sipscope_call_duration_seconds_sum"), sum(dur), 1e-5 * (len(dur) + 1))
    eq("duration <= 1 s", total(m, "sipscope_call_duration_seconds_bucket", le="1"),
       len([d for d in dur if d <= 1]))
    if findings:
        f = {}
        for x in lines(check_p):
            f[(x["rule"], x["severity"])] = f.get((x["rule"], x["severity"]), 0) + 1
        for (rule, sev), n in f.items():
            eq("findings %s %s" % (rule, sev), total(m, "sipscope_findings_total", rule=rule, severity=sev), n)
        eq("findings, all", total(m, "sipscope_findings_total"), sum(f.values()))
    rtp = lines(rtp_p)
    eq("rtp streams", total(m, "sipscope_rtp_streams_total"), len(rtp))
    eq("rtp lost", total(m, "sipscope_rtp_lost_packets_total"), sum(max(s["lost"], 0) for s in rtp))
    mos = [s["mos"] for s in rtp if s.get("mos")]
    eq("rtp mos count", total(m, "sipscope_rtp_mos_count"), len(mos))
    eq("rtp mos sum", total(m, "sipscope_rtp_mos_sum"), sum(mos), 0.01 * (len(mos) + 1))
    eq("capture packets", total(m, "sipscope_capture_packets_total"), int(packets))
    for b in bad:
        print(b)
    if not calls or not stats["messages"]:
        print("nothing compared: no calls")
        return 1
    print("%d metrics compared" % len(m))
    return 1 if bad else 0


def get(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def query(url, expr, want, seconds):
    end = time.time() + float(seconds)
    last = ""
    while True:
        try:
            _, body = get(url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
            last = body.decode()
            res = json.loads(last)["data"]["result"]
            if len(res) == 1 and float(res[0]["value"][1]) == float(want):
                print("%s = %s" % (expr, want))
                return 0
        except (OSError, ValueError, KeyError) as e:
            last = str(e)
        if time.time() >= end:
            print("%s: never %s; last answer: %s" % (expr, want, last[:500]))
            return 1
        time.sleep(0.3)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "compare":
        return compare(args)
    if cmd == "query":
        return query(*args)
    if cmd == "fetch":
        try:
            _, body = get(args[0])
        except OSError as e:
            print(e)
            return 1
        open(args[1], "wb").write(body)
        return 0
    if cmd == "ready":
        end = time.time() + float(args[1])
        while time.time() < end:
            try:
                if get(args[0], 1)[0] == 200:
                    return 0
            except OSError:
                pass
            time.sleep(0.2)
        return 1
    if cmd == "sample":
        # sample URL NAME VALUE SECONDS [NAME VALUE ...]: every pair seen
        # in one scrape (values read in separate scrapes could straddle
        # the end of the capture)
        end = time.time() + float(args[3])
        want = [(args[1], args[2])] + list(zip(args[4::2], args[5::2]))
        got = None
        while True:
            try:
                text = get(args[0], 1)[1].decode()
                got = {}
                for l in text.splitlines():
                    for name, _ in want:
                        if l.startswith(name + " "):
                            got[name] = l.split(" ")[-1]
                if all(n in got and float(got[n]) == float(v) for n, v in want):
                    print(" ".join("%s %s" % nv for nv in want))
                    return 0
            except OSError as e:
                got = str(e)
            if time.time() >= end:
                print("never %s (last: %s)" % (" ".join("%s %s" % nv for nv in want), got))
                return 1
            time.sleep(0.1)
    if cmd == "slowcat":
        out = open(args[0], "wb")
        for i, path in enumerate(args[2:]):
            data = open(path, "rb").read()
            body = data if i == 0 else data[24:]
            out.write(body)
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
            time.sleep(float(args[1]))
        return 0
    if cmd == "port":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
        s.close()
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
