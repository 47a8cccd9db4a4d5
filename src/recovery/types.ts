import type { ErrorCategory } from '../errors/category.js';
import type { ErrorClassification } from '../errors/classify.js';

/** Turns text that may hold secrets into text that may be printed, persisted or served. */
export type Redactor = (text: string) => string;

/**
 * What a strategy decided: `'retry'` — it changed something, run the failed call again;
 * `'continue'` — the failure is handled, go on without the call's result; `'fail'` — it could not
 * help (the registry tries the next strategy).
 */
export type StrategyOutcome = 'retry' | 'continue' | 'fail';

/** What a strategy is given. */
export interface RecoveryContext {
  /** The error of the final failure. */
  readonly error: unknown;
  /** How classifyError saw it. */
  readonly classification: ErrorClassification;
  /** Shorthand for `classification.category`. */
  readonly category: ErrorCategory;
  /** Component and operation that failed (`'unknown'` when not given). */
  readonly component: string;
  /** The operation that failed (`'unknown'` when not given). */
  readonly operation: string;
  /** Recovery attempts already made for this call (0 on the first failure). */
  readonly recoveryAttempts: number;
  /** Aborted when the caller gives up; strategies must stop promptly. */
  readonly signal: AbortSignal;
  /** Free-form facts passed to `recover()` (paths, URLs, the install root…). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Adds a step for a person; shown if recovery ends with `manual`. */
  addManualStep(step: string): void;
  /** Adds a link (documentation, a settings page) shown with the manual steps. */
  addLink(url: string): void;
  /** Records what the strategy did ("removed 3 stale partials, 2.1 GB") for history and summary. */
  note(text: string): void;
}

/**
 * A recovery strategy. Keep `name` stable: learned success rates are stored under it.
 * `run` may be sync or async, must honour `ctx.signal`, and should never escalate privileges.
 */
export interface RecoveryStrategy {
  /** Stable identifier, e.g. `'alternative-source'`. */
  readonly name: string;
  /** One sentence for people: what it does. */
  readonly description: string;
  /** Whether it can help with this failure at all (default: yes). Not-applying is not a failure. */
  applies?(ctx: RecoveryContext): boolean | PromiseLike<boolean>;
  /** Tries to fix the failure. A throw counts as `'fail'`. */
  run(ctx: RecoveryContext): StrategyOutcome | PromiseLike<StrategyOutcome>;
  /**
   * Time this strategy may take, `applies()` and `run()` together, in ms; overrides the registry's
   * `strategyTimeoutMs` (default 300 000). Raise it for strategies that legitimately take long.
   */
  readonly timeoutMs?: number;
}

/** One strategy tried during a recovery. */
export interface RecoveryAttempt {
  /** The strategy's name. */
  readonly strategy: string;
  /** Its decision, or `'error'` when it threw. */
  readonly outcome: StrategyOutcome | 'error';
  /** Learned likelihood before the attempt: Laplace-smoothed (successes + 1) / (attempts + 2). */
  readonly likelihood: number;
  /** The likelihood for people: "alternative-source: worked 12 of 14 times". */
  readonly likelihoodText: string;
  /** Time the strategy ran, ms. */
  readonly durationMs: number;
  /** What the strategy reported doing. */
  readonly notes: readonly string[];
  /** The (redacted) message of what it threw, when outcome is `'error'`. */
  readonly error?: string;
  /** Present (true) when the strategy ran out of its time budget; outcome is then `'error'`. */
  readonly timedOut?: true;
}

/** What every {@link RecoveryResult} carries, whatever the action. */
export interface RecoveryResultBase {
  /** Every strategy tried, in order. */
  readonly attempts: readonly RecoveryAttempt[];
  /** The failure's category (strategies are ranked per category). */
  readonly category: ErrorCategory;
}

/** A strategy fixed the failure: run the call again (`'retry'`) or go on without it (`'continue'`). */
export interface RecoveredResult extends RecoveryResultBase {
  /** As decided by the successful strategy. */
  readonly action: 'retry' | 'continue';
  /** The strategy that succeeded. */
  readonly strategy: string;
}

/** The recovery was cancelled (its signal aborted) before a strategy succeeded. */
export interface CancelledRecoveryResult extends RecoveryResultBase {
  /** Only when the recovery was cancelled. */
  readonly action: 'fail';
  /** The strategy that was running (or being asked `applies()`) when the signal aborted. */
  readonly interrupted?: string;
}

/** Every strategy failed or none applied: a person has to act, guided by the steps and report. */
export interface ManualRecoveryResult extends RecoveryResultBase {
  /** Every strategy failed or none applied. */
  readonly action: 'manual';
  /** Guided steps for a person, most specific first. */
  readonly manualSteps: readonly string[];
  /** Documentation links for the manual steps. */
  readonly links: readonly string[];
  /** A pre-filled support report in Markdown, redacted. */
  readonly report: string;
}

/**
 * What {@link RecoveryRegistry.recover} decided (assignable to the hook's RecoveryDecision). A union
 * on `action`: checking `action === 'manual'` gives `manualSteps`, `links` and `report`;
 * `'retry'` / `'continue'` give the `strategy` that succeeded.
 */
export type RecoveryResult = RecoveredResult | CancelledRecoveryResult | ManualRecoveryResult;

/** Learned statistics of one strategy for one category. */
export interface StrategyStats {
  /** The failure category these numbers are for. */
  readonly category: ErrorCategory;
  /** The strategy's name. */
  readonly strategy: string;
  /** Times it ran for this category. */
  readonly attempts: number;
  /** Times it ended with `retry` or `continue` (a retry that failed again is counted as failed). */
  readonly successes: number;
  /** Laplace-smoothed success rate (successes + 1) / (attempts + 2); what ordering uses. */
  readonly likelihood: number;
  /** successes / attempts (0 when never tried). */
  readonly observedRate: number;
  /** Its outcome the last time it ran, absent when never run. */
  readonly lastOutcome?: StrategyOutcome | 'error';
  /** ISO time it last ran, absent when never run. */
  readonly lastUsedAt?: string;
}

/** One finished recovery, as kept in history (persisted, newest last, bounded). */
export interface RecoveryHistoryEntry {
  /** ISO time. */
  readonly at: string;
  /** The failure's category. */
  readonly category: ErrorCategory;
  /** The component that failed. */
  readonly component: string;
  /** The operation that failed. */
  readonly operation: string;
  /** How the recovery ended. */
  readonly action: RecoveryResult['action'];
  /** The strategy that succeeded, when one did. */
  readonly strategy?: string;
  /** Strategies tried, in order. */
  readonly tried: ReadonlyArray<{
    /** The strategy's name. */
    readonly strategy: string;
    /** What it decided, or `error` when it threw. */
    readonly outcome: StrategyOutcome | 'error';
  }>;
  /** What the successful strategy reported doing. */
  readonly notes?: readonly string[];
  /** The redacted error message. */
  readonly message: string;
}

/** Everything the registry learned. */
export interface RecoveryStats {
  /** Per category × strategy, best first within a category. */
  readonly strategies: readonly StrategyStats[];
  /** Counts over every recovery run. */
  readonly totals: {
    /** Recoveries run. */
    readonly recoveries: number;
    /** Ended with `retry` or `continue`. */
    readonly fixed: number;
    /** Ended with `manual`. */
    readonly manual: number;
  };
}

/** "What was fixed": recoveries grouped by what fixed them, from the history. */
export interface RecoverySummary {
  /** Recoveries that fixed the failure, per category and strategy. */
  readonly fixed: ReadonlyArray<{
    /** The failure category. */
    readonly category: ErrorCategory;
    /** The strategy that fixed it. */
    readonly strategy: string;
    /** How many times. */
    readonly count: number;
  }>;
  /** Recoveries that ended with manual steps, per category. */
  readonly manual: ReadonlyArray<{
    /** The failure category. */
    readonly category: ErrorCategory;
    /** How many times. */
    readonly count: number;
  }>;
  /** One paragraph for people. */
  readonly text: string;
}

/** Payload of `recovery:attempt`. */
export type RecoveryAttemptEvent = {
  /** The failure's category. */
  readonly category: ErrorCategory;
  /** The component that failed. */
  readonly component: string;
  /** The operation that failed. */
  readonly operation: string;
  /** The strategy about to run. */
  readonly strategy: string;
  /** Its one-sentence description. */
  readonly description: string;
  /** 1-based position in this recovery. */
  readonly index: number;
  /** Learned likelihood before this attempt: (successes + 1) / (attempts + 2). */
  readonly likelihood: number;
  /** Earlier runs of this strategy for this category. */
  readonly attempts: number;
  /** Earlier successes of this strategy for this category. */
  readonly successes: number;
  /** "alternative-source: worked 12 of 14 times". */
  readonly text: string;
};

/** Events of a RecoveryRegistry (also on diagnostics_channel `wan-reliability:<event>`). */
export type RecoveryEvents = {
  /** A strategy that applies is about to run. */
  'recovery:attempt': RecoveryAttemptEvent;
  /** A strategy fixed the failure; the recovery ends with its outcome. */
  'recovery:success': {
    /** The failure's category. */
    readonly category: ErrorCategory;
    /** The component that failed. */
    readonly component: string;
    /** The operation that failed. */
    readonly operation: string;
    /** The strategy that fixed it. */
    readonly strategy: string;
    /** `retry`: run the call again; `continue`: go on without its result. */
    readonly outcome: 'retry' | 'continue';
    /** Time the strategy ran, ms. */
    readonly durationMs: number;
    /** What the strategy reported doing. */
    readonly notes: readonly string[];
  };
  /** One strategy failed (or threw); the next is tried. */
  'recovery:failed': {
    /** The failure's category. */
    readonly category: ErrorCategory;
    /** The component that failed. */
    readonly component: string;
    /** The operation that failed. */
    readonly operation: string;
    /** The strategy that could not help. */
    readonly strategy: string;
    /** `fail`: it said it could not help; `error`: it threw. */
    readonly outcome: 'fail' | 'error';
    /** Time the strategy ran, ms. */
    readonly durationMs: number;
    /** For `error`: the redacted message of what it threw. */
    readonly error?: string;
    /** Present (true) when it ran out of its time budget. */
    readonly timedOut?: true;
  };
  /** Every strategy failed (or none applied): a person must act. */
  'recovery:manual': {
    /** The failure's category. */
    readonly category: ErrorCategory;
    /** The component that failed. */
    readonly component: string;
    /** The operation that failed. */
    readonly operation: string;
    /** Guided steps for a person, most useful first (redacted). */
    readonly manualSteps: readonly string[];
    /** Names of the strategies tried, in order. */
    readonly tried: readonly string[];
  };
  /** Something is off but recovery goes on (e.g. a corrupt store was set aside). */
  'recovery:warning': {
    /** What happened, redacted. */
    readonly message: string;
    /** The file concerned (the recovery store), when there is one. */
    readonly path?: string;
    /** Where a corrupt store was moved to. */
    readonly movedTo?: string;
  };
};
