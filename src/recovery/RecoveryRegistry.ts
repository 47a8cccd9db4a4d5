import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { ErrorCategory } from '../errors/category.js';
import { classifyError } from '../errors/classify.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import type { RecoveryHook, RecoveryRequest } from '../policies/wrap/hooks.js';
import { MAX_MESSAGE, runStrategy, strategyContext } from './attempt.js';
import { StrategyBudget } from './budget.js';
import { historyTotals, summarizeHistory } from './history.js';
import { likelihood, likelihoodText } from './learning.js';
import { DEFAULT_RECOVERY_LINKS, type ManualInput, manualSteps, messageOf } from './manual.js';
import { CATEGORY_SET, type Entry, StrategyRanking } from './ranking.js';
import {
  type RecoverOptions,
  type RecoveryRegistryOptions,
  type ResolvedRegistryOptions,
  resolveRegistryOptions,
} from './registryOptions.js';
import { RegistryStore } from './registryStore.js';
import { buildRecoveryReport } from './report.js';
import type {
  RecoveryAttempt,
  RecoveryContext,
  RecoveryEvents,
  RecoveryHistoryEntry,
  RecoveryResult,
  RecoveryStats,
  RecoveryStrategy,
  RecoverySummary,
  StrategyStats,
} from './types.js';

export type { RecoverOptions, RecoveryRegistryOptions } from './registryOptions.js';

const NEVER_ABORTED = new AbortController().signal;

/**
 * Chooses recovery strategies for final failures and learns which ones work.
 *
 * Strategies registered for the error's category (and for `'*'`) are tried in order of their
 * learned likelihood — the Laplace-smoothed success rate (s + 1) / (n + 2) per category, ties by
 * registration order — until one returns `'retry'` or `'continue'`. Each attempt is announced
 * (`recovery:attempt`, with "worked 12 of 14 times"). When all fail the result is `manual` with
 * guided steps, links and a pre-filled report. With `store`, what was learned survives restarts.
 *
 * A strategy that returned `'retry'` and whose retried call failed again (the next `recover()` for
 * the same component and operation comes with `recoveryAttempts > 0`) is counted as failed.
 *
 * Ranking and learning live in ranking.ts, persistence in registryStore.ts, history and summary in
 * history.ts, the manual report in report.ts.
 */
export class RecoveryRegistry extends ReliabilityEmitter<RecoveryEvents> implements RecoveryHook {
  readonly #options: ResolvedRegistryOptions;
  readonly #store: RegistryStore;
  readonly #ranking: StrategyRanking;

  constructor(options: RecoveryRegistryOptions = {}) {
    super();
    this.#options = resolveRegistryOptions(options);
    this.#store = new RegistryStore(
      this.#options.store,
      (message, extra) => this.#warn(message, extra),
      this.#options.historyLimit,
      this.#options.lockWaitMs,
    );
    this.#ranking = new StrategyRanking(() => this.#store.loaded());
  }

  /**
   * Adds a strategy for a category (or several, or `'*'` for every category). Returns `this`.
   * A strategy name may appear once per category.
   */
  register(
    category: ErrorCategory | '*' | readonly (ErrorCategory | '*')[],
    strategy: RecoveryStrategy,
  ): this {
    this.#ranking.register(Array.isArray(category) ? category : [category], strategy);
    return this;
  }

  /** The strategies that would be tried for `category`, in order, with their learned likelihood. */
  plan(category: ErrorCategory): StrategyStats[] {
    return this.#ranking.candidates(category).map((e) => this.#ranking.statsOf(category, e.strategy.name));
  }

  /** Tries the strategies for `error`; see the class comment. Never throws for a strategy's failure. */
  async recover(error: unknown, request: RecoverOptions | RecoveryRequest = {}): Promise<RecoveryResult> {
    this.#store.loaded();
    const redact = this.#options.redact;
    const classification = request.classification ?? classifyError(error);
    const category = classification.category;
    const component = request.component ?? 'unknown';
    const operation = request.operation ?? 'unknown';
    const recoveryAttempts = request.recoveryAttempts ?? 0;
    const signal = request.signal ?? NEVER_ABORTED;
    if (!isSignal(signal)) throw new ConfigurationError('recover() signal', 'an AbortSignal', signal);
    const extra = ('data' in request && request.data) || {};
    const takenBack = this.#ranking.settlePending(component, operation, recoveryAttempts);
    if (takenBack) this.#store.takeBackSuccess(takenBack.category, takenBack.strategy);

    const attempts: RecoveryAttempt[] = [];
    const strategySteps: string[] = [];
    const links: string[] = [];
    const addLink = (url: string) => {
      if (typeof url !== 'string' || url === '') return;
      const clean = redact(url);
      if (!links.includes(clean)) links.push(clean);
    };
    const base = { category, component, operation };
    const finish = (outcome: Outcome, notes?: readonly string[]) =>
      this.#finish(error, base, attempts, outcome, signal, notes);
    const call: RecoveryCall = {
      facts: { error, classification, category, component, operation, recoveryAttempts, data: extra },
      signal,
      base,
      attempts,
      strategySteps,
      addLink,
    };
    let index = 0;
    for (const entry of this.#ranking.candidates(category)) {
      if (signal.aborted) return finish({ action: 'fail' });
      const end = await this.#attempt(entry, call, index + 1);
      if (end === 'skipped') continue;
      index += 1;
      if (end !== 'failed') return finish(end.outcome, end.notes);
    }
    if (signal.aborted) return finish({ action: 'fail' });

    const configured = this.#options.links;
    for (const url of DEFAULT_RECOVERY_LINKS[category] ?? []) addLink(url);
    for (const url of configured[category] ?? []) addLink(url);
    for (const url of configured['*'] ?? []) addLink(url);
    const input: ManualInput = {
      error,
      classification,
      component,
      operation,
      attempts,
      strategySteps,
      links,
    };
    const steps = manualSteps(input, redact);
    const budget = new StrategyBudget(signal, this.#options.strategyTimeoutMs, 'recovery report');
    const report = await buildRecoveryReport(input, steps, recoveryAttempts, {
      redact,
      reportBuilder: this.#options.reportBuilder,
      capturer: this.#options.capturer,
      warn: (message) => this.#warn(message),
      budget,
    }).finally(() => budget.dispose());
    if (signal.aborted) return finish({ action: 'fail' });
    this.announce('recovery:manual', { ...base, manualSteps: steps, tried: attempts.map((a) => a.strategy) });
    return finish({ action: 'manual', manualSteps: steps, links, report });
  }

  /**
   * Teaches the registry an outcome observed elsewhere (e.g. the retried call finally succeeded or
   * failed). Counts one attempt, and a success when `success`.
   */
  recordOutcome(category: ErrorCategory, strategy: string, success: boolean): void {
    if (!CATEGORY_SET.has(category))
      throw new ConfigurationError('recordOutcome category', 'an ErrorCategory', category);
    if (typeof strategy !== 'string' || strategy === '') {
      throw new ConfigurationError('recordOutcome strategy', 'a strategy name', strategy);
    }
    this.#store.count(category, strategy, success, success ? 'retry' : 'fail');
  }

  /** Learned statistics per category × strategy (registered strategies included), and totals. */
  stats(): RecoveryStats {
    const data = this.#store.loaded();
    return { strategies: this.#ranking.allStats(data), totals: historyTotals(data.history) };
  }

  /** Finished recoveries, oldest first (bounded by `historyLimit`; persisted with the store). */
  history(): RecoveryHistoryEntry[] {
    return [...this.#store.loaded().history];
  }

  /** "What was fixed": recoveries from the history grouped by the strategy that fixed them. */
  summary(): RecoverySummary {
    return summarizeHistory(this.#store.loaded().history, this.#options.redact);
  }

  /** Writes the store now (atomically); resolves when written. A no-op without `store`. */
  save(): Promise<void> {
    return this.#store.save();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  /**
   * Asks one strategy whether it applies and runs it, within its time budget (applies() and run()
   * together). Returns how the recovery goes on: `skipped` (did not apply), `failed` (try the
   * next), or the outcome that ends the recovery (a success, or `fail` when the signal aborted).
   */
  async #attempt(
    entry: Entry,
    call: RecoveryCall,
    index: number,
  ): Promise<'skipped' | 'failed' | { outcome: Outcome; notes?: readonly string[] }> {
    const { strategy } = entry;
    const { category, component, operation } = call.base;
    const redact = this.#options.redact;
    const budget = new StrategyBudget(
      call.signal,
      entry.timeoutMs ?? this.#options.strategyTimeoutMs,
      `recovery strategy ${strategy.name}`,
    );
    try {
      const notes: string[] = [];
      const ctx = strategyContext(
        { ...call.facts, signal: budget.signal },
        { strategySteps: call.strategySteps, notes, addLink: call.addLink, redact },
      );
      const interrupted = { outcome: { action: 'fail', interrupted: strategy.name } } as const;
      if (strategy.applies) {
        const asked = await budget.run(() => strategy.applies?.(ctx));
        if (asked.kind === 'aborted') return interrupted;
        if (asked.kind === 'timeout') {
          this.#warn(
            `Recovery strategy ${strategy.name}: applies() did not answer within ${budget.ms} ms; it was skipped.`,
          );
        }
        if (asked.kind !== 'value' || !asked.value) return 'skipped';
      }
      const stats = this.#ranking.stored(category, strategy.name);
      const before = likelihood(stats?.successes ?? 0, stats?.attempts ?? 0);
      const text = likelihoodText(strategy.name, stats?.successes ?? 0, stats?.attempts ?? 0);
      this.announce('recovery:attempt', {
        ...call.base,
        strategy: strategy.name,
        description: strategy.description,
        index,
        likelihood: before,
        attempts: stats?.attempts ?? 0,
        successes: stats?.successes ?? 0,
        text,
      });
      const run = await runStrategy(strategy, ctx, budget, redact);
      if (run.aborted) return interrupted;
      const { outcome, thrown, durationMs } = run;
      const extra = {
        ...(thrown !== undefined ? { error: thrown } : {}),
        ...(run.timedOut ? ({ timedOut: true } as const) : {}),
      };
      const success = outcome === 'retry' || outcome === 'continue';
      this.#store.count(category, strategy.name, success, outcome);
      call.attempts.push({
        strategy: strategy.name,
        outcome,
        likelihood: before,
        likelihoodText: text,
        durationMs,
        notes,
        ...extra,
      });
      if (outcome === 'retry' || outcome === 'continue') {
        this.announce('recovery:success', {
          ...call.base,
          strategy: strategy.name,
          outcome,
          durationMs,
          notes,
        });
        if (outcome === 'retry') this.#ranking.remember(component, operation, category, strategy.name);
        return { outcome: { action: outcome, strategy: strategy.name }, notes };
      }
      this.announce('recovery:failed', {
        ...call.base,
        strategy: strategy.name,
        outcome,
        durationMs,
        ...extra,
      });
      return 'failed';
    } finally {
      budget.dispose();
    }
  }

  #warn(message: string, extra: { path?: string; movedTo?: string } = {}): void {
    const text = this.#options.redact(message);
    this.#options.logger?.warn(text, extra);
    this.announce('recovery:warning', { message: text, ...extra });
  }

  async #finish(
    error: unknown,
    base: { category: ErrorCategory; component: string; operation: string },
    attempts: RecoveryAttempt[],
    outcome: Outcome,
    signal: AbortSignal,
    notes?: readonly string[],
  ): Promise<RecoveryResult> {
    const { action } = outcome;
    const strategy =
      outcome.action === 'retry' || outcome.action === 'continue' ? outcome.strategy : undefined;
    this.#store.appendHistory({
      at: new Date().toISOString(),
      ...base,
      action,
      ...(strategy !== undefined ? { strategy } : {}),
      tried: attempts.map((a) => ({ strategy: a.strategy, outcome: a.outcome })),
      ...(notes && notes.length > 0 ? { notes: [...notes] } : {}),
      message: this.#options.redact(messageOf(error)).slice(0, MAX_MESSAGE),
    });
    const file = this.#store.file;
    if (this.#options.autoSave && file !== undefined) {
      const saved = this.save().catch((caught: unknown) => {
        this.#warn(`The recovery store ${file} could not be saved: ${messageOf(caught)}`, { path: file });
      });
      // A cancelled recovery answers at once; its save (which may wait for the lock) goes on behind.
      if (!signal.aborted) await saved;
    }
    return { ...outcome, category: base.category, attempts };
  }
}

/** Whether `value` behaves as an AbortSignal (instances from other realms included). */
function isSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  const v = value as Partial<AbortSignal> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.aborted === 'boolean' &&
    typeof v.addEventListener === 'function' &&
    typeof v.removeEventListener === 'function'
  );
}

/** What one recover() call shares with each strategy attempt. */
interface RecoveryCall {
  /** The facts every strategy's context carries (its signal is the strategy's own budget signal). */
  readonly facts: Omit<RecoveryContext, 'addManualStep' | 'addLink' | 'note' | 'signal'>;
  readonly signal: AbortSignal;
  readonly base: { category: ErrorCategory; component: string; operation: string };
  readonly attempts: RecoveryAttempt[];
  readonly strategySteps: string[];
  readonly addLink: (url: string) => void;
}

/** The action-specific part of a {@link RecoveryResult}. */
type Outcome = RecoveryResult extends infer R
  ? R extends RecoveryResult
    ? Omit<R, 'category' | 'attempts'>
    : never
  : never;
