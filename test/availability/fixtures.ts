import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Manifest, parseManifest } from '../../src/integrity/manifest.js';
import { AvailabilityServer, availabilityContent, sha256Hex } from '../support/availability-server.js';

export const T2V = 'Wan2.2-T2V-A14B';
export const TI2V = 'Wan2.2-TI2V-5B';
export const I2V = 'Wan2.2-I2V-A14B';
export const REVISION = 'a'.repeat(40);

const FILES: Record<string, { path: string; size: number }[]> = {
  [T2V]: [
    { path: 'high_noise_model/diffusion.safetensors', size: 300_000 },
    { path: 'low_noise_model/diffusion.safetensors', size: 200_000 },
    { path: 'Wan2.1_VAE.pth', size: 50_000 },
  ],
  [TI2V]: [{ path: 'Wan2.2_VAE.pth', size: 40_000 }],
  [I2V]: [{ path: 'weights.safetensors', size: 60_000 }],
};

/** The served bytes of a model file. */
export function data(model: string, filePath: string): Buffer {
  const index =
    Object.keys(FILES).indexOf(model) * 10 + (FILES[model]?.findIndex((f) => f.path === filePath) ?? 0);
  const size = FILES[model]?.find((f) => f.path === filePath)?.size ?? 0;
  return availabilityContent(index + 1, size);
}

export function urlPath(model: string, filePath: string, revision = REVISION): string {
  return `/Wan-AI/${model}/resolve/${revision}/${filePath}`;
}

export interface Fixture {
  root: string;
  server: AvailabilityServer;
  manifest: Manifest;
  /** Writes a model's files into the root, as a finished install would. */
  install(model: string): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Three models served by one loopback server (T2V-A14B lists TI2V-5B and I2V-A14B as alternatives);
 * `mirrorFor` overrides a model's mirror (e.g. a dead port).
 */
export async function fixture(mirrorFor: Record<string, string> = {}): Promise<Fixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'wan-availability-'));
  const server = await new AvailabilityServer().start();
  for (const [model, files] of Object.entries(FILES)) {
    for (const file of files) server.files.set(urlPath(model, file.path), data(model, file.path));
  }
  const manifest = parseManifest({
    schemaVersion: 1,
    models: Object.entries(FILES).map(([id, files]) => ({
      id,
      revision: REVISION,
      mirrors: [mirrorFor[id] ?? `${server.url}/Wan-AI/${id}/resolve/{revision}/`],
      files: files.map((f) => ({ path: f.path, size: f.size, sha256: sha256Hex(data(id, f.path)) })),
      ...(id === T2V ? { alternatives: [TI2V, I2V] } : {}),
    })),
  });
  return {
    root,
    server,
    manifest,
    async install(model) {
      for (const file of FILES[model] ?? []) {
        const dest = path.join(root, model, file.path);
        await mkdir(path.dirname(dest), { recursive: true });
        await writeFile(dest, data(model, file.path));
      }
    },
    async cleanup() {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` until it holds (for states reached through real I/O). */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
