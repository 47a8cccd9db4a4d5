/** Anything the registry can list: live breakers register themselves here. */
export interface RegisteredBreaker {
  readonly name: string;
}

const live = new Set<WeakRef<RegisteredBreaker>>();
const cleanup = new FinalizationRegistry<WeakRef<RegisteredBreaker>>((ref) => live.delete(ref));
const refs = new WeakMap<RegisteredBreaker, WeakRef<RegisteredBreaker>>();

/** Adds a breaker; held weakly so an unused breaker can still be garbage-collected. */
export function registerBreaker(breaker: RegisteredBreaker): void {
  const ref = new WeakRef(breaker);
  refs.set(breaker, ref);
  live.add(ref);
  cleanup.register(breaker, ref, ref);
}

/** Removes a disposed breaker. */
export function unregisterBreaker(breaker: RegisteredBreaker): void {
  const ref = refs.get(breaker);
  if (!ref) return;
  live.delete(ref);
  cleanup.unregister(ref);
  refs.delete(breaker);
}

/** Every registered breaker that is still alive. */
export function liveBreakers<T extends RegisteredBreaker>(): T[] {
  const result: T[] = [];
  for (const ref of live) {
    const breaker = ref.deref();
    if (breaker) result.push(breaker as T);
    else live.delete(ref);
  }
  return result;
}
