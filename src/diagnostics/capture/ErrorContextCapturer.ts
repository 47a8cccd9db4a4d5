import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { type ClassifyOptions, classifyError, type ErrorClassification } from '../../errors/classify.js';
import type { CaptureHook, CaptureRequest } from '../../policies/wrap/hooks.js';
import {
  type EnvLike,
  MIN_SECRET_LENGTH,
  redact,
  redactValue,
  secretValuesOf,
} from '../../shared/redaction/redact.js';
import { DEFAULT_ENV_ALLOW_LIST, envSubset } from './env.js';
import { validateCapturerOptions } from './options.js';
import { buildIssueUrl, type ReportOptions, renderReport, reportTitle } from './report.js';
import { type SerializeLimits, serializeErrorChain } from './serialize.js';
import { SystemSnapshotter } from './snapshot.js';
import type { ErrorContext, SerializedError, SystemProbe, SystemSnapshot } from './types.js';

/** Where a failure happened and how hard the caller already tried; every field is optional. */
export interface CaptureOptions {
  /** Installer phase: `preflight`, `download`, `verify`, `install`, … */
  readonly phase?: string | undefined;
  /** The part that failed (`downloader`, `pip`, `venv`). */
  readonly component?: string | undefined;
  /** What it was doing (`download Wan2.2_VAE.pth`). */
  readonly operation?: string | undefined;
  /** Groups the errors of one install / session: later contexts list the ids of earlier ones. */
  readonly correlationId?: string | undefined;
  /** Retries already made before this failure (default 0). */
  readonly retryCount?: number | undefined;
  /** Recovery strategies already tried before this failure (default 0). */
  readonly recoveryAttempts?: number | undefined;
}

/** Options for {@link ErrorContextCapturer}. */
export interface ErrorContextCapturerOptions {
  /** A snapshot never takes longer than this, even when a probe hangs (ms, default 3000). */
  readonly snapshotTimeout?: number;
  /** Where system facts come from (default: systeminformation, nvidia-smi, python3); members may be partial. */
  readonly probe?: Partial<SystemProbe>;
  /** The environment to read (default `process.env`, read at each capture). */
  readonly env?: EnvLike;
  /** Environment variables listed in a context (default {@link DEFAULT_ENV_ALLOW_LIST}). */
  readonly envAllowList?: readonly string[];
  /** Extra literal secrets to remove from everything captured (tokens held in memory). */
  readonly secrets?: Iterable<string> | (() => Iterable<string>);
  /**
   * Replace the home folder by `~` in every text (default false): paths often hold the user name.
   * Off by default so that PATH and stack paths stay exactly as on the machine.
   */
  readonly redactHomeDir?: boolean;
  /** Classifiers tried before the built-in ones. */
  readonly classify?: ClassifyOptions;
  /** Error chain limits. */
  readonly limits?: SerializeLimits;
  /** How many correlation ids are remembered (default 1000) and ids per correlation (default 100). */
  readonly maxCorrelations?: number;
  /** Called with every captured context (e.g. to write it to a file or a log). */
  readonly onCapture?: (context: ErrorContext) => void;
}

const DEFAULT_SNAPSHOT_TIMEOUT = 3000;
const MAX_IDS_PER_CORRELATION = 100;

function newId(): string {
  return `err_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

const homePatterns = new Map<string, RegExp>();

/** The home folder as a whole path prefix (not `/root` inside `/rootfs`). */
function homePattern(home: string): RegExp {
  let pattern = homePatterns.get(home);
  if (!pattern) {
    const escaped = home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`${escaped}(?=$|[\\/\\\\\\s:;'"\`)\\]])`, 'g');
    homePatterns.set(home, pattern);
  }
  return pattern;
}

function count(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/**
 * Captures everything an author needs to understand a failure on a user's machine — the error with
 * its whole cause chain and stack frames, category and remediation, a system snapshot (OS, CPU, GPUs
 * with VRAM and driver, memory, disks, Node and Python versions), an allow-listed environment subset
 * and the correlation chain — with every secret redacted. Implements the `capture` hook of
 * withReliability.
 *
 * @example
 * const capturer = new ErrorContextCapturer();
 * const context = await capturer.capture(error, { phase: 'download', correlationId: installId });
 * console.log(capturer.report(context, { format: 'markdown' }));
 */
export class ErrorContextCapturer implements CaptureHook {
  readonly #snapshotter: SystemSnapshotter;
  readonly #options: ErrorContextCapturerOptions;
  readonly #correlations = new Map<string, string[]>();
  readonly #maxCorrelations: number;
  readonly #home: string;

  constructor(options: ErrorContextCapturerOptions = {}) {
    validateCapturerOptions(options);
    const timeout = options.snapshotTimeout ?? DEFAULT_SNAPSHOT_TIMEOUT;
    this.#options = options;
    this.#snapshotter = new SystemSnapshotter({ probe: options.probe, timeoutMs: timeout });
    this.#maxCorrelations = options.maxCorrelations ?? 1000;
    let home = '';
    try {
      home = options.redactHomeDir === true ? os.homedir() : '';
    } catch {
      home = '';
    }
    this.#home = home.length > 1 ? home : '';
  }

  /** Starts the static probes (OS, CPU, GPUs, Python) now so that the first capture is fast. */
  warmUp(): this {
    this.#snapshotter.warmUp();
    return this;
  }

  /** A system snapshot on its own (bounded by `snapshotTimeout`), not redacted. */
  snapshot(): Promise<SystemSnapshot> {
    return this.#snapshotter.take();
  }

  /** The text filter every captured and reported text goes through. */
  redactor(): (text: string) => string {
    const secrets = secretValuesOf(process.env);
    if (this.#options.env && this.#options.env !== process.env)
      secrets.push(...secretValuesOf(this.#options.env));
    const extra = this.#options.secrets;
    const more = typeof extra === 'function' ? extra() : extra;
    if (more) {
      for (const value of more)
        if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) secrets.push(value);
    }
    const home = this.#home;
    // The environment is scanned once per capture / report, not once per string.
    return (text: string) => {
      let out = redact(text, { env: null, secrets });
      if (home && out.includes(home)) out = out.replace(homePattern(home), '~');
      return out;
    };
  }

  /**
   * Captures the context of a failure. Never throws; never takes much longer than `snapshotTimeout`.
   */
  async capture(error: unknown, options: CaptureOptions | CaptureRequest = {}): Promise<ErrorContext> {
    const filter = this.redactor();
    const id = newId();
    const timestamp = new Date().toISOString();
    const snapshotPromise = this.#snapshotter.take();

    let classification: ErrorClassification;
    try {
      classification = classifyError(error, this.#options.classify);
    } catch {
      classification = { category: 'unknown', retryable: false, remediation: [] };
    }
    let serialized: SerializedError;
    try {
      serialized = serializeErrorChain(error, filter, this.#options.limits);
    } catch (failure) {
      // A hostile value (throwing getters, revoked Proxy): keep what can be said safely.
      serialized = {
        name: 'UnserializableError',
        message: filter(
          `the thrown value could not be serialized: ${failure instanceof Error ? failure.message : String(failure)}`,
        ),
        stack: [],
        frames: [],
      };
    }

    const correlationId = options.correlationId ? filter(String(options.correlationId)) : null;
    const previousErrorIds = correlationId ? this.#remember(correlationId, id) : [];

    const env = envSubset(
      this.#options.env ?? process.env,
      this.#options.envAllowList ?? DEFAULT_ENV_ALLOW_LIST,
      filter,
    );
    const system = await snapshotPromise;

    const context: ErrorContext = {
      schemaVersion: 1,
      id,
      timestamp,
      phase: options.phase ? filter(options.phase) : null,
      component: options.component ? filter(options.component) : null,
      operation: options.operation ? filter(options.operation) : null,
      correlationId,
      previousErrorIds,
      retryCount: count(options.retryCount),
      recoveryAttempts: count(options.recoveryAttempts),
      category: classification.category,
      retryable: classification.retryable,
      remediation: classification.remediation.map(filter),
      code: classification.code ? filter(classification.code) : (serialized.code ?? null),
      status: classification.status ?? serialized.status ?? null,
      error: serialized,
      system,
      env,
    };
    // A last deep pass: key-based redaction and every string (system facts included) once more.
    const safe = this.#deepFilter(context, filter);
    try {
      this.#options.onCapture?.(safe);
    } catch {
      // A failing listener must not turn a capture into a second failure.
    }
    return safe;
  }

  #deepFilter(context: ErrorContext, filter: (text: string) => string): ErrorContext {
    const walked = redactValue(context, { env: null });
    const visit = (value: unknown): unknown => {
      if (typeof value === 'string') return filter(value);
      if (Array.isArray(value)) return value.map(visit);
      if (typeof value === 'object' && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) out[key] = visit(item);
        return out;
      }
      return value;
    };
    return visit(walked) as ErrorContext;
  }

  #remember(correlationId: string, id: string): string[] {
    const ids = this.#correlations.get(correlationId);
    if (ids) {
      const previous = ids.slice();
      ids.push(id);
      if (ids.length > MAX_IDS_PER_CORRELATION) ids.splice(0, ids.length - MAX_IDS_PER_CORRELATION);
      // Refresh recency.
      this.#correlations.delete(correlationId);
      this.#correlations.set(correlationId, ids);
      return previous;
    }
    this.#correlations.set(correlationId, [id]);
    while (this.#correlations.size > this.#maxCorrelations) {
      const oldest = this.#correlations.keys().next().value;
      if (oldest === undefined) break;
      this.#correlations.delete(oldest);
    }
    return [];
  }

  /** The ids captured so far for a correlation id, oldest first. */
  correlationChain(correlationId: string): readonly string[] {
    return [...(this.#correlations.get(correlationId) ?? [])];
  }

  /**
   * Renders a pre-filled support report: markdown (an issue body) or JSON. With `issueUrl` (a
   * template such as `https://github.com/o/r/issues/new?title={title}&body={body}`), the report also
   * carries a link with the encoded, length-capped body. Everything is redacted.
   */
  report(context: ErrorContext, options: ReportOptions = {}): string {
    return renderReport(context, options, this.redactor());
  }

  /** Just the pre-filled issue URL for a context (see {@link ReportOptions.issueUrl}). */
  issueUrl(context: ErrorContext, template: string, maxLength = 8000): string {
    const filter = this.redactor();
    const body = filter(renderReport(context, { format: 'markdown', maxFrames: 8 }, filter));
    return buildIssueUrl(template, filter(reportTitle(context)), body, maxLength);
  }
}
