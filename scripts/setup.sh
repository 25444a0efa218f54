#!/usr/bin/env bash
# Installs what building and testing Carenet needs on a fresh Debian machine. Idempotent: it only
# calls apt-get, npm or cargo install when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# iproute2: the mDNS sync test makes two network namespaces joined by a veth pair.
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)

# The desktop app (Tauri 2 on WebKitGTK 4.1) and its end-to-end test (real window under Xvfb,
# driven through WebKitWebDriver; Noto fonts so Arabic and Latin render the same everywhere; xclip
# reads the clipboard the copy buttons fill and lock clears; xdotool answers GTK's file dialogs).
desktop_apt=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libxdo-dev libssl-dev webkit2gtk-driver xvfb xauth dbus-x11 fonts-noto-core xclip xdotool)
for p in "${desktop_apt[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    echo "cargo is in ~/.cargo/bin: add it to PATH (source ~/.cargo/env)" >&2
  else
    echo "Carenet needs a Rust toolchain (1.89 or newer): install rustup or Debian's cargo." >&2
  fi
  exit 1
fi

# The UI: Node 20 or newer (Vite 8), packages pinned by ui/package-lock.json.
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "The desktop UI needs Node.js 20 or newer with npm: install it, then run make again." >&2
  exit 1
fi
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi

# The WebDriver bridge of the end-to-end test.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --locked --version 2.1.0
fi
