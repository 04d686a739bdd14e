#!/usr/bin/env bash
#
# transport_bench.sh - what transport reassembly costs: sipscope on the same
# SIP messages carried over UDP, over TCP and as IPv4-fragmented UDP
#
#   usage: tests/bench/transport_bench.sh SIPSCOPE_BINARY [CALLS]
#
# CALLS (default 50000) INVITE dialogs, as for bench.sh; gen_capture writes
# the same messages three times: -t udp, -t tcp and -t frag (-m MTU).
# Target (the issue): the all-TCP capture runs at no less than half the UDP
# speed, in messages/s.  See tests/bench/README.md.
#
# Environment:
#   CC            C compiler used to build gen_capture (default: cc)
#   BENCH_DIR     work directory for the generator binary and captures
#                 (default: /tmp/sipscope-bench); captures are reused
#   BENCH_SEED    generator seed (default: 1)
#   BENCH_MTU     MTU of the fragmented capture (default: 576)
#   BENCH_RUNS    rounds, the three captures taking turns; the fastest time
#                 per capture is kept (default: 3)
#   BENCH_TIMEOUT per-run time limit in seconds (default: 600)
#   BENCH_STRICT  if 1, exit 3 when the TCP target is missed
#   BENCH_BASELINE a sipscope built with -DSIPSCOPE_UDP_ONLY (no IP
#                 reassembly, tunnels, HEP or TCP; `make bench` builds it):
#                 also run on the UDP capture, so that what those cost on
#                 unfragmented UDP is measured (target: at most 10%)
#
# Exit status: 0 ok, 1 sipscope missing or failed, 2 usage/setup error,
#              3 TCP target missed (only with BENCH_STRICT=1).

# Re-exec under bash when started as `sh transport_bench.sh`.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u -o pipefail

die() { echo "transport_bench: error: $*" >&2; exit 2; }
note() { echo "transport_bench: $*" >&2; }

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 SIPSCOPE_BINARY [CALLS]" >&2
    exit 2
fi

SIPSCOPE=$1
CALLS=${2:-50000}
SEED=${BENCH_SEED:-1}
MTU=${BENCH_MTU:-576}
RUNS=${BENCH_RUNS:-3}
TMO=${BENCH_TIMEOUT:-600}
BENCH_DIR=${BENCH_DIR:-/tmp/sipscope-bench}
CC=${CC:-cc}
MODES=(udp tcp frag)

[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "CALLS must be a positive integer, got '$CALLS'"
[[ $SEED =~ ^[0-9]+$ ]] || die "BENCH_SEED must be a non-negative integer, got '$SEED'"
if [[ ! $MTU =~ ^[1-9][0-9]*$ ]] || ((MTU < 68 || MTU > 65535)); then
    die "BENCH_MTU must be 68..65535, got '$MTU'"
fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ $TMO =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"

if [[ $SIPSCOPE != */* ]] && command -v "$SIPSCOPE" >/dev/null 2>&1; then
    SIPSCOPE=$(command -v "$SIPSCOPE")
fi
if [[ ! -f $SIPSCOPE || ! -x $SIPSCOPE ]]; then
    echo "transport_bench: SIPSCOPE FAILED: not an executable file: $SIPSCOPE" >&2
    exit 1
fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || die "cannot locate script dir"
GEN_SRC=$SCRIPT_DIR/gen_capture.c
[[ -r $GEN_SRC ]] || die "missing $GEN_SRC"

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- generator
# Named after the source checksum: bench.sh's $BENCH_DIR/gen_capture may be
# built from another checkout's source that has no -t.
SRC_SUM=$(cksum <"$GEN_SRC" | awk '{print $1 "-" $2}')
GEN=$BENCH_DIR/gen_capture-$SRC_SUM
if [[ ! -x $GEN ]]; then
    note "building $GEN with $CC"
    "$CC" -std=c11 -O2 -Wall -Wextra -o "$GEN.tmp.$$" "$GEN_SRC" \
        || die "failed to build gen_capture with '$CC'"
    mv -f "$GEN.tmp.$$" "$GEN"
fi

# capture MODE: sets CAP to the capture of that transport, generating it
# unless one from the same calls/seed/mode(/MTU) and generator source, of
# the recorded size, exists (the .meta file next to it).
declare -A CAPF=() MSGS=() BYTES=() PKTS=() DIALOGS=()
meta_get() { sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" "$1" | head -n1; }
capture() {
    local mode=$1 args=(-t "$1") tag=$1
    [[ $mode == frag ]] && { args+=(-m "$MTU"); tag=frag$MTU; }
    local cap=$BENCH_DIR/sip-${CALLS}calls-seed${SEED}-$tag.pcap
    local meta=$cap.meta
    if [[ -f $cap && -f $meta &&
          $(sed -n 's/^source=//p' "$meta") == "$SRC_SUM" &&
          $(meta_get "$meta" bytes) == "$(stat -c %s "$cap")" ]]; then
        note "reusing $cap"
    else
        note "generating $cap ($CALLS calls, seed $SEED, ${args[*]})"
        rm -f "$meta"
        if ! "$GEN" -n "$CALLS" -s "$SEED" "${args[@]}" -o "$cap.tmp.$$" >"$WORK/gen.out"; then
            rm -f "$cap.tmp.$$"
            die "gen_capture failed"
        fi
        mv -f "$cap.tmp.$$" "$cap"
        { echo "source=$SRC_SUM"; sed "s|file=.*|file=$cap|" "$WORK/gen.out"; } >"$meta.tmp.$$"
        mv -f "$meta.tmp.$$" "$meta"
    fi
    CAPF[$mode]=$cap
    BYTES[$mode]=$(stat -c %s "$cap")
    MSGS[$mode]=$(meta_get "$meta" messages)
    # the UDP summary has no packets= (one packet per message)
    PKTS[$mode]=$(meta_get "$meta" packets)
    [[ -n ${PKTS[$mode]} ]] || PKTS[$mode]=${MSGS[$mode]}
    local reg opt
    reg=$(meta_get "$meta" registers) opt=$(meta_get "$meta" options)
    [[ -n ${MSGS[$mode]} && -n $reg && -n $opt ]] || die "cannot parse $meta"
    DIALOGS[$mode]=$((CALLS + reg + opt))
}
for m in "${MODES[@]}"; do capture "$m"; done

# Warm the page cache: every run reads its capture from memory.
for m in "${MODES[@]}"; do cat "${CAPF[$m]}" >/dev/null; done

# ---------------------------------------------------------------- measuring
# run MODE: one timed `sipscope calls` (table to /dev/null, as bench.sh);
# sets R_RC and R_SEC (wall clock, bash's microsecond clock).
BASELINE=${BENCH_BASELINE:-}
if [[ -n $BASELINE ]]; then
    [[ -x $BASELINE ]] || die "BENCH_BASELINE is not an executable: $BASELINE"
    MODES+=(base)
    CAPF[base]=${CAPF[udp]}
fi

run() {
    local t0 t1 bin=$SIPSCOPE
    [[ $1 == base ]] && bin=$BASELINE
    t0=$EPOCHREALTIME
    timeout -k 10 "$TMO" "$bin" calls -r "${CAPF[$1]}" --format table \
        >/dev/null 2>"$WORK/$1.err" </dev/null
    R_RC=$?
    t1=$EPOCHREALTIME
    R_SEC=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
}

declare -A BEST=()
status=0 FAILED=''
for ((round = 1; round <= RUNS; round++)); do
    # the modes take turns, so noise on a shared machine hits them alike
    for m in "${MODES[@]}"; do
        note "round $round/$RUNS: sipscope on the $m capture ..."
        run "$m"
        if ((R_RC != 0)); then
            if ((R_RC == 124 || R_RC == 137)); then
                FAILED="timed out after ${TMO}s on the $m capture"
            else
                FAILED="exited with status $R_RC on the $m capture"
            fi
            break 2
        fi
        if [[ -z ${BEST[$m]:-} ]] ||
            awk -v a="$R_SEC" -v b="${BEST[$m]}" 'BEGIN { exit !(a < b) }'; then
            BEST[$m]=$R_SEC
        fi
    done
done
if [[ -n $FAILED ]]; then
    {
        echo "transport_bench: SIPSCOPE FAILED: $FAILED"
        if [[ -s $WORK/$m.err ]]; then
            echo "transport_bench: sipscope stderr (last 20 lines):"
            tail -n 20 "$WORK/$m.err" | sed 's/^/  | /'
        fi
    } >&2
    echo
    echo "RESULT: sipscope transport benchmark FAILED -- $FAILED"
    exit 1
fi

# The timed runs threw the output away: check once, untimed, that every
# message and every call was found in each capture.
declare -A CHECK=()
for m in udp tcp frag; do
    got_m=$("$SIPSCOPE" messages -r "${CAPF[$m]}" --format json 2>/dev/null | wc -l)
    got_c=$("$SIPSCOPE" calls -r "${CAPF[$m]}" --format csv 2>/dev/null | wc -l)
    got_c=$((got_c - 1)) # header line
    CHECK[$m]=''
    [[ $got_m == "${MSGS[$m]}" ]] ||
        CHECK[$m]+="WARNING: $got_m of ${MSGS[$m]} messages found; "
    [[ $got_c == "${DIALOGS[$m]}" ]] ||
        CHECK[$m]+="WARNING: $got_c calls listed, expected ${DIALOGS[$m]}; "
done

# ---------------------------------------------------------------- report
rate() { awk -v c="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.0f", c / s }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", b / 1e6 / s }'; }

echo
echo "=== sipscope transport benchmark ==="
echo "capture   : $CALLS calls, seed $SEED: ${MSGS[udp]} SIP messages," \
     "${DIALOGS[udp]} dialogs, the same in each capture"
echo "command   : $SIPSCOPE calls -r FILE --format table > /dev/null"
echo "cpus      : $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
echo "runs      : $RUNS rounds, the captures taking turns; fastest kept (BENCH_RUNS)"
echo
printf '%-5s %-22s %9s %9s %9s %12s %8s\n' mode transport "MB" packets seconds "messages/s" "MB/s"
declare -A MPS=()
for m in udp tcp frag; do
    case $m in
        udp) what="UDP, 1 msg/datagram" ;;
        tcp) what="TCP, MSS 1460" ;;
        frag) what="UDP, IPv4 frag > $MTU" ;;
    esac
    MPS[$m]=$(rate "${MSGS[$m]}" "${BEST[$m]}")
    printf '%-5s %-22s %9s %9s %9s %12s %8s\n' "$m" "$what" \
        "$(awk -v b="${BYTES[$m]}" 'BEGIN { printf "%.1f", b / 1e6 }')" \
        "${PKTS[$m]}" "${BEST[$m]}" "${MPS[$m]}" "$(mbps "${BYTES[$m]}" "${BEST[$m]}")"
    [[ -z ${CHECK[$m]} ]] || printf '%-5s %s\n' "" "${CHECK[$m]%; }"
done
echo

tcp_ratio=$(awk -v a="${MPS[tcp]}" -v b="${MPS[udp]}" 'BEGIN { printf "%.2f", a / b }')
frag_ratio=$(awk -v a="${MPS[frag]}" -v b="${MPS[udp]}" 'BEGIN { printf "%.2f", a / b }')
verdict=PASS
awk -v r="$tcp_ratio" 'BEGIN { exit !(r >= 0.5) }' || verdict=FAIL
if [[ -n $BASELINE ]]; then
    # The same capture through a build without any reassembly or
    # decapsulation: what they cost where there is nothing to reassemble.
    base_mps=$(rate "${MSGS[udp]}" "${BEST[base]}")
    cost=$(awk -v a="${MPS[udp]}" -v b="$base_mps" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')
    cverdict=PASS
    awk -v c="$cost" 'BEGIN { exit !(c <= 10) }' || cverdict=FAIL
    echo "udp       : ${MPS[udp]} messages/s; without reassembly (SIPSCOPE_UDP_ONLY build)" \
         "$base_mps messages/s in ${BEST[base]} s"
    echo "reassembly: costs $cost% of the UDP throughput   (target <= 10%) $cverdict"
    [[ $cverdict == PASS ]] || verdict=FAIL
else
    echo "udp       : ${MPS[udp]} messages/s, $(mbps "${BYTES[udp]}" "${BEST[udp]}") MB/s" \
         "(set BENCH_BASELINE to a -DSIPSCOPE_UDP_ONLY build to measure what reassembly costs)"
fi
echo "tcp/udp   : tcp messages/s / udp messages/s = $tcp_ratio   (target >= 0.50) $verdict"
echo "frag/udp  : frag messages/s / udp messages/s = $frag_ratio   (no target)"
if [[ $verdict == FAIL && ${BENCH_STRICT:-0} == 1 ]]; then
    status=3
fi
exit "$status"
