import type { ErrorContextCapturer } from '../diagnostics/capture/ErrorContextCapturer.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { ErrorCategory } from '../errors/category.js';
import type { ErrorClassification } from '../errors/classify.js';
import type { Logger } from '../policies/wrap/hooks.js';
import { redact } from '../shared/redaction/redact.js';
import { optionalBoolean, optionalCount, optionalFunction, optionalObject } from '../shared/validate.js';
import { optionalBudget } from './budget.js';
import type { ManualInput } from './manual.js';
import type { Redactor } from './types.js';

/** Options of {@link RecoveryRegistry}. */
export interface RecoveryRegistryOptions {
  /** JSON file where learned success rates and history persist (written atomically). Default: memory only. */
  store?: string;
  /** Save the store after every recovery (default `true` when `store` is set). */
  autoSave?: boolean;
  /** Recoveries kept in history, newest last (default 100). */
  historyLimit?: number;
  /** Extra documentation links per category (`'*'` for all), shown with manual steps. */
  links?: Partial<Record<ErrorCategory | '*', readonly string[]>>;
  /** Redacts every text the registry writes (messages, history, reports). Default: the package's `redact()`. */
  redact?: Redactor;
  /**
   * Builds the pre-filled report for `manual` results (e.g. with ErrorContextCapturer). Default: a
   * Markdown report of the error, the strategies tried and the steps. Its output is redacted too.
   */
  reportBuilder?: (input: ManualInput) => string | PromiseLike<string>;
  /**
   * An ErrorContextCapturer: the default manual report then adds its captured context (system
   * snapshot, cause chain with stacks, redacted environment) after the recovery summary.
   */
  capturer?: Pick<ErrorContextCapturer, 'capture' | 'report'>;
  /** Receives warnings (corrupt store, failed save). */
  logger?: Pick<Logger, 'warn'>;
  /**
   * Time one strategy may take, its `applies()` and `run()` together, in ms (default 300 000: five
   * minutes, above `retryWithBackoff`'s longest wait of 120 s). When it runs out the strategy's
   * `ctx.signal` aborts with a TimeoutError, the attempt counts as failed (`timedOut: true`) and the
   * next strategy runs; a strategy's own `timeoutMs` overrides it. Also bounds building the manual
   * report. A whole number from 1 to 2 147 483 647.
   */
  strategyTimeoutMs?: number;
  /**
   * How long a save waits for another process holding the store's lock (`<store>.lock`), in ms
   * (default 10 000). After that the save rejects with LockHeldError (autoSave warns instead) and
   * the unsaved outcomes are kept for the next save.
   */
  lockWaitMs?: number;
}

/** Defaults of {@link RecoveryRegistryOptions}. */
export const RECOVERY_REGISTRY_DEFAULTS = Object.freeze({
  /** Recoveries kept in history. */
  historyLimit: 100,
  /** Time budget of one strategy (applies + run), ms. */
  strategyTimeoutMs: 300_000,
  /** How long a save waits for the store's lock, ms. */
  lockWaitMs: 10_000,
});

/** The second argument of {@link RecoveryRegistry.recover}: the hook's request, every field optional. */
export interface RecoverOptions {
  /** The component that failed (default `unknown`); learned statistics and history use it. */
  component?: string;
  /** The operation that failed (default `unknown`). */
  operation?: string;
  /** Classification of `error`; computed with classifyError when absent. */
  classification?: ErrorClassification;
  /** Recovery attempts already made for this call (withReliability passes it). */
  recoveryAttempts?: number;
  /** Stops the recovery: the running strategy is told through `ctx.signal` and the result is `fail`. */
  signal?: AbortSignal;
  /** Facts handed to strategies as `ctx.data`. */
  data?: Record<string, unknown>;
}

/** {@link RecoveryRegistryOptions} validated, with defaults filled in. */
export interface ResolvedRegistryOptions {
  readonly store: string | undefined;
  readonly autoSave: boolean;
  readonly historyLimit: number;
  readonly links: Partial<Record<ErrorCategory | '*', readonly string[]>>;
  readonly redact: Redactor;
  readonly reportBuilder: RecoveryRegistryOptions['reportBuilder'];
  readonly capturer: RecoveryRegistryOptions['capturer'];
  readonly logger: Pick<Logger, 'warn'> | undefined;
  readonly strategyTimeoutMs: number;
  readonly lockWaitMs: number;
}

/** Validates the registry's options (throwing {@link ConfigurationError}) and applies the defaults. */
export function resolveRegistryOptions(options: RecoveryRegistryOptions): ResolvedRegistryOptions {
  optionalObject('RecoveryRegistry options', options);
  if (options.store !== undefined && (typeof options.store !== 'string' || options.store === '')) {
    throw new ConfigurationError('RecoveryRegistry.store', 'a file path', options.store);
  }
  return {
    store: options.store,
    autoSave: optionalBoolean('RecoveryRegistry.autoSave', options.autoSave) ?? options.store !== undefined,
    historyLimit:
      optionalCount('RecoveryRegistry.historyLimit', options.historyLimit) ??
      RECOVERY_REGISTRY_DEFAULTS.historyLimit,
    links: validLinks(options.links),
    redact:
      optionalFunction<Redactor>('RecoveryRegistry.redact', options.redact) ??
      ((text: string) => redact(text)),
    reportBuilder: optionalFunction('RecoveryRegistry.reportBuilder', options.reportBuilder),
    capturer: withMethods('RecoveryRegistry.capturer', options.capturer, ['capture', 'report']),
    logger: withMethods('RecoveryRegistry.logger', options.logger, ['warn']),
    strategyTimeoutMs:
      optionalBudget('RecoveryRegistry.strategyTimeoutMs', options.strategyTimeoutMs) ??
      RECOVERY_REGISTRY_DEFAULTS.strategyTimeoutMs,
    lockWaitMs:
      optionalBudget('RecoveryRegistry.lockWaitMs', options.lockWaitMs) ??
      RECOVERY_REGISTRY_DEFAULTS.lockWaitMs,
  };
}

/** undefined, or an object whose `methods` are functions (a capturer, a logger). */
function withMethods<T extends object>(
  option: string,
  value: T | undefined,
  methods: readonly string[],
): T | undefined {
  const object = optionalObject<Record<string, unknown>>(option, value);
  for (const method of methods) {
    if (object && typeof object[method] !== 'function') {
      throw new ConfigurationError(
        option,
        `an object with ${methods.map((m) => `${m}()`).join(' and ')}`,
        value,
      );
    }
  }
  return value;
}

/** `links`: per category (or `'*'`), an array of URLs shown with manual steps. */
function validLinks(value: unknown): ResolvedRegistryOptions['links'] {
  const links = optionalObject<Record<string, unknown>>('RecoveryRegistry.links', value) ?? {};
  for (const [category, list] of Object.entries(links)) {
    if (!Array.isArray(list) || list.some((link) => typeof link !== 'string')) {
      throw new ConfigurationError(`RecoveryRegistry.links.${category}`, 'an array of URLs (strings)', list);
    }
  }
  return links as ResolvedRegistryOptions['links'];
}
