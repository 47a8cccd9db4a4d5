import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelUsage, UsageData, UsageRecord, UsageReport, UsageStore } from './types.js';

/** File name of the default usage store under `<root>/.wan-reliability/`. */
export const USAGE_FILE = 'usage.json';

const EMPTY: UsageData = { version: 1, models: {} };

/**
 * A stored record, or undefined when it is unusable. `firstUsed` may be missing (files written by
 * simpler tools such as the reference installer's earlier versions): it then defaults to `lastUsed`.
 */
function toRecord(value: unknown): UsageRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { uses, firstUsed, lastUsed } = value as Partial<Record<keyof UsageRecord, unknown>>;
  if (typeof uses !== 'number' || !Number.isInteger(uses) || uses < 0 || typeof lastUsed !== 'string')
    return undefined;
  return { uses, firstUsed: typeof firstUsed === 'string' ? firstUsed : lastUsed, lastUsed };
}

/**
 * Usage kept in a JSON file, written atomically (temp file + rename) so that a crash never leaves
 * half a file. A missing or unreadable file starts from empty: usage is advisory, never a reason
 * to fail.
 */
export class JsonFileUsageStore implements UsageStore {
  /** Path of the JSON file. */
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Reads the file; undefined when it is missing or not valid usage data (bad records are skipped). */
  async load(): Promise<UsageData | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return undefined;
    }
    const models = (parsed as { models?: unknown }).models;
    if (typeof models !== 'object' || models === null) return undefined;
    const out: Record<string, UsageRecord> = {};
    for (const [id, value] of Object.entries(models)) {
      const record = toRecord(value);
      if (record) out[id] = record;
    }
    return { version: 1, models: out };
  }

  /** Writes the file atomically (temp file + rename), creating its folder. */
  async save(data: UsageData): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
    await rename(temp, this.file);
  }
}

/** Usage held in memory only (the `usageStore: false` choice). */
export class MemoryUsageStore implements UsageStore {
  #data: UsageData | undefined;

  /** The last saved data, undefined before the first save. */
  async load(): Promise<UsageData | undefined> {
    return this.#data;
  }

  /** Keeps `data` in memory (lost when the process ends). */
  async save(data: UsageData): Promise<void> {
    this.#data = data;
  }
}

/** Counts uses per model through a store; writes are serialized so concurrent uses are all counted. */
export class UsageTracker {
  readonly #store: UsageStore;
  #data: Promise<UsageData> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: UsageStore) {
    this.#store = store;
  }

  #current(): Promise<UsageData> {
    this.#data ??= this.#store.load().then(
      (data) => data ?? EMPTY,
      () => EMPTY,
    );
    return this.#data;
  }

  /** Adds one use of `id` at `at` and persists; resolves with the new record. */
  record(id: string, at: Date): Promise<UsageRecord> {
    const next = this.#queue.then(async () => {
      const data = await this.#current();
      const before = data.models[id];
      const iso = at.toISOString();
      const record: UsageRecord = {
        uses: (before?.uses ?? 0) + 1,
        firstUsed: before?.firstUsed ?? iso,
        lastUsed: iso,
      };
      const updated: UsageData = { version: 1, models: { ...data.models, [id]: record } };
      this.#data = Promise.resolve(updated);
      await this.#store.save(updated);
      return record;
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** The record of every id in `ids` (0 uses when never recorded). */
  async records(ids: readonly string[]): Promise<ModelUsage[]> {
    const data = await this.#current();
    return ids.map((id) => {
      const record = data.models[id];
      return record ? { id, uses: record.uses, lastUsed: record.lastUsed } : { id, uses: 0 };
    });
  }

  /** Most used first; ties: most recently used first. */
  async report(ids: readonly string[]): Promise<UsageReport> {
    const models = (await this.records(ids)).sort(
      (a, b) => b.uses - a.uses || (b.lastUsed ?? '').localeCompare(a.lastUsed ?? ''),
    );
    const least = [...models].sort(leastUsedFirst)[0];
    const most = models[0];
    return {
      models,
      ...(most && most.uses > 0 ? { mostUsed: most.id } : {}),
      ...(least ? { leastUsed: least.id } : {}),
    };
  }
}

/** Fewest uses first; ties: never used, then the longest unused. */
export function leastUsedFirst(a: ModelUsage, b: ModelUsage): number {
  return a.uses - b.uses || (a.lastUsed ?? '').localeCompare(b.lastUsed ?? '');
}
