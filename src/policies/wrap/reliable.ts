import type { AnyFunction, MethodOptions } from './options.js';

/**
 * The parts of the options that change the wrapped component's type: which methods pass through
 * (`methods: { name: false }`), which missing names resolve through `aliases`, which through
 * `fallbacks`. {@link withReliability} infers it from the options it is given.
 */
export interface ReliableShape {
  /** Per-method settings as written (only `false` matters for the type). */
  readonly methods?: object;
  /** Version shims as written: missing name → method name on the component. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Implementations of missing methods as written. */
  readonly fallbacks?: Readonly<Record<string, AnyFunction>>;
}

/** A method as the proxy runs it: same parameters, the result always behind a Promise. */
export type Promisified<F> = F extends (...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : F;

/** Names set to `false` in `methods`: those methods pass through untouched (and may stay synchronous). */
type PassThrough<M> = { [K in keyof M]-?: [M[K]] extends [false] ? K : never }[keyof M];

/** Names of function-valued properties of T (string keys only: symbols pass through). */
type MethodName<T> = {
  [K in keyof T]-?: K extends string ? (T[K] extends AnyFunction ? K : never) : never;
}[keyof T];

/** Object.prototype's methods (and overrides of them) stay synchronous: the runtime calls them implicitly. */
type ObjectProtocol =
  | 'constructor'
  | 'hasOwnProperty'
  | 'isPrototypeOf'
  | 'propertyIsEnumerable'
  | 'toLocaleString'
  | 'toString'
  | 'valueOf';

/** No options of a kind: nothing added, nothing passed through. */
export type NoOptions = Record<never, never>;

/** The component's own members as the proxy exposes them. */
type OwnMembers<T, M> = {
  [K in keyof T]: K extends string
    ? K extends PassThrough<M> | ObjectProtocol
      ? T[K]
      : Promisified<T[K]>
    : T[K];
};

/** Aliases to a method of T take that method's (promisified) type; others are resolved at run time. */
type AliasMembers<T, A, F> = {
  [K in Exclude<keyof A, keyof T>]: A[K] extends MethodName<T>
    ? Promisified<T[A[K]]>
    : K extends keyof F
      ? Promisified<F[K]>
      : (...args: unknown[]) => Promise<unknown>;
};

/** Fallbacks for names neither on T nor aliased. */
type FallbackMembers<T, A, F> = {
  [K in Exclude<keyof F, keyof T | keyof A>]: Promisified<F[K]>;
};

/** `methods`, `aliases` and `fallbacks` of a shape, `{}` when absent. */
type Part<O extends ReliableShape, K extends keyof ReliableShape> = O[K] extends object ? O[K] : NoOptions;

/**
 * A wrapped class or function keeps its construct and call signatures: `new Wrapped()` and
 * `wrapped()` pass through to the component untouched (its static methods are what is wrapped).
 */
type Signatures<T> = (T extends new (...args: infer A) => infer I ? new (...args: A) => I : unknown) &
  (T extends (...args: infer A) => infer R ? (...args: A) => R : unknown);

/**
 * A wrapped component: the same properties; every method returns a Promise of its result, except
 * methods set to `false` in `methods` (passed through with their own, possibly synchronous, type)
 * and Object.prototype's methods. Names listed in `aliases` and `fallbacks` are methods too:
 * an alias has the type of the method it points at, a fallback the type of its implementation.
 *
 * @typeParam T - the component's type.
 * @typeParam O - the options' `methods` / `aliases` / `fallbacks`, as {@link withReliability} infers them.
 */
export type Reliable<T extends object, O extends ReliableShape = NoOptions> = OwnMembers<
  T,
  Part<O, 'methods'>
> &
  AliasMembers<T, Part<O, 'aliases'>, Part<O, 'fallbacks'>> &
  FallbackMembers<T, Part<O, 'aliases'>, Part<O, 'fallbacks'>> &
  Signatures<T>;

/** The `methods` option: per-method settings for the component's methods (and any other name). */
export type MethodsOption<T> = { [K in Exclude<keyof T, ObjectProtocol>]?: MethodOptions | false } & Record<
  string,
  MethodOptions | false | undefined
>;
