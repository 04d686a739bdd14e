#!/usr/bin/env bash
#
# bench.sh - throughput / memory benchmark: sipscope vs. sngrep -N
#
#   usage: tests/bench/bench.sh SIPSCOPE_BINARY [CALLS]
#
# CALLS (default 100000) is the number of INVITE dialogs in the synthetic
# capture (7 messages each, plus REGISTER/OPTIONS background traffic and ~1%
# retransmissions).  See tests/bench/README.md.
#
# Environment:
#   CC            C compiler used to build gen_capture (default: cc)
#   BENCH_DIR     work directory for the generator binary and captures
#                 (default: /tmp/sipscope-bench); captures are reused
#   BENCH_SEED    generator seed (default: 1)
#   BENCH_TIMEOUT per-tool time limit in seconds (default: 600)
#   BENCH_STRICT  if 1, exit 3 when the performance targets are missed
#   SNGREP        sngrep binary to compare against (default: sngrep in PATH)
#   BENCH_TIME_BIN GNU time binary used for peak RSS (default: /usr/bin/time)
#   BENCH_SIPP    0: skip the sipp capture's comparison (default 1; it
#                 needs root, sipp and tcpdump the first time, see
#                 sipp_capture.sh; BENCH_SIPP_CALLS calls, default 100000)
#   BENCH_1M      1: also every batch command on gen_capture -n 1000000 -s 7
#                 (4.1 GB in BENCH_DIR): wall and peak RSS each
#
# Exit status: 0 ok, 1 sipscope missing or failed, 2 usage/setup error,
#              3 targets missed (only with BENCH_STRICT=1).

# Re-exec under bash when started as `sh bench.sh` (dash cannot run this).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u -o pipefail

die() { echo "bench: error: $*" >&2; exit 2; }

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 SIPSCOPE_BINARY [CALLS]" >&2
    exit 2
fi

SIPSCOPE=$1
CALLS=${2:-100000}
SEED=${BENCH_SEED:-1}
TMO=${BENCH_TIMEOUT:-600}
BENCH_DIR=${BENCH_DIR:-/tmp/sipscope-bench}
CC=${CC:-cc}
SNGREP=${SNGREP:-sngrep}
TIME_BIN=${BENCH_TIME_BIN:-/usr/bin/time}

[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "CALLS must be a positive integer, got '$CALLS'"
[[ $SEED =~ ^[0-9]+$ ]] || die "BENCH_SEED must be a non-negative integer, got '$SEED'"
[[ $TMO =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || die "cannot locate script dir"
GEN_SRC=$SCRIPT_DIR/gen_capture.c
[[ -r $GEN_SRC ]] || die "missing $GEN_SRC"

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- generator
GEN=$BENCH_DIR/gen_capture
if [[ ! -x $GEN || $GEN_SRC -nt $GEN ]]; then
    echo "bench: building $GEN with $CC" >&2
    "$CC" -std=c11 -O2 -Wall -Wextra -o "$GEN.tmp.$$" "$GEN_SRC" \
        || die "failed to build gen_capture with '$CC'"
    mv -f "$GEN.tmp.$$" "$GEN"
fi

# A capture is reused when it exists, its recorded size matches and it was
# produced by the current generator source.
SRC_SUM=$(cksum <"$GEN_SRC" | awk '{print $1 "-" $2}')
CAP=$BENCH_DIR/sip-${CALLS}calls-seed${SEED}.pcap
META=$CAP.meta

meta_get() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" "$META" | head -n1; }

reuse=0
if [[ -f $CAP && -f $META ]]; then
    if [[ $(sed -n 's/^source=//p' "$META") == "$SRC_SUM" &&
          $(meta_get bytes) == "$(stat -c %s "$CAP")" ]]; then
        reuse=1
    fi
fi
if ((reuse)); then
    echo "bench: reusing $CAP" >&2
else
    echo "bench: generating $CAP ($CALLS calls, seed $SEED)" >&2
    rm -f "$META"
    if ! "$GEN" -n "$CALLS" -s "$SEED" -o "$CAP.tmp.$$" >"$WORK/gen.out"; then
        rm -f "$CAP.tmp.$$"
        die "gen_capture failed"
    fi
    mv -f "$CAP.tmp.$$" "$CAP"
    { echo "source=$SRC_SUM"; sed "s|file=.*|file=$CAP|" "$WORK/gen.out"; } >"$META.tmp.$$"
    mv -f "$META.tmp.$$" "$META"
fi

BYTES=$(stat -c %s "$CAP")
MSGS=$(meta_get messages)
N_REG=$(meta_get registers)
N_OPT=$(meta_get options)
N_RTX=$(meta_get retransmissions)
[[ -n $MSGS && -n $N_REG && -n $N_OPT ]] || die "cannot parse $META"
DIALOGS=$((CALLS + N_REG + N_OPT))

# Warm the page cache so that every tool reads the file from memory.
cat "$CAP" >/dev/null

# ---------------------------------------------------------------- measuring
HAVE_GNU_TIME=0
if [[ -x $TIME_BIN ]] && "$TIME_BIN" -f '%e %M' -o /dev/null true 2>/dev/null; then
    HAVE_GNU_TIME=1
else
    echo "bench: note: GNU time not found (Debian package 'time');" \
         "peak RSS will be reported as n/a" >&2
fi

# measure NAME -- CMD...   (stdout of CMD goes to $WORK/NAME.out)
# sets M_RC, M_SEC (wall clock, s), M_RSS_KB (peak RSS, KiB, or "n/a")
measure() {
    local name=$1; shift; shift
    local tf=$WORK/$name.time t0 t1 out=$WORK/$name.out
    # sipscope's table (15 MB) would cost a file write sngrep -N does not
    # have: time it to /dev/null; its output is checked once, untimed.
    [[ $name == sipscope* ]] && out=/dev/null
    M_RC=0 M_SEC=n/a M_RSS_KB=n/a
    if ((HAVE_GNU_TIME)); then
        # GNU time's wait4() rusage covers timeout's child, i.e. the tool.
        t0=${EPOCHREALTIME:-}
        "$TIME_BIN" -f '%e %M' -o "$tf" \
            timeout -k 10 "$TMO" "$@" >"$out" 2>"$WORK/$name.err" </dev/null
        M_RC=$?
        t1=${EPOCHREALTIME:-}
        # GNU time prepends "Command exited with non-zero status N" on failure
        read -r M_SEC M_RSS_KB < <(tail -n1 "$tf")
        # %e only has 10 ms resolution: prefer bash's microsecond clock
        if [[ -n $t0 && -n $t1 ]]; then
            M_SEC=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
        fi
    else
        local TIMEFORMAT=%3R
        { time timeout -k 10 "$TMO" "$@" >"$out" 2>"$WORK/$name.err" </dev/null; } 2>"$tf"
        M_RC=$?
        M_SEC=$(tail -n1 "$tf")
    fi
    [[ -n ${M_SEC:-} ]] || M_SEC=n/a
    [[ -n ${M_RSS_KB:-} ]] || M_RSS_KB=n/a
}

# best_of NAME -- CMD... : one measurement, keeping the best so far for
# NAME across the rounds below (fastest time; largest peak RSS, the
# conservative figure).  The tools take turns round by round, so a noisy
# shared machine slows both alike.  Sets the same M_* variables as measure.
RUNS=${BENCH_RUNS:-3}
declare -A BEST_SEC=() BEST_RSS=()
best_of() {
    local name=$1
    measure "$@"
    ((M_RC == 0)) || return 0
    if [[ -z ${BEST_SEC[$name]:-} ]] ||
        awk -v a="$M_SEC" -v b="${BEST_SEC[$name]}" 'BEGIN { exit !(a < b) }'; then
        BEST_SEC[$name]=$M_SEC
    fi
    if [[ $M_RSS_KB != n/a ]] && { [[ -z ${BEST_RSS[$name]:-} ]] || ((M_RSS_KB > BEST_RSS[$name])); }; then
        BEST_RSS[$name]=$M_RSS_KB
    fi
    M_SEC=${BEST_SEC[$name]} M_RSS_KB=${BEST_RSS[$name]:-n/a}
}

# Format helpers (awk for floating point)
rate() {  # rate COUNT SECONDS -> COUNT/SECONDS or n/a
    [[ $2 == n/a ]] && { echo n/a; return; }
    awk -v c="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.0f", c / s }'
}
mbps() {
    [[ $2 == n/a ]] && { echo n/a; return; }
    awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", b / 1e6 / s }'
}
kb2mib() {
    [[ $1 == n/a ]] && { echo n/a; return; }
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

status=0

for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
# sipscope ------------------------------------------------------------------
SS_OK=0 SS_SEC=n/a SS_RSS=n/a SS_NOTE=''
if [[ $SIPSCOPE != */* ]] && command -v "$SIPSCOPE" >/dev/null 2>&1; then
    SIPSCOPE=$(command -v "$SIPSCOPE")
fi
if [[ ! -e $SIPSCOPE ]]; then
    SS_NOTE="binary not found: $SIPSCOPE"
elif [[ ! -f $SIPSCOPE || ! -x $SIPSCOPE ]]; then
    SS_NOTE="not an executable file: $SIPSCOPE"
else
    echo "bench: running sipscope ..." >&2
    best_of sipscope -- "$SIPSCOPE" calls -r "$CAP" --format table
    if ((M_RC == 124 || M_RC == 137)); then
        SS_NOTE="timed out after ${TMO}s"
    elif ((M_RC != 0)); then
        SS_NOTE="exited with status $M_RC"
    else
        SS_OK=1 SS_SEC=$M_SEC SS_RSS=$M_RSS_KB
    fi
fi
if ((!SS_OK)); then
    status=1
    {
        echo "bench: SIPSCOPE FAILED: $SS_NOTE"
        if [[ -s $WORK/sipscope.err ]]; then
            echo "bench: sipscope stderr (last 20 lines):"
            tail -n 20 "$WORK/sipscope.err" | sed 's/^/  | /'
        fi
    } >&2
fi

# sngrep --------------------------------------------------------------------
SN_OK=0 SN_SEC=n/a SN_RSS=n/a SN_NOTE='' SN_DIALOGS=''
if ! command -v "$SNGREP" >/dev/null 2>&1; then
    SN_NOTE="not installed (Debian package 'sngrep')"
else
    help=$("$SNGREP" --help 2>&1 </dev/null || true)
    if ! grep -q -- '--no-interface' <<<"$help" || ! grep -q -- '--input' <<<"$help"; then
        SN_NOTE="installed version lacks -N/--no-interface or -I/--input"
    else
        limit=$((DIALOGS * 2 > 1000000 ? DIALOGS * 2 : 1000000))
        sn_args=(-N -l "$limit")
        # ignore ~/.sngreprc and /etc/sngreprc so that runs are comparable
        grep -q -- '--no-config' <<<"$help" && sn_args+=(-F)
        echo "bench: running sngrep ${sn_args[*]} -I ... (this takes a while) ..." >&2
        best_of sngrep -- "$SNGREP" "${sn_args[@]}" -I "$CAP"
        # Without -q, sngrep -N prints "\rDialog count: N" every 500 ms and
        # once more at the end: use the last value to check it read it all.
        SN_DIALOGS=$(tr '\r' '\n' <"$WORK/sngrep.out" |
                     sed -n 's/^Dialog count: \([0-9]*\).*/\1/p' | tail -n1)
        if ((M_RC == 124 || M_RC == 137)); then
            SN_NOTE="timed out after ${TMO}s"
        elif ((M_RC != 0)); then
            SN_NOTE="exited with status $M_RC: $(tail -n3 "$WORK/sngrep.err" | tr '\n' ' ')"
        else
            SN_OK=1 SN_SEC=$M_SEC SN_RSS=$M_RSS_KB
            if [[ $SN_DIALOGS != "$DIALOGS" ]]; then
                SN_NOTE="WARNING: sngrep reported ${SN_DIALOGS:-no} dialogs, expected $DIALOGS;"
                SN_NOTE+=" it may not have processed the whole capture"
            fi
        fi
    fi
fi
[[ -n $SS_NOTE ]] && break
done

# The timed runs discarded sipscope's output: check it once.
if ((SS_OK)); then
    got=$("$SIPSCOPE" calls -r "$CAP" --format csv 2>/dev/null | wc -l)
    if [[ $got != $((DIALOGS + 1)) ]]; then
        SS_NOTE="WARNING: sipscope listed $((got - 1)) calls, expected $DIALOGS"
    fi
fi

# ---------------------------------------------------------------- report
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo
echo "=== sipscope benchmark ==="
echo "capture   : $CAP"
echo "size      : $MB MB ($BYTES bytes)"
echo "messages  : $MSGS ($CALLS INVITE calls x 7, $N_REG REGISTER x 4," \
     "$N_OPT OPTIONS x 2, $N_RTX retransmissions)"
echo "dialogs   : $DIALOGS (Call-IDs)"
echo "cpus      : $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
echo "runs      : $RUNS rounds, the tools taking turns; fastest kept (BENCH_RUNS)"
echo
printf '%-10s %9s %12s %9s %13s\n' tool seconds "messages/s" "MB/s" "peak RSS MiB"
row() {  # row NAME OK SEC RSS_KB NOTE
    if (($2)); then
        printf '%-10s %9s %12s %9s %13s\n' "$1" "$3" "$(rate "$MSGS" "$3")" \
            "$(mbps "$BYTES" "$3")" "$(kb2mib "$4")"
        [[ -z $5 ]] || printf '%-10s %s\n' "" "$5"
    else
        printf '%-10s %s\n' "$1" "n/a -- $5"
    fi
}
row sipscope "$SS_OK" "$SS_SEC" "$SS_RSS" "$SS_NOTE"
row "sngrep -N" "$SN_OK" "$SN_SEC" "$SN_RSS" "$SN_NOTE"
echo

if ((SS_OK && SN_OK)); then
    speed=$(awk -v a="$SN_SEC" -v b="$SS_SEC" 'BEGIN { if (b <= 0) b = 0.01; printf "%.1f", a / b }')
    echo "speed-up  : sngrep time / sipscope time = ${speed}x   (target >= 20x)"
    if [[ $SS_RSS != n/a && $SN_RSS != n/a ]]; then
        mem=$(awk -v a="$SS_RSS" -v b="$SN_RSS" 'BEGIN { printf "%.3f", a / b }')
        echo "memory    : sipscope RSS / sngrep RSS   = ${mem}   (target <= 0.25)"
    else
        mem=n/a
        echo "memory    : sipscope RSS / sngrep RSS   = n/a (no GNU time)"
    fi
    verdict=PASS
    awk -v s="$speed" 'BEGIN { exit !(s >= 20) }' || verdict=FAIL
    if [[ $mem != n/a ]]; then
        awk -v m="$mem" 'BEGIN { exit !(m <= 0.25) }' || verdict=FAIL
    fi
    [[ $mem == n/a ]] && verdict+=" (speed only: peak RSS not measured)"
    echo "targets   : $verdict"
    if [[ $verdict == FAIL* && ${BENCH_STRICT:-0} == 1 ]]; then
        status=3
    fi
else
    echo "ratios    : n/a (need successful runs of both sipscope and sngrep)"
fi

# ------------------------------------------- the sipp capture (issue 23)
# A capture sipp made on loopback (sipp_capture.sh, recorded once and
# reused): the checker's path, calls --format json, against sngrep -N.
SIPP_CALLS=${BENCH_SIPP_CALLS:-100000}
SIPP_CAP=$BENCH_DIR/sipp-${SIPP_CALLS}calls.pcap
if [[ ${BENCH_SIPP:-1} != 0 && $SS_OK == 1 ]]; then
    CALLS=$SIPP_CALLS sh "$SCRIPT_DIR/sipp_capture.sh" "$SIPP_CAP"
    src=$?
    echo
    echo "=== the ${SIPP_CALLS}-call sipp capture: calls --format json vs sngrep -N ==="
    if ((src != 0)); then
        echo "n/a -- no sipp capture (sipp_capture.sh exit $src; 77: needs root, sipp, tcpdump)"
    else
        cat "$SIPP_CAP" >/dev/null
        for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
            echo "bench: sipp capture, round $ROUND ..." >&2
            best_of sipscope_sipp -- "$SIPSCOPE" calls -r "$SIPP_CAP" --format json
            P_RC=$M_RC
            if command -v "$SNGREP" >/dev/null 2>&1; then
                best_of sngrep_sipp -- "$SNGREP" -N -l "$((SIPP_CALLS * 2 > 1000000 ? SIPP_CALLS * 2 : 1000000))" \
                    -F -I "$SIPP_CAP"
            fi
        done
        P_SEC=${BEST_SEC[sipscope_sipp]:-n/a} P_RSS=${BEST_RSS[sipscope_sipp]:-n/a}
        Q_SEC=${BEST_SEC[sngrep_sipp]:-n/a} Q_RSS=${BEST_RSS[sngrep_sipp]:-n/a}
        Q_DIALOGS=$(tr '\r' '\n' <"$WORK/sngrep_sipp.out" 2>/dev/null |
                    sed -n 's/^Dialog count: \([0-9]*\).*/\1/p' | tail -n1)
        echo "capture   : $SIPP_CAP ($(stat -c %s "$SIPP_CAP") bytes)"
        printf '%-28s %9s %13s\n' tool seconds "peak RSS MiB"
        printf '%-28s %9s %13s\n' "sipscope calls --format json" "$P_SEC" "$(kb2mib "$P_RSS")"
        printf '%-28s %9s %13s\n' "sngrep -N" "$Q_SEC" "$(kb2mib "$Q_RSS")"
        [[ ${Q_DIALOGS:-} == "$SIPP_CALLS" ]] ||
            echo "WARNING: sngrep reported ${Q_DIALOGS:-no} dialogs, expected $SIPP_CALLS"
        if [[ $P_RC == 0 && $P_SEC != n/a && $Q_SEC != n/a && $P_RSS != n/a && $Q_RSS != n/a ]]; then
            speed=$(awk -v a="$Q_SEC" -v b="$P_SEC" 'BEGIN { if (b <= 0) b = 0.01; printf "%.1f", a / b }')
            mem=$(awk -v a="$Q_RSS" -v b="$P_RSS" 'BEGIN { printf "%.1f", a / b }')
            verdict=PASS
            awk -v s="$speed" -v m="$mem" 'BEGIN { exit !(s >= 40 && m >= 8) }' || verdict=FAIL
            echo "ratios    : ${speed}x faster (target >= 40x), ${mem}x less memory (target >= 8x): $verdict"
            [[ $verdict == FAIL && ${BENCH_STRICT:-0} == 1 ]] && status=3
        else
            echo "ratios    : n/a (need successful runs of both with peak RSS)"
        fi
    fi
fi

# ------------------------------------------- a million calls (BENCH_1M=1)
# Every batch command once on gen_capture -n 1000000 -s 7: the goals are
# peak RSS <= 512 MiB each and time linear in the messages.
if [[ ${BENCH_1M:-0} == 1 && $SS_OK == 1 ]]; then
    CAP1M=$BENCH_DIR/sip-1000000calls-seed7.pcap
    if [[ ! -f $CAP1M || ! -f $CAP1M.meta || $(sed -n 's/^source=//p' "$CAP1M.meta") != "$SRC_SUM" ||
          $(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$CAP1M.meta") != "$(stat -c %s "$CAP1M" 2>/dev/null)" ]]; then
        echo "bench: generating $CAP1M (1,000,000 calls, 4.1 GB)" >&2
        "$GEN" -n 1000000 -s 7 -o "$CAP1M.tmp.$$" >"$WORK/gen1m.out" || die "gen_capture failed"
        mv -f "$CAP1M.tmp.$$" "$CAP1M"
        { echo "source=$SRC_SUM"; cat "$WORK/gen1m.out"; } >"$CAP1M.meta"
    fi
    cat "$CAP1M" >/dev/null
    echo
    echo "=== 1,000,000 calls ($CAP1M, $(stat -c %s "$CAP1M") bytes): one run each ==="
    printf '%-22s %9s %13s  %s\n' command seconds "peak RSS MiB" "<= 512 MiB"
    for c in "calls --format table" "calls --format csv" "calls --format json" "check --format json" \
             stats rtp db; do
        extra=()
        [[ $c == db ]] && { rm -f "$WORK/1m.db"; extra=(-o "$WORK/1m.db"); }
        # shellcheck disable=SC2086 # the command's words
        measure sipscope_1m -- "$SIPSCOPE" $c -r "$CAP1M" "${extra[@]}"
        rm -f "$WORK"/1m.db*
        ok=n/a
        [[ $M_RSS_KB != n/a ]] && { ((M_RSS_KB <= 512 * 1024)) && ok=yes || ok=NO; }
        ((M_RC == 0 || M_RC == 3)) || ok="failed (exit $M_RC)"
        printf '%-22s %9s %13s  %s\n' "$c" "$M_SEC" "$(kb2mib "$M_RSS_KB")" "$ok"
    done
fi

if ((!SS_OK)); then
    echo
    echo "RESULT: sipscope benchmark FAILED -- $SS_NOTE"
fi
exit "$status"
