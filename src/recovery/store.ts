import { closeSync, fstatSync, openSync, readFileSync, renameSync } from 'node:fs';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { NO_FOLLOW_READ } from '../shared/readRegularFile.js';
import { writeFileAtomic } from '../shared/writeFileAtomic.js';
import type { RecoveryHistoryEntry, StrategyOutcome } from './types.js';

/** Version of the store file format; bumped on incompatible changes. */
export const RECOVERY_STORE_VERSION = 1;

/** What is stored per category × strategy. */
export interface StoredStrategyStats {
  attempts: number;
  successes: number;
  lastOutcome?: StrategyOutcome | 'error';
  lastUsedAt?: string;
}

/** The store in memory: category → strategy name → stats, plus bounded history. */
export interface StoreData {
  strategies: Map<ErrorCategory, Map<string, StoredStrategyStats>>;
  history: RecoveryHistoryEntry[];
}

/** Result of {@link loadStore}. */
export interface LoadedStore {
  data: StoreData;
  /** Set when the file existed but could not be used; it was renamed to `movedTo`. */
  corrupt?: { reason: string; movedTo?: string };
}

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);
const OUTCOMES: ReadonlySet<string> = new Set(['retry', 'continue', 'fail', 'error']);
const ACTIONS: ReadonlySet<string> = new Set(['retry', 'continue', 'fail', 'manual']);

/** An empty store. */
export function emptyStore(): StoreData {
  return { strategies: new Map(), history: [] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseStats(value: unknown): StoredStrategyStats | string {
  if (!isObject(value)) return 'strategy stats must be an object';
  const { attempts, successes, lastOutcome, lastUsedAt } = value;
  if (!isCount(attempts) || !isCount(successes) || successes > attempts) {
    return 'attempts and successes must be counts with successes ≤ attempts';
  }
  const stats: StoredStrategyStats = { attempts, successes };
  if (lastOutcome !== undefined) {
    if (typeof lastOutcome !== 'string' || !OUTCOMES.has(lastOutcome)) return 'bad lastOutcome';
    stats.lastOutcome = lastOutcome as StoredStrategyStats['lastOutcome'] & string;
  }
  if (lastUsedAt !== undefined) {
    if (typeof lastUsedAt !== 'string') return 'bad lastUsedAt';
    stats.lastUsedAt = lastUsedAt;
  }
  return stats;
}

function parseHistoryEntry(value: unknown): RecoveryHistoryEntry | undefined {
  if (!isObject(value)) return undefined;
  const { at, category, component, operation, action, strategy, tried, notes, message } = value;
  if (typeof at !== 'string' || typeof category !== 'string' || !CATEGORY_SET.has(category)) return undefined;
  if (typeof component !== 'string' || typeof operation !== 'string' || typeof message !== 'string')
    return undefined;
  if (typeof action !== 'string' || !ACTIONS.has(action)) return undefined;
  if (strategy !== undefined && typeof strategy !== 'string') return undefined;
  if (!Array.isArray(tried)) return undefined;
  const triedOut: { strategy: string; outcome: StrategyOutcome | 'error' }[] = [];
  for (const t of tried) {
    if (
      !isObject(t) ||
      typeof t.strategy !== 'string' ||
      typeof t.outcome !== 'string' ||
      !OUTCOMES.has(t.outcome)
    ) {
      return undefined;
    }
    triedOut.push({ strategy: t.strategy, outcome: t.outcome as StrategyOutcome | 'error' });
  }
  if (notes !== undefined && !(Array.isArray(notes) && notes.every((n) => typeof n === 'string')))
    return undefined;
  return {
    at,
    category: category as ErrorCategory,
    component,
    operation,
    action: action as RecoveryHistoryEntry['action'],
    ...(strategy !== undefined ? { strategy } : {}),
    tried: triedOut,
    ...(notes !== undefined ? { notes: notes as string[] } : {}),
    message,
  };
}

/** Parses the store's JSON text; returns the reason when it is not a valid store. */
export function parseStore(text: string): StoreData | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (!isObject(raw)) return 'not a JSON object';
  if (raw.version !== RECOVERY_STORE_VERSION) return `unsupported version ${JSON.stringify(raw.version)}`;
  if (!isObject(raw.strategies)) return '"strategies" must be an object';
  const data = emptyStore();
  for (const [category, perStrategy] of Object.entries(raw.strategies)) {
    if (!CATEGORY_SET.has(category)) return `unknown category ${JSON.stringify(category)}`;
    if (!isObject(perStrategy)) return `"strategies.${category}" must be an object`;
    const map = new Map<string, StoredStrategyStats>();
    for (const [name, value] of Object.entries(perStrategy)) {
      const stats = parseStats(value);
      if (typeof stats === 'string') return `strategies.${category}.${name}: ${stats}`;
      map.set(name, stats);
    }
    data.strategies.set(category as ErrorCategory, map);
  }
  if (raw.history !== undefined) {
    if (!Array.isArray(raw.history)) return '"history" must be an array';
    for (const value of raw.history) {
      const entry = parseHistoryEntry(value);
      if (!entry) return 'a history entry is malformed';
      data.history.push(entry);
    }
  }
  return data;
}

/** The store as JSON text (stable key order: categories and strategies sorted). */
export function serializeStore(data: StoreData, now = new Date()): string {
  const strategies: Record<string, Record<string, StoredStrategyStats>> = {};
  for (const category of [...data.strategies.keys()].sort()) {
    const map = data.strategies.get(category)!;
    // Object.fromEntries defines own properties, so names like "__proto__" stay plain keys.
    strategies[category] = Object.fromEntries(
      [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return `${JSON.stringify(
    { version: RECOVERY_STORE_VERSION, updatedAt: now.toISOString(), strategies, history: data.history },
    null,
    2,
  )}\n`;
}

/** Largest store read: 500 strategies with their history take well under 1 MB. */
export const MAX_STORE_BYTES = 16 * 1024 * 1024;

/**
 * The store's text. The read is synchronous, so it must never block: a FIFO is opened non-blocking
 * and refused, a symbolic link is not followed (nothing outside is read, or replaced by the next
 * save), and a file over MAX_STORE_BYTES is not read whole. Each of these throws (→ "unreadable").
 */
function readStoreText(file: string): string {
  const fd = openSync(file, NO_FOLLOW_READ);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_STORE_BYTES) throw new Error(`${info.size} bytes, more than ${MAX_STORE_BYTES}`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the store synchronously (it is small and read once). A missing file is an empty store; a
 * file that is not a valid store is renamed to `<file>.corrupt-<time>` and an empty store is used.
 */
export function loadStore(file: string, now = new Date()): LoadedStore {
  let text: string;
  try {
    text = readStoreText(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data: emptyStore() };
    return { data: emptyStore(), corrupt: { reason: `unreadable (${(error as Error).message})` } };
  }
  const parsed = parseStore(text);
  if (typeof parsed !== 'string') return { data: parsed };
  const movedTo = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, movedTo);
    return { data: emptyStore(), corrupt: { reason: parsed, movedTo } };
  } catch {
    return { data: emptyStore(), corrupt: { reason: parsed } };
  }
}

/** Writes the store atomically (temp file + rename). */
export function saveStore(file: string, data: StoreData, now = new Date()): Promise<void> {
  return writeFileAtomic(file, serializeStore(data, now));
}
