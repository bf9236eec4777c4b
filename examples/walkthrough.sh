#!/usr/bin/env bash
# A walkthrough of the `oos` command on the embedded defaults (a temp home, LevelDB, no server):
# init → publish v1 → publish v2 → log → diff → claims → export → verify → import elsewhere → tamper → verify.
# Run from the repository after `npm install`:  bash examples/walkthrough.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export OOS_PASSPHRASE="${OOS_PASSPHRASE:-walkthrough-only-passphrase}"
export OOS_SCRYPT_N="${OOS_SCRYPT_N:-16384}"   # a lighter key-derivation cost for a demo; the default is 2^17
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
oos() { node bin/oos.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Ledgerline creates its organization: an encrypted key, a did:key identity"
oos init --name Ledgerline --home "$tmp/ledgerline"

step "2. It publishes version 1 of its OOS (16 claims, 7 agents); look for seq 1 and the CID"
oos publish examples/orgs/ledgerline/v1.oos.md --home "$tmp/ledgerline"

step "3. Version 2: a claim raised to HIGH, one reworded, an agent added; seq 2 chains to seq 1"
oos publish examples/orgs/ledgerline/v2.oos.md --home "$tmp/ledgerline"

step "4. Publishing the same document again is refused"
oos publish examples/orgs/ledgerline/v2.oos.md --home "$tmp/ledgerline" || echo "(refused, exit $?)"

step "5. The chain, newest first"
oos log Ledgerline --home "$tmp/ledgerline"

step "6. What changed from 1 to 2: C017 added, C002 MEDIUM → HIGH, C003 reworded, AGT-008 added"
oos diff Ledgerline 1 2 --home "$tmp/ledgerline"

step "7. Claims about human approval, each with its own content address"
oos claims Ledgerline --search approv --home "$tmp/ledgerline" | head -12

step "8. Export the org's records to a CAR file and verify it offline (exit 0)"
oos export Ledgerline --out "$tmp/ledgerline.car" --home "$tmp/ledgerline"
oos verify "$tmp/ledgerline.car"

step "9. Carepath imports the file: every block through the ingest door"
oos init --name Carepath --home "$tmp/carepath"
oos import "$tmp/ledgerline.car" --home "$tmp/carepath"
oos log Ledgerline --home "$tmp/carepath"

step "10. One flipped byte: verification fails with the reason's code (exit 1)"
cp "$tmp/ledgerline.car" "$tmp/tampered.car"
node -e 'const f=process.argv[1],fs=require("fs"),b=fs.readFileSync(f);b[b.length-300]^=1;fs.writeFileSync(f,b)' "$tmp/tampered.car"
oos verify "$tmp/tampered.car" || echo "(invalid, exit $?)"
echo
echo "done: everything above ran in $tmp, removed on exit"
