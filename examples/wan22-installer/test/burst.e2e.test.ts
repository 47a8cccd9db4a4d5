/**
 * Issue acceptance: the installer against three models on ONE origin (as the Hub serves every file)
 * whose files misbehave at first — a 503 burst on every file, and other fault mixes — completes
 * with every file bit-exact, and `status --json` then reports every model ready.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../../test/support/download-server.js';
import { type Origin, type OriginBehaviour, startOrigin } from '../../../test/support/origin-server.js';
import { cli, json } from './cli.js';

const MODELS = ['Wan2.2-T2V-A14B', 'Wan2.2-I2V-A14B', 'Wan2.2-TI2V-5B'];
const FILES = ['model-00001.safetensors', 'Wan2.2_VAE.pth', 'config.json'];

let work: string | undefined;
let origin: Origin | undefined;

afterEach(async () => {
  await origin?.close();
  if (work) await rm(work, { recursive: true, force: true });
  origin = undefined;
  work = undefined;
});

/** Three models, three files each, two mirror paths each, all on one loopback origin. */
async function setUp(plan: (nth: number, file: string) => OriginBehaviour) {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-burst-'));
  const served = new Map<string, Buffer>();
  const bodies = new Map<string, Buffer>();
  let seed = 1;
  for (const model of MODELS) {
    for (const file of FILES) {
      seed += 1;
      const body = makeContent(file.endsWith('.json') ? 700 : 200 * 1024 + seed, seed);
      bodies.set(`${model}/${file}`, body);
      for (const mirror of ['hub', 'modelscope'])
        served.set(`/${mirror}/Wan-AI/${model}/resolve/main/${file}`, body);
    }
  }
  origin = await startOrigin(served, (p, nth) => plan(nth, p));
  const base = origin.base;
  const manifest = {
    schemaVersion: 1,
    models: MODELS.map((id) => ({
      id,
      revision: 'main',
      mirrors: [
        `${base}/hub/Wan-AI/${id}/resolve/{revision}/`,
        `${base}/modelscope/Wan-AI/${id}/resolve/{revision}/`,
      ],
      files: FILES.map((file) => {
        const body = bodies.get(`${id}/${file}`) as Buffer;
        return { path: file, size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
      }),
    })),
  };
  const manifestPath = path.join(work, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  return { manifestPath, dir: path.join(work, 'models'), bodies };
}

async function installAndCheck(setup: Awaited<ReturnType<typeof setUp>>): Promise<void> {
  const { manifestPath, dir, bodies } = setup;
  const env = { HF_ENDPOINT: (origin as Origin).base };
  const install = await cli(['install', '--manifest', manifestPath, '--dir', dir, '--yes', '--json'], env);
  expect(install.code, install.stderr).toBe(0);
  for (const [key, body] of bodies) {
    const [model, file] = key.split('/') as [string, string];
    expect((await readFile(path.join(dir, model, file))).equals(body), key).toBe(true);
  }
  const status = await cli(['status', '--manifest', manifestPath, '--dir', dir, '--json', '--offline'], env);
  expect(status.code, status.stderr).toBe(0);
  const report = json<{ models: { id: string; state: string }[] }>(status);
  expect(report.models.map((m) => [m.id, m.state])).toEqual(MODELS.map((id) => [id, 'ready']));
}

describe('wan22-install on one origin whose files misbehave at first', () => {
  it('every file answers two 503 (Retry-After: 0) first: the install completes, every model ready', async () => {
    const setup = await setUp((nth) =>
      nth < 2 ? { kind: 'status', status: 503, headers: { 'Retry-After': '0' } } : { kind: 'normal' },
    );
    await installAndCheck(setup);
    // Nothing was refused by a breaker without being tried: every file's third request succeeded.
    for (const model of MODELS) {
      for (const file of FILES)
        expect((origin as Origin).requestsFor(`/hub/Wan-AI/${model}/resolve/main/${file}`)).toBe(3);
    }
  }, 120_000);

  it('a mix of 429 (RateLimit t=0), cut bodies and 503 bursts: the install completes, every model ready', async () => {
    const mix: OriginBehaviour[] = [
      { kind: 'status', status: 429, headers: { RateLimit: '"api";r=0;t=0' } },
      { kind: 'cut', after: 1000 },
      { kind: 'status', status: 503, headers: { 'Retry-After': '0' } },
    ];
    const setup = await setUp((nth, file) => {
      // Each file gets its own rotation of the mix, then behaves.
      const offset = file.length % mix.length;
      return nth < 2 ? (mix[(nth + offset) % mix.length] as OriginBehaviour) : { kind: 'normal' };
    });
    await installAndCheck(setup);
  }, 120_000);
});
