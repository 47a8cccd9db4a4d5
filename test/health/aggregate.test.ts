import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregate, DEFAULT_FLEET_THRESHOLDS } from '../../src/health/aggregate.js';
import { fleetDashboardFromFolder } from '../../src/health/folder.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import type { HealthReport } from '../../src/health/types.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

const quiet = { openTelemetry: false as const, circuits: false as const };

/** One installer run: downloads, a verification and the install outcome. */
function instanceReport(
  i: number,
  options: {
    installOk?: boolean;
    installMs?: number;
    timeouts?: number;
    corrupt?: number;
    circuitOpen?: number;
  } = {},
): HealthReport {
  const recovery = new RecoveryRegistry();
  recovery.recordOutcome('network', 'alternative-source', true);
  if (i % 2 === 0) recovery.recordOutcome('disk_full', 'cleanup-temp', i % 4 === 0);
  const reporter = new HealthReporter({ ...quiet, recovery, instanceId: `host-${i}` });
  for (let k = 0; k < 100; k++)
    reporter.record({ component: 'downloader', operation: 'download', success: true, durationMs: 200 });
  for (let k = 0; k < (options.timeouts ?? 0); k++) {
    reporter.record({
      component: 'downloader',
      operation: 'download',
      success: false,
      durationMs: 30_000,
      category: 'timeout',
    });
  }
  for (let k = 0; k < (options.corrupt ?? 0); k++) {
    reporter.record({
      component: 'integrity',
      operation: 'verify',
      success: false,
      durationMs: 10,
      category: 'corruption',
    });
  }
  for (let k = 0; k < (options.circuitOpen ?? 0); k++) {
    reporter.record({
      component: 'hub',
      operation: 'get',
      success: false,
      durationMs: 1,
      category: 'circuit_open',
    });
  }
  reporter.recordInstall({ success: options.installOk ?? true, durationMs: options.installMs ?? 300_000 });
  return reporter.report();
}

describe('aggregate', () => {
  it('10 instance reports where 2 installs failed: counts 10 instances and raises the install-success alert', () => {
    const reports = Array.from({ length: 10 }, (_, i) => instanceReport(i, { installOk: i >= 2 }));
    const fleet = HealthReporter.aggregate(reports);
    expect(fleet.instances.total).toBe(10);
    expect(fleet.installs).toMatchObject({ known: 10, succeeded: 8, failed: 2, successRate: 0.8 });
    expect(fleet.alerts.map((a) => a.id)).toEqual(['install-success']);
    expect(fleet.alerts[0]).toMatchObject({ severity: 'critical', value: 0.8, threshold: 0.9 });
    expect(fleet.alerts[0]?.message).toMatch(/2 of 10 failed/);
  });

  it('derives the install outcome from an operation named install when recordInstall was not used', () => {
    const reports = Array.from({ length: 10 }, (_, i) => {
      const r = new HealthReporter(quiet);
      r.record({ component: 'installer', operation: 'install', success: i >= 2, durationMs: 60_000 });
      return r.report();
    });
    const fleet = aggregate(reports);
    expect(fleet.instances.total).toBe(10);
    expect(fleet.alerts.map((a) => a.id)).toContain('install-success');

    // a component named install works too, and reports may come as JSON text
    const asText = Array.from({ length: 10 }, (_, i) => {
      const r = new HealthReporter(quiet);
      r.record({ component: 'Install', operation: 'run', success: true, durationMs: 1000 });
      r.record({ component: 'Install', operation: 'finish', success: i >= 2, durationMs: 2000 });
      return JSON.stringify(r.report());
    });
    const fromText = aggregate(asText);
    expect(fromText.installs).toMatchObject({ known: 10, failed: 2, averageDurationMs: 2000 });
    expect(fromText.alerts.map((a) => a.id)).toEqual(['install-success']);
  });

  it('raises each runbook alert only past its threshold', () => {
    const fine = aggregate(Array.from({ length: 5 }, (_, i) => instanceReport(i)));
    expect(fine.alerts).toEqual([]);
    expect(fine.thresholds).toEqual(DEFAULT_FLEET_THRESHOLDS);

    const slow = aggregate([
      instanceReport(1, { installMs: 11 * 60_000 }),
      instanceReport(2, { installMs: 10 * 60_000 }),
    ]);
    expect(slow.alerts.map((a) => a.id)).toEqual(['install-duration']);

    // 100 successful calls + n failures per instance: rate = n / (100 + n + ...)
    const timeouts = aggregate([instanceReport(1, { timeouts: 6 })]);
    expect(timeouts.rates.timeout).toBeCloseTo(6 / 106);
    expect(timeouts.alerts.map((a) => a.id)).toEqual(['network-timeouts']);
    expect(aggregate([instanceReport(1, { timeouts: 5 })]).alerts).toEqual([]); // 4.8 %

    expect(aggregate([instanceReport(1, { corrupt: 2 })]).alerts.map((a) => a.id)).toEqual([
      'checksum-failures',
    ]);
    expect(aggregate([instanceReport(1, { corrupt: 1 })]).alerts).toEqual([]); // 0.99 %
    expect(aggregate([instanceReport(1, { circuitOpen: 6 })]).alerts.map((a) => a.id)).toEqual([
      'circuit-open',
    ]);

    const strict = aggregate([instanceReport(1, { timeouts: 2 })], {
      thresholds: { networkTimeoutRate: 0.01 },
    });
    expect(strict.alerts.map((a) => a.id)).toEqual(['network-timeouts']);
    expect(() => aggregate([], { thresholds: { circuitOpenRate: -1 } })).toThrow(/circuitOpenRate/);
  });

  it('lists the recovery methods that worked, per-component fleet success and trends; skips non-reports', () => {
    const reports = Array.from({ length: 4 }, (_, i) => instanceReport(i, { timeouts: i }));
    const older = { ...instanceReport(0), generatedAt: '2026-01-01T10:00:00.000Z' };
    const fleet = aggregate([older, ...reports, { hello: 'world' }, null]);
    expect(fleet.instances.total).toBe(4); // host-0's older report is replaced by its latest
    expect(fleet.skipped).toEqual([
      { index: 5, reason: 'schema is not "wan-reliability/health-report"' },
      { index: 6, reason: 'not an object' },
    ]);
    expect(fleet.recovery[0]).toMatchObject({
      category: 'network',
      strategy: 'alternative-source',
      attempts: 4,
      successes: 4,
      rate: 1,
    });
    expect(fleet.recovery.find((r) => r.strategy === 'cleanup-temp')).toMatchObject({
      attempts: 2,
      successes: 1,
    });
    const downloader = fleet.components.find((c) => c.name === 'downloader');
    expect(downloader).toMatchObject({ instances: 4, calls: 406, successRate: 400 / 406 });
    expect(fleet.trends.map((t) => t.period)).toEqual(['2026-01-01', new Date().toISOString().slice(0, 10)]);
    expect(fleet.trends[1]).toMatchObject({ reports: 4, instances: 4, installSuccessRate: 1 });
  });
});

describe('aggregate: event rates over every attempt, runbook targets and actions', () => {
  /** 100 downloads that all succeeded, `recovered` of them after a first attempt that failed with `category`. */
  function recoveredReport(
    i: number,
    category: 'timeout' | 'corruption' | 'circuit_open',
    recovered: number,
  ) {
    const reporter = new HealthReporter({ ...quiet, instanceId: `r-${i}` });
    for (let k = 0; k < 100; k++) {
      if (k < recovered)
        reporter.recordFailedAttempt({ component: 'downloads', operation: 'download', category });
      reporter.record({
        component: 'downloads',
        operation: 'download',
        success: true,
        durationMs: 50,
        recovered: k < recovered,
      });
    }
    reporter.recordInstall({ success: true, durationMs: 60_000 });
    return reporter.report();
  }

  it('counts recovered timeouts, checksum failures and open circuits against all attempts', () => {
    const fleet = aggregate([recoveredReport(1, 'timeout', 6)]);
    // No call failed in the end, yet 6 of 106 attempts timed out: the runbook counts those.
    expect(fleet.totals).toMatchObject({
      calls: 100,
      failures: 0,
      attempts: 106,
      attemptErrors: { timeout: 6 },
    });
    expect(fleet.rates.timeout).toBeCloseTo(6 / 106);
    expect(fleet.alerts.map((a) => a.id)).toEqual(['network-timeouts']);
    expect(fleet.alerts[0]?.action).toMatch(/check the proxy/i);
    expect(aggregate([recoveredReport(1, 'timeout', 5)]).alerts).toEqual([]); // 5 / 105 = 4.8 %

    const checksum = aggregate([recoveredReport(1, 'corruption', 2)]);
    expect(checksum.rates.checksum).toBeCloseTo(2 / 102);
    expect(checksum.alerts.map((a) => a.id)).toEqual(['checksum-failures']);
    expect(checksum.alerts[0]?.action).toMatch(/manifest pin/);

    const open = aggregate([recoveredReport(1, 'circuit_open', 6)]);
    expect(open.alerts.map((a) => a.id)).toEqual(['circuit-open']);
    expect(open.alerts[0]?.action).toMatch(/add a mirror/i);
  });

  it('reads reports written before attempts were counted: each call is one attempt', () => {
    const old = instanceReport(1, { timeouts: 6 }) as unknown as { totals: Record<string, unknown> };
    delete old.totals.attempts;
    delete old.totals.attemptErrors;
    const fleet = aggregate([old]);
    expect(fleet.totals.attempts).toBe(106);
    expect(fleet.rates.timeout).toBeCloseTo(6 / 106);
  });

  it('lists the runbook targets as met, missed or without data, and shows them with the actions', () => {
    const empty = aggregate([]);
    expect(empty.targets.map((t) => [t.id, t.met])).toEqual([
      ['installSuccessRate', null],
      ['averageInstallMs', null],
      ['networkTimeoutRate', null],
      ['checksumFailureRate', null],
      ['circuitOpenRate', null],
    ]);
    const fleet = aggregate([
      ...Array.from({ length: 8 }, (_, i) => instanceReport(i, { installMs: 700_000 })),
      recoveredReport(9, 'timeout', 10),
    ]);
    const met = Object.fromEntries(fleet.targets.map((t) => [t.id, t.met]));
    expect(met).toEqual({
      installSuccessRate: true,
      averageInstallMs: false,
      networkTimeoutRate: true, // 10 of 910 attempts
      checksumFailureRate: true,
      circuitOpenRate: true,
    });
    expect(fleet.targets[0]).toMatchObject({ label: 'Install success', target: '≥ 90.0 %' });
    expect(fleet.targets[1]?.target).toBe('≤ 10.0 min');
    const html = HealthReporter.fleetToHTML(fleet);
    expect(html).toContain('Runbook targets');
    expect(html).toMatch(
      /Average install time<\/td><td>≤ 10\.0 min<\/td><td class="num">[^<]+<\/td><td><span class="badge unhealthy">missed/,
    );
    expect(html).toContain(escapeForHtml(fleet.alerts[0]?.action ?? '?'));
  });

  it('names the main failure category of failed installs and raises disk-full with the runbook action', () => {
    const reports = Array.from({ length: 10 }, (_, i) => {
      const reporter = new HealthReporter({ ...quiet, instanceId: `d-${i}` });
      reporter.record({ component: 'downloads', operation: 'download', success: true, durationMs: 5 });
      if (i < 3) reporter.recordInstall({ success: false, durationMs: 1000, category: 'disk_full' });
      else if (i < 4) reporter.recordInstall({ success: false, durationMs: 1000, category: 'network' });
      else reporter.recordInstall({ success: true, durationMs: 1000 });
      return reporter.report();
    });
    const fleet = aggregate(reports);
    expect(fleet.installs.failureCategories).toEqual({ disk_full: 3, network: 1 });
    const byId = new Map(fleet.alerts.map((a) => [a.id, a]));
    expect(byId.get('install-success')?.message).toMatch(/Most failed with disk_full \(3\)/);
    expect(byId.get('install-success')?.action).toMatch(/Disk too small/);
    expect(byId.get('disk-full')).toMatchObject({ severity: 'critical', value: 3 });
    expect(byId.get('disk-full')?.action).toMatch(/Disk too small on 3 machines for the selected models/);
  });
});

function escapeForHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

describe('fleetDashboardFromFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a folder of JSON reports into one dashboard, skipping other files', async () => {
    await mkdir(path.join(dir, 'eu'));
    for (let i = 0; i < 6; i++) {
      const where = i < 3 ? dir : path.join(dir, 'eu');
      await writeFile(
        path.join(where, `run-${i}.json`),
        JSON.stringify(instanceReport(i, { installOk: i !== 4 })),
      );
    }
    await writeFile(path.join(dir, 'notes.json'), '{ not json');
    await writeFile(path.join(dir, 'readme.txt'), 'ignored');
    const out = path.join(dir, 'out', 'fleet.html');
    const { html, fleet, skippedFiles } = await fleetDashboardFromFolder(dir, { out });
    expect(fleet.instances.total).toBe(6);
    expect(fleet.alerts.map((a) => a.id)).toEqual(['install-success']);
    expect(skippedFiles.map((s) => path.basename(s.file))).toEqual(['notes.json']);
    expect(await readFile(out, 'utf8')).toBe(html);
    expect(html).toContain('host-5');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);
  });
});
