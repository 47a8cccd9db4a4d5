import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { optionalCount, optionalDuration } from '../../shared/validate.js';
import { TimeoutManager } from '../timeout/TimeoutManager.js';
import { MethodTable } from './methods.js';
import { type AnyFunction, WITH_RELIABILITY_DEFAULTS, type WithReliabilityOptions } from './options.js';
import { PipelineFactory } from './pipeline.js';
import { reliableProxy } from './proxy.js';
import type { MethodsOption, NoOptions, Reliable } from './reliable.js';
import { validateWithReliabilityOptions } from './validateOptions.js';

export type { MethodsOption, NoOptions, Promisified, Reliable, ReliableShape } from './reliable.js';

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
  try {
    // A revoked Proxy passes the typeof check and fails every operation; say so now, not mid-call.
    Reflect.isExtensible(component);
  } catch {
    throw new ConfigurationError(
      'withReliability(component)',
      'an object or class instance',
      'a revoked Proxy',
    );
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError('withReliability options', 'an options object with a name', options);
  }
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new ConfigurationError('withReliability options.name', 'a non-empty component name', options.name);
  }
  validateWithReliabilityOptions(options);
  const maxRecoveryAttempts =
    optionalCount('withReliability options.maxRecoveryAttempts', options.maxRecoveryAttempts) ??
    WITH_RELIABILITY_DEFAULTS.maxRecoveryAttempts;
  const factory = new PipelineFactory(
    options as WithReliabilityOptions<object>,
    options.timeouts ?? new TimeoutManager(),
  );
  const captureTimeout =
    optionalDuration('withReliability options.captureTimeout', options.captureTimeout) ??
    WITH_RELIABILITY_DEFAULTS.captureTimeout;
  const table = new MethodTable(component, options as WithReliabilityOptions<object>, factory, {
    maxRecoveryAttempts,
    captureTimeout,
  });
  return reliableProxy(component, table) as Reliable<T, { methods: M; aliases: A; fallbacks: F }>;
}
