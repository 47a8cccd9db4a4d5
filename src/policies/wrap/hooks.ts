import type { ErrorCategory } from '../../errors/category.js';
import type { ErrorClassification } from '../../errors/classify.js';

/** One call's outcome, as withReliability reports it to a {@link HealthHook}. */
export interface CallOutcome {
  /** Component name given to withReliability. */
  readonly component: string;
  /** Method / operation name. */
  readonly operation: string;
  /** Whether the call finally succeeded (after retries and recovery). */
  readonly success: boolean;
  /** Wall time of the whole call including retries, in ms. */
  readonly durationMs: number;
  /** Category of the final error, for failures. */
  readonly category?: ErrorCategory;
  /** True when the call succeeded only thanks to a recovery strategy. */
  readonly recovered?: boolean;
}

/** Receives every call's outcome; HealthReporter implements it. Must be cheap: it runs on every call. */
export interface HealthHook {
  /**
   * Called once per wrapped call when it settles. Should not throw: a throw (or a rejected promise)
   * is ignored and reported once as a process warning; it never changes the call's outcome.
   */
  record(outcome: CallOutcome): void;
}

/** What a recovery hook is told about a final failure. */
export interface RecoveryRequest {
  /** Component name. */
  readonly component: string;
  /** Method / operation name. */
  readonly operation: string;
  /** How the final error was classified. */
  readonly classification: ErrorClassification;
  /** Recovery attempts already made for this call. */
  readonly recoveryAttempts: number;
  /** Aborted when the caller gives up; strategies should stop then. */
  readonly signal: AbortSignal;
}

/**
 * What a recovery hook decided: `'retry'` runs the call once more, `'continue'` resolves the call
 * with `undefined` (the failure was handled), `'fail'` and `'manual'` rethrow.
 */
export interface RecoveryDecision {
  /** What withReliability does next (see above). */
  readonly action: 'retry' | 'continue' | 'fail' | 'manual';
  /** Name of the strategy that decided, when there was one. */
  readonly strategy?: string;
  /** Guided steps for a person when action is 'manual'. */
  readonly manualSteps?: readonly string[];
}

/** Picks a recovery strategy for a final failure; RecoveryRegistry implements it. */
export interface RecoveryHook {
  /**
   * Tries to repair the cause of a final failure and says what to do next. Not asked for
   * cancellations; a throw, a rejection or an answer without a known `action` counts as `'fail'`.
   */
  recover(error: unknown, request: RecoveryRequest): Promise<RecoveryDecision>;
}

/** What a capture hook is told about a final failure. */
export interface CaptureRequest {
  /** Install phase, e.g. `'download'`. */
  readonly phase?: string;
  /** Component name. */
  readonly component: string;
  /** Method / operation name. */
  readonly operation: string;
  /** Links errors of one run. */
  readonly correlationId?: string;
  /** Retries made before the final failure. */
  readonly retryCount: number;
  /** Recovery attempts made. */
  readonly recoveryAttempts: number;
}

/** Records rich context for a final failure; ErrorContextCapturer implements it. */
export interface CaptureHook {
  /**
   * Records the failure before withReliability rethrows it (the call waits for it); the resolved
   * value is ignored and a throw or rejection is swallowed.
   */
  capture(error: unknown, request: CaptureRequest): Promise<unknown>;
}

/**
 * Minimal structured logger; `console` fits. Messages are already redacted by the caller. A logger
 * that throws or rejects is ignored (reported once as a process warning).
 */
export interface Logger {
  /** Detail for troubleshooting. */
  debug?(message: string, fields?: Record<string, unknown>): void;
  /** Progress worth showing. */
  info?(message: string, fields?: Record<string, unknown>): void;
  /** Something failed but is being handled (e.g. a retry). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A final failure. */
  error(message: string, fields?: Record<string, unknown>): void;
}
