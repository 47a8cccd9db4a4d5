import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitState, classifyError } from '../../../src/index.js';

/** Breaker settings one generated run uses. */
interface Config {
  readonly consecutiveFailures: number;
  readonly volumeThreshold: number;
  readonly errorThresholdPercentage: number;
  readonly halfOpenProbes: number;
  readonly resetTimeout: number;
}

/**
 * The reference state machine: what the breaker should do, written as plainly as possible.
 * The window never rotates (huge rollingWindow), so it is just two counters.
 */
interface Model {
  readonly config: Config;
  state: CircuitState;
  consecutive: number;
  fires: number;
  failures: number;
  probeSuccesses: number;
  openedAt: number;
  events: string[];
}

interface Real {
  readonly breaker: CircuitBreaker;
  readonly events: string[];
}

/** Failures carry whether the breaker should count them (its isFailure reads the flag). */
class ServiceError extends Error {
  constructor(readonly counted: boolean) {
    super(counted ? 'service failed' : 'service answered with an expected error');
  }
}

function enterOpen(m: Model): void {
  m.state = 'open';
  m.openedAt = Date.now();
  m.events.push('circuit:open');
}

function enterClosed(m: Model): void {
  if (m.state !== 'closed') m.events.push('circuit:close');
  m.state = 'closed';
  m.consecutive = 0;
  m.fires = 0;
  m.failures = 0;
}

/** An outcome the service produced (the call was admitted). */
function modelOutcome(m: Model, outcome: 'success' | 'counted' | 'not-counted'): void {
  if (m.state === 'half-open') {
    if (outcome === 'counted') enterOpen(m);
    else if (++m.probeSuccesses >= m.config.halfOpenProbes) enterClosed(m);
    return;
  }
  m.fires += 1;
  if (outcome !== 'counted') {
    m.consecutive = 0;
    return;
  }
  m.failures += 1;
  m.consecutive += 1;
  if (m.consecutive >= m.config.consecutiveFailures) enterOpen(m);
  else if (
    m.fires >= m.config.volumeThreshold &&
    (m.failures / m.fires) * 100 > m.config.errorThresholdPercentage
  )
    enterOpen(m);
}

function checkAgreement(m: Model, r: Real): void {
  expect(r.breaker.state).toBe(m.state);
  expect(r.breaker.consecutiveFailures).toBe(m.consecutive);
  expect(r.breaker.retryAfterMs).toBe(
    m.state === 'open' ? Math.max(0, m.openedAt + m.config.resetTimeout - Date.now()) : 0,
  );
  expect(r.events).toEqual(m.events);
}

/** A call: succeed, fail (counted) or fail with an error isFailure does not count. */
class CallCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly outcome: 'success' | 'counted' | 'not-counted') {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const fn = vi.fn(() =>
      this.outcome === 'success'
        ? Promise.resolve('ok')
        : Promise.reject(new ServiceError(this.outcome === 'counted')),
    );
    const settled = await r.breaker.execute(fn).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (m.state === 'open') {
      expect(fn).not.toHaveBeenCalled();
      expect(settled.ok).toBe(false);
      const error = (settled as { error: unknown }).error;
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(classifyError(error).category).toBe('circuit_open');
      expect((error as CircuitOpenError).retryAfterMs).toBe(
        Math.max(0, m.openedAt + m.config.resetTimeout - Date.now()),
      );
      m.events.push('circuit:reject');
    } else {
      expect(fn).toHaveBeenCalledTimes(1);
      if (this.outcome === 'success') expect(settled).toEqual({ ok: true, value: 'ok' });
      else expect((settled as { error: unknown }).error).toBeInstanceOf(ServiceError);
      modelOutcome(m, this.outcome);
    }
    checkAgreement(m, r);
  }
  toString(): string {
    return `call(${this.outcome})`;
  }
}

/** Lets time pass beyond the cool-down. */
class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly extra: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await vi.advanceTimersByTimeAsync(m.config.resetTimeout + this.extra);
    if (m.state === 'open') {
      m.state = 'half-open';
      m.probeSuccesses = 0;
      m.events.push('circuit:half-open');
    }
    checkAgreement(m, r);
  }
  toString(): string {
    return `advance(resetTimeout + ${this.extra})`;
  }
}

/** Lets some time pass within the cool-down. */
class WaitCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check(m: Readonly<Model>): boolean {
    return this.ms < m.config.resetTimeout;
  }
  async run(m: Model, r: Real): Promise<void> {
    const before = Date.now();
    const dueAt = m.openedAt + m.config.resetTimeout;
    await vi.advanceTimersByTimeAsync(this.ms);
    if (m.state === 'open' && Date.now() >= dueAt && before < dueAt) {
      m.state = 'half-open';
      m.probeSuccesses = 0;
      m.events.push('circuit:half-open');
    }
    checkAgreement(m, r);
  }
  toString(): string {
    return `wait(${this.ms})`;
  }
}

class OpenCommand implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    r.breaker.open();
    if (m.state !== 'open') enterOpen(m);
    checkAgreement(m, r);
  }
  toString(): string {
    return 'open()';
  }
}

class CloseCommand implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    r.breaker.close();
    enterClosed(m);
    checkAgreement(m, r);
  }
  toString(): string {
    return 'close()';
  }
}

const configArb: fc.Arbitrary<Config> = fc.record({
  consecutiveFailures: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Number.POSITIVE_INFINITY)),
  volumeThreshold: fc.integer({ min: 0, max: 8 }),
  errorThresholdPercentage: fc.integer({ min: 0, max: 100 }),
  halfOpenProbes: fc.integer({ min: 1, max: 4 }),
  resetTimeout: fc.integer({ min: 10, max: 5000 }),
});

const commandsArb = fc.commands<Model, Real, false>(
  [
    fc.constant(new CallCommand('success')),
    fc.constant(new CallCommand('success')),
    fc.constant(new CallCommand('counted')),
    fc.constant(new CallCommand('counted')),
    fc.constant(new CallCommand('not-counted')),
    fc.integer({ min: 0, max: 50 }).map((extra) => new AdvanceCommand(extra)),
    fc.integer({ min: 1, max: 4999 }).map((ms) => new WaitCommand(ms)),
    fc.constant(new OpenCommand()),
    fc.constant(new CloseCommand()),
  ],
  { maxCommands: 60 },
);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker model', () => {
  it('agrees with the reference state machine for any sequence of calls, time and manual control', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, commandsArb, async (config, commands) => {
        const breaker = new CircuitBreaker({
          ...config,
          name: 'model',
          rollingWindow: 2e10,
          isFailure: (error) => error instanceof ServiceError && error.counted,
        });
        const events: string[] = [];
        for (const event of [
          'circuit:open',
          'circuit:half-open',
          'circuit:close',
          'circuit:reject',
        ] as const) {
          breaker.on(event, () => events.push(event));
        }
        const model: Model = {
          config,
          state: 'closed',
          consecutive: 0,
          fires: 0,
          failures: 0,
          probeSuccesses: 0,
          openedAt: 0,
          events: [],
        };
        try {
          await fc.asyncModelRun(() => ({ model, real: { breaker, events } }), commands);
        } finally {
          breaker.dispose();
        }
      }),
      { numRuns: 250 },
    );
  });
});
