import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoManifest } from './files.js';
import { startDemoMirror } from './mirror.js';
import { buildDemoWheel, DEMO_PACKAGE } from './wheel.js';

/**
 * `npm run demo`: starts the local demo mirror (faults on), builds a one-package wheelhouse, and runs
 * a real `wan22-install install` against them — progress bars, the summary, the report paths.
 */
const work = process.env.WAN22_DEMO_DIR ?? path.join(tmpdir(), 'wan22-demo');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const mirror = await startDemoMirror();
const manifest = path.join(work, 'wan22-demo.manifest.json');
await writeFile(manifest, `${JSON.stringify(demoManifest(mirror.url), null, 2)}\n`);
const wheelhouse = path.join(work, 'wheelhouse');
await buildDemoWheel(wheelhouse);
const dir = path.join(work, 'models');

process.stdout.write(
  [
    'WAN2.2 installer demo — everything runs on this machine.',
    `  demo mirror: ${mirror.url} (flaky mirror: cut bodies, 503s, a 429 with Retry-After: 1, a 404; then a corrupt mirror; then a good one)`,
    `  Python index: ${mirror.url}/simple/ answers 503, so pip falls back to the local wheelhouse ${wheelhouse}`,
    `  install folder: ${dir}`,
    '',
  ].join('\n'),
);
const cli = fileURLToPath(new URL('../bin/wan22-install.mjs', import.meta.url));
const args = [
  cli,
  'install',
  '--manifest',
  manifest,
  '--dir',
  dir,
  '--yes',
  '--python-packages',
  DEMO_PACKAGE,
  '--index-url',
  `${mirror.url}/simple/`,
  '--wheelhouse',
  wheelhouse,
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
const code = await new Promise<number>((resolve) =>
  child.on('close', (c, signal) => resolve(c ?? (signal ? 130 : 1))),
);
await mirror.close();
const faults = Object.entries(mirror.stats.faults)
  .map(([kind, n]) => `${n}× ${kind}`)
  .join(', ');
process.stdout.write(
  `\nDemo mirror answered ${mirror.stats.requests} requests and injected ${faults || 'no faults'}.\n`,
);
process.stdout.write(`Open the dashboard: ${path.join(dir, 'reports', 'health.html')}\n`);
process.exit(code);
