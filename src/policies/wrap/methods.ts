import { MissingMethodError } from '../../errors/MissingMethodError.js';
import type { Policy } from '../policy/types.js';
import { Invoker, type InvokerLimits } from './invoker.js';
import type { AnyFunction, MethodOptions, WithReliabilityOptions } from './options.js';
import type { PipelineFactory } from './pipeline.js';

type Fn = (...args: unknown[]) => unknown;

/**
 * Object.prototype's methods (and overrides of them): the runtime calls them implicitly
 * (`${component}`, `==`, hasOwnProperty checks), so they must stay synchronous and unwrapped.
 */
const OBJECT_PROTOCOL = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Function.prototype's methods, for a wrapped class or function (`bind`, `call`, `toString`). */
const FUNCTION_PROTOCOL = new Set(Object.getOwnPropertyNames(Function.prototype));

/** Stands for "no function to run" in the cache: the name resolves to a MissingMethodError. */
const MISSING = Symbol('missing method');

/** What a key resolved to last time: the function it came from and what the proxy handed out. */
interface Resolved {
  readonly source: unknown;
  readonly exposed: unknown;
}

/** `table[key]` when the table itself has it (a name like `toString` must not find Object.prototype's). */
function own<V>(table: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Method names a component offers (own and inherited, excluding Object's and Function's). */
export function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = target;
    proto && proto !== Object.prototype && proto !== Function.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      try {
        if (key !== 'constructor' && typeof Reflect.get(target, key, target) === 'function') names.add(key);
      } catch {
        // A getter that throws is not a method we can list.
      }
    }
  }
  return [...names].sort();
}

/**
 * What the proxy hands out for each method name. Every access re-reads the component (so a method
 * attached, replaced or deleted later is seen); what is built for a function is cached by that
 * function's identity (so the success path allocates nothing and `wrapped.m === wrapped.m`), and
 * the policies are built once per name (a replaced method keeps its breaker's state).
 */
export class MethodTable {
  readonly #component: object;
  readonly #options: WithReliabilityOptions<object>;
  readonly #factory: PipelineFactory;
  readonly #limits: InvokerLimits;
  readonly #resolved = new Map<PropertyKey, Resolved>();
  readonly #policies = new Map<string, Policy>();

  constructor(
    component: object,
    options: WithReliabilityOptions<object>,
    factory: PipelineFactory,
    limits: InvokerLimits,
  ) {
    this.#component = component;
    this.#options = options;
    this.#factory = factory;
    this.#limits = limits;
  }

  /**
   * The proxy's value for a string key whose own value is a function or missing: the method
   * behind policies, bound as is (pass-through), an alias or fallback, or a MissingMethodError stub.
   */
  method(name: string, value: unknown): unknown {
    const source = typeof value === 'function' ? value : this.#substitute(name);
    const cached = this.#resolved.get(name);
    if (cached !== undefined && cached.source === source) return cached.exposed;
    if (source === MISSING) {
      // Not cached: probing many absent names (inspection, typos in a loop) must not grow the table.
      this.#resolved.delete(name);
      return this.#missing(name);
    }
    let exposed: unknown;
    if (source === value && this.#passesThrough(name)) exposed = (source as Fn).bind(this.#component);
    else exposed = this.#wrap(name, source as Fn);
    this.#resolved.set(name, { source, exposed });
    return exposed;
  }

  /**
   * A symbol-keyed function: a protocol hook the runtime calls synchronously (iteration,
   * conversion, disposal, inspection), so it is passed through bound to the component, never
   * behind policies (an open breaker must not stop a `using` block's disposal).
   */
  bound(key: symbol, fn: Fn): unknown {
    const cached = this.#resolved.get(key);
    if (cached !== undefined && cached.source === fn) return cached.exposed;
    const exposed = fn.bind(this.#component);
    this.#resolved.set(key, { source: fn, exposed });
    return exposed;
  }

  /** Whether a name the component lacks resolves through an alias or a fallback right now. */
  substitutes(name: string): boolean {
    return this.#substitute(name) !== MISSING;
  }

  /** The alias's current target or the fallback for a name the component lacks, else MISSING. */
  #substitute(name: string): unknown {
    const alias = own(this.#options.aliases, name);
    if (typeof alias === 'string') {
      const aliased = Reflect.get(this.#component, alias, this.#component);
      if (typeof aliased === 'function') return aliased;
    }
    const fallback = own<AnyFunction>(this.#options.fallbacks, name);
    return typeof fallback === 'function' ? fallback : MISSING;
  }

  #passesThrough(name: string): boolean {
    return (
      own(this.#options.methods as Record<string, MethodOptions | false> | undefined, name) === false ||
      OBJECT_PROTOCOL.has(name) ||
      (typeof this.#component === 'function' && FUNCTION_PROTOCOL.has(name))
    );
  }

  #wrap(name: string, fn: Fn): (...args: unknown[]) => Promise<unknown> {
    const component = this.#component;
    const options = this.#options;
    const invoker = new Invoker(
      {
        component: options.name,
        operation: name,
        policy: this.#policy(name),
        health: options.health,
        recovery: options.recovery,
        maxRecoveryAttempts: this.#limits.maxRecoveryAttempts,
        captureTimeout: this.#limits.captureTimeout,
        capture: options.capture,
        correlationId: options.correlationId,
        phase: options.phase,
        signal: options.signal,
        logger: options.logger,
      },
      (args) => fn.apply(component, args as unknown[]),
    );
    return (...args: unknown[]) => invoker.invoke(args);
  }

  #policy(name: string): Policy {
    let policy = this.#policies.get(name);
    if (policy === undefined) {
      const settings = own(this.#options.methods as Record<string, MethodOptions | false> | undefined, name);
      policy = this.#factory.build(name, settings || {});
      this.#policies.set(name, policy);
    }
    return policy;
  }

  #missing(name: string): () => Promise<never> {
    const component = this.#component;
    const label = this.#options.name;
    return () => Promise.reject(new MissingMethodError(label, name, methodNames(component)));
  }
}
