#!/usr/bin/env bash
#
# tls_bench.sh - what decrypting SIP over TLS costs: sipscope on the same
# SIP messages over plain TCP and over TLS 1.3 with the key log (issue 21)
#
#   usage: tests/bench/tls_bench.sh SIPSCOPE_BINARY [CALLS]
#
# CALLS (default 50000) INVITE dialogs, as for transport_bench.sh:
# `gen_capture -t tcp` writes them over TCP (the very capture
# transport_bench.sh uses, shared in BENCH_DIR), then tls_wrap turns every
# connection into TLS 1.3 and writes the key log.  Both are timed with
# `sipscope calls -r FILE --format table > /dev/null`, the TLS one with
# `--tls-keylog KEYLOG`.  Target (the issue): decrypt + parse at no less
# than half the plain TCP throughput, in messages/s.  See
# tests/bench/README.md.
#
# Environment:
#   CC            C compiler for gen_capture and tls_wrap (default: cc)
#   PKG_CONFIG    pkg-config (default: pkg-config), for libcrypto's flags
#   TLS_WRAP      a tls_wrap binary to use instead of building one
#                 (`make bench` passes build/bench/tls_wrap)
#   BENCH_SUITE   aes128 (TLS_AES_128_GCM_SHA256, default), aes256
#                 (TLS_AES_256_GCM_SHA384) or chacha20
#                 (TLS_CHACHA20_POLY1305_SHA256)
#   BENCH_DIR     work directory for the binaries and captures
#                 (default: /tmp/sipscope-bench); captures are reused
#   BENCH_SEED    generator seed (default: 1)
#   BENCH_RUNS    rounds, the two captures taking turns; the fastest time
#                 per capture is kept (default: 3)
#   BENCH_TIMEOUT per-run time limit in seconds (default: 600)
#   BENCH_STRICT  if 1, exit 3 when the target is missed
#
# Exit status: 0 ok; 1 sipscope missing or failed, or it does not find
#              every message in the TLS capture ("decoder missing" when it
#              finds none or has no --tls-keylog); 2 usage/setup error;
#              3 target missed (only with BENCH_STRICT=1).

# Re-exec under bash when started as `sh tls_bench.sh`.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u -o pipefail

die() { echo "tls_bench: error: $*" >&2; exit 2; }
note() { echo "tls_bench: $*" >&2; }

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 SIPSCOPE_BINARY [CALLS]" >&2
    exit 2
fi

SIPSCOPE=$1
CALLS=${2:-50000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
TMO=${BENCH_TIMEOUT:-600}
SUITE=${BENCH_SUITE:-aes128}
BENCH_DIR=${BENCH_DIR:-/tmp/sipscope-bench}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "CALLS must be a positive integer, got '$CALLS'"
[[ $SEED =~ ^[0-9]+$ ]] || die "BENCH_SEED must be a non-negative integer, got '$SEED'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ $TMO =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"
case $SUITE in
    aes128) SUITE_NAME=TLS_AES_128_GCM_SHA256 ;;
    aes256) SUITE_NAME=TLS_AES_256_GCM_SHA384 ;;
    chacha20) SUITE_NAME=TLS_CHACHA20_POLY1305_SHA256 ;;
    *) die "BENCH_SUITE must be aes128, aes256 or chacha20, got '$SUITE'" ;;
esac
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"

if [[ $SIPSCOPE != */* ]] && command -v "$SIPSCOPE" >/dev/null 2>&1; then
    SIPSCOPE=$(command -v "$SIPSCOPE")
fi
if [[ ! -f $SIPSCOPE || ! -x $SIPSCOPE ]]; then
    echo "tls_bench: SIPSCOPE FAILED: not an executable file: $SIPSCOPE" >&2
    exit 1
fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || die "cannot locate script dir"
GEN_SRC=$SCRIPT_DIR/gen_capture.c
WRAP_SRC=$SCRIPT_DIR/tls_wrap.c
[[ -r $GEN_SRC ]] || die "missing $GEN_SRC"
[[ -r $WRAP_SRC ]] || die "missing $WRAP_SRC"

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- the tools
# Named after their source checksum, as in transport_bench.sh (which shares
# the generator and its TCP capture).
SRC_SUM=$(cksum <"$GEN_SRC" | awk '{print $1 "-" $2}')
GEN=$BENCH_DIR/gen_capture-$SRC_SUM
if [[ ! -x $GEN ]]; then
    note "building $GEN with $CC"
    "$CC" -std=c11 -O2 -Wall -Wextra -o "$GEN.tmp.$$" "$GEN_SRC" \
        || die "failed to build gen_capture with '$CC'"
    mv -f "$GEN.tmp.$$" "$GEN"
fi

WRAP_SUM=$(cksum <"$WRAP_SRC" | awk '{print $1 "-" $2}')
if [[ -n ${TLS_WRAP:-} ]]; then
    [[ -x $TLS_WRAP ]] || die "TLS_WRAP is not an executable: $TLS_WRAP"
    WRAP=$TLS_WRAP
else
    WRAP=$BENCH_DIR/tls_wrap-$WRAP_SUM
    if [[ ! -x $WRAP ]]; then
        note "building $WRAP with $CC"
        if ! ssl_cflags=$("$PKG_CONFIG" --cflags libcrypto) ||
            ! ssl_libs=$("$PKG_CONFIG" --libs libcrypto); then
            die "pkg-config does not know libcrypto (Debian: libssl-dev)"
        fi
        # shellcheck disable=SC2086 # the flags are words
        "$CC" -std=c11 -O2 -Wall -Wextra $ssl_cflags -o "$WRAP.tmp.$$" "$WRAP_SRC" $ssl_libs \
            || die "failed to build tls_wrap with '$CC'"
        mv -f "$WRAP.tmp.$$" "$WRAP"
    fi
fi

# ---------------------------------------------------------------- captures
meta_get() { sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" "$1" | head -n1; }

# The TCP capture, generated unless one from the same calls/seed and
# generator source, of the recorded size, exists (transport_bench.sh's
# file and .meta: each script reuses the other's).
PLAIN=$BENCH_DIR/sip-${CALLS}calls-seed${SEED}-tcp.pcap
PMETA=$PLAIN.meta
if [[ -f $PLAIN && -f $PMETA &&
      $(sed -n 's/^source=//p' "$PMETA") == "$SRC_SUM" &&
      $(meta_get "$PMETA" bytes) == "$(stat -c %s "$PLAIN")" ]]; then
    note "reusing $PLAIN"
else
    note "generating $PLAIN ($CALLS calls, seed $SEED, -t tcp)"
    rm -f "$PMETA"
    if ! "$GEN" -n "$CALLS" -s "$SEED" -t tcp -o "$PLAIN.tmp.$$" >"$WORK/gen.out"; then
        rm -f "$PLAIN.tmp.$$"
        die "gen_capture failed"
    fi
    mv -f "$PLAIN.tmp.$$" "$PLAIN"
    { echo "source=$SRC_SUM"; sed "s|file=.*|file=$PLAIN|" "$WORK/gen.out"; } >"$PMETA.tmp.$$"
    mv -f "$PMETA.tmp.$$" "$PMETA"
fi
MSGS=$(meta_get "$PMETA" messages)
reg=$(meta_get "$PMETA" registers)
opt=$(meta_get "$PMETA" options)
[[ -n $MSGS && -n $reg && -n $opt ]] || die "cannot parse $PMETA"
DIALOGS=$((CALLS + reg + opt))

# The TLS capture and its key log, wrapped again unless the recorded TCP
# capture size, wrapper source and suite match.
TLS=$BENCH_DIR/sip-${CALLS}calls-seed${SEED}-tls-$SUITE.pcap
KEYS=$TLS.keys
TMETA=$TLS.meta
WRAP_SEC='' WRAP_REUSED=0
if [[ -f $TLS && -f $KEYS && -f $TMETA &&
      $(sed -n 's/^source=//p' "$TMETA") == "$SRC_SUM $WRAP_SUM $(stat -c %s "$PLAIN")" &&
      $(meta_get "$TMETA" bytes_out) == "$(stat -c %s "$TLS")" ]]; then
    note "reusing $TLS"
    WRAP_SEC=$(meta_get "$TMETA" wrap_seconds)
    WRAP_REUSED=1
else
    note "wrapping $PLAIN in TLS 1.3 ($SUITE_NAME)"
    rm -f "$TMETA"
    t0=$EPOCHREALTIME
    if ! "$WRAP" -c "$SUITE_NAME" -k "$KEYS.tmp.$$" "$PLAIN" "$TLS.tmp.$$" >"$WORK/wrap.out"; then
        rm -f "$TLS.tmp.$$" "$KEYS.tmp.$$"
        die "tls_wrap failed"
    fi
    t1=$EPOCHREALTIME
    WRAP_SEC=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
    mv -f "$TLS.tmp.$$" "$TLS"
    mv -f "$KEYS.tmp.$$" "$KEYS"
    { echo "source=$SRC_SUM $WRAP_SUM $(stat -c %s "$PLAIN")"
      sed "s|keylog=.*|wrap_seconds=$WRAP_SEC keylog=$KEYS file=$TLS|" "$WORK/wrap.out"; } >"$TMETA.tmp.$$"
    mv -f "$TMETA.tmp.$$" "$TMETA"
fi
TLS_CONNS=$(meta_get "$TMETA" connections)
TLS_RECORDS=$(meta_get "$TMETA" records)
[[ -n $TLS_CONNS && -n $TLS_RECORDS ]] || die "cannot parse $TMETA"
declare -A CAPF=([tcp]=$PLAIN [tls]=$TLS) BYTES=() PKTS=()
BYTES[tcp]=$(stat -c %s "$PLAIN")
BYTES[tls]=$(stat -c %s "$TLS")
PKTS[tcp]=$(meta_get "$PMETA" packets)
PKTS[tls]=$(meta_get "$TMETA" packets_out)

# sipscope ARGS for capture MODE (the TLS one with the key log).
sipscope_args() {
    local m=$1
    shift
    ARGS=("$@" -r "${CAPF[$m]}")
    [[ $m == tls ]] && ARGS+=(--tls-keylog "$KEYS")
    return 0
}

# ------------------------------------------------------------ the decoder
# Before timing anything (untimed): sipscope must find every message and
# every call in both captures.  Without a TLS decoder it rejects
# --tls-keylog or finds nothing in the TLS capture: then only the plain
# TCP capture is timed, and the result is "decoder missing".
declare -A GOT_M=() GOT_C=()
MISSING=''
MODES=(tcp tls)
for m in tcp tls; do
    sipscope_args "$m" messages --format json
    timeout -k 10 "$TMO" "$SIPSCOPE" "${ARGS[@]}" >"$WORK/$m.json" 2>"$WORK/$m.err" </dev/null
    rc=$?
    GOT_M[$m]=$(wc -l <"$WORK/$m.json")
    if ((rc != 0)) && [[ $m == tls ]] && grep -q -- '--tls-keylog' "$WORK/$m.err"; then
        echo "tls_bench: sipscope said:" >&2
        head -n 3 "$WORK/$m.err" | sed 's/^/  | /' >&2
        MISSING="$SIPSCOPE does not take --tls-keylog"
        break
    fi
    if ((rc != 0)); then
        {
            echo "tls_bench: SIPSCOPE FAILED: exit status $rc on the $m capture (messages)"
            tail -n 20 "$WORK/$m.err" | sed 's/^/  | /'
        } >&2
        echo
        echo "RESULT: sipscope TLS benchmark FAILED -- exit status $rc on the $m capture"
        exit 1
    fi
    sipscope_args "$m" calls --format csv
    got_c=$(timeout -k 10 "$TMO" "$SIPSCOPE" "${ARGS[@]}" 2>/dev/null </dev/null | wc -l)
    GOT_C[$m]=$((got_c > 0 ? got_c - 1 : 0)) # header line
done
if [[ -z $MISSING && ${GOT_M[tls]} == 0 ]]; then
    MISSING="0 of $MSGS SIP messages found in the TLS capture with --tls-keylog"
fi
[[ -z $MISSING ]] || MODES=(tcp)

# Warm the page cache: every run reads its capture from memory.
cat "$PLAIN" "$TLS" "$KEYS" >/dev/null

# ---------------------------------------------------------------- measuring
# run MODE: one timed `sipscope calls` (table to /dev/null, as bench.sh and
# transport_bench.sh); sets R_RC and R_SEC (wall clock).
run() {
    local t0 t1
    sipscope_args "$1" calls --format table
    t0=$EPOCHREALTIME
    timeout -k 10 "$TMO" "$SIPSCOPE" "${ARGS[@]}" >/dev/null 2>"$WORK/$1.err" </dev/null
    R_RC=$?
    t1=$EPOCHREALTIME
    R_SEC=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
}

declare -A BEST=()
FAILED=''
for ((round = 1; round <= RUNS; round++)); do
    # the captures take turns, so noise on a shared machine hits both alike
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
        echo "tls_bench: SIPSCOPE FAILED: $FAILED"
        if [[ -s $WORK/$m.err ]]; then
            echo "tls_bench: sipscope stderr (last 20 lines):"
            tail -n 20 "$WORK/$m.err" | sed 's/^/  | /'
        fi
    } >&2
    echo
    echo "RESULT: sipscope TLS benchmark FAILED -- $FAILED"
    exit 1
fi

# ---------------------------------------------------------------- report
rate() { awk -v c="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.0f", c / s }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", b / 1e6 / s }'; }

echo
echo "=== sipscope SIP-over-TLS benchmark ==="
echo "capture   : $CALLS calls, seed $SEED: $MSGS SIP messages, $DIALOGS dialogs," \
     "the same in both captures"
echo "tls       : TLS 1.3 $SUITE_NAME, $TLS_CONNS connections, $TLS_RECORDS records;" \
     "key log $(wc -l <"$KEYS") lines"
if ((WRAP_REUSED)); then
    echo "wrap      : reused; tls_wrap took ${WRAP_SEC:-?} s when it was made"
else
    echo "wrap      : tls_wrap took $WRAP_SEC s"
fi
echo "command   : $SIPSCOPE calls -r FILE [--tls-keylog KEYLOG] --format table > /dev/null"
echo "cpus      : $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
echo "runs      : $RUNS rounds, the captures taking turns; fastest kept (BENCH_RUNS)"
echo
printf '%-5s %-26s %9s %9s %9s %12s %8s\n' mode transport "MB" packets seconds "messages/s" "MB/s"
declare -A MPS=()
status=0
for m in tcp tls; do
    case $m in
        tcp) what="TCP, MSS 1460" ;;
        tls) what="TLS 1.3 over TCP, $SUITE" ;;
    esac
    if [[ -z ${BEST[$m]:-} ]]; then
        printf '%-5s %-26s %9s %9s %9s %12s %8s\n' "$m" "$what" \
            "$(awk -v b="${BYTES[$m]}" 'BEGIN { printf "%.1f", b / 1e6 }')" \
            "${PKTS[$m]}" - "decoder missing" -
        continue
    fi
    MPS[$m]=$(rate "$MSGS" "${BEST[$m]}")
    printf '%-5s %-26s %9s %9s %9s %12s %8s\n' "$m" "$what" \
        "$(awk -v b="${BYTES[$m]}" 'BEGIN { printf "%.1f", b / 1e6 }')" \
        "${PKTS[$m]}" "${BEST[$m]}" "${MPS[$m]}" "$(mbps "${BYTES[$m]}" "${BEST[$m]}")"
    check=''
    [[ ${GOT_M[$m]} == "$MSGS" ]] || check+="$m: ${GOT_M[$m]} of $MSGS messages found; "
    [[ ${GOT_C[$m]} == "$DIALOGS" ]] || check+="$m: ${GOT_C[$m]} calls listed, expected $DIALOGS; "
    if [[ -n $check ]]; then
        printf '%-5s %s\n' "" "MISMATCH: ${check%; }"
        status=1
    fi
done
echo

echo "tcp       : ${MPS[tcp]} messages/s, $(mbps "${BYTES[tcp]}" "${BEST[tcp]}") MB/s"
if [[ -n $MISSING ]]; then
    echo "tls       : not measured"
    echo
    echo "RESULT: TLS decoder missing -- $MISSING"
    exit 1
fi
ratio=$(awk -v a="${MPS[tls]}" -v b="${MPS[tcp]}" 'BEGIN { printf "%.2f", a / b }')
verdict=PASS
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }' || verdict=FAIL
((status == 0)) || verdict="NOT VALID (messages missing)"
echo "tls       : ${MPS[tls]} messages/s, $(mbps "${BYTES[tls]}" "${BEST[tls]}") MB/s (decrypt + parse)"
echo "tls/tcp   : tls messages/s / tcp messages/s = $ratio   (target >= 0.50) $verdict"
if ((status != 0)); then
    echo
    echo "RESULT: sipscope TLS benchmark FAILED -- sipscope did not find every message and call" \
         "(see MISMATCH above): the figures do not measure the same work"
    exit 1
fi
if [[ $verdict == FAIL && ${BENCH_STRICT:-0} == 1 ]]; then
    exit 3
fi
exit 0
