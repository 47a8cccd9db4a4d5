#!/usr/bin/env node
// Runs mutation testing (stryker.config.mjs) group by group, then prints the score per file and
// per group from Stryker's JSON reports.
//
// Usage: npm run mutation                      every group, incremental
//        npm run mutation -- redaction policies  only those groups
//        npm run mutation -- --force             re-test every mutant (rewrites the incremental files)
//        npm run mutation -- --report            only print the scores of the last run
//        npm run mutation -- --concurrency=1     any other Stryker option, written --name=value
// Exit code 1 when a group scores below the break threshold (85 %) or Stryker fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

process.env.MUTATION_GROUP ??= 'downloads'; // any valid name: the config throws without one
const { groups } = await import('../stryker.config.mjs');
const args = process.argv.slice(2);
const flags = args.filter((arg) => arg.startsWith('--'));
const names = args.filter((arg) => !arg.startsWith('--'));
for (const name of names) {
  if (!(name in groups)) {
    console.error(`unknown group ${name}; groups: ${Object.keys(groups).join(', ')}`);
    process.exit(2);
  }
}
const selected = names.length > 0 ? names : Object.keys(groups);
const reportOnly = flags.includes('--report');
const strykerFlags = flags.filter((flag) => flag !== '--report');

let failed = false;
if (!reportOnly) {
  for (const name of selected) {
    console.log(`\n== mutation: ${name}`);
    const run = spawnSync('npx', ['stryker', 'run', ...strykerFlags], {
      stdio: 'inherit',
      env: { ...process.env, MUTATION_GROUP: name },
    });
    if (run.status !== 0) failed = true;
  }
}

// Stryker's score: detected (killed + timeout) over valid mutants (detected + survived + no coverage).
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
/** @param {{ status: string }[]} mutants */
function score(mutants) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const valid = detected + undetected;
  return { detected, undetected, valid, pct: valid === 0 ? 100 : (100 * detected) / valid };
}

const rows = [];
for (const name of selected) {
  const path = `reports/mutation/${name}/mutation.json`;
  if (!existsSync(path)) {
    rows.push(`| ${name} | (no report) | | |`);
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const all = [];
  for (const [file, { mutants }] of Object.entries(report.files).sort()) {
    all.push(...mutants);
    const s = score(mutants);
    rows.push(`| ${file} | ${s.pct.toFixed(1)} % | ${s.detected}/${s.valid} | ${s.undetected} |`);
  }
  const s = score(all);
  rows.push(`| **${name}** | **${s.pct.toFixed(1)} %** | ${s.detected}/${s.valid} | ${s.undetected} |`);
}
console.log('\n| file | score | detected/valid | survived + no coverage |\n|---|---|---|---|');
console.log(rows.join('\n'));
process.exit(failed ? 1 : 0);
