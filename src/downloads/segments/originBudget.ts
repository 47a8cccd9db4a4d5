/** One file's share of an origin's connections. */
export interface BudgetLease {
  /** Connections this file holds on the origin now. */
  readonly count: number;
  /** Takes one more connection when the budget and the file's fair share allow it (the first always). */
  tryAcquire(): boolean;
  /** Gives one connection back. */
  release(): void;
  /** Whether the file holds more than its fair share while the origin is at its budget. */
  overShare(): boolean;
  /** Leaves the origin (gives back every connection). */
  close(): void;
}

interface OriginState {
  total: number;
  readonly files: Set<{ count: number }>;
}

/**
 * Connections per origin shared by every file of one Downloader, so a three-model install with
 * several files in flight opens at most `perOrigin` connections to one host (plus the first
 * connection of each running file, which is never refused: `concurrency` bounds those). Each file
 * gets a fair share (`ceil(perOrigin / files on the origin)`); a file above its share gives
 * connections back at its next chunk boundary once the origin is full.
 */
export class OriginBudget {
  readonly perOrigin: number;
  readonly #origins = new Map<string, OriginState>();

  constructor(perOrigin: number) {
    this.perOrigin = perOrigin;
  }

  /** Connections open to `origin` through leases now. */
  total(origin: string): number {
    return this.#origins.get(origin)?.total ?? 0;
  }

  /** Joins `origin` with the file's first connection (always granted). */
  join(origin: string): BudgetLease {
    let state = this.#origins.get(origin);
    if (!state) {
      state = { total: 0, files: new Set() };
      this.#origins.set(origin, state);
    }
    const origins = this.#origins;
    const perOrigin = this.perOrigin;
    const member = { count: 1 };
    const own = state;
    own.files.add(member);
    own.total += 1;
    let closed = false;
    const share = () => Math.max(1, Math.ceil(perOrigin / own.files.size));
    return {
      get count() {
        return member.count;
      },
      tryAcquire: () => {
        if (closed) return false;
        // A file's first connection is never refused (running files are bounded by `concurrency`).
        if (member.count > 0 && (own.total >= perOrigin || member.count >= share())) return false;
        member.count += 1;
        own.total += 1;
        return true;
      },
      release: () => {
        if (closed || member.count === 0) return;
        member.count -= 1;
        own.total -= 1;
      },
      overShare: () => !closed && own.total >= perOrigin && member.count > share(),
      close: () => {
        if (closed) return;
        closed = true;
        own.total -= member.count;
        member.count = 0;
        own.files.delete(member);
        if (own.files.size === 0) origins.delete(origin);
      },
    };
  }
}
