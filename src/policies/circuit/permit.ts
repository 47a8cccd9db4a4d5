/**
 * Permission for one call through a {@link CircuitBreaker}, for callers whose call does not fit one
 * `execute(fn)` (as resilience4j's `tryAcquirePermission` / `onSuccess` / `onError`). Exactly one
 * report counts; later ones are ignored. A permit of a half-open breaker holds one trial-call slot
 * until it is reported.
 */
export interface CircuitPermit {
  /** The service answered well: counts as a success (closes a half-open breaker once enough did). */
  success(): void;
  /** The call failed: counts against the breaker when its `isFailure(error)` says so. */
  failure(error: unknown): void;
  /** No verdict (cancelled, or a failure already counted elsewhere): frees a half-open slot. */
  release(): void;
}
