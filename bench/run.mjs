#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [args...]` (e.g. `npm run bench -- wrap 100000`).
// Without a name it lists them. Each script prints ratios against peers in the same run; the
// exact commands and recorded results are in docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !file.includes('-child'))
  .map((file) => file.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.log(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ')}`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${here}${name}.ts`, ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
