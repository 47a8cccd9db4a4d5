import { stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Systeminformation from 'systeminformation';
import { raceAbort } from '../shared/abort.js';
import { lazyRequire } from '../shared/lazyRequire.js';
import type { CpuSample, DiskSample, MemorySample, MonitorSampler } from './types.js';

/**
 * The free space of the volume holding `target`. A path that does not exist yet (an install folder
 * about to be created) is measured at its nearest existing ancestor.
 */
export async function diskSample(target: string): Promise<DiskSample> {
  let current = path.resolve(target);
  for (;;) {
    try {
      const [fsInfo, info] = await Promise.all([statfs(current), stat(current)]);
      return {
        path: target,
        freeBytes: fsInfo.bavail * fsInfo.bsize,
        totalBytes: fsInfo.blocks * fsInfo.bsize,
        device: info.dev,
      };
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as { code?: string }).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

type ProcessMemory = { availableMemory?: () => number; constrainedMemory?: () => number | undefined };

/**
 * Memory as the process can use it: inside a container the cgroup limit is the total that matters,
 * and `process.availableMemory()` (Node ≥ 20.13) accounts for it; elsewhere `os.freemem()`
 * (MemAvailable on Linux, which counts reclaimable cache as available).
 */
export function memorySample(): MemorySample {
  const proc = process as unknown as ProcessMemory;
  let total = os.totalmem();
  const constrained = proc.constrainedMemory?.();
  if (constrained !== undefined && constrained > 0 && constrained < total) total = constrained;
  const available = proc.availableMemory?.() ?? os.freemem();
  return { totalBytes: total, availableBytes: Math.min(Math.max(0, available), total) };
}

/**
 * CPU load per logical CPU. `os.loadavg()` costs nothing but is always 0 on Windows; there a
 * systeminformation reading (time-boxed and cached, because it is slow) stands in.
 */
export class CpuReader {
  #cached: { at: number; sample: CpuSample } | undefined;
  readonly #cacheMs: number;
  readonly #timeoutMs: number;

  constructor(cacheMs: number, timeoutMs: number) {
    this.#cacheMs = cacheMs;
    this.#timeoutMs = timeoutMs;
  }

  async read(signal?: AbortSignal): Promise<CpuSample | undefined> {
    const cpus = os.availableParallelism();
    const [load1] = os.loadavg();
    if (process.platform !== 'win32' || (load1 ?? 0) > 0) return { loadPerCpu: (load1 ?? 0) / cpus, cpus };
    const now = Date.now();
    if (this.#cached && now - this.#cached.at < this.#cacheMs) return this.#cached.sample;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    timer.unref();
    const forward = () => controller.abort();
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const load = await raceAbort(
        lazyRequire<typeof Systeminformation>('systeminformation').currentLoad(),
        controller.signal,
        'cpu load',
      );
      const sample = { loadPerCpu: load.currentLoad / 100, cpus };
      this.#cached = { at: now, sample };
      return sample;
    } catch {
      // A slow or failing reading leaves the CPU unknown for this round rather than stalling sampling.
      return undefined;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }
}

/** The default sampler: statfs on every watched path, memory and CPU load. */
export function systemSampler(cpu: CpuReader): MonitorSampler {
  return async ({ paths, signal }) => {
    const [disks, cpuSample] = await Promise.all([Promise.all(paths.map(diskSample)), cpu.read(signal)]);
    return { disks, memory: memorySample(), cpu: cpuSample };
  };
}
