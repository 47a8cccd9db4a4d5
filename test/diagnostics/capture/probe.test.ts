import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cpuLoadPercent,
  createDefaultProbe,
  detectGpus,
  detectPython,
} from '../../../src/diagnostics/capture/probe.js';

// Fake `nvidia-smi` and `python3` executables on a private PATH (POSIX shells only).
describe.skipIf(process.platform === 'win32')('default probe helpers', () => {
  let folder = '';
  let emptyFolder = '';
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'wan-probe-'));
    emptyFolder = await mkdtemp(path.join(os.tmpdir(), 'wan-probe-empty-'));
    const smi = path.join(folder, 'nvidia-smi');
    await writeFile(
      smi,
      '#!/bin/sh\necho "NVIDIA H100 80GB HBM3, 81559, 550.54.15"\necho "NVIDIA RTX 4090, 24564, 550.54.15"\n',
    );
    const python = path.join(folder, 'python3');
    await writeFile(python, '#!/bin/sh\necho "Python 3.12.4"\n');
    const hanging = path.join(emptyFolder, 'python');
    await writeFile(hanging, '#!/bin/sh\nsleep 5\n');
    await Promise.all([chmod(smi, 0o755), chmod(python, 0o755), chmod(hanging, 0o755)]);
  });

  afterAll(async () => {
    process.env.PATH = savedPath;
    await rm(folder, { recursive: true, force: true });
    await rm(emptyFolder, { recursive: true, force: true });
  });

  it('reads GPUs with VRAM and driver from nvidia-smi', async () => {
    process.env.PATH = folder;
    try {
      const gpus = await detectGpus();
      expect(gpus).toEqual([
        {
          vendor: 'NVIDIA',
          model: 'NVIDIA H100 80GB HBM3',
          vramBytes: 81559 * 1024 * 1024,
          driverVersion: '550.54.15',
          source: 'nvidia-smi',
        },
        {
          vendor: 'NVIDIA',
          model: 'NVIDIA RTX 4090',
          vramBytes: 24564 * 1024 * 1024,
          driverVersion: '550.54.15',
          source: 'nvidia-smi',
        },
      ]);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('reads the Python version, and gives null when none answers in time', async () => {
    process.env.PATH = folder;
    try {
      expect(await detectPython()).toEqual({ version: '3.12.4', command: 'python3' });
    } finally {
      process.env.PATH = savedPath;
    }
    process.env.PATH = emptyFolder; // only a `python` that hangs
    try {
      const started = performance.now();
      expect(await detectPython(300)).toBeNull();
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('probes the real machine', async () => {
    const probe = createDefaultProbe();
    const [osFacts, cpu, memory, disks, load] = await Promise.all([
      probe.os(),
      probe.cpu(),
      probe.memory(),
      probe.disks(),
      probe.load(),
    ]);
    expect(osFacts.platform).toBe(process.platform);
    expect(cpu.cores).toBeGreaterThan(0);
    expect(memory.totalBytes).toBeGreaterThan(0);
    expect(Array.isArray(disks)).toBe(true);
    if (process.platform === 'linux') {
      expect(disks.length).toBeGreaterThan(0);
      expect(disks.some((disk) => disk.mount === '/' || os.tmpdir().startsWith(disk.mount))).toBe(true);
      for (const disk of disks) expect(disk.sizeBytes).toBeGreaterThanOrEqual(disk.availableBytes);
    }
    expect(load.average).toHaveLength(3);
    expect(load.percent).toBeGreaterThanOrEqual(0);
    expect(load.percent).toBeLessThanOrEqual(100);
  });

  it('a load asked again within 100 ms reuses the last figure instead of sampling again', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout'] });
    try {
      // Far past any sample an earlier test took with the real clock.
      vi.advanceTimersByTime(1e9);
      // A first call either takes the module's first sample (waiting 100 ms) or, when an earlier
      // test already sampled, a second one at once; either way the sample after it is fresh.
      const first = cpuLoadPercent();
      await vi.advanceTimersByTimeAsync(100);
      await first;
      await vi.advanceTimersByTimeAsync(200);
      const fresh = await cpuLoadPercent();
      expect(typeof fresh).toBe('number');
      await vi.advanceTimersByTimeAsync(50);
      // No new sample inside the window: exactly the figure of the previous call, however busy the CPU.
      expect(await cpuLoadPercent()).toBe(fresh);
    } finally {
      vi.useRealTimers();
    }
  });
});
