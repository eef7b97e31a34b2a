#!/usr/bin/env bash
# The one command that runs every test (README.md points here; .ci/run execs
# it). On a fresh Debian machine with only the Rust toolchain it installs what
# is missing (redis-server and redis-tools for the differential tests, tcl for
# Redis's own test suite), then runs, stopping at the first failure:
#   formatting, clippy, debug and release builds of cedis-server, every test
#   of the workspace, and the Redis test-suite ratchet
#   (scripts/redis-suite-ratchet.sh, counts in tests/redis-suite/expected.tsv).
# The last line printed is a one-line summary.
#
# SKIP_RATCHET=1 leaves out the Redis suite (a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
step="setup"
summary=()

finish() {
    local rc=$?
    local total=$((SECONDS - start))
    if [ "$rc" = 0 ]; then
        echo "test.sh: OK in ${total}s: ${summary[*]}"
    else
        echo "test.sh: FAILED at '$step' (exit $rc) after ${total}s; passed before it: ${summary[*]:-nothing}"
    fi
}
trap finish EXIT

# run NAME CMD...: runs one step, timed.
run() {
    step="$1"
    shift
    echo "==> $step"
    local t=$SECONDS
    "$@"
    summary+=("$step $((SECONDS - t))s,")
}

# System packages, installed only when missing (apt-get update only then).
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v tclsh >/dev/null 2>&1 || need+=(tcl)
if [ ${#need[@]} -gt 0 ]; then
    step="apt-get install ${need[*]}"
    echo "==> $step"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# rustfmt and clippy may be missing from a minimal toolchain.
for c in rustfmt clippy; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$c" >/dev/null 2>&1 || true
    fi
done

run "fmt" cargo fmt --all --check
run "clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
run "build" cargo build --quiet -p cedis-server
run "build --release" cargo build --quiet --release -p cedis-server

step="test"
echo "==> test"
t=$SECONDS
log="$(mktemp "${TMPDIR:-/tmp}/cedis-test.XXXXXX")"
set +e
cargo test --workspace 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
counts="$(awk '/^test result:/ { p += $4; f += $6; i += $8 } END { printf "%d passed, %d failed, %d ignored", p, f, i }' "$log")"
rm -f "$log"
[ "$rc" = 0 ] || exit "$rc"
summary+=("tests ($counts) $((SECONDS - t))s,")

if [ "${SKIP_RATCHET:-0}" = 1 ]; then
    summary+=("redis-suite ratchet skipped")
else
    step="redis-suite ratchet"
    echo "==> redis-suite ratchet"
    t=$SECONDS
    out="$(mktemp "${TMPDIR:-/tmp}/cedis-ratchet.XXXXXX")"
    set +e
    scripts/redis-suite-ratchet.sh | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    last="$(tail -1 "$out")"
    rm -f "$out"
    [ "$rc" = 0 ] || exit "$rc"
    summary+=("${last#redis-suite-ratchet: }")
fi
