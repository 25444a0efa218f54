#!/usr/bin/env bash
# Drives the real release app in its real WebKit window: Xvfb, a private D-Bus session, a
# throw-away HOME, tauri-driver and WebKitWebDriver. Screenshots go to target/e2e-artifacts/.
# The app runs as users get it: no WEBKIT_DISABLE_* variables (the window's own WebKit settings,
# src-tauri/src/webview.rs, turn hardware acceleration off).
# Usage: scripts/e2e.sh [path/to/carenet-desktop]
set -euo pipefail
cd "$(dirname "$0")/.."
APP="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/carenet-desktop}")"
ARTIFACTS="$PWD/target/e2e-artifacts"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
HOME_DIR="$(mktemp -d)"
HOME_A="$(mktemp -d)"
HOME_B="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR" "$HOME_A" "$HOME_B"' EXIT
for h in "$HOME_DIR" "$HOME_A" "$HOME_B"; do
  mkdir -p "$h/.config" "$h/.local/share" "$h/.cache" "$h/runtime"
  chmod 700 "$h/runtime"
done
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || { echo "tauri-driver is missing: run scripts/setup.sh" >&2; exit 1; }
# A free port for tauri-driver, so two runs on one machine do not collide.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT="$(free_port)"
NATIVE_PORT="$(free_port)"
status=0
env -i PATH="$PATH" HOME="$HOME_DIR" XDG_CONFIG_HOME="$HOME_DIR/.config" XDG_DATA_HOME="$HOME_DIR/.local/share" \
  XDG_CACHE_HOME="$HOME_DIR/.cache" XDG_RUNTIME_DIR="$HOME_DIR/runtime" LANG=C.UTF-8 \
  NO_AT_BRIDGE=1 \
  E2E_TRACE="${E2E_TRACE:-}" TAURI_DRIVER_PORT="$PORT" TAURI_NATIVE_PORT="$NATIVE_PORT" \
  timeout 600 xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \
  node tests/e2e/app.e2e.mjs "$APP" "$ARTIFACTS" || status=1

# Two devices: two apps, two HOMEs, two tauri-drivers (each with its own ports) on one display;
# they sync by ticket on loopback. sync.e2e.mjs gives each driver its own HOME and XDG folders.
env -i PATH="$PATH" HOME="$HOME_A" LANG=C.UTF-8 \
  NO_AT_BRIDGE=1 \
  E2E_TRACE="${E2E_TRACE:-}" HOME_A="$HOME_A" HOME_B="$HOME_B" \
  DRIVER_PORT_A="$(free_port)" NATIVE_PORT_A="$(free_port)" DRIVER_PORT_B="$(free_port)" NATIVE_PORT_B="$(free_port)" \
  timeout 600 xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \
  node tests/e2e/sync.e2e.mjs "$APP" "$ARTIFACTS" || status=1
exit $status
