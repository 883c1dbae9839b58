#!/usr/bin/env bash
# Changesets gate: a change to a published package needs a changeset, and the planned release is sane.
# - `changeset status --since=BASE` fails when a package changed since BASE without a changeset.
#   BASE is $CHANGESET_BASE, else the merge base with origin/main, else the parent commit (CI checks
#   the submitted commit); with no history to compare against the check is skipped, and says so.
# - An unreleased package (version 0.0.0) must be planned at 0.1.0, never 1.0.0 (a major bump from
#   a peer range left behind) and never 0.2.0.
set -euo pipefail
cd "$(dirname "$0")/.."
CHANGESET="node_modules/.bin/changeset"
base=${CHANGESET_BASE:-}
if [ -z "$base" ]; then
  base=$(git merge-base HEAD origin/main 2>/dev/null || true)
  [ "$base" = "$(git rev-parse HEAD 2>/dev/null)" ] && base=""
  [ -z "$base" ] && base=$(git rev-parse --verify -q HEAD~1 2>/dev/null || true)
fi
out=$(mktemp)
if [ -n "$base" ]; then
  if ! log=$($CHANGESET status --since="$base" --output="$out" 2>&1); then
    echo "FAIL changesets: a package changed since ${base:0:12} without a changeset"
    echo "     add one with 'pnpm changeset' (or 'pnpm changeset --empty' for a change users cannot see)"
    echo "$log" | grep -v '^\s*$' | sort -u | tail -5 | sed 's/^/     /'
    exit 1
  fi
  echo "ok   changesets: every changed package since ${base:0:12} has a changeset"
  # The planned versions come from every pending changeset, not only the new ones: a patch changeset
  # beside an earlier minor one still makes a first release 0.1.0.
  $CHANGESET status --output="$out" >/dev/null
else
  $CHANGESET status --output="$out" >/dev/null
  echo "ok   changesets: no base commit to compare with; planned releases only"
fi
node -e "
  const plan = JSON.parse(require('fs').readFileSync('$out', 'utf8'));
  const bad = plan.releases.filter((r) => r.oldVersion === '0.0.0' && r.type !== 'none' && r.newVersion !== '0.1.0');
  for (const r of plan.releases.filter((r) => r.type !== 'none'))
    console.log('     ' + r.name + ' ' + r.oldVersion + ' -> ' + r.newVersion + ' (' + r.type + ')');
  if (bad.length) {
    console.log('FAIL first releases must be 0.1.0: ' + bad.map((r) => r.name + ' -> ' + r.newVersion).join(', '));
    process.exit(1);
  }
"
