import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoManifest, demoRevision } from '../demo/files.js';
import { type DemoMirror, startDemoMirror } from '../demo/mirror.js';
import { cli, json } from './cli.js';

// No faults here (install.e2e covers them): this file checks the monitor during install and the
// update check of status. The mirror's Hub API says TI2V-5B's `main` moved to demo version 2.
const TI2V = 'Wan2.2-TI2V-5B';
const T2V = 'Wan2.2-T2V-A14B';

interface Update {
  id: string;
  installedRevision: string;
  remoteRevision?: string;
  updateAvailable: boolean | null;
  files: { path: string; change: string }[];
  downloadBytes: number;
  error?: string;
}

let work: string;
let mirror: DemoMirror;
let manifest: string;
let dir: string;

/** A loopback port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-monitor-'));
  mirror = await startDemoMirror({ faults: false, heads: { [TI2V]: 2 } });
  manifest = path.join(work, 'manifest.json');
  await writeFile(manifest, JSON.stringify(demoManifest(mirror.url)));
  dir = path.join(work, 'models');
});

afterAll(async () => {
  await mirror?.close();
  await rm(work, { recursive: true, force: true });
});

describe('wan22-install: monitor during install, update check in status', () => {
  it('install --json runs the DiagnosticMonitor: monitorIssues in the result, its records in the health report', async () => {
    const args = ['install', '--manifest', manifest, '--dir', dir, '--yes', '--models', `${TI2V},${T2V}`];
    const result = await cli([...args, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = json<{ ok: boolean; monitorIssues: { id: string; severity: string; message: string }[] }>(
      result,
    );
    expect(summary.ok).toBe(true);
    expect(Array.isArray(summary.monitorIssues)).toBe(true);
    // Each reported issue was also warned about on stderr as it appeared.
    for (const issue of summary.monitorIssues) expect(result.stderr).toContain(issue.message);
    const health = JSON.parse(await readFile(path.join(dir, 'reports', 'health.json'), 'utf8')) as {
      components: { name: string }[];
    };
    expect(health.components.map((c) => c.name)).toContain('monitor');
    const saved = JSON.parse(await readFile(path.join(dir, 'reports', 'install-summary.json'), 'utf8'));
    expect(saved.monitorIssues).toEqual(summary.monitorIssues);
  }, 30_000);

  it('a failing install (exit 1) still reports monitorIssues in its JSON', async () => {
    // A wrong sha256 for one required file: every mirror serves bytes that fail it, so the models step fails.
    const bad = demoManifest(mirror.url) as { models: { id: string; files: { sha256: string }[] }[] };
    const file = bad.models.find((m) => m.id === TI2V)?.files[0];
    if (file) file.sha256 = `${file.sha256.startsWith('0') ? '1' : '0'}${file.sha256.slice(1)}`;
    const badManifest = path.join(work, 'bad-sha.json');
    await writeFile(badManifest, JSON.stringify(bad));
    const target = path.join(work, 'failing');
    const args = ['install', '--manifest', badManifest, '--dir', target, '--yes', '--models', TI2V];
    const result = await cli([...args, '--max-retries', '0', '--json']);
    expect(result.code).toBe(1);
    const summary = json<{
      ok: boolean;
      monitorIssues: unknown[];
      steps: { name: string; status: string }[];
    }>(result);
    expect(summary.ok).toBe(false);
    expect(summary.steps.find((s) => s.name === 'models')?.status).toBe('failed');
    expect(Array.isArray(summary.monitorIssues)).toBe(true);
  });

  it('status --json reports per model: up to date, or the newer revision and what it would download', async () => {
    const result = await cli(['status', '--dir', dir, '--models', `${TI2V},${T2V}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = json<{ ok: boolean; updates: Update[] }>(result);
    const ti2v = status.updates.find((u) => u.id === TI2V);
    const t2v = status.updates.find((u) => u.id === T2V);
    expect(t2v).toMatchObject({
      updateAvailable: false,
      installedRevision: demoRevision(T2V, 1),
      remoteRevision: demoRevision(T2V, 1),
    });
    expect(ti2v).toMatchObject({ updateAvailable: true, remoteRevision: demoRevision(TI2V, 2) });
    expect(ti2v?.files.length).toBeGreaterThan(0);
    expect(ti2v?.downloadBytes).toBeGreaterThan(0);
    expect(result.stderr).toContain(`update available → ${demoRevision(TI2V, 2).slice(0, 12)}:`);
    expect(result.stderr).toContain('up to date');
  });

  it('a failed update check is shown per model and does not change the exit code', async () => {
    const hub = `http://127.0.0.1:${await closedPort()}`;
    const result = await cli(['status', '--dir', dir, '--models', `${TI2V},${T2V}`, '--json'], {
      HF_ENDPOINT: hub,
    });
    expect(result.code, result.stderr).toBe(0);
    const status = json<{ ok: boolean; updates: Update[] }>(result);
    expect(status.ok).toBe(true);
    expect(status.updates.map((u) => u.id)).toEqual([TI2V, T2V]);
    for (const update of status.updates) {
      expect(update.updateAvailable).toBeNull();
      expect(update.error).toContain(hub);
    }
    expect(result.stderr.match(/update check failed: /g)).toHaveLength(2);
  });

  it('generate --wait downloads a missing model with progress, then loads it for real', async () => {
    const fresh = path.join(work, 'fresh');
    const args = [
      'generate',
      '--manifest',
      manifest,
      '--dir',
      fresh,
      '--models',
      T2V,
      '--wait',
      '60',
      '--json',
    ];
    const result = await cli(args);
    expect(result.code, result.stderr).toBe(0);
    const gen = json<{ mode: string; model: string; loaded: { files: number } }>(result);
    expect(gen).toMatchObject({ mode: 'real', model: T2V, loaded: { files: 6 } });
    expect(result.stderr).toMatch(/downloading it \(waiting up to 60 s\)/);
    expect(result.stderr).toMatch(new RegExp(`${T2V}: \\d+ % \\(`));
  });

  it('generate --wait gives a labelled mock with the reason when the model cannot be fetched', async () => {
    const offline = demoManifest(`http://127.0.0.1:${await closedPort()}`);
    const offlineManifest = path.join(work, 'offline.json');
    await writeFile(offlineManifest, JSON.stringify(offline));
    const args = ['generate', '--manifest', offlineManifest, '--dir', path.join(work, 'offline')];
    const result = await cli([...args, '--models', T2V, '--wait', '20', '--max-retries', '0', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const gen = json<{ mode: string; label: string; reason: string | null; howToGetRealModel: string[] }>(
      result,
    );
    expect(gen.mode).toBe('mock');
    expect(gen.label).toMatch(/MOCK/);
    expect(gen.reason).toBeTruthy();
    expect(gen.howToGetRealModel.join('\n')).toContain(`wan22-install install --models ${T2V}`);
    expect(result.stderr).toContain('*** MOCK MODE');
  });
});
