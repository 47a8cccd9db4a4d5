import { createRequire } from 'node:module';

let nodeRequire: NodeJS.Require | undefined;

/**
 * Loads a CommonJS dependency with Node's own `require`, on first use. Two reasons:
 * - import cost: opossum, systeminformation, zod and semver together took ~80 ms of a cold
 *   `import()`; they now load only when a breaker, probe, manifest or version check needs them;
 * - bundlers: a CommonJS module that calls `require('events')` breaks an esbuild ESM bundle at
 *   runtime ("Dynamic require of "events" is not supported"). Loaded this way, bundlers leave the
 *   dependency out of the bundle and Node loads it from `node_modules` (see docs/bundling.md).
 */
export function lazyRequire<T>(id: string): T {
  nodeRequire ??= createRequire(moduleLocation());
  return nodeRequire(id) as T;
}

/**
 * This module's location, for createRequire(): `import.meta.url` in ES modules; in a CommonJS bundle
 * of them (esbuild leaves `import.meta` empty there) the bundle's `__filename`. `import.meta.url`
 * comes first: `node -e` and the REPL define a global `__filename` of `[eval]`.
 */
function moduleLocation(): string {
  return import.meta.url || __filename;
}
