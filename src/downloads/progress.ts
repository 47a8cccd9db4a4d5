import type { DownloadProgress, DownloadWaitReason } from '../events/downloadEvents.js';

const WINDOW_MS = 3000;

/**
 * Turns byte counts into progress reports with a recent rate (bytes over the last ~3 s) and an
 * ETA, emitted at most once per `intervalMs` plus a final report.
 */
export class ProgressTracker {
  readonly #emit: (progress: DownloadProgress) => void;
  readonly #intervalMs: number;
  readonly #dest: string;
  #lastEmit = Number.NEGATIVE_INFINITY;
  readonly #samples: { t: number; transferred: number }[] = [];
  #rate = 0;
  /** Connections currently fetching the file (set by a segmented run; 1 otherwise). */
  connections = 1;

  constructor(dest: string, intervalMs: number, emit: (progress: DownloadProgress) => void) {
    this.#dest = dest;
    this.#intervalMs = intervalMs;
    this.#emit = emit;
  }

  /** Reports the current state; emits only when the interval has passed (or `force`). */
  update(url: string, bytes: number, total: number | undefined, transferred: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.#lastEmit < this.#intervalMs) return;
    this.#lastEmit = now;
    const samples = this.#samples;
    samples.push({ t: now, transferred });
    while (samples.length > 2 && now - (samples[0] as { t: number }).t > WINDOW_MS) samples.shift();
    const first = samples[0] as { t: number; transferred: number };
    const span = now - first.t;
    if (span > 0) this.#rate = ((transferred - first.transferred) * 1000) / span;
    const eta = total !== undefined && this.#rate > 0 ? Math.max(0, (total - bytes) / this.#rate) : undefined;
    this.#emit({
      dest: this.#dest,
      url,
      bytes,
      total,
      transferred,
      rate: this.#rate,
      eta,
      connections: this.connections,
    });
  }

  /** Reports that the download waits instead of transferring (always emitted; rate 0, no ETA). */
  waiting(
    url: string,
    bytes: number,
    total: number | undefined,
    transferred: number,
    waiting: DownloadWaitReason,
  ): void {
    this.#lastEmit = performance.now();
    this.#rate = 0;
    this.#samples.length = 0;
    this.#emit({
      dest: this.#dest,
      url,
      bytes,
      total,
      transferred,
      rate: 0,
      eta: undefined,
      connections: 0,
      waiting,
    });
  }
}
