import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorCategory } from '../errors/category.js';
import { withFileLock } from '../shared/fileLock.js';
import { removeStaleTempFiles } from '../shared/writeFileAtomic.js';
import { appendHistory } from './history.js';
import { emptyStore, loadStore, type StoreData, saveStore } from './store.js';
import {
  applyChanges,
  cloneStore,
  combineChanges,
  deltaOf,
  noChanges,
  type PendingChanges,
} from './storeMerge.js';
import type { RecoveryHistoryEntry, StrategyOutcome } from './types.js';

/** Reports a problem with the store (already worded; the registry redacts and announces it). */
export type StoreWarn = (message: string, extra: { path?: string; movedTo?: string }) => void;

/**
 * The registry's learned data: loaded lazily on first use (memory only without a file; a corrupt
 * file is moved aside with a warning) and saved atomically.
 *
 * Several processes may share one file. Every change is made both to the data in memory and to a
 * record of what this process has not saved yet; a save takes the file lock, re-reads the file,
 * adds those unsaved changes to what is there now (counts summed, history merged by time), writes
 * the result and adopts it. So no writer's outcomes are lost and each learns the others'. Saves of
 * one registry run one after another, and all those requested while one runs share the next write.
 */
export class RegistryStore {
  /** The store file, or undefined for memory only. */
  readonly file: string | undefined;
  readonly #warn: StoreWarn;
  readonly #historyLimit: number;
  readonly #lockWaitMs: number;
  #data: StoreData | undefined;
  #pending: PendingChanges = noChanges();
  #saving: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(file: string | undefined, warn: StoreWarn, historyLimit: number, lockWaitMs: number) {
    this.file = file;
    this.#warn = warn;
    this.#historyLimit = historyLimit;
    this.#lockWaitMs = lockWaitMs;
  }

  /** The data, loading it on first call. Mutate it only through the methods below. */
  loaded(): StoreData {
    if (this.#data) return this.#data;
    if (this.file === undefined) {
      this.#data = emptyStore();
      return this.#data;
    }
    this.#data = this.#read(this.file);
    return this.#data;
  }

  /** Counts one attempt of `strategy` for `category` (and a success when `success`). */
  count(
    category: ErrorCategory,
    strategy: string,
    success: boolean,
    outcome: StrategyOutcome | 'error',
  ): void {
    const data = this.loaded();
    let map = data.strategies.get(category);
    if (!map) {
      map = new Map();
      data.strategies.set(category, map);
    }
    const stats = map.get(strategy) ?? { attempts: 0, successes: 0 };
    const now = new Date().toISOString();
    stats.attempts += 1;
    if (success) stats.successes += 1;
    stats.lastOutcome = outcome;
    stats.lastUsedAt = now;
    map.set(strategy, stats);
    const delta = deltaOf(this.#pending, category, strategy);
    delta.attempts += 1;
    if (success) delta.successes += 1;
    delta.lastOutcome = outcome;
    delta.lastUsedAt = now;
  }

  /** Takes back one success of `strategy` (its 'retry' did not fix the call); no-op without one. */
  takeBackSuccess(category: ErrorCategory, strategy: string): void {
    const stats = this.loaded().strategies.get(category)?.get(strategy);
    if (!stats || stats.successes <= 0) return;
    stats.successes -= 1;
    stats.lastOutcome = 'fail';
    const delta = deltaOf(this.#pending, category, strategy);
    delta.successes -= 1;
    delta.lastOutcome = 'fail';
    if (stats.lastUsedAt !== undefined) delta.lastUsedAt = stats.lastUsedAt;
  }

  /** Appends a finished recovery to the history (bounded). */
  appendHistory(entry: RecoveryHistoryEntry): void {
    appendHistory(this.loaded().history, entry, this.#historyLimit);
    appendHistory(this.#pending.history, entry, this.#historyLimit);
  }

  /**
   * Merges this process's unsaved changes into the file under its lock; a no-op without a file.
   * Rejects (keeping the changes for the next save) when the lock stays held longer than
   * `lockWaitMs` (LockHeldError) or the write fails.
   */
  save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    this.loaded();
    // A save that has not started yet will write everything recorded until it starts.
    if (this.#queued) return this.#queued;
    const run = this.#saving.then(() => {
      this.#queued = undefined;
      return this.#write(file);
    });
    this.#queued = run;
    this.#saving = run.catch(() => {});
    return run;
  }

  async #write(file: string): Promise<void> {
    const batch = this.#pending;
    this.#pending = noChanges();
    let written = false;
    try {
      // proper-lockfile makes `<file>.lock` beside the file, so its folder must exist first.
      await mkdir(path.dirname(file), { recursive: true });
      await withFileLock(
        file,
        async () => {
          const current = this.#read(file, true);
          // A corrupt file was set aside: what this process knows (batch included) is the best content.
          const merged = current ?? cloneStore(this.loaded());
          if (current) applyChanges(merged, batch, this.#historyLimit);
          await saveStore(file, merged);
          written = true;
          // Every writer holds this lock while its temp file exists: one found now was left by a
          // writer killed mid-write (kill -9), and would otherwise pile up.
          await removeStaleTempFiles(file, { olderThanMs: 0 });
          // Adopt what the others learned, plus what this process recorded while the write ran.
          const adopted = applyChanges(cloneStore(merged), this.#pending, this.#historyLimit);
          const data = this.loaded();
          data.strategies = adopted.strategies;
          data.history = adopted.history;
        },
        { waitMs: this.#lockWaitMs },
      );
    } catch (error) {
      // Once written, the batch is in the file: putting it back would count it twice.
      if (!written) this.#pending = combineChanges(batch, this.#pending, this.#historyLimit);
      throw error;
    }
  }

  /** Reads the file; a corrupt one is set aside with a warning (and, when `orUndefined`, undefined). */
  #read(file: string, orUndefined?: false): StoreData;
  #read(file: string, orUndefined: true): StoreData | undefined;
  #read(file: string, orUndefined = false): StoreData | undefined {
    const { data, corrupt } = loadStore(file);
    if (!corrupt) return data;
    const message = `The recovery store ${file} could not be used (${corrupt.reason}); ${
      corrupt.movedTo ? `it was moved to ${corrupt.movedTo} and ` : ''
    }${orUndefined ? 'it is rewritten from what this process knows.' : 'learning starts afresh.'}`;
    this.#warn(message, { path: file, ...(corrupt.movedTo ? { movedTo: corrupt.movedTo } : {}) });
    return orUndefined ? undefined : data;
  }
}
