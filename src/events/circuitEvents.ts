/** Why a breaker opened. */
export type CircuitOpenReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'half-open-probe-failed'
  | 'manual'
  | 'restored';

/** Events of a CircuitBreaker (payloads carry the breaker name so one listener can serve many). */
export interface CircuitEvents {
  'circuit:open': {
    readonly name: string;
    readonly reason: CircuitOpenReason;
    readonly retryAfterMs: number;
  };
  'circuit:half-open': { readonly name: string };
  'circuit:close': { readonly name: string };
  /** A call was rejected because the breaker is open (or its trial slots are taken). */
  'circuit:reject': { readonly name: string; readonly retryAfterMs: number };
}
