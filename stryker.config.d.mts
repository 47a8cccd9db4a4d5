// Types of stryker.config.mjs, for the TypeScript test that checks it (test/mutation/config.test.ts).

/** A mutation-testing group: the files to mutate (globs) and the test files meant to kill them. */
export interface MutationGroup {
  readonly mutate: string[];
  readonly testFiles: string[];
}

/** Every group, by name (`MUTATION_GROUP`). */
export declare const groups: Record<string, MutationGroup>;

/** Stryker's options for the group named by `MUTATION_GROUP`. */
declare const config: Record<string, unknown>;
export default config;
