/**
 * Integrity benchmarks (not a test):
 *  1. quick re-verify of an unchanged 100-file install (target ≤ 50 ms), with a fresh checker each
 *     time so that loading the persisted stat cache is included;
 *  2. deep-verify hash throughput vs `openssl dgst -sha256` on the same file, in the same run.
 *
 * Run: npx tsx bench/integrity.ts            (BENCH_HASH_MB=1024 by default, BENCH_RUNS=3)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HashPool } from '../src/integrity/hashPool.js';
import { ModelIntegrityChecker } from '../src/integrity/ModelIntegrityChecker.js';
import { parseManifest } from '../src/integrity/manifest.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.join(here, '.tmp', 'integrity');
const hashMiB = Number(process.env.BENCH_HASH_MB ?? 1024);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function quickReverify(): Promise<void> {
  const root = path.join(work, 'install');
  await rm(root, { recursive: true, force: true });
  const files: { path: string; size: number; sha256: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const data = randomBytes(64 * 1024 + ((i * 7919) % (512 * 1024)));
    const rel = `part-${Math.floor(i / 10)}/file-${i}.safetensors`;
    const dest = path.join(root, 'Wan2.2-TI2V-5B', rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(dest, data);
    files.push({ path: rel, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }
  const manifest = parseManifest({
    schemaVersion: 1,
    models: [
      { id: 'Wan2.2-TI2V-5B', revision: 'r', mirrors: ['https://example.invalid/{revision}/'], files },
    ],
  });
  const first = await new ModelIntegrityChecker({ root, manifest }).verify();
  if (!first.ok) throw new Error('fixture install is not ok');
  const fresh: number[] = [];
  const reused: number[] = [];
  const checker = new ModelIntegrityChecker({ root, manifest });
  await checker.verify();
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    const report = await new ModelIntegrityChecker({ root, manifest }).verify();
    fresh.push(performance.now() - t);
    if (!report.ok || report.stats.hashedFiles !== 0) throw new Error('quick re-verify hashed files');
    t = performance.now();
    await checker.verify();
    reused.push(performance.now() - t);
  }
  console.log('\n## Quick re-verify, unchanged 100-file install (30 runs each)');
  console.log(`| what | median | max |\n|---|---|---|`);
  console.log(
    `| new checker each time (loads the persisted stat cache) | ${ms(median(fresh))} | ${ms(Math.max(...fresh))} |`,
  );
  console.log(
    `| same checker (cache already in memory) | ${ms(median(reused))} | ${ms(Math.max(...reused))} |`,
  );
  console.log(`first verify (hashes all ${first.stats.hashedBytes} bytes): ${ms(first.durationMs)}`);
}

async function hashThroughput(): Promise<void> {
  const root = path.join(work, 'hash');
  const file = path.join(root, 'big', 'model.safetensors');
  await mkdir(path.dirname(file), { recursive: true });
  const size = hashMiB * 1024 * 1024;
  const handle = await open(file, 'w');
  const block = randomBytes(4 * 1024 * 1024);
  const hash = createHash('sha256');
  for (let written = 0; written < size; written += block.length) {
    const piece = block.subarray(0, Math.min(block.length, size - written));
    block[0] = (block[0] ?? 0) ^ 1; // vary blocks
    hash.update(piece);
    await handle.write(piece);
  }
  await handle.close();
  const sha256 = hash.digest('hex');
  const manifest = parseManifest({
    schemaVersion: 1,
    models: [
      {
        id: 'big',
        revision: 'r',
        mirrors: ['https://example.invalid/'],
        files: [{ path: 'model.safetensors', size, sha256 }],
      },
    ],
  });
  const pool = new HashPool();
  const openssl: number[] = [];
  const worker: number[] = [];
  const deep: number[] = [];
  // Warm the page cache so both sides read from memory.
  execFileSync('openssl', ['dgst', '-sha256', file]);
  const opensslCpu: number[] = [];
  const workerCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    // bash's `time` reports openssl's own CPU seconds (user + sys) on stderr.
    const timed = spawnSync('bash', ['-c', 'TIMEFORMAT="%U %S"; time openssl dgst -sha256 "$0"', file], {
      encoding: 'utf8',
    });
    openssl.push(performance.now() - t);
    if (!timed.stdout.includes(sha256)) throw new Error('openssl disagrees');
    const [user, sys] = timed.stderr.trim().split(/\s+/).map(Number);
    opensslCpu.push(((user ?? 0) + (sys ?? 0)) * 1000);
    const cpu = process.cpuUsage();
    t = performance.now();
    const result = await pool.hash(file);
    worker.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    workerCpu.push((used.user + used.system) / 1000);
    if (result.sha256 !== sha256) throw new Error('pool disagrees');
    t = performance.now();
    const report = await new ModelIntegrityChecker({ root, manifest, statCache: false, hasher: pool }).verify(
      { deep: true },
    );
    deep.push(performance.now() - t);
    if (!report.ok) throw new Error('deep verify failed');
  }
  await pool.close();
  const mbps = (t: number) => (size / 1e6 / (t / 1000)).toFixed(0);
  const base = median(openssl);
  // Runs are interleaved (openssl, pool, deep, openssl, …); the ratio column is the median of the
  // per-run ratios, which cancels most of the noise of a shared machine.
  console.log(`\n## Deep hash throughput, ${hashMiB} MiB file in the page cache (${runs} interleaved runs)`);
  console.log('| what | median time | MB/s | median ratio to openssl (same run) |\n|---|---|---|---|');
  console.log(`| \`openssl dgst -sha256\` | ${ms(base)} | ${mbps(base)} | 1.00× |`);
  for (const [name, values] of [
    ['HashPool.hash (worker thread, 256 KiB double-buffered reads)', worker],
    ['ModelIntegrityChecker.verify({ deep: true })', deep],
  ] as const) {
    const m = median(values);
    const ratio = median(values.map((v, i) => v / (openssl[i] as number)));
    console.log(`| ${name} | ${ms(m)} | ${mbps(m)} | ${ratio.toFixed(2)}× |`);
  }
  // CPU time is what contention on a shared machine distorts least.
  console.log(
    `\nCPU time (user + sys, median): openssl ${ms(median(opensslCpu))}, HashPool ${ms(median(workerCpu))} ` +
      `(whole process: worker + read threads + main), ratio ${median(workerCpu.map((v, i) => v / (opensslCpu[i] as number))).toFixed(2)}×`,
  );
  await rm(root, { recursive: true, force: true });
}

console.log(
  `# bench/integrity.ts — Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await quickReverify();
await hashThroughput();
await rm(work, { recursive: true, force: true });
