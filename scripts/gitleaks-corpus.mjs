#!/usr/bin/env node
// Extracts gitleaks' own test samples — the true positives (`tps`) and false positives (`fps`) each
// rule in cmd/generate/config/rules/*.go is validated with — into
// test/shared/redaction/gitleaks-corpus.json, which test/shared/redaction/gitleaks.corpus.test.ts
// runs against our port of the rules (scripts/port-gitleaks-rules.mjs). Run both from one checkout:
//
//   node scripts/gitleaks-corpus.mjs /tmp/gitleaks/cmd/generate/config/rules "$(git -C /tmp/gitleaks rev-parse HEAD)"
//
// Samples are Go expressions; this evaluates the ones built from string literals, `+`,
// utils.GenerateSampleSecrets (kept as [identifier, secret]; the test expands gitleaks' templates),
// utils.<Pattern>("n") and
// secrets.NewSecret(pattern) — random text for simple patterns, from a fixed seed so the corpus is
// reproducible. Samples using anything else (loops, fmt.Sprintf, variables) are left out.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir, commit] = process.argv.slice(2);
if (!dir || !commit) {
  console.error('usage: node scripts/gitleaks-corpus.mjs <gitleaks>/cmd/generate/config/rules <commit>');
  process.exit(2);
}

const PATTERNS = {
  'utils.Numeric': (n) => `[0-9]{${n}}`,
  'utils.Hex': (n) => `[a-f0-9]{${n}}`,
  'utils.AlphaNumeric': (n) => `[a-z0-9]{${n}}`,
  'utils.AlphaNumericExtendedShort': (n) => `[a-z0-9_-]{${n}}`,
  'utils.AlphaNumericExtended': (n) => `[a-z0-9=_\\-]{${n}}`,
  'utils.AlphaNumericExtendedLong': (n) => `[a-z0-9\\/=_\\+\\-]{${n}}`,
  'utils.Hex8_4_4_4_12': () => '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
};

// A small seeded generator (mulberry32): the same corpus on every run.
let seed = 0x5eed1e55;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Random text matching a simple pattern (classes, escapes, literals, quantifiers); undefined otherwise. */
function sample(pattern) {
  let out = '';
  let at = 0;
  while (at < pattern.length) {
    let choices;
    const c = pattern[at];
    if (c === '[') {
      const end = pattern.indexOf(']', at + 2);
      if (end < 0) return undefined;
      choices = [];
      const body = pattern.slice(at + 1, end);
      if (body.startsWith('^')) return undefined;
      for (let i = 0; i < body.length; i += 1) {
        const ch = body[i];
        if (ch === '\\') {
          const next = body[++i];
          if (next === 'w')
            choices.push(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_');
          else if (next === 'd') choices.push(...'0123456789');
          else choices.push(next);
          continue;
        }
        if (body[i + 1] === '-' && i + 2 < body.length) {
          for (let code = ch.charCodeAt(0); code <= body.charCodeAt(i + 2); code += 1)
            choices.push(String.fromCharCode(code));
          i += 2;
          continue;
        }
        choices.push(ch);
      }
      at = end + 1;
    } else if (c === '\\') {
      const next = pattern[at + 1];
      if (/[wdsbBAzZ]/.test(next)) return undefined;
      choices = [next];
      at += 2;
    } else if ('()|^$.*+?{'.includes(c)) return undefined;
    else {
      choices = [c];
      at += 1;
    }
    let min = 1;
    let max = 1;
    const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
    if (quantifier) {
      min = Number(quantifier[1]);
      max = quantifier[2] ? (quantifier[3] ? Number(quantifier[3]) : min + 8) : min;
      at += quantifier[0].length;
    } else if ('+*?'.includes(pattern[at] ?? '')) {
      [min, max] = pattern[at] === '+' ? [1, 8] : pattern[at] === '*' ? [0, 8] : [0, 1];
      at += 1;
    }
    const count = min + Math.floor(random() * (max - min + 1));
    for (let i = 0; i < count; i += 1) out += choices[Math.floor(random() * choices.length)];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A reader for the Go expressions the samples are written in.

function goString(text, at) {
  if (text[at] === '`') {
    const end = text.indexOf('`', at + 1);
    return { value: text.slice(at + 1, end), end: end + 1 };
  }
  let value = '';
  let i = at + 1;
  while (text[i] !== '"') {
    if (text[i] === '\\') {
      const next = text[i + 1];
      const simple = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'" }[next];
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (next === 'x') {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (next === 'u') {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else return { value: undefined, end: i };
    } else value += text[i++];
  }
  return { value, end: i + 1 };
}

function skipSpace(text, at) {
  for (;;) {
    while (/\s/.test(text[at] ?? '')) at += 1;
    if (text.startsWith('//', at)) at = text.indexOf('\n', at);
    else if (text.startsWith('/*', at)) at = text.indexOf('*/', at) + 2;
    else return at;
  }
}

/** Parses one expression at `at`: { value (string | string[] | undefined), end }. */
function expression(text, at) {
  let { value, end } = term(text, at);
  for (;;) {
    const next = skipSpace(text, end);
    if (text[next] !== '+') return { value, end };
    const right = term(text, skipSpace(text, next + 1));
    value = typeof value === 'string' && typeof right.value === 'string' ? value + right.value : undefined;
    end = right.end;
  }
}

function term(text, at) {
  at = skipSpace(text, at);
  if (text[at] === '"' || text[at] === '`') return goString(text, at);
  if (text.startsWith('[]string{', at)) {
    const list = elements(text, at + '[]string{'.length, '}');
    return { value: list.values, end: list.end };
  }
  const name = /^[A-Za-z_][\w.]*/.exec(text.slice(at))?.[0];
  if (!name) return { value: undefined, end: at + 1 };
  let end = at + name.length;
  if (text[end] !== '(') return { value: undefined, end };
  const args = elements(text, end + 1, ')');
  end = args.end;
  const a = args.values;
  let value;
  if (PATTERNS[name] && a.every((v) => typeof v === 'string')) value = PATTERNS[name](...a);
  else if (name === 'secrets.NewSecret' && typeof a[0] === 'string') value = sample(a[0]);
  else if (name === 'utils.GenerateSampleSecrets' && typeof a[0] === 'string' && typeof a[1] === 'string') {
    // Kept as [identifier, secret]: the test expands gitleaks' templates (a smaller corpus file).
    value = [{ identifier: a[0], secret: a[1] }];
  } else if (name === 'append' && Array.isArray(a[0])) value = a.slice(1).flat();
  return { value, end };
}

/** Comma-separated expressions up to `close`; `x...` spreads. Unreadable ones become undefined. */
function elements(text, at, close) {
  const values = [];
  at = skipSpace(text, at);
  while (text[at] !== close) {
    const { value, end } = expression(text, at);
    let next = skipSpace(text, end);
    if (text.startsWith('...', next)) next = skipSpace(text, next + 3);
    values.push(value);
    if (text[next] === ',') next = skipSpace(text, next + 1);
    else if (text[next] !== close) {
      // Something this reader does not understand: skip to the closing bracket at this depth.
      let depth = 0;
      while (next < text.length && !(depth === 0 && text[next] === close)) {
        if ('([{'.includes(text[next])) depth += 1;
        else if (')]}'.includes(text[next])) depth -= 1;
        else if (text[next] === '"' || text[next] === '`') next = goString(text, next).end - 1;
        next += 1;
      }
      values.push(undefined);
    }
    at = next;
  }
  return { values, end: at + 1 };
}

// ---------------------------------------------------------------------------------------------

const corpus = {};
let positives = 0;
let negatives = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
  .sort()) {
  const source = readFileSync(path.join(dir, file), 'utf8');
  for (const original of source.split(/\nfunc /).slice(1)) {
    // `append(tps, …)` starts from the list built so far; as an empty list, the appended items remain.
    const body = original.replace(/\b(tps|fps)\b(?=\s*[,)])/g, '[]string{}');
    const id = /RuleID:\s*"([^"]+)"/.exec(body)?.[1];
    if (!id) continue;
    const entry = { positives: [], samples: [], negatives: [] };
    const tps = ['tps'];
    for (const match of body.matchAll(/\b(tps|fps)\s*:?=\s*/g)) {
      const { value } = expression(body, match.index + match[0].length);
      const list = Array.isArray(value) ? value : [value];
      const target = tps.includes(match[1]) ? entry.positives : entry.negatives;
      for (const item of list) {
        if (typeof item === 'string' && item.length > 0) target.push(item);
        else if (item && typeof item === 'object' && target === entry.positives) {
          entry.samples.push([item.identifier, item.secret]);
        }
      }
    }
    if (entry.positives.length + entry.samples.length + entry.negatives.length === 0) continue;
    corpus[id] = entry;
    positives += entry.positives.length + entry.samples.length;
    negatives += entry.negatives.length;
  }
}
const target = new URL('../test/shared/redaction/gitleaks-corpus.json', import.meta.url);
writeFileSync(
  target,
  `${JSON.stringify({ source: 'https://github.com/gitleaks/gitleaks cmd/generate/config/rules (MIT)', commit, rules: corpus })}\n`,
);
spawnSync('npx', ['biome', 'format', '--write', fileURLToPath(target)], { stdio: 'inherit' });
console.log(`${Object.keys(corpus).length} rules, ${positives} positives, ${negatives} negatives`);
