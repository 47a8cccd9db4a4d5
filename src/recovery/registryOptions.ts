import type { ErrorContextCapturer } from '../diagnostics/capture/ErrorContextCapturer.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { ErrorCategory } from '../errors/category.js';
import type { ErrorClassification } from '../errors/classify.js';
import type { Logger } from '../policies/wrap/hooks.js';
import { redact } from '../shared/redaction/redact.js';
import { optionalBoolean, optionalCount, optionalFunction, optionalObject } from '../shared/validate.js';
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
}

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
    historyLimit: optionalCount('RecoveryRegistry.historyLimit', options.historyLimit) ?? 100,
    links: optionalObject('RecoveryRegistry.links', options.links) ?? {},
    redact:
      optionalFunction<Redactor>('RecoveryRegistry.redact', options.redact) ??
      ((text: string) => redact(text)),
    reportBuilder: optionalFunction('RecoveryRegistry.reportBuilder', options.reportBuilder),
    capturer: optionalObject('RecoveryRegistry.capturer', options.capturer),
    logger: optionalObject('RecoveryRegistry.logger', options.logger),
  };
}
