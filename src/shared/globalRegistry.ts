/**
 * Process-wide state shared by every copy of this package that is loaded (an ESM and a CommonJS
 * build, two bundles, two versions in one dependency tree): it lives on `globalThis` under
 * `Symbol.for('@wan/reliability.<name>')`, so a secret registered through one copy is redacted by
 * every other, and a classifier or breaker registered through one is seen by all.
 *
 * The value's shape is a contract between versions: change it only together with the name
 * (e.g. `secrets.v2`), never in place.
 */
export function globalRegistry<T extends object>(name: string, create: () => T): T {
  const key = Symbol.for(`@wan/reliability.${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    // Not enumerable, not writable: `globalThis` listings stay clean and nothing swaps it later.
    Object.defineProperty(globalThis, key, {
      value,
      enumerable: false,
      writable: false,
      configurable: false,
    });
  }
  return value;
}
