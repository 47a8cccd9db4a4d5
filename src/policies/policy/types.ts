/** What a policy hands to the function it runs. */
export interface ExecutionContext {
  /** Aborted when the caller aborts, a timeout fires, or an enclosing policy gives up. */
  readonly signal: AbortSignal;
  /** 1-based attempt number (greater than 1 only under a retry policy). */
  readonly attempt: number;
  /** The operation name, used for timeouts, events, health and error messages. */
  readonly operation: string;
}

/** Options accepted by every {@link Policy.execute}. */
export interface ExecuteOptions {
  /** Aborting it stops the work promptly and rejects with a `cancelled` error. */
  signal?: AbortSignal | undefined;
  /** Operation name; defaults to the enclosing context's, else `'operation'`. */
  operation?: string | undefined;
  /** Attempt number to report in the context; set by an enclosing retry policy when composed. */
  attempt?: number | undefined;
}

/** The function a policy runs. */
export type PolicyFunction<T> = (ctx: ExecutionContext) => T | PromiseLike<T>;

/**
 * The one shape every resilience strategy shares (retry, circuit breaker, timeout, bulkhead,
 * fallback, chaos): run `fn` under the policy and settle with its result or a classified error.
 */
export interface Policy {
  /** Runs `fn` under this policy; resolves with its result or rejects with a classified error. */
  execute<T>(fn: PolicyFunction<T>, options?: ExecuteOptions): Promise<T>;
}

/** Default operation name when none is given. */
export const DEFAULT_OPERATION = 'operation';
