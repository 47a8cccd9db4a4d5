// @ts-check
// Mutation testing (StrykerJS, vitest runner) of the modules where a silent bug loses data or
// leaks a secret. `npm run mutation` runs every group through scripts/mutation.mjs; one group:
// `MUTATION_GROUP=redaction npx stryker run`. See docs/testing.md, "Mutation testing".
//
// Why groups: each group is mutated against the tests written for it (`testFiles`), so a mutant
// re-runs a few dozen relevant tests instead of the whole suite, and each group keeps its own
// incremental file (a run of one group rewrites its file with only that group's results).
//
// The test files are chosen by vitest's `include` (vitest.mutation.config.mjs), not by Stryker's
// own `testFiles` option: with `testFiles`, Stryker 9.6.1 (and 10.0) activates static mutants
// (module-level constants: the redaction patterns, the default options) only after the module
// was loaded, so every static mutant is reported as survived (stryker-js#6144, fix pending in #6145).

import { readdirSync } from 'node:fs';

/** @typedef {{ mutate: string[], testFiles: string[] }} MutationGroup */

/**
 * The test files under `dir` (recursively), less those whose base name is in `skip`. Read from
 * disk, so a test file added to the folder joins its group without a config edit.
 * @param {string} dir
 * @param {string[]} [skip]
 */
function testsUnder(dir, skip = []) {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !skip.some((name) => file.endsWith(name)))
    .map((file) => `${dir}/${file}`)
    .sort();
}

/** @type {Record<string, MutationGroup>} */
export const groups = {
  downloads: {
    // Globs, so a file added under segments/ (segmented downloads) is mutated without a config edit.
    mutate: [
      'src/downloads/{place,finalize,rangeResume,redirects,partialFile,partialMeta,partialPath,contentRange,originGate,failover}.ts',
      'src/downloads/segments/**/*.ts',
    ],
    testFiles: testsUnder('test/downloads', [
      // Child processes and soak scenarios: instrumented code in a child reports no per-test
      // coverage, and the soak's random scenarios would re-run for every mutant they touch.
      'processes.test.ts',
      'lifecycle.test.ts',
      'chaos.soak.test.ts',
      // nginx and installer child processes; its config lives in examples/, outside the sandbox.
      'fleet.test.ts',
      // The HTTP/1 client is not mutated; its wire tests would only add dry-run time.
      'http1.units.test.ts',
      'http1.wire.test.ts',
    ]),
  },
  integrity: {
    mutate: ['src/integrity/{paths,manifest}.ts'],
    testFiles: testsUnder('test/integrity'),
  },
  policies: {
    mutate: ['src/policies/circuit/**/*.ts', 'src/policies/retry/**/*.ts'],
    testFiles: [
      ...testsUnder('test/policies/circuit'),
      ...testsUnder('test/policies/retry'),
      'test/policies/hostile.property.test.ts',
      'test/downloads/breaker.test.ts',
    ],
  },
  redaction: {
    mutate: ['src/shared/redaction/**/*.ts'],
    testFiles: [...testsUnder('test/shared/redaction'), 'test/downloads/redaction.property.test.ts'],
  },
};

const name = process.env.MUTATION_GROUP;
const group = name === undefined ? undefined : groups[name];
if (group === undefined) {
  throw new Error(
    `MUTATION_GROUP must name one of ${Object.keys(groups).join(', ')} (got ${name ?? 'nothing'}); ` +
      'or run all of them with `npm run mutation`',
  );
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // vitest.mutation.config.mjs limits vitest to the group's test files (read from MUTATION_GROUP).
  vitest: { configFile: 'vitest.mutation.config.mjs', related: false },
  mutate: group.mutate,
  coverageAnalysis: 'perTest',
  // The machines have 2 cores; the loopback servers in the tests need some of them.
  concurrency: 2,
  // Real servers and real files: a run of the covering tests can take seconds under load.
  timeoutMS: 15_000,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${name}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: 85 },
  ignorePatterns: ['dist', 'coverage', 'docs', 'bench', 'examples', 'test-artifacts', '.ci-out'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
