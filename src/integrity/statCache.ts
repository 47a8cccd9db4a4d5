import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { escapeFromRoot } from '../shared/confine.js';
import type { FileIdentity } from './hashPool.js';

/** File name of the stat cache inside `<root>/.wan-reliability/`. */
export const STAT_CACHE_FILE = 'integrity-cache.json';

const FORMAT = 'wan-reliability/integrity-cache';
const VERSION = 1;

interface Entry extends FileIdentity {
  readonly sha256: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DIGITS = /^[0-9]+$/;

function validEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.size === 'number' &&
    Number.isSafeInteger(e.size) &&
    e.size >= 0 &&
    typeof e.mtimeNs === 'string' &&
    DIGITS.test(e.mtimeNs) &&
    typeof e.ctimeNs === 'string' &&
    DIGITS.test(e.ctimeNs) &&
    typeof e.ino === 'string' &&
    DIGITS.test(e.ino) &&
    typeof e.sha256 === 'string' &&
    HEX64.test(e.sha256)
  );
}

/**
 * Remembers the SHA-256 of files by location together with what `stat` said when they were hashed
 * (size, mtime, ctime, inode). A quick verify trusts an entry only while all four are unchanged.
 * Persisted as JSON, written atomically (temp file + rename); an unreadable or corrupt cache is
 * ignored and rebuilt, never an error.
 */
export class StatCache {
  /** The cache file, or undefined for a memory-only cache. */
  readonly file: string | undefined;
  /** When set, the file is read and written only while it really lies inside this folder. */
  private readonly root: string | undefined;
  private entries = new Map<string, Entry>();
  private dirty = false;
  private loaded: Promise<void> | undefined;

  constructor(file: string | undefined, root?: string) {
    this.file = file;
    this.root = root;
  }

  /** Whether the file may be used: no root to stay in, or it really lies inside (links resolved). */
  private async confined(file: string): Promise<boolean> {
    if (this.root === undefined) return true;
    return (await escapeFromRoot(this.root, file).catch(() => 'unknown')) === undefined;
  }

  /** Loads the file once; later calls return the same promise. Never rejects. */
  load(): Promise<void> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  private async read(): Promise<void> {
    if (this.file === undefined || !(await this.confined(this.file))) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return; // absent or corrupt: start empty
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const doc = parsed as { format?: unknown; version?: unknown; entries?: unknown };
    if (doc.format !== FORMAT || doc.version !== VERSION) return;
    if (typeof doc.entries !== 'object' || doc.entries === null || Array.isArray(doc.entries)) return;
    for (const [key, value] of Object.entries(doc.entries)) {
      if (validEntry(value)) {
        this.entries.set(key, {
          size: value.size,
          mtimeNs: value.mtimeNs,
          ctimeNs: value.ctimeNs,
          ino: value.ino,
          sha256: value.sha256,
        });
      }
    }
  }

  /** The cached digest for `key` when `identity` still matches what was hashed, else undefined. */
  get(key: string, identity: FileIdentity): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (
      entry.size !== identity.size ||
      entry.mtimeNs !== identity.mtimeNs ||
      entry.ctimeNs !== identity.ctimeNs ||
      entry.ino !== identity.ino
    ) {
      return undefined;
    }
    return entry.sha256;
  }

  /** Records the digest of the file at `key` as it was when hashed. */
  set(key: string, identity: FileIdentity, sha256: string): void {
    const previous = this.entries.get(key);
    if (
      previous &&
      previous.sha256 === sha256 &&
      previous.size === identity.size &&
      previous.mtimeNs === identity.mtimeNs &&
      previous.ctimeNs === identity.ctimeNs &&
      previous.ino === identity.ino
    ) {
      return;
    }
    this.entries.set(key, {
      size: identity.size,
      mtimeNs: identity.mtimeNs,
      ctimeNs: identity.ctimeNs,
      ino: identity.ino,
      sha256,
    });
    this.dirty = true;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    if (this.entries.delete(key)) this.dirty = true;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Writes the cache when it changed: to a unique temp file beside it, then an atomic rename, so a
   * reader never sees a half-written file. Resolves false (never rejects) when it could not be written.
   */
  async save(): Promise<boolean> {
    if (this.file === undefined || !this.dirty) return true;
    const entries: Record<string, Entry> = Object.create(null);
    for (const [key, value] of this.entries) entries[key] = value;
    const text = JSON.stringify({ format: FORMAT, version: VERSION, entries });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    if (!(await this.confined(this.file))) return false;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(temp, text, { mode: 0o644 });
      await rename(temp, this.file);
      this.dirty = false;
      return true;
    } catch {
      await rm(temp, { force: true }).catch(() => {});
      return false;
    }
  }
}
