#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 60) and copies any crasher into
# fuzz/regressions/<target>/, where `cargo test --test fuzz_regressions` replays it forever.
# fuzz/seeds/<target>/ (kept in git, replayed by the same test) starts each run with valid inputs
# (for sealed_change: one membership operation of each kind).
#
# cargo-fuzz needs nightly flags (-Z sanitizer); on the stable toolchain here
# RUSTC_BOOTSTRAP=1 unlocks them. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sync_message sealed_change reconcile bundle_reader pasted_text)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/regressions/$t"
  echo "== fuzzing $t for ${secs}s"
  seeds=(); [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
  if ! cargo fuzz run "$t" "fuzz/corpus/$t" "${seeds[@]}" -- -max_total_time="$secs" -max_len=65536; then
    status=1
  fi
  for f in fuzz/artifacts/"$t"/crash-* fuzz/artifacts/"$t"/oom-* fuzz/artifacts/"$t"/timeout-*; do
    [ -e "$f" ] && cp "$f" "fuzz/regressions/$t/" && echo "kept $f as a regression input"
  done
done
exit $status
