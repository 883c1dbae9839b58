#!/usr/bin/env bash
# Consumer checks from packed tarballs, as a user meets the packages: fresh npm projects (ESM,
# CommonJS, one with vitest 5 already present, one on the lowest tfjs-core of the peer range, strict
# TypeScript with skipLibCheck: false, a pnpm 12 project) install the tarballs and run the README
# examples; every README code block is type-checked and run (.ci/readme-blocks.mjs); the CLI runs an
# experiment in an empty folder. Prints one line per check, the install sizes and the time of each
# step, and exits 1 if any check failed.
#
# Usage: .ci/consumers.sh            (packs into a temp folder; needs a built tree: pnpm build)
#        PAPERKIT_TARBALLS=dir .ci/consumers.sh   (reuses tarballs from .ci/pack.sh)
#        PAPERKIT_README_ADVISORY=1 …   (failing README blocks are listed but do not fail the run)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/paperkit-consumers.XXXXXX)
T=${PAPERKIT_TARBALLS:-}
if [ -z "$T" ]; then
  T=$WORK/tarballs
  .ci/pack.sh "$T" >/dev/null || exit 1
fi
TFJS=4.22.0     # the workspace's version (catalog)
TFJS_LOW=4.20.0 # the lowest version of the published peer ranges (pnpm-workspace.yaml catalogs.peers)
SIZE_LIMIT_MB=80
NPM="npm --no-audit --no-fund --loglevel=error"
export npm_config_update_notifier=false
fail=0
t0=$(date +%s)

tgz() { for p in "$@"; do ls "$T"/paperkit-"$p"-*.tgz; done; }
tfjs() { echo "@tensorflow/tfjs-core@$1 @tensorflow/tfjs-backend-cpu@$1 @tensorflow/tfjs-backend-wasm@$1"; }
result() { # name status detail
  local s=$(( $(date +%s) - t0 ))
  if [ "$2" = 0 ]; then printf 'ok   %-28s %4ss  %s\n' "$1" "$s" "$3"; else printf 'FAIL %-28s %4ss  %s\n' "$1" "$s" "$3"; fail=1; fi
}
project() { # dir type: a fresh npm project with the smoke scripts (they resolve packages from there)
  mkdir -p "$WORK/$1" && cd "$WORK/$1" && $NPM init -y >/dev/null && npm pkg set type="$2" private=true &&
    cp "$ROOT"/.ci/consumers/smoke.* .
}
# Install size: the sum of the files' sizes (du --apparent-size), which the gate checks, and the disk
# usage (du -sm, 4 KiB blocks: every small .d.ts and map file counts 4 KiB), which is also printed.
mb() { du -sm --apparent-size node_modules | cut -f1; }
disk() { du -sm node_modules | cut -f1; }

CORE3=$(tgz tensor-core nupi weight-sharing)

# 1. Plain ESM with npm: the three packages of the issue, the README numbers, node_modules size.
project esm module
out=$($NPM install $CORE3 "@tensorflow/tfjs-core@$TFJS" 2>&1 && EXPECT_TFJS=$TFJS node smoke.mjs 2>&1)
st=$?; size=$(mb)
[ "$st" = 0 ] && [ "$size" -gt "$SIZE_LIMIT_MB" ] && st=1
result esm "$st" "node_modules ${size} MB (limit ${SIZE_LIMIT_MB}; on disk $(disk) MB); $(echo "$out" | tail -1)"

# 2. CommonJS: require() of the ESM-only packages.
project cjs commonjs
out=$($NPM install $CORE3 "@tensorflow/tfjs-core@$TFJS" 2>&1 && node smoke.cjs 2>&1)
result cjs $? "$(echo "$out" | tail -1)"

# 3. A project that already has vitest 5 (tensor-core's ./testing takes vitest as a wide optional peer).
project vitest5 module
out=$($NPM install -D vitest@5 2>&1 && $NPM install $CORE3 "@tensorflow/tfjs-core@$TFJS" 2>&1 && node smoke.mjs 2>&1)
st=$?
result vitest5 "$st" "vitest $(node -p "require('vitest/package.json').version" 2>/dev/null); $(echo "$out" | tail -1)"

# 4. The lowest tfjs of the peer range, with its own backends (they pin tfjs-core exactly).
project tfjs-low module
out=$($NPM install $(tfjs $TFJS_LOW) $CORE3 2>&1 && EXPECT_TFJS=$TFJS_LOW node smoke.mjs 2>&1)
st=$?; size=$(mb)
versions=$(npm ls --all --parseable --long @tensorflow/tfjs-core 2>/dev/null | sed -n 's/.*@tensorflow\/tfjs-core@\([0-9.]*\).*/\1/p' | sort -u | tr '\n' ' ')
[ "$st" = 0 ] && [ "$versions" != "$TFJS_LOW " ] && st=1
[ "$st" = 0 ] && [ "$size" -gt "$SIZE_LIMIT_MB" ] && st=1
result "tfjs-core $TFJS_LOW" "$st" "tfjs-core copies: ${versions}; node_modules ${size} MB (on disk $(disk) MB); $(echo "$out" | tail -1)"

# 5. Strict TypeScript (skipLibCheck: false, nodenext) over every public entry of every package, then
#    every README code block type-checked under strict and run (readme-blocks.mjs).
LIBS=$(cd "$T" && ls paperkit-*.tgz | sed -E 's/^paperkit-(.*)-[0-9]+\.[0-9]+\.[0-9]+.*\.tgz$/\1/' | grep -v '^cli$')
project ts-strict module
$NPM install $(tgz $LIBS) "@tensorflow/tfjs-core@$TFJS" "@tensorflow/tfjs-layers@$TFJS" vitest@4.1.12 \
  typescript@5.9.3 @types/node@20.19.43 >install.log 2>&1
st=$?
if [ "$st" = 0 ]; then
  node "$ROOT/.ci/readme-blocks.mjs" entries --project . >/dev/null
  out=$(npx tsc -p tsconfig.entries.json 2>&1)
  st=$?
  result "typescript strict" "$st" "skipLibCheck false, every export of $(echo $LIBS | wc -w) packages${out:+: $(echo "$out" | head -20)}"
  out=$(node "$ROOT/.ci/readme-blocks.mjs" check --project . --root "$ROOT" 2>&1)
  st=$?
  if [ "$st" != 0 ] && [ "${PAPERKIT_README_ADVISORY:-0}" = 1 ]; then
    # Advisory while README owners fix their blocks: reported below, not failing the run.
    printf 'WARN %-28s %4ss  %s (advisory: PAPERKIT_README_ADVISORY=1)\n' "readme blocks" "$(( $(date +%s) - t0 ))" "$(echo "$out" | tail -1)"
  else
    result "readme blocks" "$st" "$(echo "$out" | tail -1)"
  fi
  echo "$out" | grep -v '^ok' | sed 's/^/     /'
else
  result "typescript strict" 1 "install failed: $(tail -3 install.log)"
fi

# 6. pnpm 12 as the consumer: `pnpm add` must exit 0 (no ignored build scripts) and the example run.
mkdir -p "$WORK/pnpm" && cd "$WORK/pnpm" && cp "$ROOT"/.ci/consumers/smoke.* . && echo '{ "name": "pnpm-consumer", "private": true, "type": "module" }' >package.json
{
  echo 'overrides:'
  for p in tensor-core nupi weight-sharing; do echo "  \"@paperkit/$p\": \"file:$(tgz $p)\""; done
} >pnpm-workspace.yaml
out=$(npx -y pnpm@12.4.2 add $CORE3 "@tensorflow/tfjs-core@$TFJS" 2>&1 && node smoke.mjs 2>&1)
result "pnpm 12 add" $? "$(echo "$out" | tail -1)"

# 7. The CLI in an empty folder: only @paperkit/cli and one paper package (plus tensor-core, which a
#    registry would supply) from tarballs. nupi/oscillator when nupi's experiments are on the current
#    contract, else performative-game/anarchy.
project cli module
out=$($NPM install $(tgz cli tensor-core nupi) 2>&1)
st=$?
list=$(npx paperkit list 2>&1)
if npx paperkit list 2>/dev/null | grep -qE '^ +nupi/oscillator '; then
  id=nupi/oscillator
else
  id=performative-game/anarchy
  out=$($NPM install $(tgz performative-game) 2>&1)
  st=$?
fi
s1=$(date +%s)
run=$(npx @paperkit/cli run "$id" --seeds 1 2>&1)
st2=$?
[ "$st" = 0 ] && st=$st2
[ "$st" = 0 ] && ! ls runs/"${id%%/*}"/"${id#*/}" >/dev/null 2>&1 && st=1
result "npx @paperkit/cli run" "$st" "$id in $(( $(date +%s) - s1 ))s; $(echo "$run" | grep -v '^\s*$' | tail -1)"
[ "$st" = 0 ] || echo "$list" "$run" | tail -20 | sed 's/^/     /'
# 8. The CLI alone: it says which package to add instead of failing obscurely.
project cli-empty module
$NPM install $(tgz cli tensor-core) >/dev/null 2>&1
empty=$(npx paperkit list 2>&1; npx paperkit run nupi/oscillator 2>&1)
echo "$empty" | grep -q 'npm install @paperkit/nupi'
result "cli with no paper package" $? "$(echo "$empty" | tail -1)"

cd "$ROOT"
echo "consumers: $(( $(date +%s) - t0 ))s, work folder $WORK"
exit $fail
