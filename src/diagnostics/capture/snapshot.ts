import pTimeout from 'p-timeout';
import { createDefaultProbe } from './probe.js';
import type { ProbeName, SystemProbe, SystemSnapshot } from './types.js';

const STATIC_PROBES = ['os', 'cpu', 'gpus', 'python'] as const satisfies readonly ProbeName[];
const DYNAMIC_PROBES = ['memory', 'disks', 'load'] as const satisfies readonly ProbeName[];

type ProbeValue<K extends ProbeName> = Awaited<ReturnType<SystemProbe[K]>>;

type Missing = { probe: ProbeName; reason: 'timeout' | 'error'; detail?: string };

const TIMED_OUT = Symbol('timed out');

/**
 * Takes system snapshots: static facts (OS, CPU, GPUs, Python) are probed once and cached; dynamic
 * facts (memory, disks, load) are probed on every snapshot. Every probe runs concurrently and is
 * bounded so that a snapshot never takes longer than `timeoutMs`, even when a probe hangs; a static
 * probe that did not answer in time keeps running and its answer is used by later snapshots.
 */
export class SystemSnapshotter {
  readonly #probe: SystemProbe;
  readonly #timeoutMs: number;
  readonly #static = new Map<ProbeName, Promise<unknown>>();

  constructor(options: { probe?: Partial<SystemProbe> | undefined; timeoutMs: number }) {
    const defaults = createDefaultProbe();
    this.#probe = { ...defaults, ...(options.probe ?? {}) } as SystemProbe;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Starts the static probes now (e.g. at installer start) so that the first capture is fast. */
  warmUp(): void {
    for (const name of STATIC_PROBES) this.#staticPromise(name);
  }

  #staticPromise(name: ProbeName): Promise<unknown> {
    let promise = this.#static.get(name);
    if (!promise) {
      promise = callProbe(this.#probe, name);
      // A failed static probe is tried again by the next snapshot.
      promise.catch(() => {
        if (this.#static.get(name) === promise) this.#static.delete(name);
      });
      this.#static.set(name, promise);
    }
    return promise;
  }

  async take(): Promise<SystemSnapshot> {
    const started = performance.now();
    const deadline = started + this.#timeoutMs;
    const missing: Missing[] = [];

    const bounded = async <K extends ProbeName>(
      name: K,
      promise: Promise<unknown>,
    ): Promise<ProbeValue<K> | null> => {
      const remaining = Math.max(0, deadline - performance.now());
      try {
        const value = await pTimeout(promise, { milliseconds: remaining, fallback: () => TIMED_OUT });
        if (value === TIMED_OUT) {
          missing.push({ probe: name, reason: 'timeout' });
          return null;
        }
        return value as ProbeValue<K>;
      } catch (error) {
        missing.push({
          probe: name,
          reason: 'error',
          detail: error instanceof Error ? error.message : String(error),
        });
        return null;
      }
    };

    const [os, cpu, gpus, python, memory, disks, load] = await Promise.all([
      bounded('os', this.#staticPromise('os')),
      bounded('cpu', this.#staticPromise('cpu')),
      bounded('gpus', this.#staticPromise('gpus')),
      bounded('python', this.#staticPromise('python')),
      bounded('memory', callProbe(this.#probe, 'memory')),
      bounded('disks', callProbe(this.#probe, 'disks')),
      bounded('load', callProbe(this.#probe, 'load')),
    ]);

    return {
      takenAt: new Date().toISOString(),
      os: (os as ProbeValue<'os'> | null) ?? null,
      cpu: cpu ? { ...(cpu as ProbeValue<'cpu'>), load: (load as ProbeValue<'load'> | null) ?? null } : null,
      memory: (memory as ProbeValue<'memory'> | null) ?? null,
      disks: (disks as ProbeValue<'disks'> | null) ?? null,
      gpus: (gpus as ProbeValue<'gpus'> | null) ?? null,
      node: {
        version: process.version,
        v8: process.versions.v8,
        platform: process.platform,
        arch: process.arch,
      },
      python: (python as ProbeValue<'python'> | null) ?? null,
      missing,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }
}

/** Calls a probe member; a synchronous throw becomes a rejection. */
function callProbe(probe: SystemProbe, name: ProbeName): Promise<unknown> {
  try {
    const member = probe[name] as (this: SystemProbe) => Promise<unknown>;
    return Promise.resolve(member.call(probe));
  } catch (error) {
    return Promise.reject(error);
  }
}

export { DYNAMIC_PROBES, STATIC_PROBES };
