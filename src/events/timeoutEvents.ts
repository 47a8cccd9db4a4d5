/** Events of a TimeoutManager. */
export interface TimeoutEvents {
  /** An operation ran out of time; its signal was aborted. */
  timeout: TimeoutEvent;
}

/** Payload of the `timeout` event. */
export interface TimeoutEvent {
  /** The operation that ran out of time. */
  readonly operation: string;
  /** Its budget in ms. */
  readonly timeoutMs: number;
}
