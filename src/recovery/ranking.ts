import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { optionalBudget } from './budget.js';
import { likelihood } from './learning.js';
import type { StoreData, StoredStrategyStats } from './store.js';
import type { RecoveryStrategy, StrategyStats } from './types.js';

/** A registered strategy for one category. */
export interface Entry {
  readonly category: ErrorCategory | '*';
  readonly strategy: RecoveryStrategy;
  readonly seq: number;
  /** The strategy's own time budget, read once at registration (a getter cannot change it later). */
  readonly timeoutMs: number | undefined;
}

/** The error categories, for validating arguments. */
export const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);
/** Most component/operation pairs whose 'retry' is awaiting its verdict. */
const MAX_PENDING = 1000;

/**
 * The registered strategies and what was learned about them: orders candidates by the
 * Laplace-smoothed likelihood, counts outcomes into the store data, and takes back the success of a
 * 'retry' whose retried call failed again.
 */
export class StrategyRanking {
  readonly #entries: Entry[] = [];
  #seq = 0;
  /** component\0operation → the strategy whose 'retry' is being tried. */
  readonly #pending = new Map<string, { category: ErrorCategory; strategy: string }>();
  readonly #data: () => StoreData;

  /** `data` returns the (lazily loaded) store the counts live in. */
  constructor(data: () => StoreData) {
    this.#data = data;
  }

  /** Validates and adds a strategy for each of `categories`. */
  register(categories: readonly (ErrorCategory | '*')[], strategy: RecoveryStrategy): void {
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
    const timeoutMs = optionalBudget('strategy.timeoutMs', strategy.timeoutMs);
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
    for (const c of categories) this.#entries.push({ category: c, strategy, seq: this.#seq++, timeoutMs });
  }

  /** The strategies for `category` (and `'*'`), one per name, best likelihood first, ties by registration. */
  candidates(category: ErrorCategory): Entry[] {
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
        const s = this.stored(category, e.strategy.name);
        return [e, likelihood(s?.successes ?? 0, s?.attempts ?? 0)] as const;
      }),
    );
    return unique.sort((a, b) => score.get(b)! - score.get(a)! || a.seq - b.seq);
  }

  /** The counts stored for a category × strategy, if any. */
  stored(category: ErrorCategory, strategy: string): StoredStrategyStats | undefined {
    return this.#data().strategies.get(category)?.get(strategy);
  }

  /** The public statistics of a category × strategy. */
  statsOf(category: ErrorCategory, strategy: string): StrategyStats {
    const s = this.stored(category, strategy);
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

  /** Remembers that `strategy` answered 'retry' for this component/operation (bounded, oldest dropped). */
  remember(component: string, operation: string, category: ErrorCategory, strategy: string): void {
    const key = `${component}\0${operation}`;
    this.#pending.delete(key);
    if (this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
    this.#pending.set(key, { category, strategy });
  }

  /**
   * A retried call that failed again means the strategy's 'retry' did not fix it: returns the
   * category × strategy whose success must be taken back, if any.
   */
  settlePending(
    component: string,
    operation: string,
    recoveryAttempts: number,
  ): { category: ErrorCategory; strategy: string } | undefined {
    const key = `${component}\0${operation}`;
    const pending = this.#pending.get(key);
    if (!pending) return undefined;
    this.#pending.delete(key);
    return recoveryAttempts > 0 ? pending : undefined;
  }

  /** Statistics of every category × strategy seen in the store or registered, sorted for display. */
  allStats(data: StoreData): StrategyStats[] {
    const keys = new Map<string, { category: ErrorCategory; strategy: string }>();
    for (const [category, map] of data.strategies) {
      for (const name of map.keys()) keys.set(`${category}\0${name}`, { category, strategy: name });
    }
    for (const e of this.#entries) {
      if (e.category !== '*')
        keys.set(`${e.category}\0${e.strategy.name}`, { category: e.category, strategy: e.strategy.name });
    }
    return [...keys.values()]
      .map((k) => this.statsOf(k.category, k.strategy))
      .sort((a, b) =>
        a.category !== b.category
          ? a.category < b.category
            ? -1
            : 1
          : b.likelihood - a.likelihood || b.attempts - a.attempts,
      );
  }
}
