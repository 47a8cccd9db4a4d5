import { performance } from 'node:perf_hooks';
import type { ErrorContextCapturer } from '../context/ErrorContextCapturer.js';
import { redact } from '../context/redact.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { classifyError, type ErrorClassification } from '../errors/classify.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import { optionalBoolean, optionalCount, optionalFunction, optionalObject } from '../policy/validate.js';
import type { Logger, RecoveryHook, RecoveryRequest } from '../wrap/hooks.js';
import { likelihood, likelihoodText } from './learning.js';
import { DEFAULT_RECOVERY_LINKS, type ManualInput, manualReport, manualSteps, messageOf } from './manual.js';
import { emptyStore, loadStore, type StoreData, type StoredStrategyStats, saveStore } from './store.js';
import type {
  RecoveryAttempt,
  RecoveryContext,
  RecoveryEvents,
  RecoveryHistoryEntry,
  RecoveryResult,
  RecoveryStats,
  RecoveryStrategy,
  RecoverySummary,
  Redactor,
  StrategyOutcome,
  StrategyStats,
} from './types.js';

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
  component?: string;
  operation?: string;
  /** Classification of `error`; computed with classifyError when absent. */
  classification?: ErrorClassification;
  /** Recovery attempts already made for this call (withReliability passes it). */
  recoveryAttempts?: number;
  signal?: AbortSignal;
  /** Facts handed to strategies as `ctx.data`. */
  data?: Record<string, unknown>;
}

interface Entry {
  readonly category: ErrorCategory | '*';
  readonly strategy: RecoveryStrategy;
  readonly seq: number;
}

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);
const VALID_OUTCOMES: ReadonlySet<unknown> = new Set(['retry', 'continue', 'fail']);
const NEVER_ABORTED = new AbortController().signal;
const MAX_PENDING = 1000;
const MAX_MESSAGE = 500;

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
 */
export class RecoveryRegistry extends ReliabilityEmitter<RecoveryEvents> implements RecoveryHook {
  readonly #entries: Entry[] = [];
  readonly #store: string | undefined;
  readonly #autoSave: boolean;
  readonly #historyLimit: number;
  readonly #links: Partial<Record<ErrorCategory | '*', readonly string[]>>;
  readonly #redact: Redactor;
  readonly #reportBuilder: RecoveryRegistryOptions['reportBuilder'];
  readonly #capturer: RecoveryRegistryOptions['capturer'];
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  #data: StoreData | undefined;
  #seq = 0;
  #saving: Promise<void> = Promise.resolve();
  /** component\0operation → the strategy whose 'retry' is being tried. */
  readonly #pending = new Map<string, { category: ErrorCategory; strategy: string }>();

  constructor(options: RecoveryRegistryOptions = {}) {
    super();
    optionalObject('RecoveryRegistry options', options);
    if (options.store !== undefined && (typeof options.store !== 'string' || options.store === '')) {
      throw new ConfigurationError('RecoveryRegistry.store', 'a file path', options.store);
    }
    this.#store = options.store;
    this.#autoSave =
      optionalBoolean('RecoveryRegistry.autoSave', options.autoSave) ?? options.store !== undefined;
    this.#historyLimit = optionalCount('RecoveryRegistry.historyLimit', options.historyLimit) ?? 100;
    this.#links = optionalObject('RecoveryRegistry.links', options.links) ?? {};
    this.#redact =
      optionalFunction<Redactor>('RecoveryRegistry.redact', options.redact) ??
      ((text: string) => redact(text));
    this.#reportBuilder = optionalFunction('RecoveryRegistry.reportBuilder', options.reportBuilder);
    this.#capturer = optionalObject('RecoveryRegistry.capturer', options.capturer);
    this.#logger = optionalObject('RecoveryRegistry.logger', options.logger);
  }

  /**
   * Adds a strategy for a category (or several, or `'*'` for every category). Returns `this`.
   * A strategy name may appear once per category.
   */
  register(
    category: ErrorCategory | '*' | readonly (ErrorCategory | '*')[],
    strategy: RecoveryStrategy,
  ): this {
    const categories = Array.isArray(category) ? category : [category];
    if (typeof strategy !== 'object' || strategy === null) {
      throw new ConfigurationError('RecoveryRegistry.register strategy', 'a strategy object', strategy);
    }
    if (typeof strategy.name !== 'string' || strategy.name.trim() === '') {
      throw new ConfigurationError('strategy.name', 'a non-empty string', strategy.name);
    }
    if (typeof strategy.run !== 'function')
      throw new ConfigurationError('strategy.run', 'a function', strategy.run);
    if (strategy.applies !== undefined && typeof strategy.applies !== 'function') {
      throw new ConfigurationError('strategy.applies', 'a function', strategy.applies);
    }
    for (const c of categories) {
      if (c !== '*' && !CATEGORY_SET.has(c)) {
        throw new ConfigurationError('RecoveryRegistry.register category', "an ErrorCategory or '*'", c);
      }
      if (this.#entries.some((e) => e.category === c && e.strategy.name === strategy.name)) {
        throw new ConfigurationError(
          'RecoveryRegistry.register strategy.name',
          `a name not yet registered for '${c}'`,
          strategy.name,
        );
      }
    }
    for (const c of categories) this.#entries.push({ category: c, strategy, seq: this.#seq++ });
    return this;
  }

  /** The strategies that would be tried for `category`, in order, with their learned likelihood. */
  plan(category: ErrorCategory): StrategyStats[] {
    return this.#candidates(category).map((e) => this.#statsOf(category, e.strategy.name));
  }

  /** Tries the strategies for `error`; see the class comment. Never throws for a strategy's failure. */
  async recover(error: unknown, request: RecoverOptions | RecoveryRequest = {}): Promise<RecoveryResult> {
    const data = this.#loaded();
    const classification = request.classification ?? classifyError(error);
    const category = classification.category;
    const component = request.component ?? 'unknown';
    const operation = request.operation ?? 'unknown';
    const recoveryAttempts = request.recoveryAttempts ?? 0;
    const signal = request.signal ?? NEVER_ABORTED;
    const extra = ('data' in request && request.data) || {};
    this.#settlePending(component, operation, recoveryAttempts);

    const attempts: RecoveryAttempt[] = [];
    const strategySteps: string[] = [];
    const links: string[] = [];
    const addLink = (url: string) => {
      if (typeof url !== 'string' || url === '') return;
      const clean = this.#redact(url);
      if (!links.includes(clean)) links.push(clean);
    };
    const base = { category, component, operation };
    let index = 0;
    for (const entry of this.#candidates(category)) {
      if (signal.aborted) return this.#finish(error, base, 'fail', attempts);
      const strategy = entry.strategy;
      const notes: string[] = [];
      const ctx: RecoveryContext = {
        error,
        classification,
        category,
        component,
        operation,
        recoveryAttempts,
        signal,
        data: extra,
        addManualStep: (step) => {
          if (typeof step === 'string' && step.trim() !== '') strategySteps.push(step);
        },
        addLink,
        note: (text) => {
          if (typeof text === 'string' && text !== '') notes.push(this.#redact(text));
        },
      };
      try {
        if (strategy.applies && !(await strategy.applies(ctx))) continue;
      } catch {
        continue;
      }
      const stats = this.#stored(category, strategy.name);
      const before = likelihood(stats?.successes ?? 0, stats?.attempts ?? 0);
      const text = likelihoodText(strategy.name, stats?.successes ?? 0, stats?.attempts ?? 0);
      index += 1;
      this.announce('recovery:attempt', {
        ...base,
        strategy: strategy.name,
        description: strategy.description,
        index,
        likelihood: before,
        attempts: stats?.attempts ?? 0,
        successes: stats?.successes ?? 0,
        text,
      });
      const started = performance.now();
      let outcome: StrategyOutcome | 'error';
      let thrown: string | undefined;
      try {
        const value: unknown = await strategy.run(ctx);
        if (VALID_OUTCOMES.has(value)) {
          outcome = value as StrategyOutcome;
        } else {
          outcome = 'error';
          thrown = this.#redact(
            `returned ${JSON.stringify(value) ?? String(value)} instead of 'retry', 'continue' or 'fail'`,
          ).slice(0, MAX_MESSAGE);
        }
      } catch (caught) {
        if (signal.aborted) return this.#finish(error, base, 'fail', attempts);
        outcome = 'error';
        thrown = this.#redact(messageOf(caught)).slice(0, MAX_MESSAGE);
      }
      const durationMs = performance.now() - started;
      const success = outcome === 'retry' || outcome === 'continue';
      this.#count(data, category, strategy.name, success, outcome);
      attempts.push({
        strategy: strategy.name,
        outcome,
        likelihood: before,
        likelihoodText: text,
        durationMs,
        notes,
        ...(thrown !== undefined ? { error: thrown } : {}),
      });
      if (outcome === 'retry' || outcome === 'continue') {
        this.announce('recovery:success', { ...base, strategy: strategy.name, outcome, durationMs, notes });
        if (outcome === 'retry') this.#remember(component, operation, category, strategy.name);
        return this.#finish(error, base, outcome, attempts, strategy.name, notes);
      }
      this.announce('recovery:failed', {
        ...base,
        strategy: strategy.name,
        outcome,
        durationMs,
        ...(thrown !== undefined ? { error: thrown } : {}),
      });
    }
    if (signal.aborted) return this.#finish(error, base, 'fail', attempts);

    for (const url of DEFAULT_RECOVERY_LINKS[category] ?? []) addLink(url);
    for (const url of this.#links[category] ?? []) addLink(url);
    for (const url of this.#links['*'] ?? []) addLink(url);
    const input: ManualInput = {
      error,
      classification,
      component,
      operation,
      attempts,
      strategySteps,
      links,
    };
    const steps = manualSteps(input, this.#redact);
    const report = await this.#report(input, steps, recoveryAttempts);
    this.announce('recovery:manual', { ...base, manualSteps: steps, tried: attempts.map((a) => a.strategy) });
    return this.#finish(error, base, 'manual', attempts, undefined, undefined, {
      manualSteps: steps,
      links,
      report,
    });
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
    this.#count(this.#loaded(), category, strategy, success, success ? 'retry' : 'fail');
  }

  /** Learned statistics per category × strategy (registered strategies included), and totals. */
  stats(): RecoveryStats {
    const data = this.#loaded();
    const keys = new Map<string, { category: ErrorCategory; strategy: string }>();
    for (const [category, map] of data.strategies) {
      for (const name of map.keys()) keys.set(`${category}\0${name}`, { category, strategy: name });
    }
    for (const e of this.#entries) {
      if (e.category !== '*')
        keys.set(`${e.category}\0${e.strategy.name}`, { category: e.category, strategy: e.strategy.name });
    }
    const strategies = [...keys.values()]
      .map((k) => this.#statsOf(k.category, k.strategy))
      .sort((a, b) =>
        a.category !== b.category
          ? a.category < b.category
            ? -1
            : 1
          : b.likelihood - a.likelihood || b.attempts - a.attempts,
      );
    let fixed = 0;
    let manual = 0;
    for (const h of data.history) {
      if (h.action === 'retry' || h.action === 'continue') fixed += 1;
      else if (h.action === 'manual') manual += 1;
    }
    return { strategies, totals: { recoveries: data.history.length, fixed, manual } };
  }

  /** Finished recoveries, oldest first (bounded by `historyLimit`; persisted with the store). */
  history(): RecoveryHistoryEntry[] {
    return [...this.#loaded().history];
  }

  /** "What was fixed": recoveries from the history grouped by the strategy that fixed them. */
  summary(): RecoverySummary {
    const fixed = new Map<string, { category: ErrorCategory; strategy: string; count: number }>();
    const manual = new Map<ErrorCategory, number>();
    for (const h of this.#loaded().history) {
      if ((h.action === 'retry' || h.action === 'continue') && h.strategy !== undefined) {
        const key = `${h.category}\0${h.strategy}`;
        const item = fixed.get(key) ?? { category: h.category, strategy: h.strategy, count: 0 };
        item.count += 1;
        fixed.set(key, item);
      } else if (h.action === 'manual') {
        manual.set(h.category, (manual.get(h.category) ?? 0) + 1);
      }
    }
    const fixedList = [...fixed.values()].sort((a, b) => b.count - a.count);
    const manualList = [...manual.entries()]
      .map(([category, count]) => ({ category, count }))
      .sort((a, b) => b.count - a.count);
    const total = fixedList.reduce((n, f) => n + f.count, 0);
    const parts: string[] = [];
    if (total === 0 && manualList.length === 0) parts.push('No recovery was needed.');
    if (total > 0) {
      parts.push(
        `Fixed automatically ${total} time${total === 1 ? '' : 's'}: ${fixedList
          .map((f) => `${f.category} by ${f.strategy} (${f.count})`)
          .join(', ')}.`,
      );
    }
    if (manualList.length > 0) {
      const n = manualList.reduce((s, m) => s + m.count, 0);
      parts.push(
        `Needed a person ${n} time${n === 1 ? '' : 's'}: ${manualList.map((m) => `${m.category} (${m.count})`).join(', ')}.`,
      );
    }
    return { fixed: fixedList, manual: manualList, text: this.#redact(parts.join(' ')) };
  }

  /** Writes the store now (atomically); resolves when written. A no-op without `store`. */
  save(): Promise<void> {
    const file = this.#store;
    if (file === undefined) return Promise.resolve();
    const data = this.#loaded();
    const run = this.#saving.then(() => saveStore(file, data));
    this.#saving = run.catch(() => {});
    return run;
  }

  // ── internals ──────────────────────────────────────────────────────────────

  async #report(input: ManualInput, steps: readonly string[], recoveryAttempts: number): Promise<string> {
    const summary = manualReport(input, steps, this.#redact);
    try {
      if (this.#reportBuilder) return this.#redact(await this.#reportBuilder(input));
      if (!this.#capturer) return summary;
      const context = await this.#capturer.capture(input.error, {
        component: input.component,
        operation: input.operation,
        phase: 'recovery',
        retryCount: 0,
        recoveryAttempts,
      });
      return this.#redact(`${summary}\n${this.#capturer.report(context, { format: 'markdown' })}`);
    } catch (caught) {
      this.#warn(`Building the recovery report failed: ${messageOf(caught)}`);
      return summary;
    }
  }

  #loaded(): StoreData {
    if (this.#data) return this.#data;
    if (this.#store === undefined) {
      this.#data = emptyStore();
      return this.#data;
    }
    const { data, corrupt } = loadStore(this.#store);
    this.#data = data;
    if (corrupt) {
      const message = `The recovery store ${this.#store} could not be used (${corrupt.reason}); ${
        corrupt.movedTo ? `it was moved to ${corrupt.movedTo} and ` : ''
      }learning starts afresh.`;
      this.#warn(message, { path: this.#store, ...(corrupt.movedTo ? { movedTo: corrupt.movedTo } : {}) });
    }
    return data;
  }

  #warn(message: string, extra: { path?: string; movedTo?: string } = {}): void {
    const text = this.#redact(message);
    this.#logger?.warn(text, extra);
    this.announce('recovery:warning', { message: text, ...extra });
  }

  #candidates(category: ErrorCategory): Entry[] {
    const list = this.#entries.filter((e) => e.category === category || e.category === '*');
    const seen = new Set<string>();
    const unique: Entry[] = [];
    for (const e of list) {
      if (seen.has(e.strategy.name)) continue;
      seen.add(e.strategy.name);
      unique.push(e);
    }
    const score = new Map(
      unique.map((e) => {
        const s = this.#stored(category, e.strategy.name);
        return [e, likelihood(s?.successes ?? 0, s?.attempts ?? 0)] as const;
      }),
    );
    return unique.sort((a, b) => score.get(b)! - score.get(a)! || a.seq - b.seq);
  }

  #stored(category: ErrorCategory, strategy: string): StoredStrategyStats | undefined {
    return this.#loaded().strategies.get(category)?.get(strategy);
  }

  #statsOf(category: ErrorCategory, strategy: string): StrategyStats {
    const s = this.#stored(category, strategy);
    const attempts = s?.attempts ?? 0;
    const successes = s?.successes ?? 0;
    return {
      category,
      strategy,
      attempts,
      successes,
      likelihood: likelihood(successes, attempts),
      observedRate: attempts === 0 ? 0 : successes / attempts,
      ...(s?.lastOutcome !== undefined ? { lastOutcome: s.lastOutcome } : {}),
      ...(s?.lastUsedAt !== undefined ? { lastUsedAt: s.lastUsedAt } : {}),
    };
  }

  #count(
    data: StoreData,
    category: ErrorCategory,
    strategy: string,
    success: boolean,
    outcome: StrategyOutcome | 'error',
  ) {
    let map = data.strategies.get(category);
    if (!map) {
      map = new Map();
      data.strategies.set(category, map);
    }
    const stats = map.get(strategy) ?? { attempts: 0, successes: 0 };
    stats.attempts += 1;
    if (success) stats.successes += 1;
    stats.lastOutcome = outcome;
    stats.lastUsedAt = new Date().toISOString();
    map.set(strategy, stats);
  }

  #remember(component: string, operation: string, category: ErrorCategory, strategy: string): void {
    const key = `${component}\0${operation}`;
    this.#pending.delete(key);
    if (this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
    this.#pending.set(key, { category, strategy });
  }

  /** A retried call that failed again means the strategy's 'retry' did not fix it. */
  #settlePending(component: string, operation: string, recoveryAttempts: number): void {
    const key = `${component}\0${operation}`;
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    if (recoveryAttempts <= 0) return;
    const stats = this.#stored(pending.category, pending.strategy);
    if (stats && stats.successes > 0) {
      stats.successes -= 1;
      stats.lastOutcome = 'fail';
    }
  }

  async #finish(
    error: unknown,
    base: { category: ErrorCategory; component: string; operation: string },
    action: RecoveryResult['action'],
    attempts: RecoveryAttempt[],
    strategy?: string,
    notes?: readonly string[],
    manual?: { manualSteps: string[]; links: string[]; report: string },
  ): Promise<RecoveryResult> {
    const data = this.#loaded();
    data.history.push({
      at: new Date().toISOString(),
      ...base,
      action,
      ...(strategy !== undefined ? { strategy } : {}),
      tried: attempts.map((a) => ({ strategy: a.strategy, outcome: a.outcome })),
      ...(notes && notes.length > 0 ? { notes: [...notes] } : {}),
      message: this.#redact(messageOf(error)).slice(0, MAX_MESSAGE),
    });
    if (data.history.length > this.#historyLimit)
      data.history.splice(0, data.history.length - this.#historyLimit);
    if (this.#autoSave && this.#store !== undefined) {
      try {
        await this.save();
      } catch (caught) {
        this.#warn(`The recovery store ${this.#store} could not be saved: ${messageOf(caught)}`, {
          path: this.#store,
        });
      }
    }
    return {
      action,
      category: base.category,
      attempts,
      ...(strategy !== undefined ? { strategy } : {}),
      ...(manual ?? {}),
    };
  }
}
