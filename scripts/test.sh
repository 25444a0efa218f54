#!/usr/bin/env bash
# Runs every test and ends with one summary line ("tests: N passed, N failed") over all of
# cargo's test binaries, whose own last line is only the doc-test binary's.
set -uo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo build --all-targets || exit 1
cargo test --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo
awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
