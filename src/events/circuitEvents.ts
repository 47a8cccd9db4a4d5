/** Why a breaker opened. */
export type CircuitOpenReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'half-open-probe-failed'
  | 'manual'
  | 'restored';

/** Events of a CircuitBreaker (payloads carry the breaker name so one listener can serve many). */
export interface CircuitEvents {
  /** The breaker opened. */
  'circuit:open': CircuitOpenEvent;
  /** The cool-down ended; trial calls are admitted. */
  'circuit:half-open': CircuitNameEvent;
  /** The breaker closed. */
  'circuit:close': CircuitNameEvent;
  /** A call was rejected because the breaker is open (or its trial slots are taken). */
  'circuit:reject': CircuitRejectEvent;
}

/** Payload naming the breaker. */
export interface CircuitNameEvent {
  /** Breaker name. */
  readonly name: string;
}

/** Payload of `circuit:open`. */
export interface CircuitOpenEvent extends CircuitNameEvent {
  /** Why it opened. */
  readonly reason: CircuitOpenReason;
  /** Cool-down before trial calls, in ms. */
  readonly retryAfterMs: number;
}

/** Payload of `circuit:reject`. */
export interface CircuitRejectEvent extends CircuitNameEvent {
  /** Remaining cool-down in ms. */
  readonly retryAfterMs: number;
}
