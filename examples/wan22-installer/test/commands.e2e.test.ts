import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoManifest } from '../demo/files.js';
import type { DemoMirror } from '../demo/mirror.js';
import { afterStderr, cli, json, start } from './cli.js';
import { type E2eFixture, startE2eFixture, TOKEN } from './fixture.js';

let fixture: E2eFixture;
let work: string;
let mirror: DemoMirror;
let manifest: string;
let dir: string;
let env: Record<string, string>;
let outputs: string[];
const run = (args: string[]) => fixture.run(args);

beforeAll(async () => {
  fixture = await startE2eFixture('wan22-cmd-');
  ({ work, mirror, manifest, dir, env, outputs } = fixture);
});

afterAll(async () => {
  // The secret must not show up in any output here either.
  expect(outputs.filter((text) => text.includes(TOKEN))).toEqual([]);
  await fixture?.close();
});

describe('wan22-install end to end: independent commands', () => {
  it('doctor --json prints the preflight results', async () => {
    const result = await run(['doctor', '--manifest', manifest, '--dir', dir, '--json']);
    const report = json<{ results: { id: string; status: string }[]; ok: boolean }>(result);
    expect(report.results.map((r) => r.id)).toEqual(expect.arrayContaining(['gpu', 'network']));
    expect(report.results.find((r) => r.id === 'network')?.status).toBe('pass');
    expect(result.code).toBe(report.ok ? 0 : 3);
  });

  it('rejects a hostile manifest with exit 2, one clear paragraph, and writes nothing', async () => {
    const hostile = demoManifest(mirror.url) as { models: { files: { path: string; sha256: string }[] }[] };
    const files = hostile.models[0]?.files ?? [];
    if (files[0]) files[0].path = '../../etc/passwd';
    if (files[1]) files[1].sha256 = 'not-a-digest';
    const bad = path.join(work, 'hostile.json');
    await writeFile(bad, JSON.stringify(hostile));
    const target = path.join(work, 'hostile-dir');
    const result = await run(['install', '--manifest', bad, '--dir', target, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/manifest .* is invalid \(2 problems\).*\.\..*sha256|SHA-256/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    await expect(stat(target)).rejects.toThrow();
  });

  it('Ctrl-C pauses the downloads with exit 130; the next run resumes them', async () => {
    const paused = path.join(work, 'paused');
    const args = ['install', '--manifest', manifest, '--dir', paused, '--yes', '--models', 'Wan2.2-TI2V-5B'];
    const first = start([...args, '--bandwidth', '200k'], env);
    await afterStderr(first.child, 'downloading ', 1000);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    outputs.push(interrupted.stdout, interrupted.stderr);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/run the same command again/i);
    const again = await run([...args, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ resumed: boolean }>(again).resumed).toBe(true);
  }, 60_000);

  it('HF_TOKEN goes to the Hub origin only: a mirror answering 401 gets none when HF_ENDPOINT is elsewhere', async () => {
    const target = path.join(work, 'not-hub');
    const before = { authorized: mirror.stats.authorized, refused: mirror.stats.faults['401'] ?? 0 };
    // A loopback port nothing listens on plays the Hub; the demo mirror is just a mirror now.
    const result = await cli(
      ['install', '--manifest', manifest, '--dir', target, '--yes', '--models', 'Wan2.2-TI2V-5B', '--json'],
      { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' },
    );
    outputs.push(result.stdout, result.stderr);
    // The flaky mirror's 401 for the VAE is answered by failing over (corrupt, then good mirror).
    expect(mirror.stats.faults['401'] ?? 0).toBeGreaterThan(before.refused);
    expect(mirror.stats.authorized).toBe(before.authorized);
    expect(result.code, result.stderr).toBe(0);
  }, 60_000);

  it('generate without the model runs a labelled mock', async () => {
    const empty = path.join(work, 'empty');
    const result = await run(['generate', '--manifest', manifest, '--dir', empty, '--json']);
    expect(result.code).toBe(0);
    const mock = json<{ mode: string; label: string; howToGetRealModel: string[] }>(result);
    expect(mock.mode).toBe('mock');
    expect(mock.label).toMatch(/MOCK/);
    expect(mock.howToGetRealModel[0]).toMatch(/wan22-install install --models Wan2.2-TI2V-5B/);
  });
});
