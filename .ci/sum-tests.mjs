// Sums every package's vitest JSON report into one closing line CI can read: "Tests: N passed, N failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
for (const root of ['packages', 'apps']) {
  if (!existsSync(root)) continue;
  for (const dir of readdirSync(root)) {
    const f = join(root, dir, 'test-results.json');
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    files++;
    console.log(`${join(root, dir)}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files === 0 ? 1 : 0);
