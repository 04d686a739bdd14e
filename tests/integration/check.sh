# Integration tests of `sipscope check`, sourced by run.sh (uses its BIN,
# S, T, CORPUS, ROOT and ok/bad/skp/expect).

# The samples are real sipp/kamailio traffic: nothing to report, exit 0 --
# except lossy_udp, where sipp -lost 10 drops messages on purpose.  The TLS
# samples are read with their keys (tls12_sip's key log beside it,
# tls13_sip's inside): without them only the proxy-to-callee hop is read,
# where the proxy looks like the caller (see samples/README.md).
cbad=0
for cap in "$S"/*.pcap "$S"/*.pcapng; do
	name=$(basename "$cap")
	name=${name%.pcap*}
	[ "$name" = lossy_udp ] && continue
	keys=
	[ -f "$S/$name.keys" ] && keys="--tls-keylog $S/$name.keys"
	# shellcheck disable=SC2086
	"$BIN" check -r "$cap" $keys >"$T/out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] || ! tail -1 "$T/out" | grep -q '^0 findings'; then
		echo "$name: exit $rc" >>"$T/cerr"; cat "$T/out" >>"$T/cerr"; cbad=1
	fi
done
[ "$cbad" = 0 ] && ok "check: every clean sample has no finding at all, exit 0" ||
	bad "check: every clean sample has no finding at all, exit 0" "$T/cerr"
# tls12_sip without its key log: only the proxy-to-callee hop is read, where
# the proxy (double record-routing, r2=on) is the first sender of the
# INVITE; its ACK and BYE carry no Route for its own two entries, and a
# UA never record-routes itself, so nothing is wrong.
env -u SSLKEYLOGFILE "$BIN" check -r "$S/tls12_sip.pcap" >"$T/out" 2>&1
rc=$?
if [ $rc = 0 ] && tail -1 "$T/out" | grep -q '^0 findings: 0 errors'; then
	ok "check: a record-routing proxy seen as the caller on the one hop read is no route-set-ignored"
else
	bad "check: a record-routing proxy seen as the caller is no route-set-ignored" "$T/out"
fi

# lossy_udp: call 1's 200 OK was sent twice and never ACKed (sipp's UAC
# lost both copies, then sent BYE); at the end the UAC gives up on its BYE
# and sends another with a new branch and the same CSeq 2.  Both are real
# protocol errors, so exit 3.
expect "check lossy_udp: errors found, exit 3" 3 "$BIN" check -r "$S/lossy_udp.pcap" &&
	if cmp -s "$T/out" "$ROOT/tests/integration/expected/check_lossy_udp.txt"; then
		ok "check lossy_udp: ack-missing at frame 3, cseq-reused at frame 64 (golden)"
	else
		diff "$ROOT/tests/integration/expected/check_lossy_udp.txt" "$T/out" >"$T/d"
		bad "check lossy_udp: ack-missing at frame 3, cseq-reused at frame 64 (golden)" "$T/d"
	fi

# JSON: one object per finding, the documented keys, same count as the table.
"$BIN" check -r "$S/lossy_udp.pcap" --format json >"$T/cj"
if python3 - "$T/cj" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = {"frame", "time", "call", "src", "dst", "message", "rule", "severity", "rfc", "text"}
assert len(rows) == 2, rows
for r in rows:
    assert keys <= set(r), r
    assert r["severity"] in ("error", "warning", "info") and r["rfc"].startswith("RFC 3261 ")
assert [(r["frame"], r["rule"], r["call"]) for r in rows] == [(3, "ack-missing", 1), (64, "cseq-reused", 1)]
PY
then ok "check --format json: frame, call, rule, severity, rfc, text per finding"
else bad "check --format json: frame, call, rule, severity, rfc, text per finding" "$T/cj"; fi
"$BIN" check -r "$S/lossy_udp.pcap" --format csv >"$T/cc"
[ "$(head -1 "$T/cc")" = "frame,time,call,src,dst,message,severity,rule,rfc,text" ] &&
	[ "$(wc -l <"$T/cc")" = 3 ] && ok "check --format csv: header and a row per finding" ||
	bad "check --format csv: header and a row per finding" "$T/cc"

# --filter keeps the findings of the calls it keeps.
expect "check --filter on a call without findings: exit 0" 0 \
	"$BIN" check -r "$S/lossy_udp.pcap" --filter "callid=2-" &&
	{ tail -1 "$T/out" | grep -q '^0 findings' && ok "... and prints none" || bad "... and prints none" "$T/out"; }

# Every rule is listed with its RFC section, and the manual lists them all.
"$BIN" check --rules --format json >"$T/rules"
n=$(grep -c '"rfc":"RFC 3' "$T/rules")
[ "$n" -ge 25 ] && ok "check --rules: $n rules, each with its RFC section" || bad "check --rules: at least 25 rules" "$T/rules"
missing=$(python3 - "$T/rules" "$ROOT/man/sipscope.1" <<'PY'
import json, sys
man = open(sys.argv[2]).read()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "\\fB%s\\fR (%s, %s)" % (r["rule"].replace("-", "\\-"), r["severity"], r["rfc"]) not in man:
        print(r["rule"])
PY
)
[ -z "$missing" ] && ok "check: the manual lists every rule" || { echo "$missing" >"$T/m"; bad "check: the manual lists every rule" "$T/m"; }
expect "check --rules with a capture: exit 2" 2 "$BIN" check --rules -r "$S/basic_udp.pcap"
expect "--rules on another command: exit 2" 2 "$BIN" calls --rules -r "$S/basic_udp.pcap"

# Wire bytes quoted in a finding are escaped.
python3 "$ROOT/tests/integration/mkpcap.py" checkescape "$T/ce.pcap"
"$BIN" check -r "$T/ce.pcap" >"$T/out" 2>&1
if grep -q 'response-without-to-tag' "$T/out" && grep -qF 'Ring\x1b[2J\x07ing' "$T/out" &&
	! LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then
	ok "check: a finding quoting a hostile reason phrase prints it escaped"
else bad "check: a finding quoting a hostile reason phrase prints it escaped" "$T/out"; fi
python3 "$ROOT/tests/integration/mkpcap.py" nocallid "$T/nc.pcap"
expect "check: a message without Call-ID is an error (exit 3)" 3 "$BIN" check -r "$T/nc.pcap" &&
	{ grep -q 'missing-header.*no Call-ID header' "$T/out" && ok "... naming the header" || bad "... naming the header" "$T/out"; }

# The shared corpus (developers only): sipp's default UAS answers PCMU to a
# PCMA offer, which RFC 3264 6.1 forbids; everything else is clean.
if [ -d "$CORPUS" ]; then
	"$BIN" check -r "$CORPUS/rtp_g711_udp.pcap" --format json >"$T/out"
	[ "$(grep -c '"rule":"sdp-no-common-codec"' "$T/out")" = 3 ] && [ "$(wc -l <"$T/out")" = 3 ] &&
		ok "check corpus: rtp_g711_udp answers PCMU to a PCMA offer, 3 times" ||
		bad "check corpus: rtp_g711_udp answers PCMU to a PCMA offer, 3 times" "$T/out"
	cbad=0
	for cap in "$CORPUS"/*.pcap; do
		case $cap in */rtp_g711_udp.pcap) continue ;; esac
		"$BIN" check -r "$cap" >"$T/out" 2>&1 || { echo "$cap" >>"$T/cerr2"; cat "$T/out" >>"$T/cerr2"; cbad=1; }
	done
	[ "$cbad" = 0 ] && ok "check corpus: the other captures have no error" || bad "check corpus: the other captures have no error" "$T/cerr2"
else
	skp "check: ../shared/corpus absent"
fi


# The HTML flow page in a DOM (jsdom runs its script as a browser would):
# clicking each arrow shows that message, and lossy_udp's marked arrows
# show their findings.
NODE=$(command -v node || command -v nodejs || true)
if ! heavy "flow html: clicking every arrow of every sample"; then
	:
elif [ -n "$NODE" ] && NODE_PATH=/usr/share/nodejs "$NODE" -e "require('jsdom')" 2>/dev/null; then
	hbad=0
	for cap in "$S"/*.pcap; do
		name=$(basename "$cap" .pcap)
		"$BIN" flow -r "$cap" --all --format html -o "$T/$name.html" 2>/dev/null || continue
		grep -q '<g id=' "$T/$name.html" || continue
		NODE_PATH=/usr/share/nodejs "$NODE" "$ROOT/tests/integration/html_click.js" "$T/$name.html" \
			$([ "$name" = lossy_udp ] && echo 3:ack-missing 64:cseq-reused) >"$T/hc" 2>&1 ||
			{ echo "$name:" >>"$T/hcerr"; cat "$T/hc" >>"$T/hcerr"; hbad=1; }
	done
	[ "$hbad" = 0 ] && ok "flow html: clicking every arrow of every sample shows its message (and lossy_udp's findings)" ||
		bad "flow html: clicking every arrow of every sample shows its message (and lossy_udp's findings)" "$T/hcerr"
elif [ "${CI:-}" = true ]; then
	bad "flow html clicks: node with jsdom is missing in CI (apt-get install node-jsdom)"
else
	skp "flow html clicks: node with jsdom not installed (apt-get install node-jsdom)"
fi

# The findings go into sqlite with the calls (table findings).
if command -v sqlite3 >/dev/null 2>&1; then
	rm -f "$T/f.db"
	"$BIN" db -r "$S/lossy_udp.pcap" -o "$T/f.db" 2>/dev/null
	sqlite3 "$T/f.db" "SELECT m.frame, f.rule, f.severity, f.rfc, f.call FROM findings f JOIN messages m ON m.id = f.message ORDER BY f.id" >"$T/out"
	[ "$(tr '\n' ' ' <"$T/out")" = "3|ack-missing|error|RFC 3261 13.3.1.4|1 64|cseq-reused|error|RFC 3261 8.1.1.5|1 " ] &&
		ok "db: the findings table holds check's findings, on their messages and calls" ||
		bad "db: the findings table holds check's findings, on their messages and calls" "$T/out"
else skp "db: findings table (sqlite3 not installed)"; fi
