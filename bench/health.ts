/**
 * Cost of HealthReporter: record() per call, report() / toPrometheus() / toHTML() after 1e5
 * outcomes, and heap growth over 1e6 records.
 *
 *   node --expose-gc --import tsx bench/health.ts [records]
 */

import { HealthReporter } from '../src/health/index.js';
import type { CallOutcome } from '../src/index.js';

const records = Number(process.argv[2] ?? 5_000_000);
const rounds = 5;

const components = [
  'hf-downloader',
  'modelscope-mirror',
  'integrity',
  'pip',
  'gpu-probe',
  'venv',
  'disk',
  'config',
  'cuda',
  'installer',
];
const operations = ['download', 'verify', 'install'];
const categories = ['network', 'timeout', 'corruption'] as const;

/** A fixed pool of outcome objects, so the loop measures record() and not object creation. */
function outcomes(pairs: number): CallOutcome[] {
  const pool: CallOutcome[] = [];
  for (let i = 0; i < 1024; i++) {
    const c = components[i % Math.min(pairs, components.length)]!;
    const o =
      operations[Math.floor(i / components.length) % Math.max(1, Math.ceil(pairs / components.length))]!;
    const success = i % 13 !== 0;
    pool.push({
      component: c,
      operation: o,
      success,
      durationMs: 5 + ((i * 7919) % 5000),
      ...(success ? {} : { category: categories[i % 3]! }),
    });
  }
  return pool;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * ns per record by CPU time (user + system) of this process, which stays meaningful when other
 * processes compete for the cores; a fresh loop function per case keeps call sites monomorphic.
 */
function makeLoop(): (reporter: { record(o: CallOutcome): void }, pool: CallOutcome[], n: number) => number {
  return new Function(
    'reporter',
    'pool',
    'n',
    `const mask = pool.length - 1;
     const start = process.cpuUsage();
     for (let i = 0; i < n; i++) reporter.record(pool[i & mask]);
     const used = process.cpuUsage(start);
     return ((used.user + used.system) * 1000) / n;`,
  ) as (reporter: { record(o: CallOutcome): void }, pool: CallOutcome[], n: number) => number;
}

const noop = {
  count: 0,
  record(o: CallOutcome) {
    if (o.success) this.count++;
  },
};

function loopCase(make: () => { record(o: CallOutcome): void }, pairs: number): () => number {
  const loop = makeLoop();
  const pool = outcomes(pairs);
  return () => loop(make(), pool, records);
}

const allCases: Array<{ name: string; run: () => number }> = [
  { name: 'loop + trivial record (baseline)', run: loopCase(() => noop, 1) },
  {
    name: 'record(), one component/operation',
    run: loopCase(() => new HealthReporter({ openTelemetry: false }), 1),
  },
  {
    name: 'record(), 30 components×operations rotating',
    run: loopCase(() => new HealthReporter({ openTelemetry: false }), 30),
  },
];

const only = process.env.BENCH_ONLY;
const cases = only ? allCases.filter((c) => c.name.includes(only)) : allCases;

console.log(`node ${process.version}, ${records} records per round, median of ${rounds} rounds\n`);
console.log('| case | ns/record (CPU time, median) |\n|---|---:|');
for (const c of cases) {
  c.run(); // warm-up
  const samples = Array.from({ length: rounds }, () => c.run());
  console.log(`| ${c.name} | ${median(samples).toFixed(1)} |`);
}

// report() and the formats after 1e5 outcomes over 30 component×operation pairs
const reporter = new HealthReporter({ openTelemetry: false });
const pool = outcomes(30);
for (let i = 0; i < 100_000; i++) reporter.record(pool[i & 1023]!);
const timeIt = (fn: () => unknown) => {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < 21; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
};
console.log('\n| after 1e5 outcomes (30 pairs) | ms (median of 21) |\n|---|---:|');
console.log(`| report() | ${timeIt(() => reporter.report()).toFixed(3)} |`);
console.log(`| toPrometheus() | ${timeIt(() => reporter.toPrometheus()).toFixed(3)} |`);
console.log(`| toHTML() | ${timeIt(() => reporter.toHTML()).toFixed(3)} |`);
console.log(`| JSON.stringify(report()) bytes | ${JSON.stringify(reporter.report()).length} |`);

// heap growth over 1e6 records
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  const fresh = new HealthReporter({ openTelemetry: false });
  for (let i = 0; i < 10_000; i++) fresh.record(pool[i & 1023]!); // create every component first
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) fresh.record(pool[i & 1023]!);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`\nheap growth over 1e6 records: ${((after - before) / 1024).toFixed(1)} KiB (after gc())`);
} else {
  console.log('\n(run with --expose-gc for the heap growth figure)');
}
