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
