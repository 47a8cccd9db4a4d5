/** Events of a TimeoutManager. */
export interface TimeoutEvents {
  /** An operation ran out of time; its signal was aborted. */
  timeout: { readonly operation: string; readonly timeoutMs: number };
}
