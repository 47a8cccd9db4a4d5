// Chooses how `@wan/reliability` resolves for the installer, then registers tsx for its sources.
// - In a clone of the repository (a workspace of it): the built package (dist/, through the
//   package's `exports`) when it is newer than every source file — as users get it, and fast — else
//   the sources (src/index.ts, src/<area>/index.ts) through the tsconfig `paths` mappings, so no
//   build step is ever needed.
// - Installed from its tarball (`npx wan22-install`): `@wan/reliability` from node_modules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** Whether this installer runs from its place in the @wan/reliability repository. */
function inRepository() {
  try {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
    return pkg.name === '@wan/reliability' && existsSync(path.join(repo, 'src', 'index.ts'));
  } catch {
    return false;
  }
}

/** Registers tsx with the right tsconfig; returns which package build is used. */
export async function registerRuntime() {
  const inRepo = inRepository();
  const dist = path.join(repo, 'dist', 'index.js');
  const useDist =
    !inRepo ||
    (process.env.WAN22_USE_SOURCES !== '1' &&
      existsSync(dist) &&
      statSync(dist).mtimeMs > newestSource(path.join(repo, 'src')));
  if (useDist) {
    // Loaded before tsx's hooks are registered, these JavaScript modules load at plain Node speed
    // (through the hooks they take ~2.5× as long); the TypeScript sources then find them cached.
    await Promise.all(
      [...PACKAGE_ENTRIES, 'commander', 'cli-progress', '@inquirer/prompts', 'tar'].map((m) => import(m)),
    );
  }
  const tsconfig = useDist ? '../tsconfig.dist.json' : '../tsconfig.json';
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL(tsconfig, import.meta.url)) });
  return !inRepo ? 'installed' : useDist ? 'dist' : 'src';
}
