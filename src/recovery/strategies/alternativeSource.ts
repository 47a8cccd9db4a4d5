import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link alternativeSource}. */
export interface AlternativeSourceOptions {
  /** The alternatives in order (mirror URLs, package indexes…), or a function giving them for a failure. */
  sources: readonly string[] | ((ctx: RecoveryContext) => readonly string[]);
  /** Switches the component to `source` (e.g. sets the downloader's mirror); then the call is retried. */
  use: (source: string, ctx: RecoveryContext) => void | PromiseLike<void>;
}

/**
 * Switches to the next alternative source (a mirror, another package index) and asks for a retry.
 * Each source is used once per failing call (a new call — `recoveryAttempts` 0 — starts over);
 * does not apply when every source was used.
 */
export function alternativeSource(options: AlternativeSourceOptions): RecoveryStrategy {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('alternativeSource options', 'an options object', options);
  }
  const { sources, use } = options;
  if (
    typeof sources !== 'function' &&
    !(Array.isArray(sources) && sources.every((s) => typeof s === 'string'))
  ) {
    throw new ConfigurationError('alternativeSource.sources', 'an array of strings or a function', sources);
  }
  if (typeof use !== 'function') throw new ConfigurationError('alternativeSource.use', 'a function', use);
  const used = new Map<string, Set<string>>();
  const listFor = (ctx: RecoveryContext) => (typeof sources === 'function' ? sources(ctx) : sources);
  const remaining = (ctx: RecoveryContext) => {
    const key = `${ctx.component}\0${ctx.operation}`;
    if (ctx.recoveryAttempts === 0) used.delete(key);
    const done = used.get(key);
    return listFor(ctx).filter((s) => !done?.has(s));
  };
  return {
    name: 'alternative-source',
    description: 'Switches to the next mirror or source and tries again.',
    applies: (ctx) => remaining(ctx).length > 0,
    async run(ctx) {
      const next = remaining(ctx)[0];
      if (next === undefined) return 'fail';
      const key = `${ctx.component}\0${ctx.operation}`;
      const done = used.get(key) ?? new Set<string>();
      done.add(next);
      used.set(key, done);
      await use(next, ctx);
      ctx.note(`switched to ${next}`);
      return 'retry';
    },
  };
}
