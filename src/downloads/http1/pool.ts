import type { Connection, ReadHandler } from './connection.js';

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Idle connections kept per route. Default 8. */
  readonly maxIdlePerRoute?: number;
  /** An idle connection is closed after this long (ms). Default 4000, below common server timeouts. */
  readonly idleTimeout?: number;
}

interface Idle {
  readonly connection: Connection;
  readonly timer: NodeJS.Timeout;
}

/**
 * Keep-alive connections of one Downloader, per route. Idle connections do not keep the process
 * alive, are closed after `idleTimeout`, and are dropped as soon as the server closes them or sends
 * anything unasked.
 */
export class ConnectionPool {
  readonly #idle = new Map<string, Idle[]>();
  readonly #maxIdle: number;
  readonly #idleTimeout: number;
  #closed = false;

  constructor(options: ConnectionPoolOptions = {}) {
    this.#maxIdle = options.maxIdlePerRoute ?? 8;
    this.#idleTimeout = options.idleTimeout ?? 4000;
  }

  /** An idle connection for `key` (most recently used first), taken out of the pool. */
  take(key: string): Connection | undefined {
    const list = this.#idle.get(key);
    while (list && list.length > 0) {
      const idle = list.pop() as Idle;
      clearTimeout(idle.timer);
      if (list.length === 0) this.#idle.delete(key);
      if (idle.connection.closed) continue;
      idle.connection.setHandler(undefined);
      idle.connection.socket.ref();
      return idle.connection;
    }
    return undefined;
  }

  /** Returns a connection whose response was read completely; it is closed if the pool is full. */
  give(connection: Connection): void {
    const list = this.#idle.get(connection.key) ?? [];
    if (this.#closed || connection.closed || list.length >= this.#maxIdle) {
      connection.destroy();
      return;
    }
    connection.reused = true;
    const drop = () => {
      const current = this.#idle.get(connection.key);
      const index = current?.findIndex((idle) => idle.connection === connection) ?? -1;
      if (current && index >= 0) {
        clearTimeout((current[index] as Idle).timer);
        current.splice(index, 1);
        if (current.length === 0) this.#idle.delete(connection.key);
      }
      connection.destroy();
    };
    const watcher: ReadHandler = {
      target: () => undefined,
      data: () => {
        drop();
        return false;
      },
      closed: drop,
    };
    connection.setHandler(watcher);
    const timer = setTimeout(drop, this.#idleTimeout);
    timer.unref();
    connection.socket.unref();
    // Keep reading while idle so a close by the server is noticed before the next request.
    connection.resume();
    list.push({ connection, timer });
    this.#idle.set(connection.key, list);
  }

  /** Closes every idle connection; later returns are closed at once. */
  destroy(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) {
      for (const idle of list) {
        clearTimeout(idle.timer);
        idle.connection.destroy();
      }
    }
    this.#idle.clear();
  }
}
