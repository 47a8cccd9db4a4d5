/**
 * ErrorContextCapturer.capture() latency with the real system probe (systeminformation, nvidia-smi,
 * python3), after the first call (which fills the static cache), plus its parts and redact() cost.
 *
 *   node --import tsx bench/capture.ts [calls]
 */

import { ErrorContextCapturer, redact } from '../src/diagnostics/index.js';

const calls = Number(process.argv[2] ?? 200);

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `p50 ${f(percentile(sorted, 50))} ms  p95 ${f(percentile(sorted, 95))} ms  max ${f(sorted.at(-1)!)} ms`;
}

function realisticError(i: number): Error {
  const cause = Object.assign(
    new Error(
      `socket hang up https://user:pw@mirror.example.com/Wan2.2-TI2V-5B/model-0000${i % 3}.safetensors?token=abc`,
    ),
    { code: 'ECONNRESET', syscall: 'read' },
  );
  const aggregate = new AggregateError([cause, new Error('mirror 2: 503')], 'every mirror failed');
  return new Error(`download failed after 3 retries (Authorization: Bearer hf_${'x'.repeat(34)})`, {
    cause: aggregate,
  });
}

async function main(): Promise<void> {
  const capturer = new ErrorContextCapturer();
  const firstStarted = performance.now();
  const first = await capturer.capture(realisticError(0), { phase: 'download', correlationId: 'bench' });
  const firstMs = performance.now() - firstStarted;
  if (first.system.missing.length > 0) console.log('missing probes on first call:', first.system.missing);

  const captureTimes: number[] = [];
  const snapshotTimes: number[] = [];
  const reportTimes: number[] = [];
  for (let i = 1; i <= calls; i += 1) {
    let started = performance.now();
    const context = await capturer.capture(realisticError(i), {
      phase: 'download',
      component: 'downloader',
      operation: 'download',
      correlationId: `bench-${i % 10}`,
      retryCount: 3,
    });
    captureTimes.push(performance.now() - started);
    started = performance.now();
    capturer.report(context, { format: 'markdown', issueUrl: 'https://github.com/o/r/issues/new' });
    capturer.report(context, { format: 'json' });
    reportTimes.push(performance.now() - started);
    started = performance.now();
    await capturer.snapshot();
    snapshotTimes.push(performance.now() - started);
  }

  const line = 'GET https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/main/Wan2.2_VAE.pth 45% 12.3 MB/s';
  const n = 50_000;
  let started = performance.now();
  for (let i = 0; i < n; i += 1) redact(line);
  const redactEnvUs = ((performance.now() - started) / n) * 1000;
  started = performance.now();
  for (let i = 0; i < n; i += 1) redact(line, { env: null });
  const redactNoEnvUs = ((performance.now() - started) / n) * 1000;

  console.log(
    `Node ${process.version}, ${calls} calls after the first; env has ${Object.keys(process.env).length} variables`,
  );
  console.log(`first capture (cold caches)        ${firstMs.toFixed(1)} ms`);
  console.log(`capture()                          ${summary(captureTimes)}`);
  console.log(`  of which snapshot() alone        ${summary(snapshotTimes)}`);
  console.log(`report() markdown+link and json    ${summary(reportTimes)}`);
  console.log(`redact(line), env scanned          ${redactEnvUs.toFixed(2)} µs`);
  console.log(`redact(line, { env: null })        ${redactNoEnvUs.toFixed(2)} µs`);
  const p95 = percentile(
    [...captureTimes].sort((a, b) => a - b),
    95,
  );
  console.log(
    p95 <= 200 ? `OK: p95 ${p95.toFixed(1)} ms <= 200 ms` : `OVER TARGET: p95 ${p95.toFixed(1)} ms > 200 ms`,
  );
}

await main();
