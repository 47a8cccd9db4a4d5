import { globalRegistry } from '../../shared/globalRegistry.js';

/** Anything the registry can list: live breakers register themselves here. */
export interface RegisteredBreaker {
  readonly name: string;
}

/** The registry's state, shared by every loaded copy of the package (see globalRegistry). */
interface BreakerRegistry {
  readonly live: Set<WeakRef<RegisteredBreaker>>;
  readonly refs: WeakMap<RegisteredBreaker, WeakRef<RegisteredBreaker>>;
  readonly cleanup: FinalizationRegistry<WeakRef<RegisteredBreaker>>;
}

const registry = globalRegistry<BreakerRegistry>('breakers', () => {
  const live = new Set<WeakRef<RegisteredBreaker>>();
  return {
    live,
    refs: new WeakMap(),
    cleanup: new FinalizationRegistry((ref) => live.delete(ref)),
  };
});

/** Adds a breaker; held weakly so an unused breaker can still be garbage-collected. */
export function registerBreaker(breaker: RegisteredBreaker): void {
  const ref = new WeakRef(breaker);
  registry.refs.set(breaker, ref);
  registry.live.add(ref);
  registry.cleanup.register(breaker, ref, ref);
}

/** Removes a disposed breaker. */
export function unregisterBreaker(breaker: RegisteredBreaker): void {
  const ref = registry.refs.get(breaker);
  if (!ref) return;
  registry.live.delete(ref);
  registry.cleanup.unregister(ref);
  registry.refs.delete(breaker);
}

/** Every registered breaker that is still alive (from any loaded copy of the package). */
export function liveBreakers<T extends RegisteredBreaker>(): T[] {
  const result: T[] = [];
  for (const ref of registry.live) {
    const breaker = ref.deref();
    if (breaker) result.push(breaker as T);
    else registry.live.delete(ref);
  }
  return result;
}
