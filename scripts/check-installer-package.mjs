#!/usr/bin/env node
// Checks that the reference installer runs from its own tarball, outside the repository:
// packs @wan/reliability (needs dist/: run `npm run build` first) and the wan22-install workspace,
// installs both into an empty temp folder with npm (the registry is asked only for the installer's
// dependencies), then runs `npx wan22-install --version` and `npx wan22-install doctor --json`.
// Also checks that the library's tarball declares no bin.
//
// Usage: node scripts/check-installer-package.mjs   (in CI after the build; ~15 s with a warm cache)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'wan22-pack-'));
const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const fail = (message) => {
  console.error(`check-installer-package: ${message}`);
  process.exitCode = 1;
};

try {
  const lib = npm(['pack', '--silent', '--pack-destination', work], repo).trim().split('\n').pop();
  const app = npm(
    ['pack', '--silent', '--workspace', 'examples/wan22-installer', '--pack-destination', work],
    repo,
  )
    .trim()
    .split('\n')
    .pop();
  const libManifest = JSON.parse(
    execFileSync('tar', ['-xzOf', path.join(work, lib), 'package/package.json'], { encoding: 'utf8' }),
  );
  if (libManifest.bin !== undefined) fail(`${lib} declares a bin: ${JSON.stringify(libManifest.bin)}`);

  const project = path.join(work, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), '{ "name": "check-wan22-install", "private": true }\n');
  npm(
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `../${lib}`, `../${app}`],
    project,
  );
  const version = spawnSync('npx', ['--no-install', 'wan22-install', '--version'], {
    cwd: project,
    encoding: 'utf8',
  });
  const expected = JSON.parse(
    readFileSync(path.join(repo, 'examples/wan22-installer/package.json'), 'utf8'),
  ).version;
  if (version.status !== 0 || version.stdout.trim() !== expected) {
    fail(`npx wan22-install --version gave ${version.status}: ${version.stdout}${version.stderr}`);
  }
  const doctor = spawnSync('npx', ['--no-install', 'wan22-install', 'doctor', '--dir', 'models', '--json'], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  let report;
  try {
    report = JSON.parse(doctor.stdout);
  } catch {
    report = undefined;
  }
  if (![0, 3].includes(doctor.status ?? -1) || !Array.isArray(report?.results)) {
    fail(`npx wan22-install doctor --json gave ${doctor.status}:\n${doctor.stdout}\n${doctor.stderr}`);
  }
  if (!process.exitCode) console.log(`${app} runs from its tarball (version ${expected}); ${lib} has no bin`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
