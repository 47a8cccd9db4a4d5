import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticMonitor } from '../../src/monitor/DiagnosticMonitor.js';
import { fillRate } from '../../src/monitor/fillRate.js';
import type { SamplerResult } from '../../src/monitor/types.js';

const GB = 1e9;
const TOTAL = 100 * GB;

/** A monitor fed from a list of samples with a clock the test moves. */
function scripted(options: { needBytes?: number; interval?: number } = {}) {
  let clock = 1_700_000_000_000;
  const queue: SamplerResult[] = [];
  const monitor = new DiagnosticMonitor({
    paths: ['/data'],
    now: () => clock,
    sampler: async () => {
      const next = queue.shift();
      if (!next) throw new Error('no sample queued');
      return next;
    },
    ...(options.needBytes !== undefined ? { needBytes: () => options.needBytes } : {}),
  });
  return {
    monitor,
    async feed(freeBytes: number, advanceMs = options.interval ?? 5000) {
      queue.push({ disks: [{ path: '/data', freeBytes, totalBytes: TOTAL, device: 1 }] });
      await monitor.check();
      clock += advanceMs;
    },
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('disk projections', () => {
  it('projects "will be full" with the shortfall when the download needs more than is free', async () => {
    const rate = (7.9 * GB) / 240; // full in 4 min
    const s = scripted({ needBytes: 12.3 * GB });
    for (let k = 5; k >= 0; k--) await s.feed(7.9 * GB + rate * 5 * k);
    const [issue] = s.monitor.detectIssues();
    expect(issue?.id).toBe('disk-full:/data');
    expect(issue?.severity).toBe('critical');
    expect(issue?.message).toBe(
      'disk /data will be full in ~4 min at the current download rate (needs 12.3 GB more, 7.9 GB free)',
    );
    expect(issue?.projection?.secondsToFull).toBeCloseTo(240, 6);
    expect(issue?.projection?.fillRateBytesPerSecond).toBeCloseTo(rate, 3);
    expect(issue?.remediation[0]).toContain('Free at least 4.4 GB');
  });

  it('stays quiet when the remaining download fits, even while the disk fills', async () => {
    const s = scripted({ needBytes: 2 * GB });
    for (let k = 5; k >= 0; k--) await s.feed(7.9 * GB + 100e6 * 5 * k);
    expect(s.monitor.detectIssues()).toEqual([]);
  });

  it('without a known need, warns within the horizon and names the rate', async () => {
    const s = scripted();
    for (let k = 5; k >= 0; k--) await s.feed(20 * GB + 10e6 * 5 * k); // 2000 s left
    const [issue] = s.monitor.detectIssues();
    expect(issue?.severity).toBe('warn');
    expect(issue?.message).toBe(
      'disk /data will be full in ~33 min at the current rate of 10.0 MB/s (20.0 GB free)',
    );
  });

  it('reports a shortfall without a trend as "lacks space", not as a projection', async () => {
    const s = scripted({ needBytes: 20 * GB });
    for (let k = 0; k < 4; k++) await s.feed(5 * GB);
    const issues = s.monitor.detectIssues();
    expect(issues.map((i) => i.id)).toEqual(['disk-space:/data']);
    expect(issues[0]?.message).toBe('disk /data lacks space: needs 20.0 GB more, 5.0 GB free');
    expect(issues[0]?.projection).toBeUndefined();
  });

  it('needs minSamples points before projecting', async () => {
    const s = scripted();
    await s.feed(10 * GB);
    await s.feed(9 * GB);
    expect(s.monitor.detectIssues().some((i) => i.projection)).toBe(false);
    await s.feed(8 * GB);
    expect(s.monitor.detectIssues()[0]?.projection?.samples).toBe(3);
  });

  it('property: flat or falling usage never projects "full"', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 1e12, noNaN: true })),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        fc.double({ min: 1e9, max: 1e13, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1e13, noNaN: true }), { nil: undefined }),
        async (steps, start, needBytes) => {
          // Free space that never shrinks = usage that is flat or falling.
          const s = scripted(needBytes === undefined ? {} : { needBytes });
          let free = start;
          for (const [gap, freed] of steps) {
            await s.feed(free, gap);
            free += freed;
          }
          for (const issue of s.monitor.detectIssues()) {
            expect(issue.projection).toBeUndefined();
            expect(issue.message).not.toContain('will be full');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a steady fill is measured to within 0.01 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 30 }),
        fc.double({ min: 1e3, max: 1e10, noNaN: true }),
        fc.integer({ min: 10, max: 60_000 }),
        (n, rate, gap) => {
          const points = Array.from({ length: n }, (_, k) => ({
            at: 1.7e12 + k * gap,
            freeBytes: 1e12 - (rate * k * gap) / 1000,
          }));
          expect(Math.abs(fillRate(points) - rate) / rate).toBeLessThan(1e-4);
        },
      ),
    );
  });

  it('reports a volume once when several watched paths share it', async () => {
    let clock = 0;
    const monitor = new DiagnosticMonitor({
      paths: ['/data', '/data/cache'],
      now: () => (clock += 1000),
      sampler: async () => ({
        disks: [
          { path: '/data', freeBytes: 1e6, totalBytes: 1e12, device: 7 },
          { path: '/data/cache', freeBytes: 1e6, totalBytes: 1e12, device: 7 },
        ],
      }),
    });
    await monitor.check();
    expect(monitor.detectIssues().map((i) => i.id)).toEqual(['disk-low:/data']);
  });
});

describe('memory and CPU', () => {
  it('says "memory available < 5 %" when critical, < 10 % when only low', async () => {
    let memory = { totalBytes: 16 * GB, availableBytes: 0.6 * GB };
    const monitor = new DiagnosticMonitor({ paths: [], sampler: async () => ({ disks: [], memory }) });
    await monitor.check();
    expect(monitor.detectIssues()[0]).toMatchObject({ id: 'memory-low', severity: 'critical' });
    expect(monitor.detectIssues()[0]?.message).toBe('memory available < 5.0 % (600.0 MB of 16.0 GB)');
    memory = { totalBytes: 16 * GB, availableBytes: 1.2 * GB };
    await monitor.check();
    expect(monitor.detectIssues()[0]).toMatchObject({ id: 'memory-low', severity: 'warn' });
    memory = { totalBytes: 16 * GB, availableBytes: 8 * GB };
    await monitor.check();
    expect(monitor.detectIssues()).toEqual([]);
  });

  it('notes a saturated CPU as info', async () => {
    const monitor = new DiagnosticMonitor({
      paths: [],
      sampler: async () => ({ disks: [], cpu: { loadPerCpu: 3.5, cpus: 2 } }),
    });
    await monitor.check();
    expect(monitor.detectIssues()).toMatchObject([{ id: 'cpu-saturated', severity: 'info' }]);
  });
});
