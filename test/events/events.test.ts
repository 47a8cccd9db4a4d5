import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CHANNEL_PREFIX,
  CircuitBreaker,
  channelFor,
  ReliabilityEmitter,
  RetryPolicy,
  TimeoutManager,
} from '../../src/index.js';

/** Subscribes to `wan-reliability:<event>` channels and removes the subscriptions afterwards. */
const subscriptions: Array<() => void> = [];
function subscribe(event: string): unknown[] {
  const received: unknown[] = [];
  const listener = (message: unknown) => received.push(message);
  diagnosticsChannel.subscribe(`wan-reliability:${event}`, listener);
  subscriptions.push(() => diagnosticsChannel.unsubscribe(`wan-reliability:${event}`, listener));
  return received;
}

const breakers: CircuitBreaker[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
  for (const b of breakers.splice(0)) b.dispose();
  vi.useRealTimers();
});

describe('events', () => {
  it('names channels wan-reliability:<event>', () => {
    expect(CHANNEL_PREFIX).toBe('wan-reliability:');
    expect(channelFor('circuit:open').name).toBe('wan-reliability:circuit:open');
    expect(channelFor('circuit:open')).toBe(channelFor('circuit:open'));
  });

  it('retry and retry:give-up reach emitter listeners and channel subscribers', async () => {
    const onChannel = subscribe('retry');
    const giveUpOnChannel = subscribe('retry:give-up');
    const policy = new RetryPolicy({ retries: 1, delays: [5] });
    const onEmitter: unknown[] = [];
    policy.on('retry', (info) => onEmitter.push(info));
    const run = policy
      .execute(() => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })), {
        operation: 'dl',
      })
      .catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    await run;
    expect(onEmitter).toHaveLength(1);
    expect(onChannel).toEqual(onEmitter);
    expect(onChannel[0]).toMatchObject({ operation: 'dl', attempt: 1, delayMs: 5 });
    expect(giveUpOnChannel).toEqual([expect.objectContaining({ reason: 'exhausted', attempts: 2 })]);
  });

  it('circuit:open, circuit:reject, circuit:half-open and circuit:close reach both', async () => {
    const channels = {
      open: subscribe('circuit:open'),
      reject: subscribe('circuit:reject'),
      halfOpen: subscribe('circuit:half-open'),
      close: subscribe('circuit:close'),
    };
    const breaker = new CircuitBreaker({ name: 'events', consecutiveFailures: 1, resetTimeout: 100 });
    breakers.push(breaker);
    const emitted: string[] = [];
    for (const event of ['circuit:open', 'circuit:reject', 'circuit:half-open', 'circuit:close'] as const) {
      breaker.on(event, () => emitted.push(event));
    }
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await breaker.execute(() => 'rejected').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(100);
    await breaker.execute(() => 'probe');
    expect(emitted).toEqual(['circuit:open', 'circuit:reject', 'circuit:half-open', 'circuit:close']);
    expect(channels.open).toEqual([{ name: 'events', reason: 'consecutive-failures', retryAfterMs: 100 }]);
    expect(channels.reject).toEqual([{ name: 'events', retryAfterMs: 100 }]);
    expect(channels.halfOpen).toEqual([{ name: 'events' }]);
    expect(channels.close).toEqual([{ name: 'events' }]);
  });

  it('timeout reaches both', async () => {
    const onChannel = subscribe('timeout');
    const timeouts = new TimeoutManager();
    const onEmitter: unknown[] = [];
    timeouts.on('timeout', (event) => onEmitter.push(event));
    const run = timeouts
      .policyFor('network_test', 30)
      .execute(() => new Promise(() => {}))
      .catch(() => undefined);
    await vi.advanceTimersByTimeAsync(30);
    await run;
    expect(onEmitter).toEqual([{ operation: 'network_test', timeoutMs: 30 }]);
    expect(onChannel).toEqual(onEmitter);
  });

  it('publishes on the channel even without emitter listeners, and nothing without subscribers', () => {
    class Probe extends ReliabilityEmitter<{ 'probe:ping': { n: number } }> {
      ping(n: number) {
        this.announce('probe:ping', { n });
      }
    }
    const probe = new Probe();
    probe.ping(1);
    const received = subscribe('probe:ping');
    probe.ping(2);
    const listener = vi.fn();
    probe.on('probe:ping', listener);
    probe.ping(3);
    expect(received).toEqual([{ n: 2 }, { n: 3 }]);
    expect(listener).toHaveBeenCalledExactlyOnceWith({ n: 3 });
  });
});
