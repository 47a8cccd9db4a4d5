#!/usr/bin/env node
// Installs the packed tarball into fresh consumer projects and runs them — what users get, not
// what the repository sees. No network: the tarball is unpacked into node_modules/@wan/reliability
// (as npm would place it) and the package's runtime dependencies are linked from this repository's
// node_modules. Each project imports the root and every subpath and makes a smoke call per entry:
//
//   esm-ts       TypeScript, module/moduleResolution node16, strict, skipLibCheck false (ESM and a .cts
//                file for the require side), compiled with tsc, then run
//   cjs          plain require()
//   esbuild-esm  the ESM consumer bundled by esbuild (platform node, format esm), then run
//   esbuild-cjs  the CommonJS consumer bundled by esbuild (platform node, format cjs), then run
//
// Usage: node scripts/consumer-matrix.mjs <package.tgz>   (exit 1 when a project fails)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tarball = path.resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node scripts/consumer-matrix.mjs <package.tgz>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const AREAS = Object.keys(pkg.exports)
  .filter((key) => key !== '.' && !key.includes('.json'))
  .map((key) => key.slice(2));

const work = mkdtempSync(path.join(tmpdir(), 'wan-consumers-'));
const unpacked = path.join(work, 'unpacked');
mkdirSync(unpacked);
execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);

/** A project folder with the package and its dependencies in node_modules. */
function project(name, type) {
  const dir = path.join(work, name);
  const modules = path.join(dir, 'node_modules');
  mkdirSync(path.join(modules, '@wan'), { recursive: true });
  cpSync(path.join(unpacked, 'package'), path.join(modules, '@wan', 'reliability'), { recursive: true });
  for (const dependency of [...Object.keys(pkg.dependencies), '@types/node']) {
    const target = path.join(modules, dependency);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules', dependency), target, 'dir');
  }
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, type }),
  );
  return dir;
}

// One smoke call per entry; `load(specifier)` is import or require. Each throws when it fails.
const SMOKE = `
const root = LOAD('@wan/reliability');
const retry = new root.RetryPolicy({ retries: 2, delays: [1] });
let attempts = 0;
const value = await retry.execute(() => {
  attempts += 1;
  if (attempts < 2) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  return 'ok';
});
check(value === 'ok' && attempts === 2, 'RetryPolicy retried');
check(root.classifyError(Object.assign(new Error('x'), { code: 'ENOSPC' })).category === 'disk_full', 'classifyError');
// withReliability builds a CircuitBreaker: opossum is loaded here (the bundler case of #14).
const wrapped = root.withReliability({ ping: () => 'pong' }, { name: 'smoke', timeout: false });
check((await wrapped.ping()) === 'pong', 'withReliability');

const downloads = LOAD('@wan/reliability/downloads');
const downloader = new downloads.Downloader();
check(downloads.parseContentRange('bytes 0-9/10')?.kind === 'range', 'parseContentRange');
downloader.close();

const integrity = LOAD('@wan/reliability/integrity');
const manifest = integrity.parseManifest({
  schemaVersion: 1,
  models: [{ id: 'm', revision: 'r', mirrors: ['https://example.org/m/'], files: [{ path: 'a.bin', size: 1, sha256: 'a'.repeat(64) }] }],
});
check(manifest.models[0].files[0].path === 'a.bin', 'parseManifest (zod)');

const diagnostics = LOAD('@wan/reliability/diagnostics');
check(diagnostics.redact('key sk_live_51OuEMLAlTWGaDypq4P5cuDHbuKeG4tAGPYHJpEXQ7zE8mKK3 end', { env: null }) === 'key [REDACTED] end', 'redact (gitleaks rules)');
const preflight = await new diagnostics.PreflightValidator({ checks: [diagnostics.checks.nodeVersion('>=20')] }).run();
check(preflight.ok, 'PreflightValidator (semver)');

const recovery = LOAD('@wan/reliability/recovery');
const recovered = await new recovery.RecoveryRegistry().recover(new Error('boom'));
check(recovered.action === 'manual', 'RecoveryRegistry');

const health = LOAD('@wan/reliability/health');
const reporter = new health.HealthReporter({ openTelemetry: false });
reporter.record({ component: 'c', operation: 'o', success: true, durationMs: 1 });
check(reporter.toPrometheus().includes('wan_reliability'), 'HealthReporter');

const monitor = LOAD('@wan/reliability/monitor');
const sample = await new monitor.DiagnosticMonitor({ paths: [process.cwd()] }).sample();
check(sample.disks.length === 1, 'DiagnosticMonitor');

const availability = LOAD('@wan/reliability/availability');
const status = await new availability.ModelAvailability({ root: process.cwd(), manifest, usageStore: false }).status('m');
check(status[0].state === 'absent', 'ModelAvailability');

const install = LOAD('@wan/reliability/install');
check(install.orderByDependencies([{ id: 'b', dependsOn: ['a'] }, { id: 'a' }]).map((n) => n.id).join() === 'a,b', 'orderByDependencies');

// One copy of every class across entries: an error from /integrity is the root's ManifestError.
let manifestError;
try {
  integrity.parseManifest('not json');
} catch (error) {
  manifestError = error;
}
check(manifestError instanceof root.ManifestError && manifestError instanceof root.ReliabilityError, 'shared classes across entries');
console.log('smoke: root + ${AREAS.length} subpaths ok');
`;
const CHECK = `function check(ok, what) { if (!ok) throw new Error('smoke failed: ' + what); }\n`;
const esmSource = `${CHECK}${SMOKE.replaceAll(/LOAD\('([^']+)'\)/g, "(await import('$1'))")}`;
const cjsSource = `${CHECK}(async () => {\n${SMOKE.replaceAll(/LOAD\('([^']+)'\)/g, "require('$1')")}\n})().catch((error) => { console.error(error); process.exit(1); });\n`;

/** TypeScript: typed imports of every entry, compiled under node16 rules with full lib checks. */
function typescriptProject() {
  const dir = project('esm-ts', 'module');
  const imports = [
    "import * as root from '@wan/reliability';",
    ...AREAS.map((area) => `import * as ${area} from '@wan/reliability/${area}';`),
  ];
  const body = SMOKE.replaceAll(/const \w+ = LOAD\('[^']+'\);\n/g, '');
  writeFileSync(
    path.join(dir, 'index.ts'),
    `${imports.join('\n')}\n${CHECK.replace('(ok, what)', '(ok: boolean, what: string)')}${body}\nexport type Wrapped = root.Reliable<{ ping(): string }>;\n`,
  );
  // The require side of the same entries, type-checked as CommonJS (node16 reads .cts as CommonJS).
  writeFileSync(
    path.join(dir, 'require.cts'),
    `import root = require('@wan/reliability');\n${AREAS.map((area) => `import ${area} = require('@wan/reliability/${area}');`).join('\n')}\nexport const names: string[] = [typeof root.RetryPolicy, ${AREAS.map((a) => `typeof ${a}`).join(', ')}];\n`,
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        skipLibCheck: false,
        noImplicitAny: true,
        types: ['node'],
        outDir: 'out',
      },
      include: ['index.ts', 'require.cts'],
    }),
  );
  return dir;
}

function run(label, command, args, cwd) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0) {
    console.error(`✗ ${label} (${Date.now() - started} ms)\n${output}`);
    return false;
  }
  console.log(`✓ ${label} (${Date.now() - started} ms)${output ? `: ${output}` : ''}`);
  return true;
}

const esbuild = path.join(repo, 'node_modules', '.bin', 'esbuild');
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
let ok = true;
try {
  const ts = typescriptProject();
  ok = run('esm-ts: tsc (node16, strict, skipLibCheck false)', process.execPath, [tsc, '-p', ts], ts) && ok;
  ok = run('esm-ts: node out/index.js', process.execPath, ['out/index.js'], ts) && ok;

  const cjs = project('cjs', 'commonjs');
  writeFileSync(path.join(cjs, 'index.js'), cjsSource);
  ok = run('cjs: node index.js (require)', process.execPath, ['index.js'], cjs) && ok;

  const esm = project('esbuild-esm', 'module');
  writeFileSync(path.join(esm, 'index.mjs'), esmSource);
  ok =
    run(
      'esbuild-esm: bundle',
      esbuild,
      [
        'index.mjs',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--outfile=bundle.mjs',
        '--log-level=warning',
      ],
      esm,
    ) &&
    run('esbuild-esm: node bundle.mjs', process.execPath, ['bundle.mjs'], esm) &&
    ok;

  const cjsBundle = project('esbuild-cjs', 'commonjs');
  writeFileSync(path.join(cjsBundle, 'index.js'), cjsSource);
  ok =
    run(
      'esbuild-cjs: bundle',
      esbuild,
      [
        'index.js',
        '--bundle',
        '--platform=node',
        '--format=cjs',
        '--outfile=bundle.cjs',
        '--log-level=warning',
      ],
      cjsBundle,
    ) &&
    run('esbuild-cjs: node bundle.cjs', process.execPath, ['bundle.cjs'], cjsBundle) &&
    ok;
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!ok) process.exit(1);
console.log('consumer matrix: all projects passed');
