#!/usr/bin/env bash
# Installs what building and testing Carenet needs on a fresh Debian machine. Idempotent: it only
# calls apt-get when something is missing.
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# iproute2: the mDNS sync test makes two network namespaces joined by a veth pair.
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)

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
