// Chooses how `@wan/reliability` resolves for the example: the built package (dist/, through the
// package's `exports`) when it is newer than every source file — as users get it, and fast — else
// the sources (src/index.ts, src/<area>/index.ts) through the tsconfig `paths` mappings, so no build
// step is ever needed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The package's entry points the installer imports (the root and every area it uses). */
const PACKAGE_ENTRIES = [
  '@wan/reliability',
  ...[
    'availability',
    'diagnostics',
    'downloads',
    'health',
    'install',
    'integrity',
    'monitor',
    'recovery',
  ].map((area) => `@wan/reliability/${area}`),
];

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Registers tsx with the right tsconfig; returns which package build is used. */
export async function registerRuntime() {
  const dist = path.join(repo, 'dist', 'index.js');
  const useDist =
    process.env.WAN22_USE_SOURCES !== '1' &&
    existsSync(dist) &&
    statSync(dist).mtimeMs > newestSource(path.join(repo, 'src'));
  if (useDist) {
    // Loaded before tsx's hooks are registered, these JavaScript modules load at plain Node speed
    // (through the hooks they take ~2.5× as long); the TypeScript sources then find them cached.
    await Promise.all(
      [...PACKAGE_ENTRIES, 'commander', 'cli-progress', '@inquirer/prompts'].map((m) => import(m)),
    );
  }
  const tsconfig = useDist ? '../tsconfig.dist.json' : '../tsconfig.json';
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL(tsconfig, import.meta.url)) });
  return useDist ? 'dist' : 'src';
}
