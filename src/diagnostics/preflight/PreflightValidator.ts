import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { isArraySafe, isInstance, readProperty } from '../../errors/thrown.js';
import { ReliabilityEmitter } from '../../events/emitter.js';
import { abortError } from '../../shared/abort.js';
import { redact, redactValue } from '../../shared/redaction/redact.js';
import { optionalFunction, optionalObject } from '../../shared/validate.js';
import { checks } from './checks/builtins.js';

export { type FormatPreflightOptions, formatPreflightReport } from './format.js';

import type {
  CheckOutcome,
  PreflightCheck,
  PreflightEvents,
  PreflightReport,
  PreflightResult,
  PreflightStatus,
  SlowNotice,
} from './types.js';

/** Options for {@link PreflightValidator}. */
export interface PreflightValidatorOptions {
  /** The checks to run, in report order; ids must be unique. */
  readonly checks: readonly PreflightCheck[];
  /** Time limit of a check without its own `timeout` (ms, default 30 000). */
  readonly timeout?: number;
  /** When checks are still running after this long, a "still checking …" notice is given (ms, default 10 000). */
  readonly slowNoticeAfter?: number;
  /** Receives the "still checking …" notice (also emitted as `preflight:slow`). */
  readonly onSlow?: (notice: SlowNotice) => void;
}

/** Options for {@link PreflightValidator.run}. */
export interface PreflightRunOptions {
  /** Cancels the run: pending checks are aborted and run() rejects with a cancelled error. */
  readonly signal?: AbortSignal;
  /** Receives each result as soon as its check finishes. */
  readonly onResult?: (result: PreflightResult) => void;
  /** Receives the "still checking …" notice for this run. */
  readonly onSlow?: (notice: SlowNotice) => void;
}

/** The result of a check that threw, hung or resolved no valid outcome. */
interface ErrorOutcome {
  readonly status: 'error';
  readonly message: string;
  readonly remediation: readonly string[];
  readonly details?: Readonly<Record<string, unknown>>;
}

const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_SLOW_NOTICE = 10_000;

function positive(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(option, 'a positive number of milliseconds', value);
  }
  return value;
}

function remediationList(value: CheckOutcome['remediation']): string[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? [value] : [...value]).map((step) => redact(step));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Checks the machine before an install, like `flutter doctor` / `brew doctor`: every check runs
 * concurrently under its own time limit; a check that throws or hangs becomes `error` and never
 * stops the others; after `slowNoticeAfter` ms a "still checking …" notice names the checks still
 * running. The report lists pass / warn / fail / error with messages, remediation and durations;
 * `ok` is false when anything failed or errored.
 *
 * @example
 * const validator = new PreflightValidator({ checks: [
 *   PreflightValidator.checks.diskSpace({ path: '/models', requiredBytes: 80e9 }),
 *   PreflightValidator.checks.network({ urls: ['https://huggingface.co'] }),
 * ] });
 * const report = await validator.run();
 * console.log(formatPreflightReport(report));
 */
export class PreflightValidator extends ReliabilityEmitter<PreflightEvents> {
  /** The built-in check factories (also exported as `checks` from `@wan/reliability/diagnostics`). */
  static readonly checks = checks;

  readonly #checks: readonly PreflightCheck[];
  readonly #timeout: number;
  readonly #slowAfter: number;
  readonly #onSlow: ((notice: SlowNotice) => void) | undefined;

  constructor(options: PreflightValidatorOptions) {
    super();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ConfigurationError('PreflightValidator options', 'an object with checks', options);
    }
    if (!Array.isArray(options.checks)) {
      throw new ConfigurationError('PreflightValidator.checks', 'an array of checks', options.checks);
    }
    const ids = new Set<string>();
    options.checks.forEach((check, index) => {
      if (!check || typeof check.id !== 'string' || check.id === '' || typeof check.run !== 'function') {
        throw new ConfigurationError(
          `PreflightValidator.checks[${index}]`,
          'an object with an id and run()',
          check,
        );
      }
      if (ids.has(check.id)) {
        throw new ConfigurationError(`PreflightValidator.checks[${index}].id`, 'a unique id', check.id);
      }
      ids.add(check.id);
      if (check.timeout !== undefined)
        positive(`PreflightValidator.checks[${index}].timeout`, check.timeout, 1);
      if (check.title !== undefined && typeof check.title !== 'string')
        throw new ConfigurationError(`PreflightValidator.checks[${index}].title`, 'a string', check.title);
    });
    this.#checks = [...options.checks];
    this.#timeout = positive('PreflightValidator.timeout', options.timeout, DEFAULT_TIMEOUT);
    this.#slowAfter = positive(
      'PreflightValidator.slowNoticeAfter',
      options.slowNoticeAfter,
      DEFAULT_SLOW_NOTICE,
    );
    this.#onSlow = optionalFunction('PreflightValidator.onSlow', options.onSlow);
  }

  /** The checks this validator runs, in report order. */
  get checks(): readonly PreflightCheck[] {
    return this.#checks;
  }

  /** Runs every check concurrently and resolves the report (never rejects unless cancelled). */
  async run(options: PreflightRunOptions = {}): Promise<PreflightReport> {
    optionalObject('PreflightValidator.run() options', options);
    const { signal } = options;
    if (signal !== undefined && !isInstance(signal, AbortSignal)) {
      throw new ConfigurationError('PreflightValidator.run() signal', 'an AbortSignal', signal);
    }
    optionalFunction('PreflightValidator.run() onResult', options.onResult);
    optionalFunction('PreflightValidator.run() onSlow', options.onSlow);
    if (signal?.aborted) throw abortError(signal, 'preflight');
    const startedAt = new Date();
    const started = performance.now();
    const pending = new Set(this.#checks.map((check) => check.id));
    const controllers = new Set<AbortController>();
    const timers = new Set<NodeJS.Timeout>();

    const slowTimer = setTimeout(() => {
      if (pending.size === 0) return;
      const ids = [...pending];
      const notice: SlowNotice = {
        pending: ids,
        elapsedMs: Math.round(performance.now() - started),
        message: `Still checking: ${ids.join(', ')} …`,
      };
      for (const listener of [this.#onSlow, options.onSlow]) {
        try {
          listener?.(notice);
        } catch {
          // A failing listener must not break the run.
        }
      }
      this.announce('preflight:slow', notice);
    }, this.#slowAfter);
    slowTimer.unref?.();

    let cancel: (() => void) | undefined;
    const cancelled = new Promise<never>((_, reject) => {
      if (!signal) return;
      cancel = () => {
        for (const timer of timers) clearTimeout(timer);
        for (const controller of controllers) controller.abort(signal.reason);
        reject(abortError(signal, 'preflight'));
      };
      signal.addEventListener('abort', cancel, { once: true });
    });
    cancelled.catch(() => {});

    const runOne = async (check: PreflightCheck, index: number): Promise<PreflightResult> => {
      const title = check.title ?? check.id;
      const limit = check.timeout ?? this.#timeout;
      const controller = new AbortController();
      controllers.add(controller);
      const checkStarted = performance.now();
      let timer: NodeJS.Timeout | undefined;
      let outcome: CheckOutcome | ErrorOutcome;
      try {
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new Error(`did not finish within ${limit} ms`);
            error.name = 'CheckTimeout';
            controller.abort(error);
            reject(error);
          }, limit);
          timers.add(timer);
        });
        timedOut.catch(() => {});
        const result = await Promise.race([
          Promise.resolve().then(() => check.run({ signal: controller.signal })),
          timedOut,
        ]);
        const problem = outcomeProblem(result, index);
        outcome = problem ? misbehaved(title, problem) : (result as CheckOutcome);
      } catch (error) {
        const timeout = error instanceof Error && error.name === 'CheckTimeout';
        outcome = {
          status: 'error',
          message: timeout
            ? `Check "${title}" did not finish within ${limit} ms`
            : `Check "${title}" crashed: ${describeError(error)}`,
          remediation: timeout
            ? [
                'The check hung: run it again; if it keeps hanging, the resource it probes (disk, network, driver) may be stuck.',
              ]
            : [
                'The check itself failed: this is a bug in the check or an unexpected environment; include this report in an issue.',
              ],
        };
      } finally {
        if (timer) {
          clearTimeout(timer);
          timers.delete(timer);
        }
        controllers.delete(controller);
        pending.delete(check.id);
      }
      const result: { -readonly [K in keyof PreflightResult]: PreflightResult[K] } = {
        id: check.id,
        title: redact(title),
        status: outcome.status,
        message: redact(outcome.message),
        remediation: remediationList(outcome.remediation),
        durationMs: Math.round((performance.now() - checkStarted) * 10) / 10,
      };
      if ('details' in outcome && outcome.details) result.details = redactValue(outcome.details);
      try {
        options.onResult?.(result);
      } catch {
        // ignore listener failures
      }
      this.announce('preflight:result', result);
      return result;
    };

    try {
      const all = Promise.all(this.#checks.map(runOne));
      const results = await (signal ? Promise.race([all, cancelled]) : all);
      const counts: Record<PreflightStatus, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
      for (const result of results) counts[result.status] += 1;
      return {
        ok: counts.fail === 0 && counts.error === 0,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        durationMs: Math.round(performance.now() - started),
        counts,
        results,
      };
    } finally {
      clearTimeout(slowTimer);
      if (signal && cancel) signal.removeEventListener('abort', cancel);
    }
  }
}

/**
 * What is wrong with what a check's run() resolved, as the ConfigurationError a caller of the check
 * would get (naming the exact field), or undefined when it is a valid outcome.
 */
function outcomeProblem(value: unknown, index: number): ConfigurationError | undefined {
  const option = `PreflightValidator.checks[${index}].run() result`;
  if (typeof value !== 'object' || value === null || isArraySafe(value)) {
    return new ConfigurationError(option, "{ status: 'pass' | 'warn' | 'fail', message: string }", value);
  }
  const status = readProperty(value, 'status');
  if (status !== 'pass' && status !== 'warn' && status !== 'fail') {
    return new ConfigurationError(`${option}.status`, "'pass', 'warn' or 'fail'", status);
  }
  const message = readProperty(value, 'message');
  if (typeof message !== 'string') return new ConfigurationError(`${option}.message`, 'a string', message);
  const remediation = readProperty(value, 'remediation');
  if (
    remediation !== undefined &&
    typeof remediation !== 'string' &&
    !(isArraySafe(remediation) && remediation.every((step) => typeof step === 'string'))
  ) {
    return new ConfigurationError(`${option}.remediation`, 'a string or an array of strings', remediation);
  }
  const details = readProperty(value, 'details');
  if (details !== undefined && (typeof details !== 'object' || details === null)) {
    return new ConfigurationError(`${option}.details`, 'an object', details);
  }
  return undefined;
}

/**
 * The result of a check whose run() resolved something that is not an outcome: like a check that
 * threw, it is that check's `error`, never the whole run's; the message is the typed error's.
 */
function misbehaved(title: string, problem: ConfigurationError): ErrorOutcome {
  return {
    status: 'error',
    message: `Check "${title}" returned no valid outcome: ${problem.message}`,
    remediation: [
      `The check itself is wrong: its run() must resolve { status: 'pass' | 'warn' | 'fail', message } (${problem.option}).`,
      ...problem.remediation,
    ],
    details: { code: problem.code, option: problem.option },
  };
}
