/**
 * Minified esbuild bundle size of a consumer that imports only `withReliability`, and of one that
 * imports each entry point, from the built package (dist/, through its `exports`). opossum,
 * systeminformation, zod and semver are loaded at run time with Node's require (see
 * docs/bundling.md), so they are never in a bundle; the secret rules (dist/gitleaks-rules.json) are
 * read at run time too. `--check` exits 1 when the withReliability bundle is over 60 KB.
 *
 *   npm run build && node --import tsx bench/bundle.ts [--check]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const BUDGET = 60 * 1024;
const AREAS = [
  'policies',
  'downloads',
  'integrity',
  'diagnostics',
  'recovery',
  'health',
  'monitor',
  'availability',
  'install',
];

// Inside the repository so `@wan/reliability` resolves to the package itself (self-reference).
const dir = mkdtempSync(path.join(repo, 'node_modules', '.bundle-bench-'));
try {
  const cases: [string, string][] = [
    [
      "{ withReliability } from '@wan/reliability'",
      "import { withReliability } from '@wan/reliability';\nconsole.log(withReliability);",
    ],
    ["* from '@wan/reliability'", "import * as api from '@wan/reliability';\nconsole.log(api);"],
    ...AREAS.map((area): [string, string] => [
      `* from '@wan/reliability/${area}'`,
      `import * as api from '@wan/reliability/${area}';\nconsole.log(api);`,
    ]),
  ];
  const rows: [string, number, string[]][] = [];
  for (const [label, source] of cases) {
    const entry = path.join(dir, 'entry.mjs');
    writeFileSync(entry, source);
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'error',
      // The repository's tsconfig maps @wan/reliability to src/; measure the built package instead.
      tsconfigRaw: {},
    });
    const bytes = result.outputFiles[0]!.contents.byteLength;
    const packages = new Set<string>();
    for (const input of Object.keys(result.metafile.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match && !input.includes('.bundle-bench-')) packages.add(match[1]!);
    }
    rows.push([label, bytes, [...packages].sort()]);
  }
  console.log(`esbuild ${(await import('esbuild')).version}, --bundle --minify --platform=node --format=esm`);
  for (const [label, bytes, packages] of rows) {
    console.log(
      `${`import ${label}`.padEnd(52)} ${(bytes / 1024).toFixed(1).padStart(6)} KB  deps bundled: ${packages.join(', ') || '–'}`,
    );
  }
  const wrap = rows[0]![1];
  console.log(
    `withReliability only: ${(wrap / 1024).toFixed(1)} KB (budget ${BUDGET / 1024} KB, opossum excluded)`,
  );
  if (process.argv.includes('--check') && wrap > BUDGET) {
    console.error('over budget');
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
