// DiagnosticMonitor sampling cost against systeminformation's equivalent calls, same process.
// Usage: npx tsx bench/monitor.ts [rounds]
import os from 'node:os';
import si from 'systeminformation';
import { DiagnosticMonitor } from '../src/monitor/DiagnosticMonitor.js';

const rounds = Number(process.argv[2] ?? 200);
const paths = [os.tmpdir(), process.cwd()];

async function time(label: string, n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(5, n); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  console.log(`${label.padEnd(58)} ${(median * 1000).toFixed(0).padStart(9)} µs (median of ${n})`);
  return median;
}

const monitor = new DiagnosticMonitor({ paths });
const ours = await time('DiagnosticMonitor.sample() (2 paths, memory, load)', rounds, () => monitor.sample());
const detect = await time('DiagnosticMonitor.detectIssues()', rounds, async () => monitor.detectIssues());
const siFs = await time('systeminformation fsSize()', Math.max(5, rounds / 10), () => si.fsSize());
const siMem = await time('systeminformation mem()', Math.max(5, rounds / 10), () => si.mem());
const siLoad = await time('systeminformation currentLoad()', Math.max(5, rounds / 10), () =>
  si.currentLoad(),
);
const siAll = siFs + siMem + siLoad;
console.log(
  `\nsysteminformation fsSize+mem+currentLoad / DiagnosticMonitor.sample(): ${(siAll / ours).toFixed(1)}×`,
);
console.log(`detectIssues / sample: ${(detect / ours).toFixed(3)}×`);
