import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readdir, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorIssueEvent } from '../../src/events/monitorEvents.js';
import { DiagnosticMonitor } from '../../src/monitor/DiagnosticMonitor.js';
import type { MonitorSampler } from '../../src/monitor/types.js';

const QUOTA = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 7);

let dir: string;
let mounted = false;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-fill-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${QUOTA}`, 'tmpfs', dir], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // Not root / no mount namespace: measure the folder against a fixed quota instead (below).
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

/** Where mounting is impossible: a volume of QUOTA bytes whose usage is what the folder holds. */
const quotaSampler: MonitorSampler = async ({ paths }) => {
  let used = 0;
  for (const name of await readdir(dir)) used += (await stat(path.join(dir, name))).size;
  return { disks: paths.map((p) => ({ path: p, freeBytes: QUOTA - used, totalBytes: QUOTA })) };
};

describe('a folder filled at a steady rate', () => {
  it('is reported "will be full" before it is full', async () => {
    const monitor = new DiagnosticMonitor({
      paths: [dir],
      interval: 100,
      ...(mounted ? {} : { sampler: quotaSampler }),
    });
    const first = new Promise<MonitorIssueEvent>((resolve) => {
      monitor.on('monitor:issue', (event) => {
        if (event.issue.id === `disk-full:${dir}`) resolve(event);
      });
    });
    monitor.start();
    // 1 MiB every 40 ms (~25 MiB/s): the 64 MiB volume would be full in ~2.6 s.
    const file = await open(path.join(dir, 'fill.bin'), 'w');
    let written = 0;
    let reported: MonitorIssueEvent | undefined;
    let writeError: unknown;
    void first.then((event) => {
      reported = event;
    });
    try {
      while (!reported && written < QUOTA) {
        await file.write(CHUNK);
        written += CHUNK.length;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    } catch (error) {
      writeError = error;
    } finally {
      await file.close();
      monitor.stop();
    }
    expect(writeError).toBeUndefined();
    expect(reported).toBeDefined();
    const projection = reported?.issue.projection;
    expect(projection?.freeBytes).toBeGreaterThan(0);
    expect(projection?.secondsToFull).toBeGreaterThan(0);
    expect(projection?.secondsToFull).toBeLessThan(60);
    expect(reported?.issue.message).toMatch(/will be full in ~\d+ s at the current rate/);
    const free = mounted ? (await statfs(dir)).bavail * (await statfs(dir)).bsize : QUOTA - written;
    expect(free).toBeGreaterThan(0);
  });
});
