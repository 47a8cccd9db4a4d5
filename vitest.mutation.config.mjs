// @ts-check
// The vitest config for mutation runs (stryker.config.mjs): only the test files of the group
// being mutated, no coverage and no type tests. Stryker itself sets the pool (threads, one worker).
import { defineConfig } from 'vitest/config';
import { groups } from './stryker.config.mjs';

const group = groups[process.env.MUTATION_GROUP ?? ''];
if (group === undefined) throw new Error('vitest.mutation.config.mjs needs MUTATION_GROUP');

export default defineConfig({
  test: {
    include: group.testFiles,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: { enabled: false },
    coverage: { enabled: false },
  },
});
