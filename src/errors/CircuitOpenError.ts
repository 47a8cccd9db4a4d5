import { ReliabilityError } from './ReliabilityError.js';

/** A call was rejected without running because the named circuit breaker is open. */
export class CircuitOpenError extends ReliabilityError {
  /** Name of the breaker that rejected the call. */
  readonly breaker: string;
  /** Milliseconds until the breaker admits a trial call (0 when trial calls are in flight). */
  readonly retryAfterMs: number;

  constructor(breaker: string, retryAfterMs: number) {
    const seconds = Math.ceil(retryAfterMs / 1000);
    super(
      `Circuit "${breaker}" is open after repeated failures; calls resume in ${seconds} s`,
      'ERR_CIRCUIT_OPEN',
      'circuit_open',
      {
        remediation: [
          `Calls to "${breaker}" are paused for ${seconds} s after repeated failures; they resume automatically.`,
          `Check that "${breaker}" is reachable and healthy.`,
        ],
      },
    );
    this.breaker = breaker;
    this.retryAfterMs = retryAfterMs;
  }
}
