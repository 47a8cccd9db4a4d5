import type { EventEmitter } from 'eventemitter3';
import { lazyRequire } from '../shared/lazyRequire.js';
import { observerFailed } from '../shared/observer.js';
import { publish } from './channels.js';

/** An event map: event name → the single payload object listeners receive. */
export type EventPayloads<Events> = { [K in keyof Events]: object };

/** Listener signatures derived from a payload map. */
export type ListenerMap<Events extends EventPayloads<Events>> = {
  [K in keyof Events]: (payload: Events[K]) => void;
};

/** The event names of a payload map. */
export type EventName<Events> = keyof Events & string;

/**
 * A typed event emitter whose events are also published on `node:diagnostics_channel`
 * (`wan-reliability:<event>`), so APM tools can observe them without a reference to the emitter.
 *
 * Listener bookkeeping is eventemitter3, behind a typed surface and loaded with the first listener:
 * a component nobody listens to never pays its import (~8 ms of a cold `import()` as CommonJS), and
 * emitting costs one check. As eventemitter3 does, there is no listener-count warning (a shared
 * breaker may have many listeners) and no special `'error'` event (no payload map has one).
 */
export class ReliabilityEmitter<Events extends EventPayloads<Events>> {
  #emitter: EventEmitter<string> | undefined;

  #listeners(): EventEmitter<string> {
    if (this.#emitter === undefined) {
      const { EventEmitter: Emitter } = lazyRequire<{ EventEmitter: new () => EventEmitter<string> }>(
        'eventemitter3',
      );
      this.#emitter = new Emitter();
    }
    return this.#emitter;
  }

  /** Adds a listener for `event`. */
  on<K extends EventName<Events>>(event: K, listener: ListenerMap<Events>[K]): this {
    this.#listeners().on(event, listener);
    return this;
  }

  /** Same as {@link on}. */
  addListener<K extends EventName<Events>>(event: K, listener: ListenerMap<Events>[K]): this {
    return this.on(event, listener);
  }

  /** Adds a listener called at most once. */
  once<K extends EventName<Events>>(event: K, listener: ListenerMap<Events>[K]): this {
    this.#listeners().once(event, listener);
    return this;
  }

  /** Removes a listener added with {@link on} or {@link once}. */
  off<K extends EventName<Events>>(event: K, listener: ListenerMap<Events>[K]): this {
    this.#emitter?.off(event, listener);
    return this;
  }

  /** Same as {@link off}. */
  removeListener<K extends EventName<Events>>(event: K, listener: ListenerMap<Events>[K]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: EventName<Events>): this {
    if (event === undefined) this.#emitter?.removeAllListeners();
    else this.#emitter?.removeAllListeners(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: EventName<Events>): number {
    return this.#emitter?.listenerCount(event) ?? 0;
  }

  /** The listeners of `event`, in call order. */
  listeners<K extends EventName<Events>>(event: K): ListenerMap<Events>[K][] {
    return (this.#emitter?.listeners(event) ?? []) as ListenerMap<Events>[K][];
  }

  /** The events that have listeners. */
  eventNames(): EventName<Events>[] {
    return (this.#emitter?.eventNames() ?? []) as EventName<Events>[];
  }

  /** Calls the listeners of `event` with `payload` (not the diagnostics channel); true when there were any. */
  emit<K extends EventName<Events>>(event: K, payload: Events[K]): boolean {
    return this.#emitter?.emit(event, payload) ?? false;
  }

  /**
   * Emits to listeners and to the diagnostics channel; costs nothing when nobody listens. The
   * components announce from inside calls they are running: a listener that throws must not
   * replace the call's result or error, so its failure is reported once as a process warning and
   * otherwise ignored (the listeners after it in that emit are skipped, as with Node's emitter).
   */
  protected announce<K extends EventName<Events>>(event: K, payload: Events[K]): void {
    if (this.#emitter !== undefined && this.#emitter.listenerCount(event) > 0) {
      try {
        this.#emitter.emit(event, payload);
      } catch (error) {
        observerFailed(`a '${event}' listener`, error);
      }
    }
    publish(event, payload);
  }
}
