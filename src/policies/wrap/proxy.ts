import type { MethodTable } from './methods.js';

/** Property names the proxy never reports as missing methods (promise checks, inspection, JSON). */
const NOT_METHODS = new Set([
  'then',
  'catch',
  'finally',
  'toJSON',
  'constructor',
  'inspect',
  'asymmetricMatch',
  'nodeType',
  '$$typeof',
]);

/** Node's `util.inspect.custom`, without importing node:util. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

type Inspect = (value: unknown, options: unknown) => string;

/**
 * An empty stand-in of the component's kind (callable for a class or function, an array for an
 * array) for the Proxy to be checked against. Node's `util.inspect` (so `console.log`) shows a
 * Proxy's target, not what its traps report: the shadow's prototype forwards that to the component.
 */
function shadowOf(component: object): object {
  let shadow: object;
  if (typeof component === 'function') {
    // A bound function has no `prototype` (which would be non-configurable) and is constructable.
    shadow = Function.prototype.bind.call(function stand() {}, null);
    Reflect.deleteProperty(shadow, 'name');
    Reflect.deleteProperty(shadow, 'length');
  } else shadow = Array.isArray(component) ? [] : {};
  const inspectable = {
    [INSPECT]: (_depth: number, options: unknown, inspect: Inspect) => inspect(component, options),
  };
  Reflect.setPrototypeOf(shadow, inspectable);
  return shadow;
}

/**
 * The Proxy withReliability returns. Reads of methods go through the {@link MethodTable}; every
 * other operation acts on the component itself, with the component as `this`/receiver, so
 * accessors, symbol-keyed members and `#private` fields work as they do on the component.
 *
 * The Proxy's own target is a shadow, not the component: the language requires a Proxy to report
 * a non-configurable, non-writable property exactly as its target holds it, which would forbid
 * wrapping the methods of a frozen component. The shadow holds only what those invariants need —
 * the non-configurable properties, and everything once the component stops being extensible —
 * mirrored with the values the Proxy reports (the wrapped method, not the raw one).
 */
export function reliableProxy<T extends object>(component: T, table: MethodTable): T {
  const shadow = shadowOf(component);
  let proxy: T;
  /** Getters and setters reached through the proxy run against the component. */
  const receiverOf = (receiver: unknown): unknown => (receiver === proxy ? component : receiver);

  /** What the proxy reports for `key`, given the component's value for it. */
  const expose = (key: string | symbol, value: unknown): unknown => {
    if (typeof key === 'symbol')
      return typeof value === 'function' ? table.bound(key, value as never) : value;
    if (value !== undefined && typeof value !== 'function') return value;
    if (value === undefined && (NOT_METHODS.has(key) || Reflect.has(component, key))) return value;
    if (key === 'constructor') return value;
    return table.method(key, value);
  };

  /** The component's descriptor of `key` as the proxy reports it, mirrored on the shadow when needed. */
  const sync = (key: string | symbol): PropertyDescriptor | undefined => {
    const own = Reflect.getOwnPropertyDescriptor(component, key);
    const reported = own && 'value' in own ? { ...own, value: expose(key, own.value) } : own;
    const sealed = !Reflect.isExtensible(shadow);
    if (reported === undefined) {
      if (Object.hasOwn(shadow, key)) Reflect.deleteProperty(shadow, key);
    } else if (sealed || reported.configurable === false || Object.hasOwn(shadow, key)) {
      Reflect.defineProperty(shadow, key, reported);
    }
    return reported;
  };

  /** Once the component is not extensible, the shadow holds exactly its properties and prototype. */
  const resync = (): void => {
    for (const key of Reflect.ownKeys(shadow)) if (!Object.hasOwn(component, key)) sync(key);
    for (const key of Reflect.ownKeys(component)) sync(key);
  };
  const seal = (): void => {
    for (const key of Reflect.ownKeys(component)) {
      const own = Reflect.getOwnPropertyDescriptor(component, key);
      if (own)
        Reflect.defineProperty(shadow, key, 'value' in own ? { ...own, value: expose(key, own.value) } : own);
    }
    Reflect.setPrototypeOf(shadow, Reflect.getPrototypeOf(component));
    Reflect.preventExtensions(shadow);
  };
  const sealedShadow = (): boolean => {
    if (Reflect.isExtensible(shadow)) {
      if (Reflect.isExtensible(component)) return false;
      seal();
    } else resync();
    return true;
  };

  const handler: ProxyHandler<object> = {
    get: (_, key, receiver) => {
      // The common case first, inline: a method or a plain value read through the proxy itself.
      if (receiver === proxy && typeof key === 'string') {
        const value: unknown = (component as Record<string, unknown>)[key];
        if (typeof value === 'function' && key !== 'constructor') return table.method(key, value);
        return expose(key, value);
      }
      return expose(key, Reflect.get(component, key, receiverOf(receiver)));
    },
    set: (_, key, value, receiver) => Reflect.set(component, key, value, receiverOf(receiver)),
    has: (_, key) => {
      sealedShadow();
      return Reflect.has(component, key) || (typeof key === 'string' && table.substitutes(key));
    },
    deleteProperty: (_, key) => {
      const deleted = Reflect.deleteProperty(component, key);
      if (deleted && Object.hasOwn(shadow, key)) Reflect.deleteProperty(shadow, key);
      return deleted;
    },
    defineProperty: (_, key, descriptor) => {
      const defined = Reflect.defineProperty(component, key, descriptor);
      if (defined) sync(key);
      return defined;
    },
    getOwnPropertyDescriptor: (_, key) => {
      sealedShadow();
      return sync(key);
    },
    ownKeys: () => {
      sealedShadow();
      return Reflect.ownKeys(component);
    },
    isExtensible: () => !sealedShadow(),
    preventExtensions: () => Reflect.preventExtensions(component) && sealedShadow(),
    getPrototypeOf: () => Reflect.getPrototypeOf(component),
    setPrototypeOf: (_, prototype) => Reflect.setPrototypeOf(component, prototype),
    apply: (_, thisArg, args) => Reflect.apply(component as (...a: unknown[]) => unknown, thisArg, args),
    construct: (_, args, newTarget) =>
      Reflect.construct(
        component as new (
          ...a: unknown[]
        ) => object,
        args,
        (newTarget === proxy ? component : newTarget) as new (
          ...a: unknown[]
        ) => object,
      ),
  };
  proxy = new Proxy(shadow, handler) as T;
  if (!Reflect.isExtensible(component)) seal();
  return proxy;
}
