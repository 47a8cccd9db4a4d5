import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  ConfigurationError,
  MissingMethodError,
  withReliability,
} from '../../../src/index.js';

/**
 * The wrapper is a Proxy; everything but its method lookups must behave as the component itself
 * would: accessors and symbol-keyed members run against the real object (so `#private` fields
 * work), writes land on the component, and the wrapper follows the component as it changes.
 */

const noPolicies = { retry: false, breaker: false, timeout: false } as const;

afterEach(() => {
  for (const b of CircuitBreaker.registry()) if (b.name.startsWith('traps')) b.dispose();
});

/** A component that keeps everything in private fields, behind accessors and symbol methods. */
class Vault {
  #limit = 1;
  #items = ['a', 'b'];
  #closed = false;
  static #instances = 0;

  constructor() {
    Vault.#instances += 1;
  }

  static get instances(): number {
    return Vault.#instances;
  }

  static set instances(value: number) {
    Vault.#instances = value;
  }

  static async count(): Promise<number> {
    return Vault.#instances;
  }

  get limit(): number {
    return this.#limit;
  }

  set limit(value: number) {
    if (!Number.isInteger(value)) throw new RangeError('limit must be an integer');
    this.#limit = value;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async take(): Promise<string[]> {
    return this.#items.slice(0, this.#limit);
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.#items;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (const item of this.#items) yield item;
  }

  [Symbol.toPrimitive](hint: string): string | number {
    return hint === 'number' ? this.#items.length : `vault(${this.#items.length})`;
  }

  [Symbol.dispose](): void {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
  }

  get [Symbol.toStringTag](): string {
    return `Vault ${this.#limit}`;
  }
}

const secretSymbol = Symbol('secret');

describe('withReliability: accessors and private fields', () => {
  it('runs setters and getters against the component (a setter using #private works)', async () => {
    const vault = new Vault();
    const wrapped = withReliability(vault, { name: 'traps', ...noPolicies });
    wrapped.limit = 2;
    expect(vault.limit).toBe(2);
    expect(wrapped.limit).toBe(2);
    await expect(wrapped.take()).resolves.toEqual(['a', 'b']);
    // The setter's own error reaches the caller unchanged.
    expect(() => {
      wrapped.limit = 1.5;
    }).toThrow(RangeError);
  });

  it('writes plain properties to the component and reports them as it does', () => {
    const component = { version: '1', async run() {} };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies });
    (wrapped as { version: string }).version = '2';
    expect(component.version).toBe('2');
    expect(Object.keys(wrapped)).toEqual(Object.keys(component));
    expect('version' in wrapped).toBe(true);
    expect(Object.getOwnPropertyDescriptor(wrapped, 'version')).toEqual(
      Object.getOwnPropertyDescriptor(component, 'version'),
    );
  });

  it('a read-only accessor refuses the write as the component would (TypeError in strict code)', () => {
    const wrapped = withReliability(new Vault(), { name: 'traps', ...noPolicies });
    expect(() => {
      (wrapped as { closed: boolean }).closed = true;
    }).toThrow(TypeError);
    expect(wrapped.closed).toBe(false);
  });

  it('defineProperty and delete act on the component; has follows them', async () => {
    const component: Record<string, unknown> = { async run() {} };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies }) as Record<string, unknown>;
    Object.defineProperty(wrapped, 'extra', { value: 7, configurable: true, enumerable: true });
    expect(component.extra).toBe(7);
    expect('extra' in wrapped).toBe(true);
    expect(delete wrapped.extra).toBe(true);
    expect('extra' in component).toBe(false);
    expect('extra' in wrapped).toBe(false);
    delete wrapped.run;
    await expect((wrapped.run as () => Promise<unknown>)()).rejects.toBeInstanceOf(MissingMethodError);
  });

  it('wraps a class: static methods get policies, static accessors with #private work, `new` works', async () => {
    const Wrapped = withReliability(Vault, { name: 'traps', ...noPolicies });
    Vault.instances = 0;
    Wrapped.instances = 5;
    expect(Vault.instances).toBe(5);
    expect(Wrapped.instances).toBe(5);
    const count = Wrapped.count();
    expect(count).toBeInstanceOf(Promise);
    await expect(count).resolves.toBe(5);
    const made = new Wrapped();
    expect(made).toBeInstanceOf(Vault);
    expect(made).toBeInstanceOf(Wrapped);
    expect(Vault.instances).toBe(6);
    // Function.prototype's own methods stay synchronous, as Object.prototype's do.
    expect(Wrapped.name).toBe('Vault');
    expect(typeof Wrapped.bind(null)).toBe('function');
    expect(Wrapped.toString()).toContain('class Vault');
  });
});

describe('withReliability: symbol-keyed members', () => {
  it('iterates, converts and disposes through the component (protocol methods pass through bound)', async () => {
    const vault = new Vault();
    const wrapped = withReliability(vault, { name: 'traps', ...noPolicies });
    expect([...wrapped]).toEqual(['a', 'b']);
    const seen: string[] = [];
    for await (const item of wrapped) seen.push(item);
    expect(seen).toEqual(['a', 'b']);
    expect(`${wrapped}`).toBe('vault(2)');
    expect(+wrapped).toBe(2);
    expect(Object.prototype.toString.call(wrapped)).toBe('[object Vault 1]');
    expect(wrapped[Symbol.iterator]).toBe(wrapped[Symbol.iterator]);
    wrapped[Symbol.dispose]();
    expect(vault.closed).toBe(true);
  });

  it('asyncDispose runs once, unwrapped, even with an open breaker', async () => {
    const breaker = new CircuitBreaker({ name: 'traps-open', consecutiveFailures: 1 });
    await breaker.recordFailure(new Error('down')).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const vault = new Vault();
    const wrapped = withReliability(vault, { name: 'traps', retry: false, breaker, timeout: false });
    await expect(wrapped.take()).rejects.toBeInstanceOf(CircuitOpenError);
    await wrapped[Symbol.asyncDispose]();
    expect(vault.closed).toBe(true);
  });

  it('a user symbol method and a symbol getter see the component', () => {
    class Keyed {
      #value = 41;
      [secretSymbol](): number {
        return this.#value + 1;
      }
      get [Symbol.for('traps.value')](): number {
        return this.#value;
      }
      set [Symbol.for('traps.value')](value: number) {
        this.#value = value;
      }
    }
    const keyed = new Keyed();
    const wrapped = withReliability(keyed, { name: 'traps', ...noPolicies }) as unknown as Record<
      symbol,
      unknown
    >;
    expect((wrapped[secretSymbol] as () => number)()).toBe(42);
    wrapped[Symbol.for('traps.value')] = 9;
    expect(wrapped[Symbol.for('traps.value')]).toBe(9);
    expect((wrapped[secretSymbol] as () => number)()).toBe(10);
  });
});

describe('withReliability: methods that change after the first access', () => {
  it('a method attached after its first (missing) access is found', async () => {
    const component: Record<string, unknown> = { async run() {} };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies }) as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    await expect(wrapped.resume?.()).rejects.toBeInstanceOf(MissingMethodError);
    component.resume = async (from: number) => `resumed at ${from}`;
    await expect(wrapped.resume?.(5)).resolves.toBe('resumed at 5');
  });

  it('a method added through the wrapper, or on the prototype, is found', async () => {
    class Late {
      async run(): Promise<string> {
        return 'run';
      }
    }
    const wrapped = withReliability(new Late(), { name: 'traps', ...noPolicies }) as unknown as Record<
      string,
      (...args: unknown[]) => unknown
    >;
    await expect(wrapped.stop?.()).rejects.toBeInstanceOf(MissingMethodError);
    await expect(wrapped.patch?.()).rejects.toBeInstanceOf(MissingMethodError);
    wrapped.stop = async () => 'stopped';
    (Late.prototype as unknown as Record<string, unknown>).patch = async () => 'patched';
    await expect(wrapped.stop?.()).resolves.toBe('stopped');
    await expect(wrapped.patch?.()).resolves.toBe('patched');
  });

  it('an own method that appears later wins over the alias and the fallback it was resolved to', async () => {
    const component: Record<string, unknown> = {
      async download() {
        return 'download';
      },
    };
    const wrapped = withReliability(component, {
      name: 'traps',
      ...noPolicies,
      aliases: { fetchFile: 'download' },
      fallbacks: { verify: async () => 'fallback' },
    }) as unknown as Record<string, () => Promise<unknown>>;
    await expect(wrapped.fetchFile?.()).resolves.toBe('download');
    await expect(wrapped.verify?.()).resolves.toBe('fallback');
    component.fetchFile = async () => 'own fetchFile';
    component.verify = async () => 'own verify';
    await expect(wrapped.fetchFile?.()).resolves.toBe('own fetchFile');
    await expect(wrapped.verify?.()).resolves.toBe('own verify');
    delete component.fetchFile;
    component.download = async () => 'new download';
    await expect(wrapped.fetchFile?.()).resolves.toBe('new download');
  });

  it('pass-through and Object.prototype methods follow replacement too', () => {
    const component = {
      ping: () => 'pong 1',
      toString: () => 'first',
    };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies, methods: { ping: false } });
    expect(wrapped.ping()).toBe('pong 1');
    expect(`${wrapped}`).toBe('first');
    component.ping = () => 'pong 2';
    component.toString = () => 'second';
    expect(wrapped.ping()).toBe('pong 2');
    expect(`${wrapped}`).toBe('second');
  });

  it('keeps one wrapper per function (stable identity) and one policy per name across replacements', async () => {
    const component = {
      async fetch(): Promise<string> {
        throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      },
    };
    const wrapped = withReliability(component, {
      name: 'traps',
      retry: false,
      timeout: false,
      methods: { fetch: { breaker: { consecutiveFailures: 1, resetTimeout: 60_000 } } },
    });
    const first = wrapped.fetch;
    expect(wrapped.fetch).toBe(first);
    await expect(wrapped.fetch()).rejects.toMatchObject({ code: 'ECONNRESET' });
    component.fetch = async () => 'fine';
    expect(wrapped.fetch).not.toBe(first);
    // The method's breaker opened on the old function; the replacement runs behind the same breaker.
    await expect(wrapped.fetch()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(CircuitBreaker.registry().filter((b) => b.name === 'traps.fetch')).toHaveLength(1);
  });

  it('a getter that returns a new function each time does not multiply policies', async () => {
    let made = 0;
    const component = {
      get compute(): () => Promise<number> {
        made += 1;
        return async () => made;
      },
    };
    const wrapped = withReliability(component, {
      name: 'traps',
      retry: false,
      timeout: false,
      methods: { compute: { breaker: {} } },
    });
    for (let i = 0; i < 20; i++) await wrapped.compute();
    expect(CircuitBreaker.registry().filter((b) => b.name === 'traps.compute')).toHaveLength(1);
  });
});

describe('withReliability: components the Proxy invariants constrain', () => {
  it('wraps the methods of a frozen component', async () => {
    const component = Object.freeze({
      calls: 0,
      async download(url: string): Promise<string> {
        return `got ${url}`;
      },
    });
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies, methods: {} });
    await expect(wrapped.download('x')).resolves.toBe('got x');
    expect(Object.isFrozen(wrapped)).toBe(true);
    expect(Object.keys(wrapped)).toEqual(['calls', 'download']);
    expect(Object.getOwnPropertyDescriptor(wrapped, 'download')?.value).toBe(wrapped.download);
    expect(() => {
      (wrapped as { calls: number }).calls = 1;
    }).toThrow(TypeError);
  });

  it('a non-configurable own method keeps working through the wrapper', async () => {
    const component = {};
    Object.defineProperty(component, 'run', { value: async () => 'ran', enumerable: true });
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies }) as {
      run(): Promise<string>;
    };
    await expect(wrapped.run()).resolves.toBe('ran');
    expect(wrapped.run).toBe(wrapped.run);
  });

  it('a sealed component whose method is reassigned runs the new one', async () => {
    const component = Object.seal({ run: async () => 'first' });
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies });
    await expect(wrapped.run()).resolves.toBe('first');
    component.run = async () => 'second';
    await expect(wrapped.run()).resolves.toBe('second');
    expect(Object.isSealed(wrapped)).toBe(true);
    expect(Object.getOwnPropertyDescriptor(wrapped, 'run')?.value).toBe(wrapped.run);
  });

  it('freezing through the wrapper freezes the component and keeps its methods wrapped', async () => {
    const component = {
      count: 1,
      async run(): Promise<string> {
        return 'ran';
      },
    };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies });
    const before = wrapped.run;
    Object.freeze(wrapped);
    expect(Object.isFrozen(component)).toBe(true);
    expect(Object.isFrozen(wrapped)).toBe(true);
    expect(wrapped.run).toBe(before);
    await expect(wrapped.run()).resolves.toBe('ran');
    expect(Reflect.set(wrapped, 'count', 2)).toBe(false);
  });

  it('a component made non-extensible after wrapping, then changed directly, is reported as it is', async () => {
    const component: Record<string, unknown> = {
      a: 1,
      b: 2,
      async run() {
        return 'ran';
      },
    };
    const wrapped = withReliability(component, { name: 'traps', ...noPolicies }) as Record<string, unknown>;
    Object.preventExtensions(component);
    expect(Object.isExtensible(wrapped)).toBe(false);
    delete component.a;
    expect('a' in wrapped).toBe(false);
    expect(Object.keys(wrapped)).toEqual(['b', 'run']);
    expect(Object.getOwnPropertyDescriptor(wrapped, 'a')).toBeUndefined();
    expect(Object.getPrototypeOf(wrapped)).toBe(Object.prototype);
    await expect((wrapped.run as () => Promise<unknown>)()).resolves.toBe('ran');
  });

  it('wraps a component that is itself a Proxy, and an array', async () => {
    const inner = {
      async run(): Promise<string> {
        return 'inner';
      },
    };
    const proxied = new Proxy(inner, {});
    await expect(withReliability(proxied, { name: 'traps', ...noPolicies }).run()).resolves.toBe('inner');
    const list = Object.assign(['x', 'y'], {
      async first(this: string[]) {
        return this[0];
      },
    });
    const wrapped = withReliability(list, { name: 'traps', ...noPolicies });
    expect(Array.isArray(wrapped)).toBe(true);
    expect(wrapped.length).toBe(2);
    await expect(wrapped.first()).resolves.toBe('x');
    expect(Object.keys(wrapped)).toEqual(['0', '1', 'first']);
  });

  it('console.log / util.inspect show the component, not the stand-in the Proxy is checked against', () => {
    const wrapped = withReliability(new Vault(), { name: 'traps', ...noPolicies });
    expect(inspect(wrapped)).toMatch(/^Vault /);
    expect(inspect(withReliability(Vault, { name: 'traps', ...noPolicies }))).toContain('class Vault');
    expect(inspect(withReliability(['x'], { name: 'traps', ...noPolicies }))).toBe("[ 'x' ]");
  });

  it('a revoked Proxy as the component is a ConfigurationError when wrapping', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => withReliability(proxy, { name: 'traps' })).toThrow(ConfigurationError);
  });

  it('own property names that collide with Object.prototype in the option tables are ignored', async () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.run = async () => 'ran';
    const wrapped = withReliability(bare, { name: 'traps', ...noPolicies }) as Record<string, unknown>;
    expect('toString' in wrapped).toBe(false);
    expect('constructor' in wrapped).toBe(false);
    await expect((wrapped.hasOwnProperty as unknown as () => Promise<unknown>)()).rejects.toBeInstanceOf(
      MissingMethodError,
    );
    await expect((wrapped.run as () => Promise<unknown>)()).resolves.toBe('ran');
  });
});
