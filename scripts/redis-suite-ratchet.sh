#!/usr/bin/env bash
# The Redis test-suite ratchet: runs Redis's own TCL suite (7.0.15, external
# mode, via ../shared/conformance/redis-suite) against the release build of
# cedis-server for the units listed in tests/redis-suite/expected.tsv, and
# fails if any unit passes fewer tests than recorded there. A unit that drops
# is re-run once before failing (timing flakes).
#
# Usage: scripts/redis-suite-ratchet.sh [--record [--allow-lower]] [UNIT ...]
#   --record       rewrite expected.tsv with the counts of this run (and the
#                  table in README.md); a count is only ever raised, unless
#                  --allow-lower is also given
#   UNIT ...       only these units (default: every unit of expected.tsv)
#
# Environment: CEDIS_RELEASE_BIN (default target/release/cedis-server, built
# by scripts/test.sh), REDIS_SUITE (the redis-suite tool, default
# ../shared/conformance/redis-suite), RATCHET_EXPECTED (another expected.tsv), RATCHET_RESULTS (keep per-unit logs
# there instead of a temporary directory), RATCHET_UNIT_TIMEOUT (seconds,
# default 300), RATCHET_PORT (the server's port, default the suite tool's
# 21111) and RATCHET_BASEPORT (first port of the suite's own helper servers),
# so that several runs on one machine do not collide.
#
# tests/redis-suite/skip.txt: tests skipped by name (one per line, `#`
# comments), for tests that would hang until the unit times out because
# they wait for a feature cedis does not have yet.
#
# expected.tsv: `unit<TAB>passed<TAB>notes`, `#` lines are comments. The notes
# column records the rest of the unit's summary when it was recorded.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
expected="${RATCHET_EXPECTED:-$root/tests/redis-suite/expected.tsv}"
suite="${REDIS_SUITE:-$root/../shared/conformance/redis-suite}"
bin="${CEDIS_RELEASE_BIN:-$root/target/release/cedis-server}"
unit_timeout="${RATCHET_UNIT_TIMEOUT:-300}"
port_args=()
[ -n "${RATCHET_PORT:-}" ] && port_args=(--port "$RATCHET_PORT")
runtest_args=()
[ -n "${RATCHET_BASEPORT:-}" ] && runtest_args=(-- --baseport "$RATCHET_BASEPORT")
# Tests that cannot finish against cedis yet (they wait forever for a
# feature cedis lacks), skipped by name; each line says why.
skipfile="$root/tests/redis-suite/skip.txt"

record=0
allow_lower=0
only=()
while [ $# -gt 0 ]; do
    case "$1" in
        --record) record=1 ;;
        --allow-lower) allow_lower=1 ;;
        -h | --help)
            sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "redis-suite-ratchet: unknown option $1" >&2
            exit 2
            ;;
        *) only+=("$1") ;;
    esac
    shift
done

[ -x "$suite" ] || { echo "redis-suite-ratchet: $suite not found (shared/ must sit beside the repository)" >&2; exit 2; }
[ -x "$bin" ] || { echo "redis-suite-ratchet: $bin not found: run cargo build --release -p cedis-server" >&2; exit 2; }
[ -f "$expected" ] || { echo "redis-suite-ratchet: $expected not found" >&2; exit 2; }

# unit -> recorded passed count, in file order.
declare -A want=()
units=()
while IFS=$'\t' read -r unit passed _notes; do
    case "$unit" in '' | '#'* | unit) continue ;; esac
    want[$unit]="$passed"
    units+=("$unit")
done <"$expected"
if [ ${#only[@]} -gt 0 ]; then
    for u in "${only[@]}"; do
        [ -n "${want[$u]+x}" ] || { want[$u]=0; }
    done
    units=("${only[@]}")
fi

if [ -n "${RATCHET_RESULTS:-}" ]; then
    results="$RATCHET_RESULTS"
    mkdir -p "$results"
else
    results="$(mktemp -d "${TMPDIR:-/tmp}/cedis-ratchet.XXXXXX")"
    trap 'rm -rf "$results"' EXIT
fi

declare -A got=() notes=()

# run_units OUTDIR UNIT...: runs the suite, fills got[] and notes[].
run_units() {
    local out="$1"
    shift
    local skip=()
    [ -f "$skipfile" ] && skip=(--skipfile "$skipfile")
    "$suite" \
        --server-cmd "$bin --port {port} --enable-debug-command yes" \
        --timeout "$unit_timeout" "${skip[@]}" "${port_args[@]}" \
        --results "$out" "$@" "${runtest_args[@]}" >"$out.summary" 2>"$out.stderr" || {
        echo "redis-suite-ratchet: the suite runner failed (exit $?):" >&2
        tail -20 "$out.stderr" >&2
        return 2
    }
    local line unit fields
    while read -r line; do
        # UNIT <unit> passed=N failed=M errors=E skipped=K time=Ss status=<st>
        set -- $line
        [ "${1:-}" = UNIT ] || continue
        unit="$2"
        shift 2
        fields="$*"
        got[$unit]="$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$fields")"
        notes[$unit]="$(sed 's/ *passed=[0-9]*//; s/ *time=[0-9.]*s//; s/^ *//' <<<"$fields")"
    done <"$out.summary"
}

# Rewrites the table between the suite-counts markers of README.md from
# expected.tsv.
update_readme() {
    local readme="$root/README.md"
    grep -q '<!-- suite-counts:start -->' "$readme" 2>/dev/null || return 0
    local table
    table="$(awk -F'\t' '
        /^#/ || $1 == "unit" || $1 == "" { next }
        {
            f = 0; k = 0
            if (match($3, /failed=[0-9]+/)) f = substr($3, RSTART + 7, RLENGTH - 7)
            if (match($3, /skipped=[0-9]+/)) k = substr($3, RSTART + 8, RLENGTH - 8)
            rows = rows sprintf("| %s | %d | %d | %d |\n", $1, $2, f, k)
            p += $2; tf += f
        }
        END {
            printf "| unit | passed | failed | skipped |\n|---|---:|---:|---:|\n%s", rows
            printf "| **total** | **%d** | **%d** | |\n", p, tf
        }' "$expected")"
    awk -v table="$table" '
        /<!-- suite-counts:start -->/ { print; print table; skip = 1; next }
        /<!-- suite-counts:end -->/ { skip = 0 }
        !skip { print }' "$readme" >"$readme.tmp"
    mv "$readme.tmp" "$readme"
}

start=$SECONDS
run_units "$results/run1" "${units[@]}"

drops=()
for u in "${units[@]}"; do
    if [ "${got[$u]:-0}" -lt "${want[$u]}" ]; then
        drops+=("$u")
    fi
done
if [ ${#drops[@]} -gt 0 ] && [ "$record" = 0 ]; then
    echo "redis-suite-ratchet: re-running ${drops[*]} once (fewer passes than recorded)"
    declare -A first=()
    for u in "${drops[@]}"; do first[$u]="${got[$u]:-0}"; done
    run_units "$results/run2" "${drops[@]}"
    for u in "${drops[@]}"; do
        if [ "${first[$u]}" -gt "${got[$u]:-0}" ]; then got[$u]="${first[$u]}"; fi
    done
fi

total_got=0
total_want=0
failed=()
printf '%-28s %8s %8s  %s\n' unit expected passed notes
for u in "${units[@]}"; do
    g="${got[$u]:-0}"
    w="${want[$u]}"
    total_got=$((total_got + g))
    total_want=$((total_want + w))
    mark=""
    if [ "$g" -lt "$w" ]; then
        mark="  <-- DROP"
        failed+=("$u ($g < $w)")
    elif [ "$g" -gt "$w" ]; then
        mark="  (up: record with --record)"
    fi
    printf '%-28s %8s %8s  %s%s\n' "$u" "$w" "$g" "${notes[$u]:-no result}" "$mark"
done
elapsed=$((SECONDS - start))

# record_line UNIT: the expected.tsv line for a unit of this run.
record_line() {
    local g="${got[$1]:-0}" w="${want[$1]:-0}"
    if [ "$allow_lower" = 0 ] && [ "$g" -lt "$w" ]; then g="$w"; fi
    printf '%s\t%s\t%s\n' "$1" "$g" "${notes[$1]:-}"
}

if [ "$record" = 1 ]; then
    tmp="$expected.tmp"
    {
        echo "# Redis 7.0.15 TCL suite (external mode) against cedis: tests passed per unit."
        echo "# Maintained by scripts/redis-suite-ratchet.sh --record; CI fails if a unit passes fewer."
        echo "# Last recorded $(date -u +%Y-%m-%d): ${#units[@]} units in ${elapsed}s."
        printf 'unit\tpassed\tnotes\n'
        # File order; the units of this run replace their lines, new ones go last.
        declare -A ran=()
        for u in "${units[@]}"; do ran[$u]=1; done
        declare -A written=()
        while IFS=$'\t' read -r unit passed n; do
            case "$unit" in '' | '#'* | unit) continue ;; esac
            if [ -n "${ran[$unit]+x}" ]; then
                record_line "$unit"
            else
                printf '%s\t%s\t%s\n' "$unit" "$passed" "$n"
            fi
            written[$unit]=1
        done <"$expected"
        for u in "${units[@]}"; do
            [ -n "${written[$u]+x}" ] || record_line "$u"
        done
    } >"$tmp"
    mv "$tmp" "$expected"
    [ -n "${RATCHET_EXPECTED:-}" ] || update_readme
    echo "redis-suite-ratchet: recorded ${#units[@]} units (${elapsed}s, $total_got passed in this run) into ${expected#"$root"/}"
    exit 0
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "redis-suite-ratchet: FAIL: fewer tests pass than recorded in ${failed[*]} (${elapsed}s); logs: $results"
    trap - EXIT
    exit 1
fi
echo "redis-suite-ratchet: ok: $total_got passed (recorded $total_want) in ${#units[@]} units, ${elapsed}s"
