/** The three states of a circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A breaker's saved state (`toJSON()`), restorable through the `state` option. Half-open is saved
 * as open: after a restart the cool-down decides again whether trial calls are due.
 */
export interface SavedCircuitState {
  /** Breaker name, for matching saved states to breakers. */
  readonly name: string;
  /** `'closed'` or `'open'`. */
  readonly state: 'closed' | 'open';
  /** When it opened, in ms since the epoch (open only). */
  readonly openedAt?: number;
}

/** True when `value` looks like a {@link SavedCircuitState}. */
export function isSavedCircuitState(value: unknown): value is SavedCircuitState {
  if (typeof value !== 'object' || value === null) return false;
  const { state, openedAt } = value as { state?: unknown; openedAt?: unknown };
  return (state === 'closed' || state === 'open') && (openedAt === undefined || typeof openedAt === 'number');
}
