#!/usr/bin/env bash
# Runs every test and ends with one summary line ("tests: N passed, N failed") over all of
# cargo's test binaries (core, then the desktop shell), the UI's type check and component tests
# (Vitest) and the end-to-end run of the release app in WebKit under Xvfb.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0

# Formatting (rustfmt.toml): a style check fails the run like a test. rustup's default profile
# ships rustfmt; a toolchain without it skips the check and says so.
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all --check >/dev/null || { echo "cargo fmt --all --check: code is not formatted (run cargo fmt --all)"; status=1; }
else
  echo "rustfmt is not installed: the formatting check is skipped"
fi

# The core (default workspace member: needs no GTK).
cargo build --all-targets || exit 1
cargo test --no-fail-fast 2>&1 | tee -a "$log" || status=1

# The UI: types and Svelte checks (svelte-check; warnings fail too), component tests over
# Tauri's IPC mocks, then the bundle the shell embeds.
(cd ui && npm run --silent check) || status=1
(cd ui && npx vitest run) 2>&1 | tee -a "$log" || status=1
(cd ui && npx vite build --logLevel warn) || exit 1

# The shell (release profile, shared with the app the e2e drives): bindings, IPC, security config.
cargo test --release -p carenet-desktop 2>&1 | tee -a "$log" || status=1
# With the examples, so dependency features match the test build and the app links only once.
cargo build --release -p carenet-desktop --bins --examples || exit 1

# The real app in its real window.
bash scripts/e2e.sh "${CARGO_TARGET_DIR:-target}/release/carenet-desktop" 2>&1 | tee -a "$log" || status=1

echo
awk 'function add(line,   n, a, i) { n = split(line, a, /[ |,;]+/); for (i = 1; i < n; i++) { if (a[i+1] ~ /^passed/) p += a[i]; if (a[i+1] ~ /^failed/) f += a[i] } }
     { gsub(/\033\[[0-9;]*m/, "") }
     /^test result:/ || /^ +Tests +[0-9]/ || /^e2e: / { add($0) }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
