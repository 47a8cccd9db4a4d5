import { afterEach, describe, expect, it } from 'vitest';
import { ModelAvailability } from '../../src/availability/ModelAvailability.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import type { MeterLike } from '../../src/health/otel.js';
import { DiagnosticMonitor } from '../../src/monitor/DiagnosticMonitor.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { type Fixture, fixture, T2V, until } from '../availability/fixtures.js';

// Every class that holds timers, handles or running work releases them through
// Symbol.asyncDispose (`await using x = …`), and Symbol.dispose where that is synchronous.

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('Symbol.asyncDispose', () => {
  it('DiagnosticMonitor: stops its sampling timer', async () => {
    let samples = 0;
    const monitor = new DiagnosticMonitor({
      paths: [],
      interval: 10,
      sampler: async () => {
        samples += 1;
        return { disks: [] };
      },
    });
    {
      await using _running = monitor.start();
      await until(() => samples >= 2);
    }
    const after = samples;
    // The timer would have fired several times in 100 ms; a round already started may still count.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(samples - after).toBeLessThanOrEqual(1);
  });

  it('ModelAvailability: cancels running downloads; none is running once dispose resolved', async () => {
    fx = await fixture();
    fx.server.hold();
    const availability = new ModelAvailability({ root: fx.root, manifest: fx.manifest, usageStore: false });
    const ready = availability.ensureReady(T2V).then(
      () => 'ready',
      (error: unknown) => (error as { category?: string }).category,
    );
    await until(() => (fx?.server.waiting ?? 0) > 0);
    const [before] = await availability.status(T2V);
    expect(before?.state).toBe('downloading');
    await availability[Symbol.asyncDispose]();
    // Once dispose resolved, no download of it is running any more.
    const [after] = await availability.status(T2V);
    expect(after?.state).not.toBe('downloading');
    await expect(ready).resolves.toBe('cancelled');
    fx.server.release();
  });

  it('CircuitBreaker: leaves the registry (also through `using`)', async () => {
    {
      await using breaker = new CircuitBreaker({ name: 'dispose-async' });
      expect(CircuitBreaker.registry().map((b) => b.name)).toContain(breaker.name);
    }
    {
      using breaker = new CircuitBreaker({ name: 'dispose-sync' });
      expect(CircuitBreaker.registry().map((b) => b.name)).toContain(breaker.name);
    }
    const names = CircuitBreaker.registry().map((b) => b.name);
    expect(names).not.toContain('dispose-async');
    expect(names).not.toContain('dispose-sync');
  });

  it('HealthReporter: stops feeding the OpenTelemetry meter', async () => {
    // A structural meter (the MeterLike contract), recording which callbacks are registered.
    const callbacks = new Set<unknown>();
    const instrument = () => ({
      addCallback: (callback: unknown) => void callbacks.add(callback),
      removeCallback: (callback: unknown) => void callbacks.delete(callback),
    });
    const meter: MeterLike = { createObservableCounter: instrument, createObservableGauge: instrument };
    {
      await using health = new HealthReporter({ openTelemetry: meter });
      health.record({ component: 'c', operation: 'o', success: true, durationMs: 1 });
      expect(callbacks.size).toBeGreaterThan(0);
    }
    expect(callbacks.size).toBe(0);
  });
});
