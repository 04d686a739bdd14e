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
import csv
rows = list(csv.DictReader(subprocess.run([sys.argv[1], "rtp", "-r", "%s/rtp_g711.pcap" % sys.argv[2],
                                           "--format", "csv"], capture_output=True, text=True,
                                          check=True).stdout.splitlines()))
assert [r["mos"] for r in rows if r["codec"].startswith("telephone-event")] == ["", ""], rows
assert all(float(r["mos"]) > 4.3 for r in rows if r["codec"] == "PCMA/8000"), rows
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

# --- media surfaces: the ladder's RTP bands, the calls' media, media= ------
TZ=UTC "$BIN" flow --rtp -r "$S/rtp_loss.pcap" >"$T/out"
grep -q '│<═* RTP PCMA/8000 708 pkts ═*│' "$T/out" &&
	grep -q '│═* ! RTP PCMA/8000 670 pkts ═*>│' "$T/out" &&
	grep -q 'lost 38 (5.4%), jitter 6.53 ms, MOS 3.85' "$T/out" &&
	grep -q '! loss 5.4%' "$T/out" && grep -q 'DTMF 1' "$T/out" &&
	[ "$(grep -n 'RTP PCMA/8000 708' "$T/out" | cut -d: -f1)" -gt "$(grep -n ' ACK ' "$T/out" | cut -d: -f1)" ] &&
	[ "$(grep -n 'RTP PCMA/8000 708' "$T/out" | cut -d: -f1)" -lt "$(grep -n ' BYE ' "$T/out" | cut -d: -f1)" ] &&
	ok "flow --rtp: each stream a band between the SDP senders, after the ACK, with loss figures and problem" ||
	bad "flow --rtp: each stream a band between the SDP senders, after the ACK, with loss figures and problem" "$T/out"
TZ=UTC "$BIN" flow --rtp --ascii -r "$S/rtp_oneway.pcap" >"$T/out"
grep -q '|=* ! RTP PCMA/8000 236 pkts =*>|' "$T/out" && [ "$(grep -c '! one-way' "$T/out")" = 2 ] &&
	ok "flow --rtp --ascii: the one-way sample's streams marked one-way" ||
	bad "flow --rtp --ascii: the one-way sample's streams marked one-way" "$T/out"
for f in text json svg mermaid plantuml; do
	"$BIN" flow -r "$S/rtp_g711.pcap" --format $f >"$T/a" 2>/dev/null
	"$BIN" flow -r "$S/rtp_g711.pcap" --format $f --rtp >"$T/b" 2>/dev/null
	cmp -s "$T/a" "$T/b" && { bad "flow --format $f --rtp: streams shown"; continue; }
	grep -q 'RTP PCMA' "$T/b" || grep -q 'RTP PCMA&#47;' "$T/b" && ok "flow --format $f --rtp: streams shown" ||
		bad "flow --format $f --rtp: streams shown" "$T/b"
done
"$BIN" flow -r "$S/rtp_loss.pcap" --format json --rtp >"$T/out"
if python3 - "$T/out" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["calls"][0]
s = c["streams"]
assert len(s) == 3, s
lossy = [x for x in s if x["problems"] == ["loss"]]
assert len(lossy) == 1 and lossy[0]["lost"] == 38 and lossy[0]["from_column"] == 0 and lossy[0]["to_column"] == 1, s
assert all(x["after_message"] == 4 for x in s), s
PY
then ok "flow --format json --rtp: a streams array per call with figures and columns"
else bad "flow --format json --rtp: a streams array per call with figures and columns" "$T/out"; fi
"$BIN" calls -r "$S/rtp_oneway.pcap" --format json --rtp >"$T/out"
grep -q '"streams":2,"media_problems":\["one-way"\]}$' "$T/out" &&
	ok "calls --rtp --format json: streams and media_problems per call" ||
	bad "calls --rtp --format json: streams and media_problems per call" "$T/out"
"$BIN" calls -r "$S/rtp_oneway.pcap" --format json >"$T/out"
grep -q '"streams"' "$T/out" && bad "calls --format json without --rtp: no media keys" "$T/out" ||
	ok "calls --format json without --rtp: no media keys"
"$BIN" calls -r "$S/rtp_g711.pcap" -r "$S/rtp_oneway.pcap" -r "$S/rtp_loss.pcap" --filter media=one-way \
	--format csv >"$T/out"
[ "$(tail -n +2 "$T/out" | wc -l)" = 1 ] && grep -q '1-24952@127.0.0.1' "$T/out" &&
	ok "--filter media=one-way: only the one-way call of three captures (--rtp implied)" ||
	bad "--filter media=one-way: only the one-way call of three captures (--rtp implied)" "$T/out"
"$BIN" calls -r "$S/rtp_g711.pcap" -r "$S/rtp_loss.pcap" -r "$S/proxy_rr_udp.pcap" --filter media=none \
	--format csv >"$T/out"
[ "$(tail -n +2 "$T/out" | wc -l)" = 3 ] && ok "--filter media=none: the calls without RTP" ||
	bad "--filter media=none: the calls without RTP" "$T/out"
expect "--filter media=loud: exit 2, says which values" 2 "$BIN" calls -r "$S/rtp_loss.pcap" --filter media=loud
grep -q "unknown media problem 'loud'" "$T/err" && ok "... naming the bad value" || bad "... naming the bad value" "$T/err"

# db --rtp stores the streams (table streams) with their call.
if command -v sqlite3 >/dev/null 2>&1; then
	rm -f "$T/r.db"
	"$BIN" db --rtp -r "$S/rtp_loss.pcap" -o "$T/r.db" 2>/dev/null
	sqlite3 "$T/r.db" "SELECT s.call, s.codec, s.packets, s.lost, s.problems, s.dtmf FROM streams s JOIN calls c ON c.id = s.call ORDER BY s.id" >"$T/out"
	[ "$(tr '\n' ' ' <"$T/out")" = "1|PCMA/8000|708|0|| 1|PCMA/8000|670|38|loss| 1|telephone-event/8000|10|-2||1 " ] &&
		ok "db --rtp: the streams table holds each stream's figures, problems and DTMF, with its call" ||
		bad "db --rtp: the streams table holds each stream's figures, problems and DTMF, with its call" "$T/out"
else skp "db --rtp: streams table (sqlite3 not installed)"; fi
