/** Longest delay setTimeout honours (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** Something with a deadline that can be told it expired. */
export interface DeadlineEntry {
  deadline: number;
  prev: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  expire(): void;
}

/**
 * Pending deadlines of one duration, in a doubly linked FIFO. All entries share the duration, so
 * they arrive in deadline order, and one timer (armed for the head) serves them all: adding and
 * removing cost a few pointer writes instead of a setTimeout/clearTimeout pair (~1 µs here).
 * The timer keeps the process alive only while deadlines are pending (so awaiting a call that
 * will time out never lets Node exit early), and stops when it fires on an empty queue. Toggling
 * a timer's ref is a libuv call (~1 µs), so an idle queue releases it once per event-loop turn,
 * not once per call.
 */
export class DeadlineQueue {
  #head: DeadlineEntry | undefined;
  #tail: DeadlineEntry | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerHoldsProcess = false;
  #idleCheckPending = false;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Appends an entry (its deadline must not precede the tail's). */
  add(entry: DeadlineEntry): void {
    entry.prev = this.#tail;
    entry.next = undefined;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    if (this.#timer === undefined) this.#arm(entry.deadline);
    else if (!this.#timerHoldsProcess) {
      this.#timer.ref?.();
      this.#timerHoldsProcess = true;
    }
  }

  /** Unlinks an entry that settled before its deadline. */
  remove(entry: DeadlineEntry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else if (this.#head === entry) this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else if (this.#tail === entry) this.#tail = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    if (this.#head === undefined && !this.#idleCheckPending && this.#timer !== undefined) {
      this.#idleCheckPending = true;
      setImmediate(this.#releaseIfIdle);
    }
  }

  /** An idle queue's pending timer (it stops itself when it fires) must not hold the process open. */
  readonly #releaseIfIdle = (): void => {
    this.#idleCheckPending = false;
    if (this.#head === undefined && this.#timer !== undefined) {
      this.#timer.unref?.();
      this.#timerHoldsProcess = false;
    }
  };

  #arm(deadline: number): void {
    // Node runs longer timers after 1 ms; wake up at the limit instead and re-arm for the rest.
    const delay = Math.min(Math.max(0, deadline - this.#now()), MAX_TIMER_MS);
    this.#timer = setTimeout(this.#onTimer, delay);
    this.#timerHoldsProcess = true;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    while (this.#head && this.#head.deadline <= now) {
      const expired = this.#head;
      this.remove(expired);
      expired.expire();
    }
    if (this.#head) this.#arm(this.#head.deadline);
  };
}
