import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RetryDecision, RetryInfo } from '@wan/reliability';
import { ModelAvailability, type UpdateSource } from '@wan/reliability/availability';
import { Downloader } from '@wan/reliability/downloads';
import { HealthReporter } from '@wan/reliability/health';
import { orderByDependencies } from '@wan/reliability/install';
import {
  loadManifest,
  type Manifest,
  type ManifestModel,
  ModelIntegrityChecker,
} from '@wan/reliability/integrity';
import { UsageError } from './exit.js';
import { Output } from './output.js';
import { parseCount, parseList, parseRate } from './parse.js';
import { askRetryDecision, interactive } from './prompts.js';

/** Options every command accepts (commander's camel-cased flags). */
export interface GlobalOptions {
  manifest?: string;
  dir?: string;
  models?: string;
  yes?: boolean;
  json?: boolean;
  deep?: boolean;
  bandwidth?: string;
  maxRetries?: string;
  reportDir?: string;
}

/** Where the installer keeps things inside the install folder. */
export interface Layout {
  readonly root: string;
  readonly state: string;
  readonly journal: string;
  readonly installedManifest: string;
  readonly lock: string;
  readonly venv: string;
  readonly config: string;
  readonly reports: string;
  readonly staging: string;
  readonly previous: string;
  readonly recoveryStore: string;
}

/** The install folder's layout (`--dir`, default `./wan22-models`). */
export function layoutOf(options: GlobalOptions): Layout {
  const root = path.resolve(options.dir ?? 'wan22-models');
  const state = path.join(root, '.wan22');
  return {
    root,
    state,
    journal: path.join(state, 'journal.json'),
    installedManifest: path.join(state, 'manifest.json'),
    lock: path.join(state, 'install.lock'),
    venv: path.join(root, '.venv'),
    config: path.join(root, 'wan22.config.json'),
    reports: path.resolve(options.reportDir ?? path.join(root, 'reports')),
    staging: path.join(state, 'staging'),
    previous: path.join(state, 'previous'),
    recoveryStore: path.join(state, 'recovery.json'),
  };
}

/** Everything a command works with, built from the global options. */
export class Session {
  readonly out: Output;
  readonly layout: Layout;
  readonly interactive: boolean;
  readonly health = new HealthReporter({ labels: { installer: 'wan22-install' }, openTelemetry: false });
  readonly maxRetries: number;
  readonly bandwidth: number | undefined;
  /** Bytes the running install still has to download: the disk monitor projects against it. */
  remainingBytes = 0;
  #downloader: Downloader | undefined;
  #asked = false;
  /** Called before a prompt, so progress bars do not draw over it. */
  beforePrompt: (() => void) | undefined;

  constructor(readonly options: GlobalOptions) {
    this.out = new Output(options.json === true);
    this.layout = layoutOf(options);
    this.interactive = interactive(options);
    this.maxRetries = options.maxRetries === undefined ? 4 : parseCount('--max-retries', options.maxRetries);
    this.bandwidth = options.bandwidth === undefined ? undefined : parseRate(options.bandwidth);
  }

  /** The manifest given with --manifest, else the one the last install saved in the folder. */
  async manifest(required = true): Promise<Manifest | undefined> {
    if (this.options.manifest) return loadManifest(path.resolve(this.options.manifest));
    if (await exists(this.layout.installedManifest)) return loadManifest(this.layout.installedManifest);
    if (!required) return undefined;
    throw new UsageError(
      `No manifest: pass --manifest <file>, or --dir of a folder installed before (${this.layout.root} has none).`,
    );
  }

  /** The selected models (--models, default all), required first, then by priority. */
  select(manifest: Manifest): ManifestModel[] {
    const known = manifest.models.map((m) => m.id);
    const wanted = this.options.models ? parseList(this.options.models) : known;
    const unknown = wanted.filter((id) => !known.includes(id));
    if (unknown.length > 0) {
      throw new UsageError(
        `--models: unknown model ${unknown.join(', ')}; the manifest has ${known.join(', ')}`,
      );
    }
    const chosen = manifest.models.filter((m) => wanted.includes(m.id));
    return orderByDependencies(
      chosen.map((model) => ({
        id: model.id,
        model,
        priority: (model.required ? 1_000_000 : 0) + model.priority,
      })),
    ).map((node) => node.model);
  }

  /** The shared Downloader: HF_TOKEN on 401, --bandwidth, --max-retries, one prompt on a TTY. */
  downloader(): Downloader {
    this.#downloader ??= new Downloader({
      ...(this.bandwidth === undefined ? {} : { bandwidthLimit: this.bandwidth }),
      token: () => process.env.HF_TOKEN,
      stallTimeout: 15_000,
      retry: {
        retries: this.maxRetries,
        delays: [500, 1000, 2000],
        maxDelay: 10_000,
        jitter: 'full',
        decide: (info) => this.decide(info),
      },
    });
    return this.#downloader;
  }

  /** An integrity checker for the folder (repairs with the shared Downloader). */
  checker(manifest: Manifest, root = this.layout.root): ModelIntegrityChecker {
    return new ModelIntegrityChecker({ root, manifest, downloader: this.downloader() });
  }

  /** Runtime availability (status, ensureReady, usage) with this CLI's commands as setup steps. */
  availability(manifest: Manifest): ModelAvailability {
    const dir = this.layout.root;
    return new ModelAvailability({
      root: dir,
      manifest,
      downloader: this.downloader(),
      updates: hubSource(manifest),
      setupSteps: (model, state) => [
        state === 'corrupt'
          ? `wan22-install repair --models ${model.id} --dir "${dir}" --yes`
          : `wan22-install install --models ${model.id} --dir "${dir}" --yes`,
      ],
    });
  }

  /** Keeps a copy of the manifest in the folder so later commands need no --manifest. */
  async saveManifest(): Promise<void> {
    if (!this.options.manifest) return;
    await mkdir(this.layout.state, { recursive: true });
    await copyFile(path.resolve(this.options.manifest), this.layout.installedManifest);
  }

  close(): void {
    this.#downloader?.close();
  }

  /** Asked after the first failed attempt only, and only on a TTY without --yes / CI. */
  private async decide(info: RetryInfo): Promise<RetryDecision> {
    if (!this.interactive || this.#asked) return 'retry';
    this.#asked = true;
    this.beforePrompt?.();
    // Operation names carry the destination path and a claim id; URLs repeat the file path.
    const root = `${this.layout.root}/`;
    const shorten = (text: string) =>
      text
        .replaceAll(root, '')
        .replace(/\s*\[[^\]]+\]$/, '')
        .replace(/(https?:\/\/[^\s/]+)\/\S*/g, '$1/…');
    return askRetryDecision(info, shorten);
  }
}

/**
 * Per-request limit of the update check. Short on purpose: an offline machine (or a firewalled Hub)
 * must show "update check failed" within seconds, not hold `status` for the library's 15 s per request.
 */
const UPDATE_TIMEOUT_MS = 5_000;

/** `<origin>/[prefix/]<org>/<name>/resolve/…`: a Hub-shaped download URL (prefix: the demo's mirror kinds). */
const RESOLVE_URL = /^(https?:\/\/[^/?#]+)\/(?:[^?#]*\/)?([^/?#]+\/[^/?#]+)\/resolve\//;

/**
 * Where `status` asks for newer revisions (the Hub model API): `HF_ENDPOINT` when set (as in
 * huggingface_hub), else the Hugging Face mirror of the manifest, else the origin of its first
 * Hub-shaped mirror (the demo mirror serves the same API). The repository is read from the mirrors.
 */
export function hubSource(manifest: Manifest, env: NodeJS.ProcessEnv = process.env): Partial<UpdateSource> {
  const shaped = manifest.models.flatMap((m) =>
    m.mirrors.map((url) => RESOLVE_URL.exec(url)).filter((x) => x !== null),
  );
  const origins = shaped.map((match) => match[1] as string);
  const baseUrl =
    env.HF_ENDPOINT?.replace(/\/+$/, '') ||
    origins.find((origin) => origin === 'https://huggingface.co') ||
    origins[0] ||
    'https://huggingface.co';
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL, got "${baseUrl}"`);
  }
  return {
    baseUrl,
    timeout: UPDATE_TIMEOUT_MS,
    token: () => env.HF_TOKEN,
    repoOf: (model) => {
      const matches = model.mirrors.map((url) => RESOLVE_URL.exec(url)).filter((x) => x !== null);
      const best = matches.find((match) => match[1] === origin) ?? matches[0];
      return best?.[2] === undefined ? undefined : decodeURIComponent(best[2]);
    },
  };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
