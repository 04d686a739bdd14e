#!/usr/bin/env bash
#
# make-samples.sh - regenerate the sipscope sample captures in this folder.
#
# Every capture is real SIP traffic produced by sipp (sip-tester) and, for
# proxy_rr_udp.pcap, kamailio, on the loopback interface only (127.0.0.1 or
# ::1), recorded by tcpdump on "lo" with a capture filter limited to the
# ports of that capture.  Ports are deliberately not 5060, so a decoder has
# to recognise SIP on any port.
#
# The transport captures (frag_*, tcp_segments, ws_sip, hep3_udp) add:
#  - frag_udp/frag_ipv6/frag_tcp: sipp in two network namespaces made (and
#    removed) by this script, joined by a veth pair with MTU 1500 and the
#    offloads off, recorded by tcpdump inside one namespace; a ~5 KB SDP
#    makes IP fragments (UDP) or several TCP segments;
#  - tcp_segments: the Python peers in tools/tcp_segments.py over the
#    kernel's TCP on 127.0.0.1, one write per segment;
#  - ws_sip: kamailio (kamailio/kamailio-ws.cfg) and the WebSocket clients
#    of tools/ws_client.py on 127.0.0.1;
#  - hep3_udp: sngrep re-sending this run's basic_udp.pcap as HEP v3 to
#    tools/udp_sink.py on 127.0.0.1.
#  - tls_sip: kamailio (kamailio/kamailio-tls.cfg, a certificate made by
#    openssl for the run) answering tools/tls_client.py over TLS.
#  - tls13_sip, tls12_sip: a call from tools/tls_client.py over TLS 1.3 /
#    1.2 through kamailio's TLS proxy (kamailio/kamailio-tls-proxy.cfg) to
#    sipp over UDP, both hops recorded; the client writes the key log
#    (Python ssl's keylog_filename): tls12_sip.keys beside tls12_sip.pcap,
#    and inside tls13_sip.pcapng as a Decryption Secrets Block (editcap
#    --inject-secrets), so both open decrypted.
#
# The RTP captures (rtp_g711, rtp_oneway, rtp_loss) have real G.711 A-law
# RTP and RFC 2833 DTMF, played by sipp (play_pcap_audio) from sip-tester's
# /usr/share/sip-tester/{g711a,dtmf_2833_1}.pcap, as the SDP offer and
# answer (PCMA/8000, telephone-event/8000) say; rtp_loss runs in the two
# network namespaces, with nftables dropping ~5% of the caller's RTP.
#
# Usage: sudo ./make-samples.sh          (needs root for tcpdump and netns)
#        KEEP_LOGS=1 ./make-samples.sh   (keep sipp/tcpdump/kamailio logs)
#        ONLY=rtp ./make-samples.sh      (only the captures whose names start
#                                         with one of the comma-separated
#                                         words: ONLY=rtp,basic_udp; hep3_udp
#                                         needs basic_udp in the same run)
#
# Needs: sipp, tcpdump, kamailio with its websocket and tls modules,
#        sngrep, ip (iproute2), ethtool, nft (nftables), openssl, python3
#        (standard library only), timeout (coreutils).  On Debian/Ubuntu:
#        apt-get install sip-tester tcpdump kamailio kamailio-websocket-modules \
#                        kamailio-tls-modules sngrep iproute2 ethtool nftables \
#                        openssl python3
# tshark is optional: when present, a per-capture summary is printed.
# tls13_sip needs editcap (wireshark-common, tshark's package).
#
# Idempotent: each run overwrites the *.pcap files it makes.  Exits non-zero
# if a tool is missing, if a capture is empty, or if a call flow failed.

set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
HERE=$PWD
SCEN=$HERE/scenarios
KAMCFG=$HERE/kamailio/kamailio.cfg
KAMWSCFG=$HERE/kamailio/kamailio-ws.cfg
KAMTLSCFG=$HERE/kamailio/kamailio-tls.cfg
KAMTLSPROXYCFG=$HERE/kamailio/kamailio-tls-proxy.cfg
TOOLS=$HERE/tools
MEDIA_DIR=/usr/share/sip-tester
export PATH="$PATH:/usr/sbin:/sbin"

# want NAME : true if capture NAME is to be made (all of them, unless ONLY
# lists name prefixes, comma-separated)
want() {
    local w
    [[ -n ${ONLY:-} ]] || return 0
    for w in ${ONLY//,/ }; do
        [[ $1 == "$w"* ]] && return 0
    done
    return 1
}

# ---------------------------------------------------------------- tools ----
missing=()
for tool in sipp tcpdump kamailio timeout ip ethtool nft python3 sngrep openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "error: missing tool(s): ${missing[*]}" >&2
    echo "       install them, e.g. apt-get install sip-tester tcpdump kamailio" \
         "kamailio-websocket-modules kamailio-tls-modules sngrep iproute2 ethtool nftables python3 openssl" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "warning: not root; tcpdump may be unable to capture on lo" >&2
fi
for f in "$KAMCFG" "$KAMWSCFG" "$KAMTLSCFG" "$KAMTLSPROXYCFG" "$SCEN"/{uac,uas}_{basic,busy,cancel,register,reinvite,bigsdp,rtp}.xml \
         "$SCEN"/uas_rtp_oneway.xml "$TOOLS"/{tcp_segments,ws_client,udp_sink,hep3dump,tls_client,rtp_loop}.py \
         "$MEDIA_DIR"/{g711a,dtmf_2833_1}.pcap; do
    [[ -r $f ]] || { echo "error: missing $f" >&2; exit 2; }
done
# the WebSocket config needs the websocket and xhttp modules
if ! kam_check=$(kamailio -c -f "$KAMWSCFG" 2>&1); then
    echo "$kam_check" | grep -iE 'error|could not' | head -5 >&2
    echo "error: kamailio cannot load $KAMWSCFG" >&2
    echo "       install kamailio-websocket-modules (apt-get install kamailio-websocket-modules)" >&2
    exit 2
fi

# the proxy port is the one in the kamailio config
KAM_PORT=$(sed -n 's/^listen=udp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$KAMCFG")
[[ -n $KAM_PORT ]] || { echo "error: no listen=udp:127.0.0.1:PORT in $KAMCFG" >&2; exit 2; }
WS_PORT=$(sed -n 's/^listen=tcp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$KAMWSCFG")
[[ -n $WS_PORT ]] || { echo "error: no listen=tcp:127.0.0.1:PORT in $KAMWSCFG" >&2; exit 2; }
TLS_PORT=$(sed -n 's/^listen=tls:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$KAMTLSCFG")
[[ -n $TLS_PORT ]] || { echo "error: no listen=tls:127.0.0.1:PORT in $KAMTLSCFG" >&2; exit 2; }
TLSP_PORT=$(sed -n 's/^listen=tls:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$KAMTLSPROXYCFG")
TLSP_UDP=$(sed -n 's/^listen=udp:127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$KAMTLSPROXYCFG")
[[ -n $TLSP_PORT && -n $TLSP_UDP ]] ||
    { echo "error: no listen=tls:127.0.0.1:PORT and listen=udp:127.0.0.1:PORT in $KAMTLSPROXYCFG" >&2; exit 2; }
UAS_UDP=$((TLSP_UDP + 1))   # the sipp callee behind the TLS proxy

# ------------------------------------------------------ process control ----
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sipscope-samples.XXXXXX")
BG_PIDS=()
FAILED=()
NETNS=()

cleanup() {
    local rc=$? pid ns
    for pid in "${BG_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${BG_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for ns in "${NETNS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    if [[ -n ${KEEP_LOGS:-} || $rc -ne 0 ]]; then
        echo "logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bg NAME CMD... : run CMD in the background, output to $WORK/NAME.log;
# its pid is left in $BG (and remembered for the exit trap)
bg() {
    local name=$1
    shift
    "$@" </dev/null >"$WORK/$name.log" 2>&1 &
    BG=$!
    BG_PIDS+=("$BG")
}

# reap PID SECONDS : wait at most SECONDS for PID, then SIGTERM it;
# the exit status of PID is left in $RC
reap() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "  (pid $pid still running after ${secs}s, stopping it)" >&2
        kill -TERM "$pid" 2>/dev/null || true
    fi
    RC=0
    wait "$pid" 2>/dev/null || RC=$?
}

# capture_start NAME FILTER [IFACE [NETNS]] : tcpdump on IFACE (default lo),
# inside network namespace NETNS if given, into $WORK/NAME.pcap; extra
# tcpdump options may be set in CAP_OPTS
CAP_OPTS=()
capture_start() {
    local name=$1 filter=$2 iface=${3:-lo} ns=${4:-} i pre=()
    [[ -z $ns ]] || pre=(ip netns exec "$ns")
    bg "$name.tcpdump" "${pre[@]}" tcpdump -i "$iface" -n -s 0 -U "${CAP_OPTS[@]}" -Z root \
        -w "$WORK/$name.pcap" "$filter"
    CAP_PID=$BG
    for ((i = 0; i < 50; i++)); do
        grep -q 'listening on' "$WORK/$name.tcpdump.log" 2>/dev/null && break
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    if ! kill -0 "$CAP_PID" 2>/dev/null; then
        echo "error: tcpdump did not start:" >&2
        cat "$WORK/$name.tcpdump.log" >&2
        exit 1
    fi
    sleep 1
}

# capture_stop : let the last packets reach tcpdump, then SIGINT it
capture_stop() {
    sleep 1
    kill -INT "$CAP_PID" 2>/dev/null || true
    reap "$CAP_PID" 5
}

# wait_port PORT PID : wait (at most 5 s) until something listens on PORT,
# or PID has died; without ss, just wait a second.  Looks inside network
# namespace $IN_NS when that is set.
wait_port() {
    local port=$1 pid=$2 i pre=()
    if ! command -v ss >/dev/null 2>&1; then
        sleep 1
        return
    fi
    [[ -z ${IN_NS:-} ]] || pre=(ip netns exec "$IN_NS")
    for ((i = 0; i < 50; i++)); do
        "${pre[@]}" ss -Hlnut "sport = :$port" 2>/dev/null | grep -q . && return
        kill -0 "$pid" 2>/dev/null || return
        sleep 0.1
    done
}

# common sipp options: no keyboard, bounded in time, fixed control port
SIPP_COMMON=(-nostdin -timeout 30s -timeout_error -max_retrans 5 -recv_timeout 10000)

# uas NAME SCENARIO IP PORT CALLS [SIPP OPTIONS...] : start a sipp server
# (inside network namespace $IN_NS when that is set, as for uac); SCENARIO
# is a file in scenarios/ or an absolute path; sipp is stopped after
# $SIPP_WALL seconds (40 by default)
uas() {
    local name=$1 scen=$2 ip=$3 port=$4 calls=$5 pre=()
    shift 5
    [[ -z ${IN_NS:-} ]] || pre=(ip netns exec "$IN_NS")
    [[ $scen == /* ]] || scen=$SCEN/$scen
    bg "$name.uas" "${pre[@]}" timeout "${SIPP_WALL:-40}" sipp -sf "$scen" -i "$ip" -p "$port" \
        -mp $((port + 1000)) -cp $((port + 2000)) -m "$calls" "${SIPP_COMMON[@]}" "$@"
    UAS_PID=$BG
    wait_port "$port" "$UAS_PID"
    if ! kill -0 "$UAS_PID" 2>/dev/null; then
        echo "error: $name: sipp uas did not start:" >&2
        tail -5 "$WORK/$name.uas.log" >&2
        exit 1
    fi
}

# uac NAME SCENARIO IP PORT REMOTE CALLS [SIPP OPTIONS...] : run a sipp client
# to completion; exit status in $RC
uac() {
    local name=$1 scen=$2 ip=$3 port=$4 remote=$5 calls=$6 pre=()
    shift 6
    [[ -z ${IN_NS:-} ]] || pre=(ip netns exec "$IN_NS")
    [[ $scen == /* ]] || scen=$SCEN/$scen
    bg "$name.uac" "${pre[@]}" timeout "${SIPP_WALL:-40}" sipp -sf "$scen" -i "$ip" -p "$port" \
        -mp $((port + 1000)) -cp $((port + 2000)) -m "$calls" -r 4 -rp 1000 -s bob \
        "${SIPP_COMMON[@]}" "$@" "$remote"
    reap "$BG" $((${SIPP_WALL:-40} + 5))
}

# finish NAME UAC_RC [lossy] : wait for the uas, stop the capture, judge
finish() {
    local name=$1 uac_rc=$2 lossy=${3:-}
    reap "$UAS_PID" 10
    local uas_rc=$RC
    capture_stop
    if [[ -z $lossy && ($uac_rc -ne 0 || $uas_rc -ne 0) ]]; then
        echo "error: $name: sipp uac exit $uac_rc, uas exit $uas_rc (see logs)" >&2
        FAILED+=("$name")
    fi
    printf '  %s: uac exit %d, uas exit %d\n' "$name" "$uac_rc" "$uas_rc"
}

# v4 / v6 capture filters for a list of ports
f4() { local p=$1 f; shift; f="port $p"; for p; do f="$f or port $p"; done; echo "ip host 127.0.0.1 and ($f)"; }
f6() { local p=$1 f; shift; f="port $p"; for p; do f="$f or port $p"; done; echo "ip6 host ::1 and ($f)"; }

# ------------------------------------------------------------ captures ----
# Each capture uses its own pair of ports: uas 15xxx, uac 25xxx
# (media ports +1000 and sipp control ports +2000 are outside the filter).
# Each capture is made only if "want NAME" (ONLY=...); the bodies of these
# if blocks are left unindented.

if want basic_udp; then
echo "== basic_udp: 3 basic calls over UDP"
capture_start basic_udp "$(f4 15060 25060)"
uas basic_udp uas_basic.xml 127.0.0.1 15060 3
uac basic_udp uac_basic.xml 127.0.0.1 25060 127.0.0.1:15060 3
finish basic_udp "$RC"
fi

if want busy_udp; then
echo "== busy_udp: 3 calls rejected with 486 Busy Here"
capture_start busy_udp "$(f4 15070 25070)"
uas busy_udp uas_busy.xml 127.0.0.1 15070 3
uac busy_udp uac_busy.xml 127.0.0.1 25070 127.0.0.1:15070 3
finish busy_udp "$RC"
fi

if want cancel_udp; then
echo "== cancel_udp: 3 calls cancelled while ringing"
capture_start cancel_udp "$(f4 15080 25080)"
uas cancel_udp uas_cancel.xml 127.0.0.1 15080 3
uac cancel_udp uac_cancel.xml 127.0.0.1 25080 127.0.0.1:15080 3
finish cancel_udp "$RC"
fi

if want register_udp; then
echo "== register_udp: 3 REGISTERs with a 401 digest challenge"
capture_start register_udp "$(f4 15090 25090)"
uas register_udp uas_register.xml 127.0.0.1 15090 3
uac register_udp uac_register.xml 127.0.0.1 25090 127.0.0.1:15090 3 -au alice -ap sipscope
finish register_udp "$RC"
fi

if want reinvite_udp; then
echo "== reinvite_udp: 2 calls with a hold re-INVITE and an INFO"
capture_start reinvite_udp "$(f4 15100 25100)"
uas reinvite_udp uas_reinvite.xml 127.0.0.1 15100 2
uac reinvite_udp uac_reinvite.xml 127.0.0.1 25100 127.0.0.1:15100 2
finish reinvite_udp "$RC"
fi

if want basic_tcp; then
echo "== basic_tcp: 3 basic calls over one TCP connection"
capture_start basic_tcp "$(f4 15110 25110)"
uas basic_tcp uas_basic.xml 127.0.0.1 15110 3 -t t1
uac basic_tcp uac_basic.xml 127.0.0.1 25110 127.0.0.1:15110 3 -t t1
finish basic_tcp "$RC"
fi

if want basic_ipv6; then
echo "== basic_ipv6: 2 basic calls over UDP on ::1"
capture_start basic_ipv6 "$(f6 15120 25120)"
uas basic_ipv6 uas_basic.xml ::1 15120 2
uac basic_ipv6 uac_basic.xml ::1 25120 '[::1]:15120' 2
finish basic_ipv6 "$RC"
fi

if want proxy_rr_udp; then
echo "== proxy_rr_udp: 3 calls uac -> kamailio:$KAM_PORT -> uas, with Record-Route"
capture_start proxy_rr_udp "$(f4 25130 "$KAM_PORT" 15131)"
mkdir -p "$WORK/kamailio"
bg proxy_rr_udp.kamailio kamailio -f "$KAMCFG" -DD -E -w "$WORK/kamailio" \
    -Y "$WORK/kamailio" -P "$WORK/kamailio/kamailio.pid" -m 32 -M 4
KAM_PID=$BG
wait_port "$KAM_PORT" "$KAM_PID"
if ! kill -0 "$KAM_PID" 2>/dev/null; then
    echo "error: kamailio did not start:" >&2
    cat "$WORK/proxy_rr_udp.kamailio.log" >&2
    exit 1
fi
sleep 0.5
uas proxy_rr_udp uas_basic.xml 127.0.0.1 15131 3
# the Request-URI names the uas; -rsa sends every request to the proxy
uac proxy_rr_udp uac_basic.xml 127.0.0.1 25130 127.0.0.1:15131 3 -rsa "127.0.0.1:$KAM_PORT"
uac_rc=$RC
reap "$UAS_PID" 10
uas_rc=$RC
kill -TERM "$KAM_PID" 2>/dev/null || true
reap "$KAM_PID" 5
capture_stop
if ((uac_rc != 0 || uas_rc != 0)); then
    echo "error: proxy_rr_udp: sipp uac exit $uac_rc, uas exit $uas_rc (see logs)" >&2
    FAILED+=(proxy_rr_udp)
fi
printf '  %s: uac exit %d, uas exit %d\n' proxy_rr_udp "$uac_rc" "$uas_rc"
fi

if want lossy_udp; then
echo "== lossy_udp: 8 basic calls, uac and uas each drop 10% of messages"
capture_start lossy_udp "$(f4 15140 25140)"
uas lossy_udp uas_basic.xml 127.0.0.1 15140 8 -lost 10
uac lossy_udp uac_basic.xml 127.0.0.1 25140 127.0.0.1:15140 8 -lost 10
# some calls may fail here (that is the point), so sipp's status is not fatal
finish lossy_udp "$RC" lossy
fi

# ----------------------------------------------------------- RTP captures ----
# Real G.711 A-law RTP, played by sipp's play_pcap_audio from the pcap files
# of sip-tester: sipp sends their RTP as it is (SSRC, sequence numbers,
# timestamps, timing) through a raw socket, with the addresses and ports of
# the SDP.  sipp 3.6 binds only its -mp port (and -mp + 2), the port the
# SDP names ([media_port]), so each call is one sipp pair with its own ports
# (media: SIP port + 1000); the capture filters take the media ports too.
if want rtp_g711; then
echo "== rtp_g711: 2 calls, G.711 A-law RTP both ways, RFC 2833 DTMF from the caller"
capture_start rtp_g711 "$(f4 15190 25190 16190 26190 15194 25194 16194 26194)"
for call in 1 2; do
    port=$((15190 + 4 * (call - 1)))
    uas "rtp_g711.$call" uas_rtp.xml 127.0.0.1 "$port" 1
    uac "rtp_g711.$call" uac_rtp.xml 127.0.0.1 $((port + 10000)) "127.0.0.1:$port" 1
    uac_rc=$RC
    reap "$UAS_PID" 10
    if ((uac_rc != 0 || RC != 0)); then
        echo "error: rtp_g711: call $call: sipp uac exit $uac_rc, uas exit $RC (see logs)" >&2
        FAILED+=("rtp_g711($call)")
    fi
    printf '  %s: call %d: uac exit %d, uas exit %d\n' rtp_g711 "$call" "$uac_rc" "$RC"
done
capture_stop
fi

if want rtp_oneway; then
echo "== rtp_oneway: 1 call, only the caller sends RTP (one-way audio)"
capture_start rtp_oneway "$(f4 15200 25200 16200 26200)"
uas rtp_oneway uas_rtp_oneway.xml 127.0.0.1 15200 1
uac rtp_oneway uac_rtp.xml 127.0.0.1 25200 127.0.0.1:15200 1
finish rtp_oneway "$RC"
fi

# ------------------------------------------------- transport captures ----
# From here on tcpdump hands every packet over at once (no 1 s buffering).
CAP_OPTS=(--immediate-mode)

if want frag_udp || want frag_ipv6 || want frag_tcp || want rtp_loss; then
# Two network namespaces joined by a veth pair (MTU 1500, offloads off so
# tcpdump sees the packets as they go on the wire: real IP fragments and
# MSS-sized TCP segments).  The names carry our pid; the exit trap
# removes them.  ssa0 in $NS_A: 10.99.0.1/24 fd00:99::1/64 (uas side)
#                ssb0 in $NS_B: 10.99.0.2/24 fd00:99::2/64 (uac side)
NS_A=sipscope-a$$
NS_B=sipscope-b$$
ip netns add "$NS_A"
NETNS+=("$NS_A")
ip netns add "$NS_B"
NETNS+=("$NS_B")
ip link add ssa0 netns "$NS_A" type veth peer name ssb0 netns "$NS_B"
for side in a b; do
    ns=$NS_A n=1
    [[ $side == a ]] || { ns=$NS_B n=2; }
    ip -n "$ns" link set lo up
    ip -n "$ns" link set dev "ss${side}0" mtu 1500 up
    ip netns exec "$ns" ethtool -K "ss${side}0" tso off gso off gro off tx off rx off >/dev/null
    ip -n "$ns" addr add "10.99.0.$n/24" dev "ss${side}0"
    ip -n "$ns" -6 addr add "fd00:99::$n/64" dev "ss${side}0" nodad
done

if want frag_udp; then
# non-first fragments have no UDP header: keep them by fragment offset (v4)
# or by the Fragment extension header (v6, next header 44)
echo "== frag_udp: 2 calls over UDP whose INVITE and 200 OK (~5 KB SDP) are IP fragments"
capture_start frag_udp "ip and (udp port 15150 or udp port 25150 or (ip[6:2] & 0x1fff) != 0)" ssa0 "$NS_A"
IN_NS=$NS_A uas frag_udp uas_bigsdp.xml 10.99.0.1 15150 2
IN_NS=$NS_B uac frag_udp uac_bigsdp.xml 10.99.0.2 25150 10.99.0.1:15150 2
finish frag_udp "$RC"
fi

if want frag_ipv6; then
echo "== frag_ipv6: 2 calls over UDP on IPv6 with fragmented INVITE and 200 OK"
capture_start frag_ipv6 "ip6 and (udp port 15160 or udp port 25160 or ip6[6] == 44)" ssa0 "$NS_A"
IN_NS=$NS_A uas frag_ipv6 uas_bigsdp.xml fd00:99::1 15160 2
IN_NS=$NS_B uac frag_ipv6 uac_bigsdp.xml fd00:99::2 25160 '[fd00:99::1]:15160' 2
finish frag_ipv6 "$RC"
fi

if want frag_tcp; then
echo "== frag_tcp: 2 calls over one TCP connection, INVITE and 200 OK over several segments"
capture_start frag_tcp "tcp and (port 15170 or port 25170)" ssa0 "$NS_A"
IN_NS=$NS_A uas frag_tcp uas_bigsdp.xml 10.99.0.1 15170 2 -t t1
IN_NS=$NS_B uac frag_tcp uac_bigsdp.xml 10.99.0.2 25170 10.99.0.1:15170 2 -t t1
finish frag_tcp "$RC"
fi

# The caller's RTP crosses the veth pair with ~5% loss (nftables in B drops
# it as it leaves, so tcpdump in A sees the gaps) and ~10 ms of jitter
# (its send times are moved by up to +-10 ms, seeded, the same every run:
# this kernel-independent way because netem is often not built).  The
# stream is 3 seamless copies of g711a.pcap (tools/rtp_loop.py: 708
# packets, 21.2 s) so a few dozen packets are lost every run.
if want rtp_loss; then
echo "== rtp_loss: 1 call, G.711 RTP both ways; the caller's RTP loses ~5% and has ~10 ms jitter"
python3 "$TOOLS/rtp_loop.py" "$MEDIA_DIR/g711a.pcap" "$WORK/rtp_loss.caller.pcap" 3 \
    --jitter 10 --seed 1 >"$WORK/rtp_loss.loop.log"
python3 "$TOOLS/rtp_loop.py" "$MEDIA_DIR/g711a.pcap" "$WORK/rtp_loss.callee.pcap" 3 \
    >>"$WORK/rtp_loss.loop.log"
sed -e "s|$MEDIA_DIR/g711a\.pcap|$WORK/rtp_loss.caller.pcap|" \
    -e 's|<pause milliseconds="7500" />|<pause milliseconds="21700" />|' \
    "$SCEN/uac_rtp.xml" >"$WORK/uac_rtp_loss.xml"
sed -e "s|$MEDIA_DIR/g711a\.pcap|$WORK/rtp_loss.callee.pcap|" \
    "$SCEN/uas_rtp.xml" >"$WORK/uas_rtp_loss.xml"
if ! grep -q 'milliseconds="21700"' "$WORK/uac_rtp_loss.xml" ||
   ! grep -q rtp_loss.callee "$WORK/uas_rtp_loss.xml"; then
    echo "error: rtp_loss: could not adapt uac_rtp.xml/uas_rtp.xml" >&2
    exit 1
fi
# (on the egress hook of B's veth end: sipp, whose raw socket would get
# EPERM for a drop in the output chain and stop playing, sees nothing)
ip netns exec "$NS_B" nft -f - <<EOF
table netdev sipscope_loss {
    chain out {
        type filter hook egress device ssb0 priority 0; policy accept;
        ip daddr 10.99.0.1 udp dport 16210 numgen random mod 100 < 5 counter drop
    }
}
EOF
capture_start rtp_loss "ip and udp and (port 15210 or port 25210 or port 16210 or port 26210)" ssa0 "$NS_A"
IN_NS=$NS_A SIPP_WALL=60 uas rtp_loss "$WORK/uas_rtp_loss.xml" 10.99.0.1 15210 1 -timeout 50s
IN_NS=$NS_B SIPP_WALL=60 uac rtp_loss "$WORK/uac_rtp_loss.xml" 10.99.0.2 25210 10.99.0.1:15210 1 -timeout 50s
finish rtp_loss "$RC"
printf '  %s: nftables dropped %s packets of the caller'"'"'s RTP\n' rtp_loss \
    "$(ip netns exec "$NS_B" nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')"
fi


for ns in "${NETNS[@]}"; do
    ip netns del "$ns"
done
NETNS=()
fi

if want tcp_segments; then
echo "== tcp_segments: one dialog over TCP, cut into awkward segments by tools/tcp_segments.py"
capture_start tcp_segments "$(f4 15180 25180)"
bg tcp_segments.peers python3 "$TOOLS/tcp_segments.py" --host 127.0.0.1 \
    --server-port 15180 --client-port 25180
reap "$BG" 30
peers_rc=$RC
capture_stop
if ((peers_rc != 0)); then
    echo "error: tcp_segments: tcp_segments.py exit $peers_rc (see logs)" >&2
    FAILED+=(tcp_segments)
fi
printf '  %s: peers exit %d\n' tcp_segments "$peers_rc"
fi

if want ws_sip; then
echo "== ws_sip: SIP over WebSocket, tools/ws_client.py <-> kamailio:$WS_PORT"
capture_start ws_sip "ip host 127.0.0.1 and tcp port $WS_PORT"
mkdir -p "$WORK/kamailio-ws"
bg ws_sip.kamailio kamailio -f "$KAMWSCFG" -DD -E -w "$WORK/kamailio-ws" \
    -Y "$WORK/kamailio-ws" -P "$WORK/kamailio-ws/kamailio.pid" -m 32 -M 4
KAM_PID=$BG
wait_port "$WS_PORT" "$KAM_PID"
if ! kill -0 "$KAM_PID" 2>/dev/null; then
    echo "error: kamailio (websocket) did not start:" >&2
    cat "$WORK/ws_sip.kamailio.log" >&2
    exit 1
fi
sleep 0.5
bg ws_sip.client python3 "$TOOLS/ws_client.py" --host 127.0.0.1 --port "$WS_PORT"
reap "$BG" 30
client_rc=$RC
kill -TERM "$KAM_PID" 2>/dev/null || true
reap "$KAM_PID" 5
capture_stop
if ((client_rc != 0)); then
    echo "error: ws_sip: ws_client.py exit $client_rc (see logs)" >&2
    FAILED+=(ws_sip)
fi
printf '  %s: client exit %d\n' ws_sip "$client_rc"
fi

if want hep3_udp && [[ ! -s $WORK/basic_udp.pcap ]]; then
    echo "== hep3_udp: skipped, it needs basic_udp in the same run" >&2
    FAILED+=("hep3_udp(no basic_udp)")
elif want hep3_udp; then
# sngrep reads the basic_udp.pcap made above and sends each SIP message as
# HEP v3 over UDP; tools/udp_sink.py listens on the port, so no ICMP
# port-unreachable makes sngrep lose the next packet
echo "== hep3_udp: basic_udp.pcap re-sent as HEP v3 by sngrep to 127.0.0.1:19060"
capture_start hep3_udp "ip host 127.0.0.1 and udp port 19060"
bg hep3_udp.sink python3 "$TOOLS/udp_sink.py" 127.0.0.1 19060 2
SINK_PID=$BG
wait_port 19060 "$SINK_PID"
bg hep3_udp.sngrep timeout 30 sngrep -F -N -q -I "$WORK/basic_udp.pcap" -H udp:127.0.0.1:19060
reap "$BG" 35
sngrep_rc=$RC
reap "$SINK_PID" 35
sink_rc=$RC
capture_stop
if ((sngrep_rc != 0 || sink_rc != 0)); then
    echo "error: hep3_udp: sngrep exit $sngrep_rc, sink exit $sink_rc (see logs)" >&2
    FAILED+=(hep3_udp)
fi
printf '  %s: sngrep exit %d, %s\n' hep3_udp "$sngrep_rc" "$(cat "$WORK/hep3_udp.sink.log")"
fi

if want tls_sip; then
# kamailio answers REGISTER and OPTIONS over TLS with a certificate made
# for this run; tools/tls_client.py sends them with SNI sip.sipscope.test.
# What a capture of it can show is the handshake and encrypted records.
echo "== tls_sip: SIP over TLS, tools/tls_client.py <-> kamailio:$TLS_PORT"
mkdir -p "$WORK/kamailio-tls"
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sip.sipscope.test" \
        -keyout "$WORK/kamailio-tls/key.pem" -out "$WORK/kamailio-tls/cert.pem" \
        >"$WORK/tls_sip.openssl.log" 2>&1; then
    echo "error: openssl could not make a certificate:" >&2
    cat "$WORK/tls_sip.openssl.log" >&2
    exit 1
fi
sed -e "s|@CERT@|$WORK/kamailio-tls/cert.pem|" -e "s|@KEY@|$WORK/kamailio-tls/key.pem|" \
    "$KAMTLSCFG" >"$WORK/kamailio-tls/kamailio.cfg"
if ! kam_check=$(kamailio -c -f "$WORK/kamailio-tls/kamailio.cfg" 2>&1); then
    echo "$kam_check" | grep -iE 'error|could not' | head -5 >&2
    echo "error: kamailio cannot load $KAMTLSCFG" >&2
    echo "       install kamailio-tls-modules (apt-get install kamailio-tls-modules)" >&2
    exit 2
fi
capture_start tls_sip "ip host 127.0.0.1 and tcp port $TLS_PORT"
bg tls_sip.kamailio kamailio -f "$WORK/kamailio-tls/kamailio.cfg" -DD -E -w "$WORK/kamailio-tls" \
    -Y "$WORK/kamailio-tls" -P "$WORK/kamailio-tls/kamailio.pid" -m 32 -M 4
KAM_PID=$BG
wait_port "$TLS_PORT" "$KAM_PID"
sleep 0.5
bg tls_sip.client python3 "$TOOLS/tls_client.py" --host 127.0.0.1 --port "$TLS_PORT"
reap "$BG" 30
client_rc=$RC
kill -TERM "$KAM_PID" 2>/dev/null || true
reap "$KAM_PID" 5
capture_stop
if ((client_rc != 0)); then
    echo "error: tls_sip: tls_client.py exit $client_rc (see logs)" >&2
    FAILED+=(tls_sip)
fi
printf '  %s: client exit %d, %s\n' tls_sip "$client_rc" "$(cat "$WORK/tls_sip.client.log")"
fi

# tls13_sip, tls12_sip: tools/tls_client.py (OPTIONS to the proxy, then a
# call with a ~3 KB SDP offer) -> kamailio's TLS proxy -> sipp on UDP,
# port $TLSP_UDP + 1; the client logs the TLS secrets
if want tls13_sip || want tls12_sip; then
mkdir -p "$WORK/kamailio-tlsp"
if [[ ! -s $WORK/kamailio-tls/cert.pem ]]; then
    mkdir -p "$WORK/kamailio-tls"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sip.sipscope.test" \
            -keyout "$WORK/kamailio-tls/key.pem" -out "$WORK/kamailio-tls/cert.pem" \
            >"$WORK/tlsp.openssl.log" 2>&1; then
        echo "error: openssl could not make a certificate:" >&2
        cat "$WORK/tlsp.openssl.log" >&2
        exit 1
    fi
fi
sed -e "s|@CERT@|$WORK/kamailio-tls/cert.pem|" -e "s|@KEY@|$WORK/kamailio-tls/key.pem|" \
    "$KAMTLSPROXYCFG" >"$WORK/kamailio-tlsp/kamailio.cfg"
if ! kam_check=$(kamailio -c -f "$WORK/kamailio-tlsp/kamailio.cfg" 2>&1); then
    echo "$kam_check" | grep -iE 'error|could not' | head -5 >&2
    echo "error: kamailio cannot load $KAMTLSPROXYCFG" >&2
    echo "       install kamailio-tls-modules and kamailio-websocket-modules" >&2
    exit 2
fi
if want tls13_sip && ! command -v editcap >/dev/null 2>&1; then
    echo "error: tls13_sip needs editcap (apt-get install wireshark-common)" >&2
    exit 2
fi
for v in 13 12; do
    name=tls${v}_sip
    want "$name" || continue
    if [[ $v == 13 ]]; then
        echo "== $name: a call over TLS 1.3, tools/tls_client.py -> kamailio:$TLSP_PORT -> sipp:$UAS_UDP (UDP)"
        tls=(--tls-version 1.3)
    else
        echo "== $name: a call over TLS 1.2 (ECDHE-RSA-AES256-GCM-SHA384), tools/tls_client.py -> kamailio:$TLSP_PORT -> sipp:$UAS_UDP (UDP)"
        tls=(--tls-version 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384)
    fi
    rm -f "$WORK/$name.keys"
    capture_start "$name" "ip host 127.0.0.1 and (tcp port $TLSP_PORT or udp port $TLSP_UDP or udp port $UAS_UDP)"
    bg "$name.kamailio" kamailio -f "$WORK/kamailio-tlsp/kamailio.cfg" -DD -E -w "$WORK/kamailio-tlsp" \
        -Y "$WORK/kamailio-tlsp" -P "$WORK/kamailio-tlsp/kamailio.pid" -m 32 -M 4
    KAM_PID=$BG
    wait_port "$TLSP_PORT" "$KAM_PID"
    if ! kill -0 "$KAM_PID" 2>/dev/null; then
        echo "error: kamailio (TLS proxy) did not start:" >&2
        cat "$WORK/$name.kamailio.log" >&2
        exit 1
    fi
    uas "$name" uas_basic.xml 127.0.0.1 "$UAS_UDP" 1
    bg "$name.client" python3 "$TOOLS/tls_client.py" --host 127.0.0.1 --port "$TLSP_PORT" \
        "${tls[@]}" --keylog "$WORK/$name.keys" --call "sip:bob@127.0.0.1:$UAS_UDP" \
        --callid "$name-call@sipscope.invalid" --options --big-sdp
    reap "$BG" 30
    client_rc=$RC
    reap "$UAS_PID" 10
    uas_rc=$RC
    kill -TERM "$KAM_PID" 2>/dev/null || true
    reap "$KAM_PID" 5
    capture_stop
    if ((client_rc != 0 || uas_rc != 0)) || [[ ! -s $WORK/$name.keys ]]; then
        echo "error: $name: tls_client.py exit $client_rc, sipp uas exit $uas_rc (see logs)" >&2
        FAILED+=("$name")
    fi
    printf '  %s: client exit %d, uas exit %d, %s\n' "$name" "$client_rc" "$uas_rc" \
        "$(tail -1 "$WORK/$name.client.log")"
done
fi

# ------------------------------------------------------------- results ----
NAMES=(basic_udp busy_udp cancel_udp register_udp reinvite_udp basic_tcp
       basic_ipv6 proxy_rr_udp lossy_udp frag_udp frag_ipv6 frag_tcp tcp_segments
       ws_sip hep3_udp tls_sip tls13_sip tls12_sip rtp_g711 rtp_oneway rtp_loss)

echo
echo "created in $HERE:"
for name in "${NAMES[@]}"; do
    want "$name" || continue
    src=$WORK/$name.pcap
    packets=0
    [[ -s $src ]] && packets=$(tcpdump -n -r "$src" 2>/dev/null | wc -l)
    if ((packets == 0)); then
        echo "error: $name.pcap is empty" >&2
        FAILED+=("$name(empty)")
        rm -f "$HERE/$name.pcap"
        continue
    fi
    file=$name.pcap
    case $name in
        tls13_sip)
            # the key log goes inside, as a pcapng Decryption Secrets Block
            file=$name.pcapng
            if ! editcap --inject-secrets "tls,$WORK/$name.keys" "$src" "$HERE/$file" \
                    >"$WORK/$name.editcap.log" 2>&1; then
                cat "$WORK/$name.editcap.log" >&2
                FAILED+=("$name(editcap)")
                continue
            fi
            rm -f "$src" ;;
        tls12_sip)
            install -m 644 "$WORK/$name.keys" "$HERE/$name.keys"
            mv -f "$src" "$HERE/$file" ;;
        *)
            mv -f "$src" "$HERE/$file" ;;
    esac
    chmod 644 "$HERE/$file"
    size=$(stat -c %s "$HERE/$file")
    printf '  %-18s %7d bytes %4d packets\n' "$file" "$size" "$packets"
    limit=200
    [[ $name != rtp_* ]] || limit=2048   # a few seconds of audio
    ((size < limit * 1024)) || echo "warning: $name.pcap is larger than $limit KB" >&2
done

if command -v tshark >/dev/null 2>&1; then
    echo
    echo "SIP messages per capture (tshark; 'repeated' = same Call-ID, CSeq, branch"
    echo "and method/status seen before on the same hop, i.e. a retransmission):"
    for name in "${NAMES[@]}"; do
        want "$name" || continue
        file=$HERE/$name.pcap
        [[ $name == tls13_sip ]] && file=$HERE/$name.pcapng
        [[ -s $file ]] || continue
        printf '  %-18s ' "$name"
        if [[ $name == tls13_sip || $name == tls12_sip ]]; then
            # decrypted with the key log beside it, or the one inside
            keys=()
            [[ $name == tls12_sip ]] && keys=(-o "tls.keylog_file:$HERE/$name.keys")
            tshark -r "$file" "${keys[@]}" -d "tcp.port==$TLSP_PORT,tls" -d "tls.port==$TLSP_PORT,sip" \
                -d "udp.port==$UAS_UDP,sip" -d "udp.port==$TLSP_UDP,sip" -Y sip -T fields -E occurrence=a \
                -e sip.Method -e sip.Status-Code -e tls.record.version 2>/dev/null |
                awk -F'\t' '{ c = split($1 "," $2, v, ","); t = ($3 != "") ? "TLS" : "UDP"
                              for (j = 1; j <= c; j++) if (v[j] != "") { k = t ":" v[j]; n[k]++
                                  if (!(k in seen)) { seen[k] = 1; o[++m] = k } } }
                            END { for (i = 1; i <= m; i++) printf "%s%s=%d", (i > 1 ? " " : ""), o[i], n[o[i]]
                                  printf " (decrypted)\n" }'
            continue
        fi
        if [[ $name == tls_sip ]]; then
            printf '%s TLS records, %s with a ClientHello (SIP inside is encrypted)\n' \
                "$(tshark -r "$HERE/$name.pcap" -d "tcp.port==$TLS_PORT,tls" -Y tls 2>/dev/null | wc -l)" \
                "$(tshark -r "$HERE/$name.pcap" -d "tcp.port==$TLS_PORT,tls" \
                    -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)"
            continue
        fi
        if [[ $name == hep3_udp ]]; then
            # tshark 4.0 has no HEP dissector: decode the HEP v3 chunks ourselves
            python3 "$TOOLS/hep3dump.py" "$HERE/$name.pcap" 19060 2>/dev/null |
                awk -F'\t' '{ split($7, w, " "); k = (w[1] == "SIP/2.0") ? w[2] : w[1]; n[k]++
                              if (!(k in seen)) { seen[k] = 1; o[++m] = k } }
                            END { for (i = 1; i <= m; i++) printf "%s%s=%d", (i > 1 ? " " : ""), o[i], n[o[i]]
                                  printf " (HEP v3 packets, tools/hep3dump.py)\n" }'
            continue
        fi
        # SIP on a port tshark does not try by itself
        decode=()
        case $name in
            tcp_segments) decode=(-d tcp.port==15180,sip) ;;
            ws_sip) decode=(-d "tcp.port==$WS_PORT,http") ;;
        esac
        # counts: every message of a frame (a segment may hold two);
        # repeated: first message of each frame, as before
        tshark -r "$HERE/$name.pcap" "${decode[@]}" -Y sip -T fields -E occurrence=a \
            -e sip.Method -e sip.Status-Code 2>/dev/null |
            awk -F'\t' '{ c = split($1 "," $2, v, ","); for (j = 1; j <= c; j++) if (v[j] != "") {
                              k = v[j]; n[k]++; if (!(k in seen)) { seen[k] = 1; o[++m] = k } } }
                        END { for (i = 1; i <= m; i++) printf "%s%s=%d", (i > 1 ? " " : ""), o[i], n[o[i]] }'
        tshark -r "$HERE/$name.pcap" "${decode[@]}" -Y sip -T fields -E occurrence=f \
            -e sip.Method -e sip.Status-Code -e sip.Call-ID -e sip.CSeq -e sip.Via.branch \
            -e ip.src -e ipv6.src -e udp.srcport -e tcp.srcport 2>/dev/null |
            awk -F'\t' '{ k = ($1 != "") ? $1 : $2
                          id = k SUBSEP $3 SUBSEP $4 SUBSEP $5 SUBSEP $6 $7 SUBSEP $8 $9
                          if (id in msg) rep++; msg[id] = 1 }
                        END { printf " (repeated=%d)\n", rep + 0 }'
        case $name in
            frag_udp | frag_ipv6)
                printf '  %-18s %s\n' "" "$(tshark -r "$HERE/$name.pcap" -o ip.defragment:TRUE \
                    -Y 'ip.flags.mf == 1 or ipv6.fraghdr.more == 1' 2>/dev/null | wc -l) fragments with more-fragments set" ;;
            frag_tcp)
                printf '  %-18s %s\n' "" "$(tshark -r "$HERE/$name.pcap" -Y 'sip and tcp.reassembled.length' \
                    2>/dev/null | wc -l) SIP messages reassembled from several segments" ;;
        esac
    done

    # the RTP captures: tshark's own view of each stream (sipp sends no
    # RTCP); RTP is found by tshark's heuristic (rtp.heuristic_rtp), the
    # same as -d udp.port==MEDIA_PORT,rtp for each media port of the SDP
    for name in rtp_g711 rtp_oneway rtp_loss; do
        want "$name" || continue
        [[ -s $HERE/$name.pcap ]] || continue
        echo
        echo "RTP streams of $name.pcap (tshark -o rtp.heuristic_rtp:TRUE -q -z rtp,streams):"
        tshark -r "$HERE/$name.pcap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null |
            grep -v -e '^=*$' -e '^=.*RTP Streams' -e '^Running as user' | sed 's/^/  /'
    done
fi

if ((${#FAILED[@]})); then
    echo "FAILED: ${FAILED[*]}" >&2
    exit 1
fi
echo "all captures made"
