import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { MissingMethodError } from '../../errors/MissingMethodError.js';
import { optionalCount } from '../../shared/validate.js';
import { TimeoutManager } from '../timeout/TimeoutManager.js';
import { Invoker } from './invoker.js';
import type { AnyFunction, MethodOptions, WithReliabilityOptions } from './options.js';
import { PipelineFactory } from './pipeline.js';
import type { MethodsOption, NoOptions, Reliable } from './reliable.js';

export type { MethodsOption, NoOptions, Promisified, Reliable, ReliableShape } from './reliable.js';

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

/**
 * Object.prototype's methods (and overrides of them): the runtime calls them implicitly
 * (`${component}`, `==`, hasOwnProperty checks), so they must stay synchronous and unwrapped.
 */
const OBJECT_PROTOCOL = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Method names a component offers (own and inherited, excluding Object.prototype's). */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = target;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key !== 'constructor' && typeof (target as Record<string, unknown>)[key] === 'function')
        names.add(key);
    }
  }
  return [...names].sort();
}

/**
 * Wraps an existing component (a downloader, a pip runner, an API client) so that every method call
 * runs through retry ∘ circuit breaker ∘ timeout, reports to health, and goes through recovery and
 * error capture after a final failure. `this` inside methods is the original component;
 * non-function properties pass through. A missing method resolves through `aliases` (version shims)
 * and `fallbacks`, else calling it rejects with MissingMethodError listing what exists.
 *
 * @example
 * ```ts
 * const downloader = withReliability(new LegacyDownloader(), {
 *   name: 'downloader',
 *   methods: { download: { timeout: 'model_download' }, ping: false },
 *   aliases: { fetchFile: 'download' },
 *   health,
 * });
 * await downloader.download(url, dest);
 * ```
 */
export function withReliability<
  T extends object,
  const M extends MethodsOption<T> = NoOptions,
  const A extends Readonly<Record<string, string>> = NoOptions,
  const F extends Readonly<Record<string, AnyFunction>> = NoOptions,
>(
  component: T,
  options: WithReliabilityOptions<T> & { methods?: M; aliases?: A; fallbacks?: F },
): Reliable<T, { methods: M; aliases: A; fallbacks: F }> {
  if (typeof component !== 'object' && typeof component !== 'function') {
    throw new ConfigurationError('withReliability(component)', 'an object or class instance', component);
  }
  if (!options || typeof options.name !== 'string' || options.name.length === 0) {
    throw new ConfigurationError('withReliability options.name', 'a non-empty component name', options?.name);
  }
  const maxRecoveryAttempts =
    optionalCount('withReliability.maxRecoveryAttempts', options.maxRecoveryAttempts) ?? 1;
  const aliases: Readonly<Record<string, string>> = options.aliases ?? {};
  const fallbacks: Readonly<Record<string, AnyFunction>> = options.fallbacks ?? {};
  const methods = (options.methods ?? {}) as Record<string, MethodOptions | false | undefined>;
  const factory = new PipelineFactory(
    options as WithReliabilityOptions<object>,
    options.timeouts ?? new TimeoutManager(),
  );
  const target = component as Record<string, unknown>;
  const wrapped = new Map<string, unknown>();

  const invoker = (name: string, call: (args: readonly unknown[]) => unknown): Invoker =>
    new Invoker(
      {
        component: options.name,
        operation: name,
        policy: factory.build(name, methods[name] || {}),
        health: options.health,
        recovery: options.recovery,
        maxRecoveryAttempts,
        capture: options.capture,
        correlationId: options.correlationId,
        phase: options.phase,
        signal: options.signal,
        logger: options.logger,
      },
      call,
    );

  const wrap = (name: string): unknown => {
    const own = target[name];
    if (typeof own === 'function') {
      if (methods[name] === false || OBJECT_PROTOCOL.has(name)) return (own as AnyFunction).bind(component);
      // Looked up per call, so a method replaced on the component later is still the one called.
      const runner = invoker(name, (args) =>
        (target[name] as (...a: unknown[]) => unknown).apply(component, args as unknown[]),
      );
      return (...args: unknown[]) => runner.invoke(args);
    }
    const alias = aliases[name];
    if (alias !== undefined && typeof target[alias] === 'function') {
      const aliased = target[alias] as (...a: unknown[]) => unknown;
      const runner = invoker(name, (args) => aliased.apply(component, args as unknown[]));
      return (...args: unknown[]) => runner.invoke(args);
    }
    const replacement = fallbacks[name];
    if (typeof replacement === 'function') {
      const runner = invoker(name, (args) =>
        (replacement as (...a: unknown[]) => unknown).apply(component, args as unknown[]),
      );
      return (...args: unknown[]) => runner.invoke(args);
    }
    return () => Promise.reject(new MissingMethodError(options.name, name, methodNames(component)));
  };

  return new Proxy(component, {
    get(obj, property, receiver) {
      if (typeof property !== 'string') return Reflect.get(obj, property, receiver);
      const value = (obj as Record<string, unknown>)[property];
      if (value !== undefined && typeof value !== 'function') return value;
      if (value === undefined && (property in obj || NOT_METHODS.has(property))) return value;
      if (property === 'constructor') return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        method = wrap(property);
        wrapped.set(property, method);
      }
      return method;
    },
    has(obj, property) {
      return (
        Reflect.has(obj, property) ||
        (typeof property === 'string' && (property in aliases || property in fallbacks))
      );
    },
  }) as Reliable<T, { methods: M; aliases: A; fallbacks: F }>;
}
