// The mutation-testing setup (stryker.config.mjs) is run before releases, not in CI; this keeps it
// from rotting in between: every module it is meant to cover is still mutated by some group, every
// group still has test files, and the committed incremental files are Stryker reports of that group.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

process.env.MUTATION_GROUP ??= 'downloads';
const { groups } = await import('../../stryker.config.mjs');

/** The modules where a silent bug loses data or leaks a secret (issue #15). */
const CRITICAL = [
  'src/downloads/place.ts',
  'src/downloads/finalize.ts',
  'src/downloads/rangeResume.ts',
  'src/downloads/redirects.ts',
  'src/downloads/partialFile.ts',
  'src/downloads/partialMeta.ts',
  'src/downloads/partialPath.ts',
  'src/downloads/contentRange.ts',
  'src/downloads/originGate.ts',
  'src/downloads/failover.ts',
  'src/integrity/paths.ts',
  'src/integrity/manifest.ts',
  'src/policies/circuit/CircuitBreaker.ts',
  'src/policies/retry/RetryPolicy.ts',
  'src/shared/redaction/redactText.ts',
  'src/shared/redaction/secrets.ts',
];

/** Stryker's globs are minimatch; these use only `**`, `*` and `{a,b}`. */
function matches(glob: string, file: string): boolean {
  const pattern = glob
    .replace(/[.+^$()|[\]\\]/g, '\\$&')
    .replace(/\{([^}]*)\}/g, (_, list: string) => `(?:${list.split(',').join('|')})`)
    .replace(/\*\*\//g, '(?:.*/)?')
    .replace(/\*/g, '[^/]*');
  return new RegExp(`^${pattern}$`).test(file);
}

describe('mutation testing config', () => {
  it('mutates every critical module in exactly one group', () => {
    for (const file of CRITICAL) {
      expect(existsSync(file), file).toBe(true);
      const owners = Object.entries(groups).filter(([, group]) =>
        group.mutate.some((glob) => matches(glob, file)),
      );
      expect(
        owners.map(([name]) => name),
        file,
      ).toHaveLength(1);
    }
  });

  it('gives every group existing test files, and no group tests a file twice', () => {
    for (const [name, group] of Object.entries(groups)) {
      expect(group.testFiles.length, name).toBeGreaterThan(0);
      expect(new Set(group.testFiles).size, name).toBe(group.testFiles.length);
      for (const file of group.testFiles) expect(existsSync(file), `${name}: ${file}`).toBe(true);
    }
  });

  it('keeps only Stryker reports of the group itself as incremental files', () => {
    for (const name of Object.keys(groups)) {
      const file = path.join('reports/mutation', `${name}.incremental.json`);
      if (!existsSync(file)) continue;
      const report = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, unknown> };
      for (const mutated of Object.keys(report.files)) {
        expect(
          groups[name]?.mutate.some((glob) => matches(glob, mutated)),
          `${file}: ${mutated}`,
        ).toBe(true);
      }
    }
  });
});
