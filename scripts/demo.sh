#!/usr/bin/env bash
# A guided tour of Carenet on a throw-away vault: create, record, link, search, export, and check
# that nothing readable is left on disk. Nothing here touches your real vault.
set -euo pipefail
BIN="${1:-target/release/carenet}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
VAULT="$WORK/vault"
# Scripts pass the passphrase through a variable or a file; people type it at the prompt.
export CARENET_PASSPHRASE="demo passphrase, not for real use"
export CARENET_EXPORT_PASSPHRASE="export passphrase for the partner"
cn() { "$BIN" --vault "$VAULT" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Create a vault (the keyring is sealed with scrypt; this takes about a second)"
cn init

step "A note"
NOTE=$(cn note add --title "Checkpoint on the northern road" --body "Police stop every car since Monday. Use the river road." --tag security | tail -1)
cn note show "$NOTE"

step "A contact tree: Dana alerts Lev and Mira; Lev checks on Mira"
DANA=$(cn contact add --alias Dana --channel signal:+000111 --language ar --language en --skill legal | tail -1)
LEV=$(cn contact add --alias Lev --real-name "Lev (real name, hidden by default)" | tail -1)
MIRA=$(cn contact add --alias Mira --risk high | tail -1)
cn contact edit "$DANA" --alerts "$LEV" --alerts "$MIRA" >/dev/null
cn contact edit "$MIRA" --checked-by "$LEV" >/dev/null
cn contact tree
step "A loop in the alert tree is refused"
cn contact edit "$MIRA" --alerts "$DANA" || true

step "A reprisal record after a UN engagement (HURIDOCS-style fields, date precision kept)"
REP=$(cn reprisal add --title "Travel ban after UPR submission" --date 2026-05 --country BY \
  --type travel-ban --victim "M." --perpetrator "state:Border service" \
  --engagement upr::submission:2026-01 --consent given --share-with un-mechanism --identify initials-only \
  --intervention reprisals-focal-point:OHCHR | tail -1)
cn reprisal show "$REP" --history

step "Search (case and accents ignored, any script)"
cn search "river"
cn search "travel" --type reprisal --from 2026-05-10

step "Export for a partner, encrypted with age to a passphrase (open with: age -d file)"
cn export --format csv --type reprisal --out "$WORK/for-partner.csv.age"
head -c 60 "$WORK/for-partner.csv.age" | head -1

step "A space shared with a second laptop, carried by USB bundle"
PARTNER="$WORK/partner"
pn() { "$BIN" --vault "$PARTNER" "$@"; }
pn init >/dev/null
SPACE=$(cn space create "Minsk network" | tail -1)
CARD=$(pn id --name "Partner laptop" --no-qr | tail -1)
TICKET=$(cn space invite "$SPACE" --member "$CARD" --role member | tail -1)
pn space join "$TICKET"
cn space share "$SPACE" "$DANA" --branch
RECIPIENT=$(pn id --json | sed -E 's/.*"recipient":"([^"]+)".*/\1/')
cn bundle export --space "$SPACE" --out "$WORK/usb.bundle" --recipient "$RECIPIENT"
pn bundle import "$WORK/usb.bundle"
pn space members "$SPACE"
pn contact tree
echo "The partner laptop holds only the shared branch: $(pn contact list --json | grep -o '"id"' | wc -l) contacts, $(pn note list --json | grep -o '"id"' | wc -l) notes."

step "At rest: neither vault folder holds a readable record"
ls -l "$VAULT"
if grep -rl -e "river road" -e "Travel ban" -e "Dana" "$VAULT" "$PARTNER"; then
  echo "found plaintext: this is a bug" >&2; exit 1
else
  echo "No plaintext found in any file of the vault."
fi
cn lock-status
echo
echo "Done. The throw-away vault is deleted now."
