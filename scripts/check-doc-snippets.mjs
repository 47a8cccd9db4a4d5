#!/usr/bin/env node
// Type-checks every TypeScript block of README.md and docs/*.md against the package's entry points
// (`@wan/reliability`, `@wan/reliability/<area>` → src/, strict settings), the way Polly compiles
// its documentation snippets: a renamed export or a changed signature fails CI, not a reader.
//
// - A block is ```ts or ```typescript; ```ts nocheck is skipped (the text around it must say why).
// - What a block uses but does not show (the reader's own variables) is declared in an HTML comment
//   right before it, invisible on GitHub:
//     <!-- snippet-context
//     declare const root: string;
//     -->
// - Each block is its own module (top-level await allowed).
//
// Usage: node scripts/check-doc-snippets.mjs   (exit 1 with the compiler's messages on failure)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(repo, 'node_modules', '.cache', 'doc-snippets');
const sources = [
  'README.md',
  ...readdirSync(path.join(repo, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Where each generated line came from: generated file → [markdown file, first line of the block]. */
const origins = new Map();
let checked = 0;
let skipped = 0;
for (const source of sources) {
  const lines = readFileSync(path.join(repo, source), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    const body = lines.slice(i + 1, end);
    if (/\bnocheck\b/.test(fence[2])) {
      skipped += 1;
      i = end;
      continue;
    }
    // The context comment: the HTML comment ending on the line before the fence.
    let context = [];
    if (lines[i - 1]?.trim() === '-->') {
      const open = lines.slice(0, i).findLastIndex((line) => line.startsWith('<!-- snippet-context'));
      if (open >= 0) context = lines.slice(open + 1, i - 1);
    }
    const name = `${source.replace(/[/.]/g, '_')}_${i + 1}.ts`;
    // The context goes first and the block keeps its line numbers after a fixed offset.
    const text = [...context, ...body, 'export {};', ''].join('\n');
    writeFileSync(path.join(out, name), text);
    origins.set(name, { source, line: i + 2, offset: context.length });
    checked += 1;
    i = end;
  }
}

const tsconfig = {
  extends: path.join(repo, 'tsconfig.json'),
  compilerOptions: {
    noEmit: true,
    // Snippets show one step of a program; unused results are fine there.
    noUnusedLocals: false,
    paths: {
      '@wan/reliability': [path.join(repo, 'src/index.ts')],
      '@wan/reliability/*': [path.join(repo, 'src/*/index.ts')],
    },
  },
  include: [path.join(out, '*.ts')],
  // The repository's config excludes node_modules, where the snippets are written.
  exclude: [],
};
writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
const tsc = spawnSync(
  process.execPath,
  [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(out, 'tsconfig.json')],
  {
    encoding: 'utf8',
  },
);
const report = `${tsc.stdout}${tsc.stderr}`.replace(
  /(?:[^\s(]*[/\\])?([\w.]+\.ts)\((\d+),(\d+)\)/g,
  (match, file, line, column) => {
    const origin = origins.get(file);
    if (!origin) return match;
    const inBlock = Number(line) - origin.offset;
    return inBlock >= 1
      ? `${origin.source}:${origin.line + inBlock - 1}:${column}`
      : `${origin.source}:${origin.line - 1} (snippet-context line ${line})`;
  },
);
if (tsc.status !== 0) {
  process.stderr.write(report);
  console.error(`\ndoc snippets: ${checked} checked, ${skipped} marked nocheck — type errors above`);
  process.exit(1);
}
console.log(`doc snippets: ${checked} checked, ${skipped} marked nocheck, all compile`);
