#!/usr/bin/env node
// Fails when a test was skipped that CI expects to run. A test that cannot run on this machine
// skips itself with a stated reason (it.skipIf / it.runIf), never by returning early; the skips
// CI accepts are listed, each with its reason, in test/allowed-skips.json.
// Usage: node scripts/check-skips.mjs <vitest-json-report>
import { readFileSync } from 'node:fs';
import path from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const allowed = JSON.parse(readFileSync(new URL('../test/allowed-skips.json', import.meta.url), 'utf8'));
const allowedNames = new Set(allowed.skips.map((skip) => skip.test));
const root = process.cwd();
const unexpected = [];
for (const file of report.testResults ?? []) {
  const relative = path.relative(root, file.name);
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'passed' || test.status === 'failed') continue;
    const name = `${relative} > ${test.fullName}`;
    if (!allowedNames.has(name)) unexpected.push(`${test.status}: ${name}`);
  }
}
if (unexpected.length > 0) {
  console.error(
    `Tests CI expects to run were skipped (${unexpected.length}); list them in test/allowed-skips.json with a reason, or make them run:`,
  );
  for (const line of unexpected) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`skips: none unexpected (${allowed.skips.length} allowed)`);
