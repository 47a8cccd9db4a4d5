#!/usr/bin/env node
// Adds the platform-specific optional packages that npm left out of package-lock.json.
//
// Why: npm (npm/cli#4828, #8320) sometimes records only the current platform's binaries of
// packages such as @biomejs/biome and rollup; `npm ci` then refuses the lockfile ("Missing:
// @biomejs/cli-darwin-x64@ from lock file"). This reads the missing names from `npm ci --dry-run`,
// looks each one up in the registry and writes the entry npm would have written. Registry mirrors
// that carry only this platform's binaries answer 404; the entry is then derived from the package
// name (os, cpu, libc), which is all `npm ci` needs to skip it on other platforms.
//
// Usage: node scripts/complete-lockfile.mjs   (after `npm install` changed dependencies)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const dryRun = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts'], { encoding: 'utf8' });
const missing = [
  ...`${dryRun.stdout}${dryRun.stderr}`.matchAll(/Missing: (@?[^@\s]+)@\S* from lock file/g),
].map((m) => m[1]);
if (missing.length === 0) {
  console.log('package-lock.json is complete');
  process.exit(0);
}

/** The version a parent in the lockfile asks for. */
function wantedVersion(name) {
  for (const entry of Object.values(lock.packages)) {
    const wanted = entry.optionalDependencies?.[name] ?? entry.dependencies?.[name];
    if (wanted && entry.dev !== undefined) return { wanted, dev: entry.dev === true };
    if (wanted) return { wanted, dev: false };
  }
  throw new Error(`no package in the lockfile depends on ${name}`);
}

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix'];
const CPU = {
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  arm: 'arm',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};

/** Platform fields read from a name such as `@rollup/rollup-linux-arm-musleabihf`. */
function platformFromName(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.map((p) => CPU[p]).find(Boolean);
  const meta = {};
  if (os) meta.os = [os];
  if (cpu) meta.cpu = [cpu];
  if (os === 'linux') meta.libc = [parts.some((p) => p.startsWith('musl')) ? 'musl' : 'glibc'];
  return meta;
}

function lookUp(name, wanted) {
  try {
    const info = JSON.parse(
      execFileSync(
        'npm',
        [
          'view',
          `${name}@${wanted}`,
          '--json',
          'version',
          'dist.integrity',
          'cpu',
          'os',
          'libc',
          'license',
          'engines',
        ],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ),
    );
    return Array.isArray(info) ? info[info.length - 1] : info;
  } catch {
    return { version: wanted, ...platformFromName(name) };
  }
}

for (const name of missing) {
  const { wanted, dev } = wantedVersion(name);
  const meta = lookUp(name, wanted);
  const entry = { version: meta.version };
  if (meta['dist.integrity']) entry.integrity = meta['dist.integrity'];
  for (const key of ['cpu']) if (meta[key]) entry[key] = meta[key];
  if (dev) entry.dev = true;
  for (const key of ['engines', 'libc', 'license']) if (meta[key]) entry[key] = meta[key];
  entry.optional = true;
  if (meta.os) entry.os = meta.os;
  lock.packages[`node_modules/${name}`] = entry;
  console.log(`added ${name}@${meta.version}`);
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
