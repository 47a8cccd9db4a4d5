import { defineConfig } from 'tsup';

/** One entry per area; keep in step with package.json `exports` and typedoc.json `entryPoints`. */
export const ENTRY_AREAS = [
  'policies',
  'downloads',
  'integrity',
  'diagnostics',
  'recovery',
  'health',
  'monitor',
  'availability',
  'install',
] as const;

// The ES module build is the only copy of the code. `scripts/complete-build.mjs` (run by `npm run
// build` after tsup) adds `dist/<entry>.cjs`, which loads it with require() (Node ≥ 20.19), and
// the `.d.cts` declarations: CommonJS and ESM users share one copy of every class and registry,
// and the package ships the code once (see docs/bundling.md).
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    ...Object.fromEntries(ENTRY_AREAS.map((area) => [area, `src/${area}/index.ts`])),
  },
  format: ['esm'],
  dts: true,
  // No source maps: readable, unminified output keeps stack traces useful, and maps (even without
  // sourcesContent) would add ~100 KB to the packed tarball for sources it does not ship.
  sourcemap: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  // Entries share chunks: one copy of every class, so an error thrown under `/downloads` is
  // `instanceof` the root's ReliabilityError.
  splitting: true,
  treeshake: true,
  // Keep `node:` specifiers: unambiguous for bundlers, and no package lookup for a built-in.
  removeNodeProtocol: false,
});
