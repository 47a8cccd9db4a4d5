import { EventEmitter } from 'eventemitter3';
import { publish } from './channels.js';

/** An event map: event name → the single payload object listeners receive. */
export type EventPayloads<Events> = { [K in keyof Events]: object };

/** Listener signatures derived from a payload map, in the shape eventemitter3's typings expect. */
export type ListenerMap<Events extends EventPayloads<Events>> = {
  [K in keyof Events]: (payload: Events[K]) => void;
};

/**
 * A typed EventEmitter3 whose events are also published on `node:diagnostics_channel`
 * (`wan-reliability:<event>`), so APM tools can observe them without a reference to the emitter.
 */
export class ReliabilityEmitter<Events extends EventPayloads<Events>> extends EventEmitter<
  ListenerMap<Events>,
  // eventemitter3 defaults the listener context to `any`; keep `any` out of the public API.
  unknown
> {
  /** Emits to listeners and to the diagnostics channel; costs nothing when nobody listens. */
  protected announce<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const untyped = this as unknown as EventEmitter<string>;
    if (untyped.listenerCount(event) > 0) untyped.emit(event, payload);
    publish(event, payload);
  }
}
