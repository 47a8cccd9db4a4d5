import fc from 'fast-check';

/**
 * Values that are hostile to touch, for "the caller gets exactly what was thrown" properties.
 * Every getter or trap throws a {@link HostileTouch}: a promise rejecting with one means some code
 * read the value and let the getter's error replace it.
 */
export class HostileTouch extends Error {}

/** Throws a {@link HostileTouch}; used as a getter, a trap or a method. */
export const touch = (): never => {
  throw new HostileTouch('a getter or trap of a hostile value ran and threw');
};

/** Names code is likely to read on an error (logging, classifying, serialising, awaiting). */
export const ERROR_FIELDS = [
  'message',
  'name',
  'stack',
  'cause',
  'code',
  'status',
  'statusCode',
  'errors',
  'headers',
  'response',
  'retryable',
  'retryAfterMs',
  'category',
  'remediation',
  'attempts',
  'constructor',
  'toString',
  'valueOf',
  'toJSON',
  'then',
] as const;

/** `base` with a throwing getter for each name (`stack` first: V8 formats it when redefined). */
export function withThrowingGetters<T extends object>(base: T, names: readonly string[]): T {
  const ordered = [...names].sort((a, b) => Number(b === 'stack') - Number(a === 'stack'));
  for (const name of ordered) Object.defineProperty(base, name, { get: touch, configurable: true });
  return base;
}

/** A revoked Proxy of `target`: every operation on it throws a TypeError. */
export function revoked(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A Proxy of `target` whose every trap throws. */
export function allTraps(target: object): object {
  return new Proxy(target, {
    get: touch,
    has: touch,
    ownKeys: touch,
    getPrototypeOf: touch,
    setPrototypeOf: touch,
    getOwnPropertyDescriptor: touch,
    defineProperty: touch,
    deleteProperty: touch,
    isExtensible: touch,
    preventExtensions: touch,
    set: touch,
  });
}

/** An array-looking Proxy (`Array.isArray` is true) whose reads throw. */
export function hostileArray(): unknown[] {
  return new Proxy<unknown[]>([], { get: touch, getOwnPropertyDescriptor: touch, ownKeys: touch });
}

/** One hostile value, made fresh per run, with a label for failure messages. */
export interface HostileValue {
  readonly label: string;
  readonly make: () => unknown;
}

/** Primitives, proxies, revoked proxies, throwing getters, hostile arrays inside fields. */
export const hostileValues: fc.Arbitrary<HostileValue> = fc.oneof(
  fc.constantFrom<HostileValue>(
    { label: 'null', make: () => null },
    { label: 'undefined', make: () => undefined },
    { label: 'empty string', make: () => '' },
    { label: 'NaN', make: () => Number.NaN },
    { label: 'symbol', make: () => Symbol('thrown') },
    { label: 'bigint', make: () => 10n },
    { label: 'false', make: () => false },
    { label: 'a function', make: () => () => 1 },
    { label: 'revoked proxy', make: () => revoked({}) },
    { label: 'revoked proxy of an Error', make: () => revoked(new Error('x')) },
    { label: 'revoked proxy of a function', make: () => revoked(() => 1) },
    { label: 'revoked proxy of an array', make: () => revoked([]) },
    { label: 'all-traps proxy', make: () => allTraps({}) },
    { label: 'all-traps proxy of an Error', make: () => allTraps(new TypeError('x is not a function')) },
    { label: 'null prototype', make: () => Object.create(null) },
    { label: 'frozen Error', make: () => Object.freeze(new Error('frozen')) },
    {
      label: 'throwing toString / valueOf / toPrimitive',
      make: () => ({ toString: touch, valueOf: touch, [Symbol.toPrimitive]: touch }),
    },
    {
      label: 'Error with a hostile `errors` array',
      make: () => Object.assign(new Error('e'), { errors: hostileArray() }),
    },
    { label: 'object with a hostile `attempts` array', make: () => ({ attempts: hostileArray() }) },
    {
      label: 'ReliabilityError look-alike with a hostile remediation array',
      make: () =>
        Object.assign(new Error('r'), { code: 'ERR_X', category: 'network', remediation: hostileArray() }),
    },
    { label: 'cause is a revoked proxy', make: () => new Error('outer', { cause: revoked({}) }) },
    {
      label: 'self-caused Error',
      make: () => {
        const error = new Error('loop') as Error & { cause?: unknown };
        error.cause = error;
        return error;
      },
    },
    {
      label: 'thenable whose then throws',
      make: () => withThrowingGetters(new Error('thenable'), ['then']),
    },
  ),
  fc.string({ maxLength: 20 }).map((s) => ({ label: `string ${JSON.stringify(s)}`, make: () => s })),
  fc.double().map((n) => ({ label: `number ${n}`, make: () => n })),
  fc.subarray([...ERROR_FIELDS], { minLength: 1 }).chain((names) =>
    fc.boolean().map((asError) => ({
      label: `${asError ? 'Error' : 'object'} with throwing ${names.join(', ')}`,
      make: () => withThrowingGetters(asError ? new Error('hostile') : {}, names),
    })),
  ),
);
