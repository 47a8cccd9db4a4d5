import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFiles, demoManifest } from '../demo/files.js';
import type { DemoMirror } from '../demo/mirror.js';
import { buildDemoWheel, DEMO_PACKAGE } from '../demo/wheel.js';
import { afterStderr, filesContaining, json, start } from './cli.js';
import { type E2eFixture, startE2eFixture, TOKEN } from './fixture.js';

let fixture: E2eFixture;
let work: string;
let mirror: DemoMirror;
let manifest: string;
let dir: string;
let env: Record<string, string>;
let outputs: string[];
let wheelhouse: string;
const run = (args: string[]) => fixture.run(args);

async function expectBitExact(version: number) {
  for (const file of demoFiles(version)) {
    const data = await readFile(path.join(dir, file.model, file.path));
    expect(data.equals(file.data), `${file.model}/${file.path}`).toBe(true);
  }
}

beforeAll(async () => {
  fixture = await startE2eFixture('wan22-e2e-');
  ({ work, mirror, manifest, dir, env, outputs } = fixture);
  wheelhouse = path.join(work, 'wheels');
  await buildDemoWheel(wheelhouse);
});

afterAll(async () => {
  await fixture?.close();
});

describe('wan22-install end to end (misbehaving loopback mirror)', () => {
  it('install survives cut bodies, 503, 429, a corrupt mirror and kill -9, then ends bit-exact', async () => {
    const common = [
      'install',
      '--manifest',
      manifest,
      '--dir',
      dir,
      '--yes',
      '--python-packages',
      DEMO_PACKAGE,
    ];
    const pip = ['--index-url', `${mirror.url}/simple/`, '--wheelhouse', wheelhouse];
    const first = start([...common, ...pip, '--bandwidth', '400k'], env);
    await afterStderr(first.child, 'downloading ', 1500);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    outputs.push(killed.stdout, killed.stderr);
    expect(killed.signal).toBe('SIGKILL');

    const second = await run([...common, ...pip, '--json']);
    const summary = json<{
      ok: boolean;
      resumed: boolean;
      steps: { name: string; status: string }[];
      recovered: unknown[];
    }>(second);
    expect(second.code, second.stderr).toBe(0);
    expect(summary.ok).toBe(true);
    expect(summary.resumed).toBe(true);
    expect(summary.steps.find((s) => s.name === 'python')?.status).toBe('skipped (done before)');
    expect(summary.recovered.length).toBeGreaterThan(0);
    await expectBitExact(1);
    expect(mirror.stats.faults).toMatchObject({
      cut: expect.any(Number),
      '503': expect.any(Number),
      '429': 1,
      '401': expect.any(Number),
    });
    expect(mirror.stats.faults.corrupt).toBeGreaterThan(0);
    await stat(path.join(dir, 'reports', 'health.html'));
  }, 90_000);

  it('status --json shows every model ready', async () => {
    const result = await run(['status', '--dir', dir, '--json']);
    const status = json<{ models: { state: string; missing?: string[]; corrupt?: string[] }[] }>(result);
    expect(result.code).toBe(0);
    expect(status.models.map((m) => m.state)).toEqual(['ready', 'ready', 'ready']);
  });

  it('a flipped byte: status --deep names the file corrupt, repair --yes fixes it', async () => {
    const victim = path.join(dir, 'Wan2.2-T2V-A14B', 'Wan2.1_VAE.pth');
    const data = await readFile(victim);
    data[1000] = (data[1000] ?? 0) ^ 0xff;
    await writeFile(victim, data);
    const broken = await run(['status', '--dir', dir, '--deep', '--json']);
    expect(broken.code).toBe(1);
    const model = json<{ models: { id: string; state: string; corrupt?: string[] }[] }>(broken).models.find(
      (m) => m.id === 'Wan2.2-T2V-A14B',
    );
    expect(model?.state).toBe('corrupt');
    expect(model?.corrupt?.join()).toContain('Wan2.1_VAE.pth');
    const fixed = await run(['repair', '--dir', dir, '--yes', '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    await expectBitExact(1);
    expect((await run(['status', '--dir', dir, '--deep'])).code).toBe(0);
  });

  it('generate loads the real files; models shows usage; report --json works', async () => {
    const gen = json<{ mode: string; loaded: { tensors: number } }>(
      await run(['generate', '--dir', dir, '--models', 'Wan2.2-TI2V-5B', '--json']),
    );
    expect(gen.mode).toBe('real');
    expect(gen.loaded.tensors).toBe(8);
    const usage = json<{ models: { id: string; uses: number }[] }>(
      await run(['models', '--dir', dir, '--json']),
    );
    expect(usage.models[0]).toMatchObject({ id: 'Wan2.2-TI2V-5B', uses: 1 });
    const report = await run(['report', '--dir', dir, '--json']);
    expect(report.code).toBe(0);
    expect(json<{ health: { schema: string } }>(report).health.schema).toBe('wan-reliability/health-report');
  });

  it('update to a new revision, then rollback to the old one', async () => {
    const next = path.join(work, 'manifest-v2.json');
    await writeFile(next, JSON.stringify(demoManifest(mirror.url, 2)));
    const updated = await run(['update', '--manifest', next, '--dir', dir, '--yes', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    // Every model moved to a new revision; only TI2V-5B has changed files (the rest are hard-linked).
    expect(json<{ updated: { id: string }[] }>(updated).updated).toHaveLength(3);
    await expectBitExact(2);
    const back = await run(['rollback', '--dir', dir, '--yes', '--json']);
    expect(back.code, back.stderr).toBe(0);
    await expectBitExact(1);
    expect((await run(['status', '--dir', dir, '--deep'])).code).toBe(0);
  });

  it('HF_TOKEN appears in no output and no file the installer wrote', async () => {
    expect(mirror.stats.faults['401']).toBeGreaterThan(0);
    // It was sent: the mirror is the Hub here (HF_ENDPOINT), and the 401 file came through.
    expect(mirror.stats.authorized).toBeGreaterThan(0);
    expect(outputs.filter((text) => text.includes(TOKEN))).toEqual([]);
    expect(await filesContaining(dir, TOKEN)).toEqual([]);
  });
});
