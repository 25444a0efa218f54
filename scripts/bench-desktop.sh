#!/usr/bin/env bash
# Measures the desktop targets on a vault of 10,000 records: release binary size, cold start to
# the unlock screen, resident memory with the records open, the slowest interaction. Prints
# figures only (no assertion); the numbers are recorded in ARCHITECTURE.md.
# CARENET_WEBVIEW_DEFAULTS=1 measures the app with wry's WebKit defaults (see src-tauri/src/webview.rs).
# The app runs as users get it: no WEBKIT_DISABLE_* variables (neither does the end-to-end run; the
# app's own settings in webview.rs do the same job), and cold start is timed twice: the app alone
# (CARENET_BENCH_STARTUP=1 makes it print one line when its first screen is drawn, see
# src-tauri/src/startup.rs), then through tauri-driver and WebKitWebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-10000}"
# BENCH_ENV="NAME=value ..." passes variables to the app (e.g. JavaScriptCore's JSC_* options).
# APP=path/to/carenet-desktop measures that binary instead of building one (to compare two builds;
# it reuses a built seed_vault). The file must be named carenet-desktop: memory is found by process
# name, so only one bench at a time gives memory figures (two at once share the load, for timings).
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -n "${APP:-}" ]; then
  [ -x "$TARGET/release/examples/seed_vault" ] || cargo build --release -p carenet-desktop --example seed_vault
else
  cargo build --release -p carenet-desktop --bins --example seed_vault
  APP="$TARGET/release/carenet-desktop"
fi
APP="$(realpath "$APP")"
echo "load average before the run: $(cut -d" " -f1-3 /proc/loadavg)"
echo "release binary: $(stat -c %s "$APP") bytes ($(du -h "$APP" | cut -f1))"
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
mkdir -p "$HOME_DIR/.config" "$HOME_DIR/.local/share/org.carenet.desktop" "$HOME_DIR/.cache" "$HOME_DIR/runtime"
chmod 700 "$HOME_DIR/runtime"
export CARENET_PASSPHRASE="bench passphrase, not for real use"
"$TARGET/release/examples/seed_vault" "$HOME_DIR/.local/share/org.carenet.desktop/vault" "$COUNT"
export PATH="$HOME/.cargo/bin:$PATH"
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
env -i PATH="$PATH" HOME="$HOME_DIR" XDG_CONFIG_HOME="$HOME_DIR/.config" XDG_DATA_HOME="$HOME_DIR/.local/share" \
  XDG_CACHE_HOME="$HOME_DIR/.cache" XDG_RUNTIME_DIR="$HOME_DIR/runtime" LANG=C.UTF-8 \
  NO_AT_BRIDGE=1 ${BENCH_ENV:-} TAURI_DRIVER_PORT="$(free_port)" TAURI_NATIVE_PORT="$(free_port)" CARENET_PASSPHRASE="$CARENET_PASSPHRASE" \
  CARENET_WEBVIEW_DEFAULTS="${CARENET_WEBVIEW_DEFAULTS:-0}" timeout 900 xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- node tests/e2e/bench.mjs "$APP"
