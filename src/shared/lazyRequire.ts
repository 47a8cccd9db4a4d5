import { createRequire } from 'node:module';

let nodeRequire: NodeJS.Require | undefined;

/**
 * Loads a CommonJS dependency with Node's own `require`, on first use. Two reasons:
 * - import cost: opossum, systeminformation, zod and semver together took ~80 ms of a cold
 *   `import()`; they now load only when a breaker, probe, manifest or version check needs them;
 * - bundlers: a CommonJS module that calls `require('events')` breaks an esbuild ESM bundle at
 *   runtime ("Dynamic require of "events" is not supported"). Loaded this way, bundlers leave the
 *   dependency out of the bundle and Node loads it from `node_modules` (see docs/bundling.md).
 *
 * `__filename` exists in our CommonJS build and in CommonJS bundles; `import.meta.url` in ESM.
 */
export function lazyRequire<T>(id: string): T {
  nodeRequire ??= createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  return nodeRequire(id) as T;
}
