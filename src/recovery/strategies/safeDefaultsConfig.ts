import { rename, stat } from 'node:fs/promises';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { optionalBoolean, optionalOneOf } from '../../shared/validate.js';
import { writeFileAtomic } from '../../shared/writeFileAtomic.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link safeDefaultsConfig}. */
export interface SafeDefaultsConfigOptions {
  /** The configuration file (JSON), or a function giving it per failure. Default: `ctx.data.configPath`. */
  path?: string | ((ctx: RecoveryContext) => string | undefined);
  /** The safe defaults to write (an object, serialised as JSON), or a function returning them. */
  defaults: Record<string, unknown> | ((ctx: RecoveryContext) => Record<string, unknown>);
  /** Keep the broken file as `<path>.invalid-<time>` (default `true`). */
  backup?: boolean;
  /** What to ask for afterwards: `'continue'` (default; go on with the defaults) or `'retry'` (re-read them). */
  outcome?: 'continue' | 'retry';
}

/**
 * For `configuration` failures: sets the broken configuration aside, writes safe defaults
 * atomically and lets the installation continue (or retry). The user's file is kept as a backup.
 */
export function safeDefaultsConfig(options: SafeDefaultsConfigOptions): RecoveryStrategy {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('safeDefaultsConfig options', 'an options object', options);
  }
  if (options.path !== undefined && typeof options.path !== 'string' && typeof options.path !== 'function') {
    throw new ConfigurationError('safeDefaultsConfig.path', 'a file path or a function', options.path);
  }
  if (
    typeof options.defaults !== 'function' &&
    (typeof options.defaults !== 'object' || options.defaults === null)
  ) {
    throw new ConfigurationError('safeDefaultsConfig.defaults', 'an object or a function', options.defaults);
  }
  const backup = optionalBoolean('safeDefaultsConfig.backup', options.backup) ?? true;
  const outcome =
    optionalOneOf('safeDefaultsConfig.outcome', options.outcome, ['continue', 'retry'] as const) ??
    'continue';
  const pathOf = (ctx: RecoveryContext): string | undefined => {
    const file =
      typeof options.path === 'function' ? options.path(ctx) : (options.path ?? ctx.data.configPath);
    return typeof file === 'string' && file !== '' ? file : undefined;
  };
  return {
    name: 'safe-defaults-config',
    description: 'Sets a broken configuration aside and writes safe defaults, then continues.',
    applies: (ctx) => pathOf(ctx) !== undefined,
    async run(ctx) {
      const file = pathOf(ctx)!;
      const defaults = typeof options.defaults === 'function' ? options.defaults(ctx) : options.defaults;
      const exists = await stat(file).then(
        (s) => s.isFile(),
        () => false,
      );
      if (exists && backup) {
        const aside = `${file}.invalid-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(file, aside);
        ctx.note(`kept the previous configuration as ${aside}`);
      }
      await writeFileAtomic(file, `${JSON.stringify(defaults, null, 2)}\n`);
      ctx.note(`wrote safe defaults to ${file}`);
      return outcome;
    },
  };
}
