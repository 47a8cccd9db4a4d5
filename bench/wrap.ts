/**
 * Success-path cost of withReliability (retry ∘ breaker ∘ timeout + health hook) around an async
 * method that resolves at once, against peers in the same process.
 *
 *   node --expose-gc --import tsx bench/wrap.ts [calls]
 */
import {
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';
import pRetry from 'p-retry';
import pTimeout from 'p-timeout';
import { HealthReporter } from '../src/health/index.js';
import type { HealthHook } from '../src/index.js';
import { withReliability } from '../src/index.js';

const calls = Number(process.argv[2] ?? 200_000);
const rounds = 5;

const component = {
  async ping(): Promise<number> {
    return 1;
  },
};

type Case = { name: string; run: () => Promise<unknown> };

function makeCases(health: HealthHook): Case[] {
  const reliable = withReliability(component, {
    name: 'bench',
    retry: { retries: 3 },
    breaker: {},
    timeout: 30_000,
    health,
  });
  const opossum = new Opossum(() => component.ping(), { timeout: false });
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 3 }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    timeout(30_000, TimeoutStrategy.Cooperative),
  );
  const naiveBreaker = new Opossum(() => component.ping(), { timeout: false });
  return [
    { name: 'raw await fn()', run: () => component.ping() },
    { name: 'opossum fire (timeout off)', run: () => opossum.fire() },
    { name: 'withReliability (retry+breaker+timeout+health)', run: () => reliable.ping() },
    { name: 'cockatiel wrap(retry, breaker, timeout)', run: () => cockatiel.execute(() => component.ping()) },
    {
      name: 'naive pRetry(pTimeout(opossum.fire))',
      run: () => pRetry(() => pTimeout(naiveBreaker.fire(), { milliseconds: 30_000 }), { retries: 3 }),
    },
  ];
}

async function measure(run: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await run();
  return Number(process.hrtime.bigint() - start) / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const reporter = new HealthReporter();
  const health: HealthHook = reporter;
  const cases = makeCases(health);
  const results = new Map<string, number[]>();
  for (const c of cases) await measure(c.run, Math.min(calls, 20_000)); // warm up
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const n = c.name.startsWith('naive') || c.name.startsWith('cockatiel') ? Math.ceil(calls / 10) : calls;
      const ns = await measure(c.run, n);
      results.set(c.name, [...(results.get(c.name) ?? []), ns]);
    }
  }
  const ours = median(results.get('withReliability (retry+breaker+timeout+health)') ?? []);
  console.log(
    `calls per round: ${calls} (cockatiel/naive: ${Math.ceil(calls / 10)}), rounds: ${rounds}, node ${process.version}`,
  );
  console.log('| case | ns/call (median) | vs withReliability |');
  console.log('|---|---:|---:|');
  for (const [name, values] of results) {
    const ns = median(values);
    console.log(`| ${name} | ${ns.toFixed(0)} | ${(ns / ours).toFixed(2)}× |`);
  }

  // Heap growth over 1e6 calls: rolling windows must keep memory flat.
  const gc = (globalThis as { gc?: () => void }).gc;
  const reliable = withReliability(component, {
    name: 'heap',
    retry: {},
    breaker: {},
    timeout: 30_000,
    health,
  });
  for (let i = 0; i < 10_000; i++) await reliable.ping();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) await reliable.ping();
  gc?.();
  const growth = (process.memoryUsage().heapUsed - before) / 1e6;
  console.log(
    `heap growth over 1e6 calls: ${growth.toFixed(2)} MB${gc ? '' : ' (run with --expose-gc for a precise figure)'}`,
  );
  console.log(`health: ${JSON.stringify(reporter.componentHealth('bench'))}`);
}

await main();
