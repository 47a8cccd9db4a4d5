import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RecoveryDecision } from '../../src/index.js';
import { type Reliable, withReliability } from '../../src/index.js';
import type {
  CancelledRecoveryResult,
  ManualRecoveryResult,
  RecoveredResult,
  RecoveryResult,
} from '../../src/recovery/index.js';

// The wrapped type must match what the proxy does at run time; every type assertion here has a
// runtime twin in the same test.

class Client {
  readonly version = '2.0';
  async download(url: string, dest: string): Promise<{ bytes: number }> {
    return { bytes: url.length + dest.length };
  }
  ping(): string {
    return 'pong';
  }
  parse(text: string): number {
    return Number.parseInt(text, 10);
  }
  toString(): string {
    return 'Client 2.0';
  }
  [Symbol.iterator](): Iterator<string> {
    return ['a'][Symbol.iterator]();
  }
}

const options = { name: 'client', retry: false, breaker: false, timeout: false } as const;

describe('Reliable<T> matches the proxy', () => {
  it('aliases take the type of the method they point at', async () => {
    const client = withReliability(new Client(), { ...options, aliases: { fetchModel: 'download' } });
    expectTypeOf(client.fetchModel).toEqualTypeOf<
      (url: string, dest: string) => Promise<{ bytes: number }>
    >();
    await expect(client.fetchModel('ab', 'c')).resolves.toEqual({ bytes: 3 });
  });

  it('an alias to a name the type does not know is callable and resolves at run time', async () => {
    const client = withReliability(new Client(), { ...options, aliases: { old: 'renamedLater' } });
    expectTypeOf(client.old).toEqualTypeOf<(...args: unknown[]) => Promise<unknown>>();
    await expect(client.old()).rejects.toMatchObject({ name: 'MissingMethodError' });
  });

  it('fallbacks take the type of their implementation, behind a Promise', async () => {
    const client = withReliability(new Client(), {
      ...options,
      fallbacks: { checksum: (path: string) => `sha256:${path}`, legacyPing: async () => 7 },
    });
    expectTypeOf(client.checksum).toEqualTypeOf<(path: string) => Promise<string>>();
    expectTypeOf(client.legacyPing).toEqualTypeOf<() => Promise<number>>();
    await expect(client.checksum('a.bin')).resolves.toBe('sha256:a.bin');
    await expect(client.legacyPing()).resolves.toBe(7);
  });

  it('an alias wins over a fallback of the same name; own methods win over both', async () => {
    const client = withReliability(new Client(), {
      ...options,
      aliases: { fetch: 'download', ping: 'download' },
      fallbacks: { fetch: () => 'fallback', ping: () => 0 },
    });
    expectTypeOf(client.fetch).toEqualTypeOf<(url: string, dest: string) => Promise<{ bytes: number }>>();
    expectTypeOf(client.ping).toEqualTypeOf<() => Promise<string>>();
    await expect(client.fetch('a', 'b')).resolves.toEqual({ bytes: 2 });
    await expect(client.ping()).resolves.toBe('pong');
  });

  it('a method set to false keeps its own synchronous type', () => {
    const client = withReliability(new Client(), {
      ...options,
      methods: { parse: false, download: { timeout: 'model_download', retry: { delays: [1, 2] } } },
    });
    expectTypeOf(client.parse).toEqualTypeOf<(text: string) => number>();
    expectTypeOf(client.download).toEqualTypeOf<(url: string, dest: string) => Promise<{ bytes: number }>>();
    expectTypeOf(client.ping).toEqualTypeOf<() => Promise<string>>();
    expect(client.parse('42')).toBe(42);
    expect(client.ping()).toBeInstanceOf(Promise);
  });

  it('Object.prototype methods and symbol-keyed members pass through unchanged', () => {
    const client = withReliability(new Client(), options);
    expectTypeOf(client.toString).toEqualTypeOf<() => string>();
    expectTypeOf(client[Symbol.iterator]).toEqualTypeOf<() => Iterator<string>>();
    expectTypeOf(client.version).toEqualTypeOf<string>();
    expect(`${client}`).toBe('Client 2.0');
    expect([...client]).toEqual(['a']);
    expect(client.version).toBe('2.0');
  });

  it('without aliases, fallbacks or pass-through methods the result is Reliable<T>', () => {
    expectTypeOf(withReliability(new Client(), options)).toEqualTypeOf<Reliable<Client>>();
    expectTypeOf<Reliable<Client>['download']>().toEqualTypeOf<
      (url: string, dest: string) => Promise<{ bytes: number }>
    >();
  });
});

describe('RecoveryResult', () => {
  it('is a union on action: manual narrows to steps, links and report; retry to the strategy', () => {
    expectTypeOf<RecoveryResult>().toEqualTypeOf<
      RecoveredResult | CancelledRecoveryResult | ManualRecoveryResult
    >();
    expectTypeOf<Extract<RecoveryResult, { action: 'manual' }>['manualSteps']>().toEqualTypeOf<
      readonly string[]
    >();
    expectTypeOf<Extract<RecoveryResult, { action: 'manual' }>['report']>().toEqualTypeOf<string>();
    const narrow = (result: RecoveryResult): string | readonly string[] | undefined => {
      if (result.action === 'retry') return result.strategy;
      if (result.action === 'manual') return result.manualSteps;
      return undefined;
    };
    expectTypeOf(narrow).returns.toEqualTypeOf<string | readonly string[] | undefined>();
    expectTypeOf<CancelledRecoveryResult>().not.toHaveProperty('manualSteps');
    // The registry is a recovery hook: every result is a valid RecoveryDecision.
    expectTypeOf<RecoveryResult>().toExtend<RecoveryDecision>();
  });
});
