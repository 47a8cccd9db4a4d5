import type { ErrorCategory } from '../errors/category.js';
import type { StoreData, StoredStrategyStats } from './store.js';
import type { RecoveryHistoryEntry, StrategyOutcome } from './types.js';

/** What one category × strategy gained in this process since its last save. */
export interface StatsDelta {
  readonly category: ErrorCategory;
  readonly strategy: string;
  attempts: number;
  /** May be negative: a provisional 'retry' success taken back. */
  successes: number;
  lastOutcome?: StrategyOutcome | 'error';
  lastUsedAt?: string;
}

/**
 * This process's changes not yet written: per-key count deltas (bounded by the number of category ×
 * strategy pairs) and the recoveries appended to history (bounded by the history limit).
 */
export interface PendingChanges {
  readonly stats: Map<string, StatsDelta>;
  history: RecoveryHistoryEntry[];
}

/** No changes. */
export function noChanges(): PendingChanges {
  return { stats: new Map(), history: [] };
}

/** The delta of a category × strategy, created empty when missing. */
export function deltaOf(changes: PendingChanges, category: ErrorCategory, strategy: string): StatsDelta {
  const key = `${category}\0${strategy}`;
  let delta = changes.stats.get(key);
  if (!delta) {
    delta = { category, strategy, attempts: 0, successes: 0 };
    changes.stats.set(key, delta);
  }
  return delta;
}

/** `later` added on top of `earlier` (used to put back a batch whose write failed). */
export function combineChanges(
  earlier: PendingChanges,
  later: PendingChanges,
  limit: number,
): PendingChanges {
  const out = noChanges();
  for (const source of [earlier, later]) {
    for (const d of source.stats.values()) addDelta(deltaOf(out, d.category, d.strategy), d, false);
  }
  out.history = [...earlier.history, ...later.history].slice(-limit);
  return out;
}

function addDelta(into: StatsDelta | StoredStrategyStats, d: StatsDelta, clamp: boolean): void {
  into.attempts += d.attempts;
  into.successes += d.successes;
  // Stored counts keep 0 ≤ successes ≤ attempts even when a taken-back success meets counts that
  // another writer rewrote (or a file edited by hand); deltas may be negative until applied.
  if (clamp) into.successes = Math.min(into.attempts, Math.max(0, into.successes));
  if (d.lastOutcome !== undefined && (d.lastUsedAt ?? '') >= (into.lastUsedAt ?? '')) {
    into.lastOutcome = d.lastOutcome;
    if (d.lastUsedAt !== undefined) into.lastUsedAt = d.lastUsedAt;
  }
}

/**
 * Adds `changes` to `base` (mutated and returned): counts are summed, the later `lastUsedAt` wins,
 * history entries are merged by time (stable) and trimmed to the newest `limit`.
 */
export function applyChanges(base: StoreData, changes: PendingChanges, limit: number): StoreData {
  for (const d of changes.stats.values()) {
    let map = base.strategies.get(d.category);
    if (!map) {
      map = new Map();
      base.strategies.set(d.category, map);
    }
    const stats = map.get(d.strategy) ?? { attempts: 0, successes: 0 };
    addDelta(stats, d, true);
    map.set(d.strategy, stats);
  }
  if (changes.history.length > 0) {
    const merged = [...base.history, ...changes.history];
    // Array#sort is stable: entries of one time keep their order (the file's first).
    merged.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    base.history = merged.slice(-limit);
  }
  return base;
}

/** A deep copy of the store data, so the copy can be merged into without touching the original. */
export function cloneStore(data: StoreData): StoreData {
  return {
    strategies: new Map(
      [...data.strategies].map(([category, map]) => [
        category,
        new Map([...map].map(([name, stats]) => [name, { ...stats }])),
      ]),
    ),
    history: [...data.history],
  };
}
