#!/usr/bin/env node
// Runs the demo (demo/demo.ts) with tsx; see bin/wan22-install.mjs for why no build is needed.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../demo/demo.ts');
