import { emptyStore, loadStore, type StoreData, saveStore } from './store.js';

/** Reports a problem with the store (already worded; the registry redacts and announces it). */
export type StoreWarn = (message: string, extra: { path?: string; movedTo?: string }) => void;

/**
 * The registry's learned data: loaded lazily on first use (memory only without a file; a corrupt
 * file is moved aside with a warning) and saved atomically, one save after another.
 */
export class RegistryStore {
  /** The store file, or undefined for memory only. */
  readonly file: string | undefined;
  readonly #warn: StoreWarn;
  #data: StoreData | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(file: string | undefined, warn: StoreWarn) {
    this.file = file;
    this.#warn = warn;
  }

  /** The data, loading it on first call. */
  loaded(): StoreData {
    if (this.#data) return this.#data;
    if (this.file === undefined) {
      this.#data = emptyStore();
      return this.#data;
    }
    const { data, corrupt } = loadStore(this.file);
    this.#data = data;
    if (corrupt) {
      const message = `The recovery store ${this.file} could not be used (${corrupt.reason}); ${
        corrupt.movedTo ? `it was moved to ${corrupt.movedTo} and ` : ''
      }learning starts afresh.`;
      this.#warn(message, { path: this.file, ...(corrupt.movedTo ? { movedTo: corrupt.movedTo } : {}) });
    }
    return data;
  }

  /** Writes the data after any save in progress; a no-op without a file. */
  save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    const data = this.loaded();
    const run = this.#saving.then(() => saveStore(file, data));
    this.#saving = run.catch(() => {});
    return run;
  }
}
