#!/usr/bin/env bash
# Packs every public workspace package (packages/*, and apps/runner as @paperkit/cli) into one folder
# with `pnpm pack`, as `changeset publish` would publish them (workspace: and catalog: specifiers
# rewritten to versions and ranges). Usage: .ci/pack.sh OUT_DIR   (needs a built tree: pnpm build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/pack.sh OUT_DIR}
mkdir -p "$out"
PNPM=${PNPM:-npx -y pnpm@12.4.2}
# Private packages (apps/bench) are never published: leave them out.
skip=$(node -e "
  const fs = require('fs');
  for (const g of ['packages', 'apps'])
    for (const d of fs.readdirSync(g)) {
      const f = g + '/' + d + '/package.json';
      if (fs.existsSync(f)) { const p = JSON.parse(fs.readFileSync(f, 'utf8')); if (p.private) console.log('--filter=!' + p.name); }
    }")
# shellcheck disable=SC2086
$PNPM -r $skip pack --pack-destination "$out" >/dev/null
ls "$out"
