#!/usr/bin/env bash
#
# tls_captures.sh - captures of SIP over TLS (1.2 and 1.3) between real
# peers, with what it takes to decrypt each, for tls_oracle.py (issue 21).
#
# Usage: bash tests/integration/tls_captures.sh OUTDIR [NAME-PREFIX...]
#        (root: tcpdump on lo; KEEP_LOGS=1 keeps the peers' logs in
#        OUTDIR/work; TLS_PORT_BASE=N moves the ports, default 17400)
#
# Everything runs on 127.0.0.1 and is recorded by one tcpdump on lo; each
# capture has its own block of 10 ports and its file is cut out of the
# whole recording by port.  The peers:
#  - ossl: sipp (sip-tester, plain TCP, scenarios from samples/scenarios
#    with [transport] set to TLS) on both ends, openssl s_client and
#    s_server in between, joined to sipp by tls_pipe.py; s_client writes
#    the key log (-keylogfile).  Each chunk tls_pipe.py reads from sipp
#    (one message, now and then two) becomes one TLS record.
#  - py: samples/tools/tls_client.py (Python ssl, keylog_filename) calling
#    a sipp callee through s_server; it chooses its records and segments
#    (--split, --coalesce) and can resume the session (--reconnect).
#  - kam: tls_client.py through kamailio's TLS proxy (tls and websocket
#    modules, samples/kamailio/kamailio-tls-proxy.cfg) to a sipp callee
#    over UDP; both hops are in the capture.
#  - lossy_*: editcap deletes one frame of another capture: a frame from
#    the server made of whole TLS records holding SIP (tls_oracle.py
#    --pick-lost-frame), mid-stream.
#  - dsb_*: another capture as pcapng with its key log in a Decryption
#    Secrets Block (editcap --inject-secrets tls,KEYLOG).
# Call-IDs carry the capture's name.  RSA key exchange captures are
# opened with the server's key (OUTDIR/key.pem); s_client writes a key
# log for them too, and tshark must find the same messages with either.
#
# Writes OUTDIR/NAME.pcap (dsb_*: NAME.pcapng), NAME.keys (key log),
# key.pem and cert.pem, and OUTDIR/captures.tsv: one line per capture,
# tab-separated: name, capture file, tls_oracle.py options (among them
# --expect: the number of SIP messages the peers exchanged), sipscope
# options.  Every process has a time limit; all are stopped on exit.
# Exit status: 0 all made, 1 some failed (named on stderr), 2 usage,
# 77 cannot run here (not root, or a tool missing: named on stdout).

set -uo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
SCEN=$ROOT/samples/scenarios
TOOLS=$ROOT/samples/tools
PIPE=$ROOT/tests/integration/tls_pipe.py
ORACLE=$ROOT/tests/integration/tls_oracle.py
KAMCFG=$ROOT/samples/kamailio/kamailio-tls-proxy.cfg
export PATH="$PATH:/usr/sbin:/sbin"

if (($# < 1)); then
    echo "usage: $0 OUTDIR [NAME-PREFIX...]" >&2
    exit 2
fi
OUT=$1
shift
case $OUT in *[[:space:]]*) echo "$0: OUTDIR must not contain blanks" >&2; exit 2 ;; esac

if [[ $(id -u) -ne 0 ]]; then
    echo "cannot run: not root (tcpdump on lo)"
    exit 77
fi
missing=()
for tool in openssl tcpdump tshark editcap sipp kamailio python3 ss timeout; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "cannot run: missing ${missing[*]}"
    exit 77
fi
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK"
# the interpreter itself, not a version manager's shim (a shim costs
# a quarter of a second a start)
PY=$(python3 -c 'import sys; print(sys.executable)')
BASE=${TLS_PORT_BASE:-17400}

# ------------------------------------------------------ process control ----
TCPDUMP_PID=
JOB_PIDS=()
cleanup() {
    local rc=$? pid
    for pid in "${JOB_PIDS[@]}" $(cat "$WORK/pids" 2>/dev/null) $TCPDUMP_PID; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${JOB_PIDS[@]}" $TCPDUMP_PID; do
        wait "$pid" 2>/dev/null
    done
    if [[ -n ${KEEP_LOGS:-} || $rc -ne 0 ]]; then
        echo "logs in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg LOG CMD... : CMD in the background with a time limit, output to
# $WORK/LOG.log; its pid in $BG (and in $WORK/pids for the exit trap)
bg() {
    local log=$1
    shift
    timeout -k 2 "${LIMIT:-40}" "$@" </dev/null >"$WORK/$log.log" 2>&1 &
    BG=$!
    echo "$BG" >>"$WORK/pids"
}

# reap PID SECONDS : wait at most SECONDS for PID (a child of this shell),
# then stop it; its exit status in $RC
reap() {
    local pid=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    RC=0
    wait "$pid" 2>/dev/null || RC=$?
}

# wait_port tcp|udp PORT PID : until something listens on PORT (at most
# 5 s) or PID has ended
wait_port() {
    local i flag=-Hlnt
    [[ $1 == udp ]] && flag=-Hlnu
    for ((i = 0; i < 50; i++)); do
        ss $flag "sport = :$2" 2>/dev/null | grep -q . && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --------------------------------------------------------- the captures ----
# def NAME KIND EXPECT "SERVER ARGS" "CLIENT ARGS" [OPTION=VALUE...]
#  KIND ossl: CLIENT ARGS go to s_client; options: calls=N (default 2),
#    scen=basic|bigsdp, naccept=N (s_server connections), runs=2 (two
#    s_client runs, the second resuming the first's session: -sess_out,
#    -sess_in), ku=N:k,... (tls_pipe.py --keyupdate; s_client then
#    takes commands), rsa=1 (opened with the server key)
#  KIND py: CLIENT ARGS go to tls_client.py (--call added); calls=N for
#    the sipp callee, naccept=N
#  KIND kam: CLIENT ARGS go to tls_client.py; ws=1 for WebSocket
# EXPECT: the SIP messages the peers exchange (on all legs captured).
# Ports of capture i, from b = BASE + 10 i: b TLS; b+1 the sipp callee;
# b+2 tls_pipe.py's caller side (kam: kamailio's UDP); b+3 the sipp
# caller; b+4, b+5 sipp control ports; b+6 (b+8), b+7 (b+9) sipp media.
NAMES=() KINDS=() EXPECTS=() SARGS=() CARGS=() OPTS=()
def() {
    NAMES+=("$1") KINDS+=("$2") EXPECTS+=("$3") SARGS+=("$4") CARGS+=("$5")
    shift 5
    OPTS+=("$*")
}
T13="-tls1_3 -ciphersuites"
def t13_aes128gcm    ossl 14 "$T13 TLS_AES_128_GCM_SHA256"       "-tls1_3"
def t13_aes256gcm    ossl 14 "$T13 TLS_AES_256_GCM_SHA384"       "-tls1_3" scen=bigsdp
def t13_chacha20     ossl 14 "$T13 TLS_CHACHA20_POLY1305_SHA256" "-tls1_3"
for s in AES128-GCM-SHA256 AES256-GCM-SHA384 CHACHA20-POLY1305 AES128-SHA AES256-SHA \
         AES128-SHA256 AES256-SHA384; do
    n=t12_ecdhe_$(tr 'A-Z' 'a-z' <<<"$s" | tr -d -- -)
    sc=basic
    [[ $s == *256-SHA* || $s == AES128-SHA ]] && sc=bigsdp
    def "$n" ossl 14 "-tls1_2 -cipher ECDHE-RSA-$s" "-tls1_2 -cipher ECDHE-RSA-$s" scen=$sc
    [[ $s == *GCM* || $s == CHACHA* ]] ||
        def "${n}_noetm" ossl 14 "-tls1_2 -cipher ECDHE-RSA-$s" "-tls1_2 -cipher ECDHE-RSA-$s -no_etm"
done
# finite-field DHE (s_server picks the group)
def t12_dhe_aes128gcmsha256 ossl 14 "-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256" "-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256"
def t12_dhe_aes256sha256    ossl 14 "-tls1_2 -cipher DHE-RSA-AES256-SHA256" "-tls1_2 -cipher DHE-RSA-AES256-SHA256" \
    scen=bigsdp
for s in AES128-GCM-SHA256 AES256-GCM-SHA384 AES128-SHA AES256-SHA AES128-SHA256 AES256-SHA256; do
    n=t12_rsa_$(tr 'A-Z' 'a-z' <<<"$s" | tr -d -- -)
    def "$n" ossl 14 "-tls1_2 -cipher $s" "-tls1_2 -cipher $s" rsa=1
done
def t12_rsa_aes256sha_noetm     ossl 14 "-tls1_2 -cipher AES256-SHA" "-tls1_2 -cipher AES256-SHA -no_etm" rsa=1
# resumption: -reconnect makes 5 more connections after the first, each
# resuming the session; the SIP goes over the last one
def t12_resume_ticket  ossl 14 "-tls1_2" "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -reconnect" naccept=6
def t12_resume_sessid  ossl 14 "-tls1_2" "-tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_ticket -reconnect" naccept=6
def t12_rsa_resume_ticket ossl 14 "-tls1_2 -cipher AES128-GCM-SHA256" "-tls1_2 -cipher AES128-GCM-SHA256 -reconnect" \
    naccept=6 rsa=1
def t12_rsa_resume_sessid ossl 14 "-tls1_2 -cipher AES128-SHA256" "-tls1_2 -cipher AES128-SHA256 -no_ticket -reconnect" \
    naccept=6 rsa=1
def t13_resume       ossl 14 "$T13 TLS_AES_128_GCM_SHA256" "-tls1_3" naccept=2 runs=2 calls=1
# KeyUpdate: "k" after the INVITE (the client's key), "K" after the ACK
# (the client's key again, and the server is asked to update its own)
def t13_keyupdate    ossl 7 "$T13 TLS_AES_256_GCM_SHA384" "-tls1_3" calls=1 ku=1:k,2:K
# Python callers: records and segments of their own
def py13_split       py 7 "$T13 TLS_CHACHA20_POLY1305_SHA256" "--tls-version 1.3 --big-sdp --split --coalesce" calls=1
def py13_resume      py 14 "$T13 TLS_AES_128_GCM_SHA256" "--tls-version 1.3 --reconnect --coalesce" calls=2 naccept=2
def py12_cbc_resume  py 14 "-tls1_2" "--tls-version 1.2 --ciphers ECDHE-RSA-AES256-SHA --big-sdp --split --reconnect" \
    calls=2 naccept=2
# kamailio's TLS proxy to a sipp callee over UDP: OPTIONS 200, then the
# call on both hops (14)
def kam_tls13        kam 16 "" "--tls-version 1.3 --options --big-sdp --coalesce"
def kam_wss          kam 14 "" "--tls-version 1.3 --ws --split" ws=1
# made from the captures above once they are cut
LOSSY=(lossy_t13:t13_aes128gcm lossy_t12gcm:t12_ecdhe_aes128gcmsha256
       lossy_t12cbc:t12_ecdhe_aes128sha_noetm)
DSB=(dsb_kam_tls13:kam_tls13 dsb_t12:t12_ecdhe_aes256gcmsha384)

# wanted NAME : true if capture NAME is to be made (all, unless prefixes
# were given)
wanted() {
    local p
    [[ -z $WANT ]] && return 0
    for p in $WANT; do [[ $1 == "$p"* ]] && return 0; done
    return 1
}
WANT="$*"

# -------------------------------------------------------------- set-up ----
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sip.sipscope.test \
        -keyout "$OUT/key.pem" -out "$OUT/cert.pem" >"$WORK/openssl.log" 2>&1; then
    cat "$WORK/openssl.log" >&2
    exit 1
fi
# over TCP nothing is retransmitted: no timewait at the end of a call
for s in basic bigsdp; do
    for r in uac uas; do
        sed -e 's/\[transport\]/TLS/g' -e '/<timewait /d' "$SCEN/${r}_$s.xml" >"$WORK/${r}_$s.xml" || exit 1
    done
done
need_kam=0
for i in "${!NAMES[@]}"; do
    [[ ${KINDS[$i]} == kam ]] && wanted "${NAMES[$i]}" && need_kam=1
done
if ((need_kam)); then
    sed -e "s|@CERT@|$OUT/cert.pem|" -e "s|@KEY@|$OUT/key.pem|" "$KAMCFG" >"$WORK/kam-check.cfg"
    if ! kamailio -c -f "$WORK/kam-check.cfg" >"$WORK/kam-check.log" 2>&1; then
        echo "cannot run: kamailio cannot load $KAMCFG (kamailio-tls-modules," \
             "kamailio-websocket-modules?): $(grep -iE 'error' "$WORK/kam-check.log" | head -1)"
        exit 77
    fi
fi

# ------------------------------------------------------------ the jobs ----
# A job runs in a subshell and leaves "0" or what went wrong in
# $WORK/NAME.rc.

# opt NAME DEFAULT : the value of NAME=... in $O
opt() {
    local w
    for w in $O; do
        [[ $w == "$1="* ]] && { echo "${w#*=}"; return; }
    done
    echo "$2"
}

# the callee: sipp on TCP (through s_server) or UDP (behind kamailio)
start_uas() { # NAME PORT CALLS SCEN tcp|udp
    local t=() sf=$WORK/uas_$4.xml
    [[ $5 == tcp ]] && t=(-t t1)
    [[ $5 == udp ]] && sf=$SCEN/uas_$4.xml
    bg "$1.uas" sipp -sf "$sf" -i 127.0.0.1 -p "$2" "${t[@]}" -m "$3" -nostdin \
        -timeout 30s -timeout_error -max_retrans 5 -recv_timeout 10000 \
        -cp $(($2 + 3)) -mp $(($2 + 5))
    UAS=$BG
    wait_port "$5" "$2" "$UAS" || { echo "sipp callee did not start" >"$WORK/$1.rc"; return 1; }
}

start_sserver() { # NAME TLSPORT UASPORT NACCEPT SERVER-ARGS...
    local name=$1 tls=$2 uas=$3 n=$4
    shift 4
    bg "$name.server" "$PY" "$PIPE" server --connect "127.0.0.1:$uas" --timeout 35 -- \
        openssl s_server -accept "127.0.0.1:$tls" -cert "$OUT/cert.pem" -key "$OUT/key.pem" \
        -naccept "$n" -quiet "$@"
    SRV=$BG
    wait_port tcp "$tls" "$SRV" || { echo "s_server did not start" >"$WORK/$name.rc"; return 1; }
}

job_ossl() {
    local i=$1 name=${NAMES[$1]} b=$((BASE + 10 * $1)) O=${OPTS[$1]} err=()
    local calls scen naccept runs ku run keys=$OUT/${NAMES[$1]}.keys sess=$WORK/${NAMES[$1]}.sess
    calls=$(opt calls 2) scen=$(opt scen basic) naccept=$(opt naccept 1) runs=$(opt runs 1)
    ku=$(opt ku "")
    : >"$keys"
    start_uas "$name" $((b + 1)) $((calls * runs)) "$scen" tcp || return
    # shellcheck disable=SC2086
    start_sserver "$name" "$b" $((b + 1)) "$naccept" ${SARGS[$i]} || return
    for ((run = 1; run <= runs; run++)); do
        local cargs=(-connect "127.0.0.1:$b" -servername sip.sipscope.test -keylogfile "$keys"
                     -quiet -no_ign_eof) pargs=()
        # shellcheck disable=SC2206
        cargs+=(${CARGS[$i]})
        if [[ -n $ku ]]; then
            for k in ${ku//,/ }; do pargs+=(--keyupdate "$k"); done
        else
            cargs+=(-nocommands)
        fi
        ((runs > 1 && run == 1)) && cargs+=(-sess_out "$sess")
        ((runs > 1 && run > 1)) && cargs+=(-sess_in "$sess")
        bg "$name.client$run" "$PY" "$PIPE" client --listen $((b + 2)) --timeout 30 "${pargs[@]}" -- \
            openssl s_client "${cargs[@]}"
        local cli=$BG
        wait_port tcp $((b + 2)) "$cli" || { echo "tls_pipe client did not start" >"$WORK/$name.rc"; return; }
        bg "$name.uac$run" sipp -sf "$WORK/uac_$scen.xml" -i 127.0.0.1 -p $((b + 3)) -t t1 -m "$calls" \
            -r 4 -rp 1000 -s bob -cid_str "$name-%u-%p@%s" -nostdin -timeout 30s -timeout_error \
            -max_retrans 5 -recv_timeout 10000 -cp $((b + 5)) -mp $((b + 7)) "127.0.0.1:$((b + 2))"
        reap "$BG" 35
        ((RC == 0)) || err+=("sipp caller (run $run) exit $RC")
        reap "$cli" 10
        ((RC == 0)) || err+=("s_client (run $run) exit $RC")
    done
    reap "$SRV" 10
    ((RC == 0)) || err+=("s_server exit $RC")
    reap "$UAS" 10
    ((RC == 0)) || err+=("sipp callee exit $RC")
    echo "${err[*]:-0}" >"$WORK/$name.rc"
}

job_py() {
    local i=$1 name=${NAMES[$1]} b=$((BASE + 10 * $1)) O=${OPTS[$1]} err=()
    local calls naccept keys=$OUT/${NAMES[$1]}.keys
    calls=$(opt calls 1) naccept=$(opt naccept 1)
    : >"$keys"
    start_uas "$name" $((b + 1)) "$calls" basic tcp || return
    # shellcheck disable=SC2086
    start_sserver "$name" "$b" $((b + 1)) "$naccept" ${SARGS[$i]} || return
    # shellcheck disable=SC2086
    bg "$name.client" "$PY" "$TOOLS/tls_client.py" --port "$b" --keylog "$keys" \
        --call "sip:bob@127.0.0.1:$((b + 1));transport=tls" --callid "$name@sipscope.invalid" ${CARGS[$i]}
    reap "$BG" 30
    ((RC == 0)) || err+=("tls_client.py exit $RC")
    reap "$SRV" 10
    ((RC == 0)) || err+=("s_server exit $RC")
    reap "$UAS" 10
    ((RC == 0)) || err+=("sipp callee exit $RC")
    echo "${err[*]:-0}" >"$WORK/$name.rc"
}

job_kam() {
    local i=$1 name=${NAMES[$1]} b=$((BASE + 10 * $1)) err=() kdir=$WORK/${NAMES[$1]}.kam
    local keys=$OUT/${NAMES[$1]}.keys
    : >"$keys"
    mkdir -p "$kdir"
    sed -e "s|@CERT@|$OUT/cert.pem|" -e "s|@KEY@|$OUT/key.pem|" \
        -e "s|^listen=tls:127\.0\.0\.1:[0-9]*|listen=tls:127.0.0.1:$b|" \
        -e "s|^listen=udp:127\.0\.0\.1:[0-9]*|listen=udp:127.0.0.1:$((b + 2))|" "$KAMCFG" >"$kdir/kamailio.cfg"
    start_uas "$name" $((b + 1)) 1 basic udp || return
    bg "$name.kamailio" kamailio -f "$kdir/kamailio.cfg" -DD -E -w "$kdir" -Y "$kdir" \
        -P "$kdir/kamailio.pid" -m 32 -M 4
    local kam=$BG
    wait_port tcp "$b" "$kam" || { echo "kamailio did not start" >"$WORK/$name.rc"; return; }
    # shellcheck disable=SC2086
    bg "$name.client" "$PY" "$TOOLS/tls_client.py" --port "$b" --keylog "$keys" \
        --call "sip:bob@127.0.0.1:$((b + 1))" --callid "$name@sipscope.invalid" ${CARGS[$i]}
    reap "$BG" 30
    ((RC == 0)) || err+=("tls_client.py exit $RC")
    reap "$UAS" 10
    ((RC == 0)) || err+=("sipp callee exit $RC")
    kill -TERM "$kam" 2>/dev/null
    reap "$kam" 5
    echo "${err[*]:-0}" >"$WORK/$name.rc"
}

# ------------------------------------------------------------- record ----
# (no --immediate-mode: its fixed-size ring slots of snaplen bytes each
# drop packets when the machine is busy)
tcpdump -i lo -n -s 0 -B 32768 -U -w "$WORK/all.pcap" \
    "host 127.0.0.1 and portrange $BASE-$((BASE + 10 * ${#NAMES[@]} - 1))" >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
for ((i = 0; i < 50; i++)); do
    grep -q 'listening on' "$WORK/tcpdump.log" && break
    sleep 0.1
done
if ! kill -0 "$TCPDUMP_PID" 2>/dev/null; then
    cat "$WORK/tcpdump.log" >&2
    exit 1
fi
sleep 0.5

JOBS=${TLS_CAPTURE_JOBS:-8}
start=$SECONDS
for i in "${!NAMES[@]}"; do
    wanted "${NAMES[$i]}" || continue
    while (($(jobs -rp | wc -l) >= JOBS + 1)); do   # +1: tcpdump
        wait -n 2>/dev/null
    done
    "job_${KINDS[$i]}" "$i" &
    JOB_PIDS+=($!)
done
for pid in "${JOB_PIDS[@]}"; do
    wait "$pid"
done
JOB_PIDS=()
# tcpdump gets the packets in blocks that the kernel hands over at the
# latest 1 s after their first packet: wait for the last ones
sleep 2
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID"
TCPDUMP_PID=
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$WORK/tcpdump.log")
if [[ ${dropped:-0} != 0 ]]; then
    echo "tcpdump: $dropped packets dropped by the kernel: the captures are not whole" >&2
    exit 1
fi

# ----------------------------------------------------- cut and describe ----
failed=()
: >"$OUT/captures.tsv"
ORACLE_PY=("$PY" "$ORACLE")
for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}
    wanted "$name" || continue
    b=$((BASE + 10 * i))
    rc=$(cat "$WORK/$name.rc" 2>/dev/null || echo "no result")
    if [[ $rc != 0 ]]; then
        failed+=("$name ($rc)")
        continue
    fi
    O=${OPTS[$i]}
    filter="tcp port $b"
    oargs="--expect ${EXPECTS[$i]}"
    if [[ ${KINDS[$i]} == kam ]]; then
        filter="tcp port $b or udp port $((b + 1)) or udp port $((b + 2))"
        oargs+=" --sip-port $((b + 1))"
        if [[ $(opt ws 0) == 1 ]]; then oargs+=" --wss-port $b"; else oargs+=" --tls-port $b"; fi
    else
        oargs+=" --tls-port $b"
    fi
    tcpdump -r "$WORK/all.pcap" -w "$OUT/$name.pcap" "$filter" 2>/dev/null
    if [[ $(opt rsa 0) == 1 ]]; then
        printf '%s\t%s\t%s\t%s\n' "$name" "$OUT/$name.pcap" "$oargs --rsa-key $OUT/key.pem" \
            "--tls-key $OUT/key.pem" >>"$OUT/captures.tsv"
    else
        printf '%s\t%s\t%s\t%s\n' "$name" "$OUT/$name.pcap" "$oargs --keylog $OUT/$name.keys" \
            "--tls-keylog $OUT/$name.keys" >>"$OUT/captures.tsv"
    fi
    eval "ARGS_$name=\$oargs"
done

# ref_args NAME : the oracle options of capture NAME (empty if not made)
ref_args() { local v="ARGS_$1"; echo "${!v:-}"; }

# tshark's part, its runs side by side (each takes a while to start):
# - RSA key exchange: tshark must find the same messages with the
#   server's key as with the key log (one run each way, all captures);
# - the frame each lossy capture loses
POST=()
grep -F -e "--rsa-key" "$OUT/captures.tsv" >"$WORK/rsa-key.tsv"
if [[ -s $WORK/rsa-key.tsv ]]; then
    awk -F'\t' -v OFS='\t' -v out="$OUT" '{ sub(/--rsa-key [^ ]*/, "--keylog " out "/" $1 ".keys", $3); print }' \
        "$WORK/rsa-key.tsv" >"$WORK/rsa-log.tsv"
    for how in key log; do
        "${ORACLE_PY[@]}" --manifest "$WORK/rsa-$how.tsv" --list >"$WORK/rsa-$how.list" 2>&1 &
        POST+=($!)
    done
fi
for pair in "${LOSSY[@]}"; do
    name=${pair%%:*} ref=${pair#*:}
    oargs=$(ref_args "$ref")
    wanted "$name" && [[ -n $oargs ]] || continue
    # shellcheck disable=SC2086
    "${ORACLE_PY[@]}" --pick-lost-frame $oargs --keylog "$OUT/$ref.keys" "$OUT/$ref.pcap" \
        >"$WORK/$name.pick" 2>"$WORK/$name.log" &
    POST+=($!)
done
JOB_PIDS=("${POST[@]}")
for pid in "${POST[@]}"; do
    wait "$pid"
done
JOB_PIDS=()

if [[ -s $WORK/rsa-key.tsv ]]; then
    while IFS='	' read -r name _; do
        if [[ $(sed -n "/^## $name:/,/^##* [a-z]/p" "$WORK/rsa-key.list") != \
              "$(sed -n "/^## $name:/,/^##* [a-z]/p" "$WORK/rsa-log.list")" ]] ||
           ! grep -q "^## $name:" "$WORK/rsa-key.list"; then
            failed+=("$name (tshark: the RSA key and the key log disagree)")
            grep -v "^$name	" "$OUT/captures.tsv" >"$WORK/tsv" && mv "$WORK/tsv" "$OUT/captures.tsv"
        fi
    done <"$WORK/rsa-key.tsv"
fi
for pair in "${LOSSY[@]}"; do
    name=${pair%%:*} ref=${pair#*:}
    wanted "$name" || continue
    oargs=$(ref_args "$ref")
    [[ -n $oargs ]] || { failed+=("$name (no $ref)"); continue; }
    n=$(cat "$WORK/$name.pick" 2>/dev/null)
    if [[ -z $n ]] || ! editcap "$OUT/$ref.pcap" "$OUT/$name.pcap" "$n" >>"$WORK/$name.log" 2>&1; then
        failed+=("$name (no frame to delete)")
        continue
    fi
    cp "$OUT/$ref.keys" "$OUT/$name.keys"
    printf '%s\t%s\t%s\t%s\n' "$name" "$OUT/$name.pcap" \
        "$oargs --keylog $OUT/$name.keys --reference $OUT/$ref.pcap --lost-frame $n" \
        "--tls-keylog $OUT/$name.keys" >>"$OUT/captures.tsv"
done
for pair in "${DSB[@]}"; do
    name=${pair%%:*} ref=${pair#*:}
    wanted "$name" || continue
    oargs=$(ref_args "$ref")
    [[ -n $oargs ]] || { failed+=("$name (no $ref)"); continue; }
    if ! editcap --inject-secrets "tls,$OUT/$ref.keys" "$OUT/$ref.pcap" "$OUT/$name.pcapng" \
            >"$WORK/$name.log" 2>&1; then
        failed+=("$name (editcap --inject-secrets)")
        continue
    fi
    # no key option for either: the secrets are in the file
    printf '%s\t%s\t%s\t%s\n' "$name" "$OUT/$name.pcapng" "$oargs" "" >>"$OUT/captures.tsv"
done

echo "$(wc -l <"$OUT/captures.tsv") captures in $OUT ($((SECONDS - start)) s)"
if ((${#failed[@]})); then
    printf 'failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
exit 0
