import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetDashboardFromFolder } from '../../src/health/folder.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { hasChromium, launchChromium } from '../support/chromium.js';

const ARTIFACTS = path.resolve('test-artifacts');

/** A reporter with the kind of history a real WAN2.2 install leaves behind. */
function installerReporter(seed: number, installOk = true): HealthReporter {
  const recovery = new RecoveryRegistry();
  for (let i = 0; i < 14; i++) recovery.recordOutcome('network', 'alternative-source', i < 12);
  for (let i = 0; i < 3; i++) recovery.recordOutcome('disk_full', 'cleanup-temp', i < 2);
  recovery.recordOutcome('corruption', 'redownload-corrupt', true);
  const reporter = new HealthReporter({
    openTelemetry: false,
    circuits: false,
    recovery,
    instanceId: `workstation-${seed}`,
  });
  const record = (
    component: string,
    operation: string,
    n: number,
    ms: number,
    failEvery: number,
    category: 'timeout' | 'network' | 'corruption',
  ) => {
    for (let i = 0; i < n; i++) {
      const ok = failEvery === 0 || (i + seed) % failEvery !== 0;
      reporter.record({
        component,
        operation,
        success: ok,
        durationMs: ms * (0.5 + ((i * 7919 + seed) % 100) / 100),
        ...(ok ? {} : { category }),
      });
    }
  };
  record('hf-downloader', 'download', 60, 95_000, 9, 'timeout');
  record('modelscope-mirror', 'download', 20, 140_000, 4, 'network');
  record('integrity', 'verify', 40, 18_000, 25, 'corruption');
  record('pip', 'install', 12, 45_000, 0, 'network');
  record('gpu-probe', 'detect', 5, 350, 0, 'network');
  reporter.recordInstall({ success: installOk, durationMs: 540_000 + seed * 30_000 });
  return reporter;
}

describe.skipIf(!hasChromium && !process.env.CI)('dashboards in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(path.join(tmpdir(), 'dashboards-'));
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens `url`, failing on console errors, page errors or any request besides the page itself. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== url) problems.push(`request: ${r.url()}`);
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response && !response.ok()) problems.push(`status ${response.status()}`);
    return { page, problems };
  }

  it('renders the instance dashboard served by serve(): names, SVG charts, no errors, no requests', async () => {
    const reporter = installerReporter(1);
    const server = await reporter.serve({ port: 0 });
    try {
      const url = `${server.url}/dashboard`;
      const { page, problems } = await open(url);
      const text = await page.textContent('body');
      for (const name of ['hf-downloader', 'modelscope-mirror', 'integrity', 'pip', 'gpu-probe'])
        expect(text).toContain(name);
      expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(4);
      const barWidths = await page.$$eval('svg rect', (rects) =>
        rects.map((r) => r.getBoundingClientRect().width),
      );
      expect(barWidths.filter((w) => w > 5).length).toBeGreaterThan(10);
      expect(text).toContain('alternative-source');
      await page.screenshot({ path: path.join(ARTIFACTS, 'health-dashboard.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  }, 60_000);

  it('renders the fleet dashboard built from a folder of reports', async () => {
    const reports = path.join(dir, 'reports');
    await mkdir(reports);
    for (let i = 0; i < 10; i++) {
      await writeFile(
        path.join(reports, `instance-${i}.json`),
        JSON.stringify(installerReporter(i, i >= 2).report()),
      );
    }
    const out = path.join(dir, 'fleet.html');
    const { fleet } = await fleetDashboardFromFolder(reports, { out });
    expect(fleet.instances.total).toBe(10);
    const url = pathToFileURL(out).href;
    const { page, problems } = await open(url);
    const text = await page.textContent('body');
    expect(text).toContain('workstation-9');
    expect(text).toMatch(/Install success 80\.0 %/);
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
