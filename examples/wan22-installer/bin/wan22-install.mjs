#!/usr/bin/env node
// Runs the installer's TypeScript sources with tsx. The example imports only `@wan/reliability`;
// its tsconfig maps that name to the package's entry (src/index.ts), so no build step is needed.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');
