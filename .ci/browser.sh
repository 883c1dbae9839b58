#!/usr/bin/env bash
# Browser checks from packed tarballs: each library's main entry bundled by esbuild for
# platform=browser with no externals, the README example's bundle size against tfjs-core + the same
# backends alone (≤ 1.3× gzipped), and the example run in Debian's headless Chromium (playwright-core
# drives /usr/bin/chromium; no browser is downloaded). See .ci/browser/run.mjs.
#
# Usage: .ci/browser.sh            (packs into a temp folder; needs a built tree: pnpm build)
#        PAPERKIT_TARBALLS=dir .ci/browser.sh
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/paperkit-browser.XXXXXX)
T=${PAPERKIT_TARBALLS:-}
if [ -z "$T" ]; then
  T=$WORK/tarballs
  .ci/pack.sh "$T" >/dev/null || exit 1
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "FAIL browser: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install chromium)"
  exit 1
fi
cd "$WORK"
npm init -y >/dev/null && npm pkg set type=module private=true
LIBS=$(ls "$T"/paperkit-*.tgz | grep -v -e '/paperkit-cli-' -e '/paperkit-tensor-native-')
if ! npm install --no-audit --no-fund --loglevel=error $LIBS @tensorflow/tfjs-core@4.22.0 \
  esbuild@0.28.2 playwright-core@1.65.2 >install.log 2>&1; then
  echo "FAIL browser: install failed"; tail -5 install.log; exit 1
fi
cp "$ROOT"/.ci/browser/*.mjs .
node run.mjs
