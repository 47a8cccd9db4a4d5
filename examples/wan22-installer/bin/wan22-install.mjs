#!/usr/bin/env node
// Runs the installer's TypeScript sources with tsx. The example imports only `@wan/reliability`:
// the built package when dist/ is up to date, else the package's sources (see runtime.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../src/cli.ts', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  // The npm package ships this launcher (it is the package's bin) but not the example's sources.
  process.stderr.write(
    'wan22-install is the reference installer of @wan/reliability and runs from a clone of its repository:\n' +
      '  git clone <repository> && cd <repository> && npm ci && npm run installer -- --help\n',
  );
  process.exit(1);
}
const { registerRuntime } = await import('./runtime.mjs');
await registerRuntime();
await import(cli.href);
