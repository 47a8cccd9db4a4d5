/**
 * Cold import cost of every entry point of the built package (dist/, through the package's own
 * `exports`), against cockatiel, opossum and p-retry in the same run. Every measurement is a fresh
 * `node` process timing one `await import()` (so module caches never help); rounds interleave the
 * specifiers so that machine load hits all of them alike; the table shows median, p25 and p75.
 *
 *   npm run build && node --import tsx bench/import.ts [rounds]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 15);
const AREAS = [
  'policies',
  'downloads',
  'integrity',
  'diagnostics',
  'recovery',
  'health',
  'monitor',
  'availability',
  'install',
];
/** What each entry must stay under (ms, median), from issue #14. */
const BUDGET = { root: 30, subpath: 40 };

if (!existsSync(`${repo}dist/index.js`)) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}

const ours = ['@wan/reliability', ...AREAS.map((area) => `@wan/reliability/${area}`)];
const peers = ['cockatiel', 'opossum', 'p-retry'];
/** An empty ES module: what any first `import()` costs (the ESM loader warming up). */
const baseline = 'data:text/javascript,export{}';
const specifiers = [baseline, ...ours, ...peers];

function measure(specifier: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`importing ${specifier} failed:\n${run.stderr}`);
  return Number(run.stdout);
}

const samples = new Map<string, number[]>(specifiers.map((s) => [s, []]));
for (let round = 0; round < rounds; round += 1) {
  // Rotate the order every round so no specifier always runs right after a heavy one.
  const order = specifiers.map((_, i) => specifiers[(i + round) % specifiers.length]!);
  for (const specifier of order) samples.get(specifier)!.push(measure(specifier));
}

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const rows = specifiers.map((specifier) => {
  const sorted = [...samples.get(specifier)!].sort((a, b) => a - b);
  const budget =
    // /policies is the root without the design's classes: it keeps the root's budget.
    specifier === '@wan/reliability' || specifier === '@wan/reliability/policies'
      ? BUDGET.root
      : ours.includes(specifier)
        ? BUDGET.subpath
        : undefined;
  const median = quantile(sorted, 0.5);
  return {
    name: specifier === baseline ? '(empty module)' : specifier,
    median,
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    budget,
  };
});
const width = Math.max(...rows.map((r) => r.name.length));
const ms = (n: number) => `${n.toFixed(1)} ms`.padStart(9);
console.log(`cold import(), ${rounds} fresh processes each, node ${process.version}`);
console.log(`${'module'.padEnd(width)}    median       p25       p75   budget`);
for (const row of rows) {
  const verdict =
    row.budget === undefined ? '' : `  ≤ ${row.budget} ms ${row.median <= row.budget ? 'ok' : 'OVER'}`;
  console.log(`${row.name.padEnd(width)} ${ms(row.median)} ${ms(row.p25)} ${ms(row.p75)}${verdict}`);
}
