#!/usr/bin/env node
// Completes the build after tsup (`npm run build`). 1. Copies the secret rules
// (src/shared/redaction/gitleaks-rules.json, read at run time by redact()) to dist/, minified.
// 2. For every `require` entry in package.json
// `exports`, writes `dist/<entry>.cjs`, a CommonJS module that loads the ES module build with
// require() (Node ≥ 20.19 loads ES modules synchronously), and copies every `dist/*.d.ts` to
// `.d.cts` with relative specifiers pointing at `.cjs`, so TypeScript sees CommonJS declarations
// under `require`. Why one copy: CommonJS and ESM users then share every class (instanceof works
// across them) and registry (secrets, classifiers, breakers), and the tarball holds the code once.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const rules = JSON.parse(
  readFileSync(new URL('../src/shared/redaction/gitleaks-rules.json', import.meta.url), 'utf8'),
);
writeFileSync(new URL('gitleaks-rules.json', dist), JSON.stringify(rules));

let entries = 0;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object' || !target.require) continue;
  const cjs = target.require.default;
  const esm = target.import.default;
  const name = cjs.replace('./dist/', '');
  writeFileSync(
    new URL(name, dist),
    [
      `// CommonJS entry of "${pkg.name}${subpath.slice(1)}": the ES module build, loaded with require() (Node >= 20.19).`,
      "'use strict';",
      `module.exports = require('./${esm.replace('./dist/', '')}');`,
      '',
    ].join('\n'),
  );
  entries += 1;
}

let declarations = 0;
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(new URL(file, dist), 'utf8').replace(
    /((?:from|import)\s*\(?\s*['"])(\.\.?\/[^'"]+)\.js(['"])/g,
    '$1$2.cjs$3',
  );
  writeFileSync(new URL(file.replace(/\.d\.ts$/, '.d.cts'), dist), text);
  declarations += 1;
}
console.log(`complete-build: secret rules copied, ${entries} CommonJS entries, ${declarations} .d.cts files`);
