import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link redownloadCorrupt}. */
export interface RedownloadCorruptOptions {
  /**
   * Removes the corrupt data and fetches it again (e.g. `checker.repair()` or a Downloader call).
   * Resolve `false` when it could not; a throw also counts as failure.
   */
  redownload: (ctx: RecoveryContext) => unknown | PromiseLike<unknown>;
}

/**
 * For `corruption` (checksum or size mismatch): delegates to `redownload` — which must discard the
 * bad bytes, never reuse them — and asks for a retry of the failed step (typically verification).
 */
export function redownloadCorrupt(options: RedownloadCorruptOptions): RecoveryStrategy {
  if (typeof options !== 'object' || options === null || typeof options.redownload !== 'function') {
    throw new ConfigurationError('redownloadCorrupt.redownload', 'a function', options?.redownload);
  }
  return {
    name: 'redownload-corrupt',
    description: 'Discards the corrupt file and downloads it again, then verifies once more.',
    async run(ctx) {
      const result = await options.redownload(ctx);
      if (result === false) return 'fail';
      ctx.note('downloaded the corrupt data again');
      return 'retry';
    },
  };
}
