import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { InjectedFaultError } from '../../errors/InjectedFaultError.js';
import { abortError, sleep } from '../../shared/abort.js';
import { optionalFunction, optionalObject } from '../../shared/validate.js';
import { callInContext, LazyContext, signalOf } from '../policy/context.js';
import {
  DEFAULT_OPERATION,
  type ExecuteOptions,
  type ExecutionContext,
  type Policy,
  type PolicyFunction,
} from '../policy/types.js';

/** Options of {@link chaos}; every rate is a probability in [0, 1], default 0. */
export interface ChaosOptions {
  /** Probability of failing the call instead of running it. */
  faultRate?: number;
  /** What to throw; default an InjectedFaultError (category `network`). */
  fault?: (ctx: ExecutionContext) => Error;
  /** Probability of delaying the call before running it. */
  latencyRate?: number;
  /** The delay in ms, or [min, max] for a uniform random delay. Default 1000. */
  latency?: number | readonly [number, number];
  /** Probability of running `behavior` before the call (e.g. delete a temp file, fill a disk). */
  behaviorRate?: number;
  /** Side effect to inject. */
  behavior?: (ctx: ExecutionContext) => void | PromiseLike<void>;
  /** Turn injection on or off without rebuilding pipelines. Default: always on. */
  enabled?: () => boolean;
  /** Uniform random source in [0, 1). Default Math.random. */
  random?: () => number;
}

function rate(option: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  throw new ConfigurationError(option, 'a probability from 0 to 1', value);
}

function latencyRange(value: unknown): readonly [number, number] {
  if (value === undefined) return [1000, 1000];
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return [value, value];
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && v >= 0) &&
    value[0] <= value[1]
  ) {
    return [value[0], value[1]];
  }
  throw new ConfigurationError('chaos.latency', 'milliseconds ≥ 0 or [min, max]', value);
}

/**
 * Injects faults, latency and side effects at given rates, so installer authors can test their
 * recovery paths (like Polly's Simmy). Put it innermost: `compose(retry, breaker, chaos({...}))`.
 */
export function chaos(options: ChaosOptions = {}): Policy {
  optionalObject('chaos options', options);
  const faultRate = rate('chaos.faultRate', options.faultRate);
  const latencyRate = rate('chaos.latencyRate', options.latencyRate);
  const behaviorRate = rate('chaos.behaviorRate', options.behaviorRate);
  const [minLatency, maxLatency] = latencyRange(options.latency);
  const fault = optionalFunction<NonNullable<ChaosOptions['fault']>>('chaos.fault', options.fault);
  const behavior = optionalFunction<NonNullable<ChaosOptions['behavior']>>(
    'chaos.behavior',
    options.behavior,
  );
  const enabled = optionalFunction<() => boolean>('chaos.enabled', options.enabled) ?? (() => true);
  const random = optionalFunction<() => number>('chaos.random', options.random) ?? Math.random;

  return {
    async execute<T>(fn: PolicyFunction<T>, executeOptions: ExecuteOptions = {}): Promise<T> {
      const signal = executeOptions.signal;
      const operation = executeOptions.operation ?? DEFAULT_OPERATION;
      if (signal?.aborted) throw abortError(signal, operation);
      const ctx = new LazyContext(operation, executeOptions.attempt ?? 1, signal);
      if (enabled()) {
        if (latencyRate > 0 && random() < latencyRate) {
          await sleep(minLatency + random() * (maxLatency - minLatency), signalOf(ctx), operation);
        }
        if (behavior && behaviorRate > 0 && random() < behaviorRate) await behavior(ctx);
        if (faultRate > 0 && random() < faultRate)
          throw fault ? fault(ctx) : new InjectedFaultError(operation);
      }
      return callInContext(ctx, fn);
    },
  };
}
