import { ReliabilityError } from './ReliabilityError.js';

/** Facts of a transfer that was too slow (rather than silent). */
export interface SlowTransfer {
  /** The least average rate accepted, bytes per second. */
  readonly minRate: number;
  /** The average rate observed over the window, bytes per second. */
  readonly observedRate: number;
  /** The window the average was taken over, ms. */
  readonly windowMs: number;
}

/**
 * A transfer stopped making progress: no bytes for `stallTimeout` ms, or (with `slow`) fewer bytes
 * over a whole `minRateWindow` than `minRate` asks for, as a trickle of one byte every few seconds
 * would. Retryable: the next attempt resumes from the bytes already kept (or another mirror is tried).
 */
export class StallError extends ReliabilityError {
  /** The stall budget that was exceeded, in ms. */
  readonly stallTimeoutMs: number;
  /** The redacted URL that stalled. */
  readonly url: string | undefined;
  /** Set when the transfer was too slow rather than silent. */
  readonly slow: SlowTransfer | undefined;
  /** A stall is usually transient; the retry resumes from the kept bytes. */
  readonly retryable = true;

  constructor(stallTimeoutMs: number, options: { url?: string | undefined; slow?: SlowTransfer } = {}) {
    const from = options.url ? ` from ${options.url}` : '';
    const slow = options.slow;
    super(
      slow
        ? `Only ${Math.round(slow.observedRate)} B/s${from} over ${(slow.windowMs / 1000).toFixed(1)} s (at least ${slow.minRate} B/s expected); the transfer is too slow`
        : `No data received for ${stallTimeoutMs} ms${from}; the transfer stalled`,
      'ERR_STALLED',
      'timeout',
      {
        remediation: slow
          ? [
              'The connection delivers almost nothing; the download resumes automatically (from another mirror when configured).',
              'On a very slow link lower minRate (bytes per second) or set it to 0.',
            ]
          : [
              'The connection stopped delivering data; the download resumes automatically (from another mirror when configured).',
              'On a very slow or flaky connection raise stallTimeout.',
            ],
      },
    );
    this.stallTimeoutMs = stallTimeoutMs;
    this.url = options.url;
    this.slow = slow;
  }
}
