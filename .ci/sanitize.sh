#!/usr/bin/env bash
# Builds @paperkit/tensor-native once with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# addon fuzz test (packages/tensor-native/test/fuzz/fuzz-addon.mjs) under it. Fails on any sanitizer
# report, any signal, or any fuzz finding. Needs gcc with libasan/libubsan (Debian: gcc) and Node's
# headers; about a minute on 2 cores.
#
#   .ci/sanitize.sh                 # 100000 calls, seed 1
#   FUZZ_CALLS=300000 FUZZ_SEED=7 .ci/sanitize.sh
#
# The sanitizer build links a reference sgemm (test/fuzz/cblas_reference.c) instead of OpenBLAS:
# OpenBLAS is not instrumented, so an out-of-bounds read inside it would go unseen, while the
# reference touches exactly the elements BLAS semantics define, each as an instrumented access.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=packages/tensor-native
calls=${FUZZ_CALLS:-100000}
seed=${FUZZ_SEED:-1}
cc=${CC:-gcc}

node_include=$(node -p "require('node:path').resolve(process.execPath, '..', '..', 'include', 'node')")
if [ ! -f "$node_include/node_api.h" ]; then
  echo "sanitize: node_api.h not found under $node_include (install Node's headers)" >&2
  exit 2
fi
libasan=$($cc -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
  echo "sanitize: $cc has no libasan.so" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
addon="$work/tensor_native.node"

echo "== building $pkg with -fsanitize=address,undefined"
# -fno-sanitize-recover makes every UBSan finding fatal; float-cast-overflow is not part of
# 'undefined' in gcc and catches double→int64 conversions of out-of-range JS numbers.
$cc -shared -fPIC -O1 -g -fno-omit-frame-pointer -std=gnu11 -pthread -ffp-contract=off \
  -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
  -Wall -Wextra -Wno-unused-parameter -Wno-psabi -Werror \
  -DNAPI_VERSION=8 "-DPAPERKIT_CBLAS_HEADER=\"cblas_reference.h\"" \
  -I"$node_include" -I"$pkg/test/fuzz" \
  "$pkg"/native/*.c "$pkg/test/fuzz/cblas_reference.c" -lm -o "$addon"

echo "== fuzzing $calls calls (seed $seed) under ASan + UBSan"
log="$work/fuzz.log"
set +e
# Node itself is not instrumented, so the ASan runtime must be loaded first (LD_PRELOAD). Leak
# detection is off: V8 keeps its heap until exit by design.
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=66:allocator_may_return_null=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=67 \
  LD_PRELOAD="$libasan" \
  node "$pkg/test/fuzz/fuzz-addon.mjs" --addon "$addon" --calls "$calls" --seed "$seed" >"$log" 2>&1
status=$?
set -e
if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$log"; then
  grep -m 40 -E 'ERROR|runtime error|SUMMARY|#[0-9]+ ' "$log" >&2
  echo "sanitize: FAILED (sanitizer report above)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  tail -c 4000 "$log" >&2
  echo "sanitize: FAILED (fuzz exit status $status)" >&2
  exit 1
fi
node -e '
  const s = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
  const thrown = Object.values(s.stats).reduce((a, v) => a + v.TypeError + v.RangeError, 0);
  console.log(`sanitize: ok: ${s.calls} calls, ${thrown} thrown as TypeError/RangeError, 0 sanitizer reports, 0 guard violations, 0 reference mismatches`);
' "$log"
