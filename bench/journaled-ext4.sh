#!/usr/bin/env bash
# Runs the vault benchmark with both databases (ours and the plain-SQLite floor) on a freshly made,
# journaled ext4 file system: what Debian and most distributions install on a laptop. The CI VM's
# root file system is ext4 *without* a journal, where fsync costs about 0.06 ms and the floor is
# nearly free; this shows the same saves where a durable commit costs what it costs on a laptop.
# Needs root (loop mount). Usage: bash bench/journaled-ext4.sh [cargo bench args...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "journaled-ext4.sh needs root to loop-mount a file system; run plain 'make bench' instead." >&2
  exit 1
fi
img="$(mktemp -p "${CARGO_TARGET_DIR:-target}" -t journaled-ext4.XXXXXX.img 2>/dev/null || mktemp -t journaled-ext4.XXXXXX.img)"
mnt="$(mktemp -d -t carenet-bench-mnt.XXXXXX)"
cleanup() { umount "$mnt" 2>/dev/null || true; rmdir "$mnt" 2>/dev/null || true; rm -f "$img"; }
trap cleanup EXIT
truncate -s 1G "$img"
mkfs.ext4 -q -F -O has_journal "$img"
mount -o loop "$img" "$mnt"
echo "bench file system: $(findmnt -no FSTYPE,OPTIONS "$mnt") (journal: $(dumpe2fs -h "$img" 2>/dev/null | grep -c has_journal) )"
CARENET_BENCH_DIR="$mnt" cargo bench --bench vault "$@"
