#!/usr/bin/env node
// Runs the demo (demo/demo.ts) with tsx; see runtime.mjs for how `@wan/reliability` resolves.
import { registerRuntime } from './runtime.mjs';

await registerRuntime();
await import('../demo/demo.ts');
