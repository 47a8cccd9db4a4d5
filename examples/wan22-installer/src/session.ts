import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RetryDecision, RetryInfo, TimeoutManager } from '@wan/reliability';
import { ModelAvailability } from '@wan/reliability/availability';
import { ErrorContextCapturer } from '@wan/reliability/diagnostics';
import { DOWNLOADER_DEFAULTS, Downloader } from '@wan/reliability/downloads';
import { HealthReporter } from '@wan/reliability/health';
import { orderByDependencies } from '@wan/reliability/install';
import {
  loadManifest,
  type Manifest,
  type ManifestModel,
  ModelIntegrityChecker,
} from '@wan/reliability/integrity';
import { UsageError } from './exit.js';
import { hubOrigin, hubSource } from './hub.js';
import { checkInstallDir, type Layout, layoutOf } from './layout.js';
import { Output } from './output.js';
import { parseCount, parseList, parseRate } from './parse.js';
import { askRetryDecision, askToken, interactive } from './prompts.js';
import { RunLog } from './runlog.js';
import type { Recovered } from './steps/models.js';
import type { FailedItem } from './steps/runStep.js';
import { installerTimeouts, parseTimeoutScale, TimedFetcher } from './timeouts.js';
import { envToken, HubToken, readSavedToken } from './token.js';

export { checkInstallDir, type Layout, layoutOf } from './layout.js';

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
  timeoutScale?: string;
  saveToken?: boolean;
  diskWarnAt?: string;
}

/** What made the command fail, for the support bundle (set by commands that print their own result). */
export interface Failure {
  readonly error: unknown;
  readonly phase: string;
}

/** Everything a command works with, built from the global options. */
export class Session {
  readonly out: Output;
  readonly layout: Layout;
  readonly interactive: boolean;
  readonly health = new HealthReporter({ labels: { installer: 'wan22-install' }, openTelemetry: false });
  readonly maxRetries: number;
  readonly bandwidth: number | undefined;
  readonly timeouts: TimeoutManager;
  readonly timeoutScale: number;
  /** Monitor warning when the install volume is fuller than this share (`--disk-warn-at`, default 80 %). */
  readonly diskWarnAt: number;
  /** Groups this run's captured errors. */
  readonly runId = `run_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly log: RunLog;
  readonly capturer = new ErrorContextCapturer();
  readonly token: HubToken;
  /** Bytes the running install still has to download: the disk monitor projects against it. */
  remainingBytes = 0;
  /** Set by a command that failed after printing its own result (the support bundle needs it). */
  failure: Failure | undefined;
  /** What this run recovered from by itself (for the summary and the support bundle). */
  readonly recovered: Recovered[] = [];
  /** What failed and what a person can do (the summary's "Failed" list, also in the support bundle). */
  readonly failed: FailedItem[] = [];
  #downloader: Downloader | undefined;
  #asked = false;
  /** Called before a prompt, so progress bars do not draw over it. */
  beforePrompt: (() => void) | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly command = 'command',
  ) {
    this.layout = layoutOf(options);
    this.log = new RunLog(this.layout.root, command);
    this.out = new Output(options.json === true, (level, text) => this.log.write(level, 'output', { text }));
    this.interactive = interactive(options);
    this.maxRetries =
      options.maxRetries === undefined
        ? DOWNLOADER_DEFAULTS.retry.retries
        : parseCount('--max-retries', options.maxRetries);
    this.bandwidth = options.bandwidth === undefined ? undefined : parseRate(options.bandwidth);
    this.timeoutScale = parseTimeoutScale(options.timeoutScale);
    this.timeouts = installerTimeouts(this.timeoutScale);
    this.diskWarnAt = parseDiskWarn(options.diskWarnAt);
    checkInstallDir(this.layout.root);
    this.token = new HubToken({
      interactive: this.interactive,
      save: options.saveToken === true,
      ask: (url) => {
        this.beforePrompt?.();
        return askToken(url);
      },
      // A path in HF_TOKEN_PATH counts as secret for redaction (its name says TOKEN): name the variable.
      onSaved: (file) =>
        this.out.warn(
          `Token saved to ${process.env.HF_TOKEN_PATH ? '$HF_TOKEN_PATH' : file} (readable by you only), where huggingface_hub reads it.`,
        ),
    });
    this.log.attach(this.layout.root);
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

  /**
   * The shared Downloader: the Hub token on 401/403 from the Hub only (HF_TOKEN, the token file,
   * or one prompt on a TTY; https://huggingface.co or HF_ENDPOINT, never ModelScope or another
   * manifest mirror), --bandwidth, --max-retries at 2 s, 4 s, 8 s ± 20 %, one retry prompt on a TTY.
   */
  downloader(): Downloader {
    this.#downloader ??= new Downloader({
      ...(this.bandwidth === undefined ? {} : { bandwidthLimit: this.bandwidth }),
      token: this.token.provide,
      tokenOrigins: [hubOrigin()],
      stallTimeout: 15_000,
      retry: {
        ...DOWNLOADER_DEFAULTS.retry,
        retries: this.maxRetries,
        decide: (info) => this.decide(info),
      },
    });
    return this.#downloader;
  }

  /** The Downloader with a `model_download` time budget per file (size-scaled, × --timeout-scale). */
  fetcher(): TimedFetcher {
    return new TimedFetcher(this.downloader(), this.timeouts);
  }

  /** An integrity checker for the folder (repairs with the shared, time-budgeted Downloader). */
  checker(manifest: Manifest, root = this.layout.root): ModelIntegrityChecker {
    return new ModelIntegrityChecker({ root, manifest, downloader: this.fetcher() });
  }

  /** Runtime availability (status, ensureReady, usage) with this CLI's commands as setup steps. */
  availability(manifest: Manifest): ModelAvailability {
    const dir = this.layout.root;
    return new ModelAvailability({
      root: dir,
      manifest,
      downloader: this.fetcher(),
      // The update check never prompts: a token only when one is configured.
      updates: hubSource(manifest, async () => envToken() ?? (await readSavedToken())),
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

/** `--disk-warn-at 80` (percent of the volume in use) → 0.8. */
function parseDiskWarn(text: string | undefined): number {
  if (text === undefined) return 0.8;
  const value = Number(text.replace(/%$/, ''));
  if (!/^\s*\d+(\.\d+)?%?\s*$/.test(text) || !(value >= 1 && value <= 99)) {
    throw new UsageError(
      `--disk-warn-at ${text}: expected a percentage of the disk in use, from 1 to 99 (e.g. 80)`,
    );
  }
  return value / 100;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
