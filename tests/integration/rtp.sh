# Integration tests of `sipscope rtp` and --rtp, sourced by run.sh (uses its
# BIN, T, CORPUS, ROOT and ok/bad/skp/expect; after the db tests: $T/all.db).

# --- media: sipscope rtp ---------------------------------------------------
python3 "$ROOT/tests/bench/gen_rtp.py" "$T/rtp.pcap" 2 60 >/dev/null
"$BIN" rtp -r "$T/rtp.pcap" --format json >"$T/rj"
if python3 - "$T/rj" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 4, rows
keys = {"call", "src", "dst", "ssrc", "payload_type", "codec", "packets", "lost", "jitter_ms_mean",
        "jitter_ms_max", "mos", "problems"}
for r in rows:
    assert keys <= set(r), r
    assert r["call"] in (1, 2) and r["codec"] == "PCMA/8000" and r["payload_type"] == 8, r
    assert r["packets"] + r["lost"] == 60 and r["problems"] in ([], ["loss"]), r
    assert 4.0 < r["mos"] <= 4.5, r
PY
then ok "rtp: 2 calls, 4 G.711 streams tied to their calls, packets + lost = sent"
else bad "rtp: 2 calls, 4 G.711 streams tied to their calls, packets + lost = sent" "$T/rj"; fi
python3 "$ROOT/tests/integration/rtp_compare.py" "$BIN" "$T/rtp.pcap" >"$T/rc" 2>&1
case $? in
0) ok "rtp: packets, lost, max delta and jitter equal tshark's rtp,streams (crafted capture)" ;;
77) skp "rtp vs tshark: tshark not installed" ;;
*) bad "rtp: packets, lost, max delta and jitter equal tshark's rtp,streams (crafted capture)" "$T/rc" ;;
esac
if [ -d "$CORPUS" ]; then
	python3 "$ROOT/tests/integration/rtp_compare.py" "$BIN" "$CORPUS/rtp_g711_udp.pcap" >"$T/rc" 2>&1
	case $? in
	0) ok "rtp: the corpus's G.711 + DTMF capture agrees with tshark" ;;
	77) skp "rtp vs tshark: tshark not installed" ;;
	*) bad "rtp: the corpus's G.711 + DTMF capture agrees with tshark" "$T/rc" ;;
	esac
	"$BIN" rtp -r "$CORPUS/rtp_g711_udp.pcap" --format json >"$T/out"
	[ "$(grep -c '"digit":"1"' "$T/out")" = 3 ] && [ "$(grep -c '"codec"' "$T/out")" = 6 ] &&
		grep -q '"problems":\["codec","one-way"\]' "$T/out" &&
		ok "rtp corpus: DTMF 1 in each call; PCMA sent to a PCMU answer flagged codec, one-way" ||
		bad "rtp corpus: DTMF 1 in each call; PCMA sent to a PCMU answer flagged codec, one-way" "$T/out"
fi
"$BIN" calls --rtp -r "$T/rtp.pcap" --format csv >"$T/a"
"$BIN" calls -r "$T/rtp.pcap" --format csv >"$T/b"
cmp -s "$T/a" "$T/b" && ok "calls --rtp: the signalling is what it is without" || bad "calls --rtp: the signalling is what it is without" "$T/a"
expect "rtp from a database: exit 2" 2 "$BIN" rtp -r "$T/all.db"

# The RTP samples (sipp playing G.711 and RFC 2833 DTMF, make-samples.sh):
# tshark agrees on every stream; each capture's problem is found.
python3 "$ROOT/tests/integration/rtp_compare.py" "$BIN" "$S"/rtp_*.pcap >"$T/rc" 2>&1
case $? in
0) ok "rtp samples: every stream's packets, lost, max delta and jitter equal tshark's" ;;
77) skp "rtp samples vs tshark: tshark not installed" ;;
*) bad "rtp samples: every stream's packets, lost, max delta and jitter equal tshark's" "$T/rc" ;;
esac
if python3 - "$BIN" "$S" <<'PY'
import json, subprocess, sys
def streams(name):
    out = subprocess.run([sys.argv[1], "rtp", "-r", "%s/%s.pcap" % (sys.argv[2], name), "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
g = streams("rtp_g711")
audio = [s for s in g if s["codec"] == "PCMA/8000"]
assert len(audio) == 4 and all(s["problems"] == [] and s["lost"] == 0 and s["mos"] > 4.3 for s in audio), g
assert sorted(s["call"] for s in audio) == [1, 1, 2, 2], g
ev = [s for s in g if s["codec"] == "telephone-event/8000"]
assert len(ev) == 2 and all([d["digit"] for d in s["dtmf"]] == ["1"] and s["mos"] is None for s in ev), ev
o = streams("rtp_oneway")
assert o and all("one-way" in s["problems"] for s in o), o
l = streams("rtp_loss")
lossy = [s for s in l if "loss" in s["problems"]]
assert len(lossy) == 1 and lossy[0]["lost"] > 5 and lossy[0]["mos"] < 4.2, l
assert all(s["problems"] == [] for s in l if s is not lossy[0]), l
PY
then ok "rtp samples: g711 clean both ways with DTMF 1, oneway flagged one-way, loss flagged with a lower MOS"
else bad "rtp samples: g711 clean both ways with DTMF 1, oneway flagged one-way, loss flagged with a lower MOS"; fi

# export takes the calls' media along: call 1 of rtp_g711 alone reads back
# as the same streams; all calls give the sample back byte for byte.
"$BIN" export -r "$S/rtp_g711.pcap" -c 1 -o "$T/c1.pcap" 2>/dev/null
"$BIN" rtp -r "$S/rtp_g711.pcap" --format json | grep '"call":1,' | sed 's/"first_frame":[0-9]*,"last_frame":[0-9]*,//' >"$T/a"
"$BIN" rtp -r "$T/c1.pcap" --format json | sed 's/"first_frame":[0-9]*,"last_frame":[0-9]*,//' >"$T/b"
[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" && ok "export -c 1: the call's RTP streams come along, the same figures read back" ||
	bad "export -c 1: the call's RTP streams come along, the same figures read back" "$T/b"
"$BIN" export -r "$S/rtp_g711.pcap" --all -o "$T/all.pcap" 2>/dev/null
cmp -s "$S/rtp_g711.pcap" "$T/all.pcap" && ok "export --all of rtp_g711: the sample back, byte for byte" ||
	bad "export --all of rtp_g711: the sample back, byte for byte"
