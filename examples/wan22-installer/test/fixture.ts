import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoManifest } from '../demo/files.js';
import { type DemoMirror, startDemoMirror } from '../demo/mirror.js';
import { type CliRun, cli } from './cli.js';

/** A token-shaped secret the demo mirror demands for one file: it must never show up anywhere. */
export const TOKEN = 'hf_e2eSecretToken0123456789abcdef';

/** What every end-to-end suite needs: a temp folder, the demo mirror, its manifest, a CLI runner. */
export interface E2eFixture {
  readonly work: string;
  readonly mirror: DemoMirror;
  readonly manifest: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  /** Every stdout/stderr seen, to assert the token never appears. */
  readonly outputs: string[];
  /** Runs the CLI with HF_TOKEN (and HF_ENDPOINT = the demo mirror) set and records its output. */
  run(args: string[]): Promise<CliRun>;
  close(): Promise<void>;
}

/** Starts the demo mirror (demanding {@link TOKEN}) and writes its manifest into a fresh temp folder. */
export async function startE2eFixture(prefix: string): Promise<E2eFixture> {
  const work = await mkdtemp(path.join(tmpdir(), prefix));
  const mirror = await startDemoMirror({ token: TOKEN });
  const manifest = path.join(work, 'manifest.json');
  await writeFile(manifest, JSON.stringify(demoManifest(mirror.url)));
  // The demo mirror plays the Hub: HF_TOKEN is only ever sent to the HF_ENDPOINT origin.
  const env = { HF_TOKEN: TOKEN, HF_ENDPOINT: mirror.url };
  const outputs: string[] = [];
  return {
    work,
    mirror,
    manifest,
    dir: path.join(work, 'models'),
    env,
    outputs,
    async run(args) {
      const result = await cli(args, env);
      outputs.push(result.stdout, result.stderr);
      return result;
    },
    async close() {
      await mirror.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
