import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactValue } from '@wan/reliability/diagnostics';

/** Run logs kept in `<dir>/logs/` (older ones are deleted). */
export const KEEP_LOGS = 20;
/** A run log stops growing at this size (a last line says so). */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;
/** Lines kept in memory for the support bundle. */
const TAIL_LINES = 200;

/** One line of a run log. */
export interface LogLine {
  readonly time: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly [field: string]: unknown;
}

/**
 * The JSON-lines log of one command run, `<dir>/logs/<time>-<command>-<pid>.jsonl`: every line is
 * redacted before it is kept. Lines are held in memory until the install folder exists (a command
 * that fails on bad input must not create it), then written synchronously — a crash or a
 * `process.exit` loses nothing. The newest {@link KEEP_LOGS} run logs are kept.
 */
export class RunLog {
  readonly #dir: string;
  readonly #name: string;
  readonly #pending: string[] = [];
  readonly #tail: string[] = [];
  #file: string | undefined;
  #bytes = 0;
  #full = false;

  constructor(root: string, command: string) {
    this.#dir = path.join(root, 'logs');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.#name = `${stamp}-${command.replace(/[^a-z0-9-]/gi, '_')}-${process.pid}.jsonl`;
  }

  /** The log file, once it is written to disk. */
  get file(): string | undefined {
    return this.#file;
  }

  /** The folder of run logs. */
  get dir(): string {
    return this.#dir;
  }

  /** Adds a line (redacted). */
  write(level: LogLine['level'], event: string, fields: Record<string, unknown> = {}): void {
    const line = `${JSON.stringify(redactValue({ time: new Date().toISOString(), level, event, ...fields }))}\n`;
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    if (this.#file === undefined) this.#pending.push(line);
    else this.#append(line);
  }

  /** The last `n` lines, parsed. */
  tail(n = 50): LogLine[] {
    return this.#tail.slice(-n).map((line) => JSON.parse(line) as LogLine);
  }

  /**
   * Starts writing to disk when the install folder exists (creating `logs/` in it), flushing what was
   * held; a no-op before that or once attached. Returns whether the log is on disk.
   */
  attach(root: string): boolean {
    if (this.#file !== undefined) return true;
    try {
      if (!statSync(root).isDirectory()) return false;
      mkdirSync(this.#dir, { recursive: true });
    } catch {
      return false;
    }
    this.#file = path.join(this.#dir, this.#name);
    try {
      // Created now, so that rotation counts it among the newest.
      appendFileSync(this.#file, '');
    } catch {
      this.#full = true;
    }
    for (const line of this.#pending.splice(0)) this.#append(line);
    this.#rotate();
    return true;
  }

  #append(line: string): void {
    if (this.#full || this.#file === undefined) return;
    const size = Buffer.byteLength(line);
    try {
      if (this.#bytes + size > MAX_LOG_BYTES) {
        this.#full = true;
        appendFileSync(
          this.#file,
          `${JSON.stringify({ time: new Date().toISOString(), level: 'warn', event: 'log-truncated', maxBytes: MAX_LOG_BYTES })}\n`,
        );
        return;
      }
      appendFileSync(this.#file, line);
      this.#bytes += size;
    } catch {
      // A log that cannot be written must not fail the command it describes.
      this.#full = true;
    }
  }

  /** Deletes all but the newest {@link KEEP_LOGS} run logs (names start with their ISO time). */
  #rotate(): void {
    try {
      const logs = readdirSync(this.#dir)
        .filter((name) => name.endsWith('.jsonl'))
        .sort()
        .reverse();
      for (const old of logs.slice(KEEP_LOGS)) rmSync(path.join(this.#dir, old), { force: true });
    } catch {
      // Rotation is housekeeping.
    }
  }
}
