import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/integrity/manifest.js';
import { demoFiles, demoRevision } from '../demo/files.js';
import { type DemoMirror, startDemoMirror } from '../demo/mirror.js';
import { cli, json } from './cli.js';

let work: string;
let hub: DemoMirror;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-pin-'));
  hub = await startDemoMirror({ faults: false });
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

describe('wan22-install manifest pin (loopback server in the Hub API shape)', () => {
  it('pins a template to commits with sizes and sha256 from lfs and from hashing small files', async () => {
    const template = path.join(work, 'template.json');
    const mirrors = [`${hub.url}/Wan-AI/Wan2.2-T2V-A14B/resolve/{revision}/`];
    await writeFile(
      template,
      JSON.stringify({
        models: [
          {
            id: 'Wan2.2-T2V-A14B',
            repo: 'Wan-AI/Wan2.2-T2V-A14B',
            revision: 'main',
            mirrors,
            files: [
              'high_noise_model/config.json',
              'high_noise_model/diffusion_pytorch_model-00001-of-00001.safetensors',
              'Wan2.1_VAE.pth',
            ],
          },
          { id: 'Wan2.2-TI2V-5B', repo: 'Wan-AI/Wan2.2-TI2V-5B', mirrors },
        ],
      }),
    );
    const output = path.join(work, 'pinned.json');
    const result = await cli([
      'manifest',
      'pin',
      '--template',
      template,
      '--output',
      output,
      '--endpoint',
      hub.url,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(json<{ files: number }>(result).files).toBe(10);
    const manifest = parseManifest(await readFile(output, 'utf8'));
    const expected = new Map(demoFiles(1).map((f) => [`${f.model}/${f.path}`, f]));
    for (const model of manifest.models) {
      expect(model.revision).toBe(demoRevision(model.id, 1));
      for (const file of model.files) {
        const real = expected.get(`${model.id}/${file.path}`);
        expect(file.sha256, file.path).toBe(real?.sha256);
        expect(file.size).toBe(real?.data.length);
      }
    }
    // Without a file list every file of the repo is pinned (.gitattributes aside).
    expect(manifest.models[1]?.files).toHaveLength(
      demoFiles(1).filter((f) => f.model === 'Wan2.2-TI2V-5B').length,
    );
  });

  it('names template files the repo does not have (exit 2)', async () => {
    const template = path.join(work, 'bad-template.json');
    await writeFile(
      template,
      JSON.stringify({
        models: [
          {
            id: 'Wan2.2-TI2V-5B',
            repo: 'Wan-AI/Wan2.2-TI2V-5B',
            mirrors: [`${hub.url}/x/`],
            files: ['Wan2.1_VAE.pth'],
          },
        ],
      }),
    );
    const result = await cli(['manifest', 'pin', '--template', template, '--endpoint', hub.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no Wan2\.1_VAE\.pth; it has .*Wan2\.2_VAE\.pth/);
  });

  it('ships a template of the three WAN2.2 repos with Hugging Face and ModelScope mirrors', async () => {
    const shipped = JSON.parse(
      await readFile(new URL('../manifests/wan22.template.json', import.meta.url), 'utf8'),
    ) as { models: { repo: string; mirrors: string[]; files: string[] }[] };
    expect(shipped.models.map((m) => m.repo)).toEqual([
      'Wan-AI/Wan2.2-TI2V-5B',
      'Wan-AI/Wan2.2-T2V-A14B',
      'Wan-AI/Wan2.2-I2V-A14B',
    ]);
    for (const model of shipped.models) {
      expect(model.mirrors.some((m) => m.startsWith('https://huggingface.co/'))).toBe(true);
      expect(model.mirrors.some((m) => m.includes('modelscope.cn'))).toBe(true);
    }
    expect(shipped.models[0]?.files).toContain('Wan2.2_VAE.pth');
    expect(shipped.models[1]?.files).toEqual(
      expect.arrayContaining(['Wan2.1_VAE.pth', 'high_noise_model/config.json']),
    );
  });
});
