#!/usr/bin/env node
// Runs the installer's TypeScript sources with tsx. The installer imports only `@wan/reliability`:
// the built package when dist/ is up to date (or when installed from npm), else the package's
// sources (see runtime.mjs).
const { registerRuntime } = await import('./runtime.mjs');
await registerRuntime();
await import(new URL('../src/cli.ts', import.meta.url).href);
