#!/usr/bin/env node
// Ports gitleaks' default rule set (config/gitleaks.toml, MIT) to src/shared/redaction/gitleaks-rules.json
// (shipped as dist/gitleaks-rules.json), the token shapes redact() recognises beyond its own. Re-run to follow gitleaks:
//
//   git clone https://github.com/gitleaks/gitleaks /tmp/gitleaks
//   node scripts/port-gitleaks-rules.mjs /tmp/gitleaks/config/gitleaks.toml "$(git -C /tmp/gitleaks rev-parse HEAD)"
//
// Conversion from Go RE2 to JavaScript (Node 20 has no inline modifiers): an expression
// case-insensitive throughout gets the `i` flag; one that mixes `(?i)` / `(?i:` / `(?-i:` scopes
// has the letters of its insensitive parts spelled in both cases; `(?s:.)` becomes `[\s\S]`,
// `\z` becomes `$`, POSIX classes become ranges, `(?P<` becomes `(?<`.
// Two templates gitleaks generates most rules from are stored compactly and rebuilt at run time.
// Left out, with the reason printed: generic-api-key (its keywords — key, token, secret… — are in
// almost every line we write, and redact()'s own name=value rule covers the same ground) and rules
// without a regex (file-path rules).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [source, commit] = process.argv.slice(2);
if (!source || !commit) {
  console.error('usage: node scripts/port-gitleaks-rules.mjs <gitleaks.toml> <gitleaks commit>');
  process.exit(2);
}
const SKIP = new Map([
  ['generic-api-key', 'keywords in nearly every line; name=value pairs are redacted already'],
]);

// ---------------------------------------------------------------------------------------------
// A TOML reader for the subset gitleaks.toml uses: [table], [[array-of-tables]], key = '''literal''',
// "basic", numbers, booleans and (multi-line) arrays of those.

function parseValue(text) {
  text = text.trim();
  if (text.startsWith("'''")) return text.slice(3, text.lastIndexOf("'''"));
  if (text.startsWith('"')) return JSON.parse(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  throw new Error(`unsupported TOML value: ${text.slice(0, 60)}`);
}

function splitArray(body) {
  const items = [];
  let rest = body.trim();
  while (rest.length > 0) {
    let end;
    if (rest.startsWith("'''")) end = rest.indexOf("'''", 3) + 3;
    else if (rest.startsWith('"')) {
      end = 1;
      while (rest[end] !== '"') end += rest[end] === '\\' ? 2 : 1;
      end += 1;
    } else end = rest.search(/,|$/);
    items.push(parseValue(rest.slice(0, end)));
    rest = rest
      .slice(end)
      .replace(/^\s*,?\s*/, '')
      .trim();
  }
  return items;
}

function parseToml(text) {
  const root = {};
  let table = root;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const arrayTable = /^\[\[([\w.]+)\]\]$/.exec(line);
    const plainTable = /^\[([\w.]+)\]$/.exec(line);
    if (arrayTable || plainTable) {
      const path = (arrayTable ?? plainTable)[1].split('.');
      let parent = root;
      for (const key of path.slice(0, -1)) {
        const node = parent[key];
        parent = Array.isArray(node) ? node[node.length - 1] : node;
      }
      const last = path[path.length - 1];
      table = {};
      if (arrayTable) {
        parent[last] ??= [];
        parent[last].push(table);
      } else parent[last] = table;
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('[')) {
      while (!/\]\s*$/.test(value) || (value.match(/'''/g)?.length ?? 0) % 2 === 1)
        value += `\n${lines[++i]}`;
      table[key] = splitArray(value.slice(1, value.lastIndexOf(']')));
    } else table[key] = parseValue(value);
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// RE2 → JavaScript

const POSIX = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  digit: '0-9',
  xdigit: '0-9a-fA-F',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  word: '\\w',
};

/** Both cases of the letters and letter ranges in a character class body. */
function bothCases(classBody) {
  let out = '';
  for (let i = 0; i < classBody.length; i += 1) {
    const c = classBody[i];
    if (c === '\\') {
      out += classBody.slice(i, i + 2);
      i += 1;
      continue;
    }
    if (classBody[i + 1] === '-' && i + 2 < classBody.length && classBody[i + 2] !== ']') {
      const range = classBody.slice(i, i + 3);
      const [from, , to] = range;
      out += range;
      if (/[a-z]/.test(from) && /[a-z]/.test(to)) out += `${from.toUpperCase()}-${to.toUpperCase()}`;
      else if (/[A-Z]/.test(from) && /[A-Z]/.test(to)) out += `${from.toLowerCase()}-${to.toLowerCase()}`;
      i += 2;
      continue;
    }
    out += c;
    if (/[a-zA-Z]/.test(c)) out += c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  }
  return out;
}

/**
 * RE2's scoped case-insensitivity (`(?i)`, `(?i:…)`, `(?-i:…)`) in plain JavaScript: letters in an
 * insensitive scope match both cases (`a` → `[aA]`, `[a-f]` → `[a-fA-F]`), nothing else changes.
 * Used only when an expression mixes both (e.g. `(?i)…(?-i:[Ss]umo|SUMO)…`); an expression that is
 * insensitive throughout gets the `i` flag instead.
 */
function expandCaseScopes(pattern) {
  let out = '';
  const stack = [false];
  let at = 0;
  const insensitive = () => stack[stack.length - 1];
  while (at < pattern.length) {
    const c = pattern[at];
    if (c === '\\') {
      const escaped = /^\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|p\{\w+\}|.)/.exec(pattern.slice(at))[0];
      out += escaped;
      at += escaped.length;
    } else if (c === '[') {
      let end = at + 1;
      if (pattern[end] === '^') end += 1;
      if (pattern[end] === ']') end += 1;
      while (pattern[end] !== ']') end += pattern[end] === '\\' ? 2 : 1;
      const body = pattern.slice(at + 1, end);
      out += `[${insensitive() ? bothCases(body) : body}]`;
      at = end + 1;
    } else if (pattern.startsWith('(?i)', at) || pattern.startsWith('(?-i)', at)) {
      stack[stack.length - 1] = pattern[at + 2] === 'i';
      at += pattern[at + 2] === 'i' ? 4 : 5;
    } else if (pattern.startsWith('(?i:', at) || pattern.startsWith('(?-i:', at)) {
      stack.push(pattern[at + 2] === 'i');
      out += '(?:';
      at += pattern[at + 2] === 'i' ? 4 : 5;
    } else if (c === '(') {
      stack.push(insensitive());
      out += c;
      at += 1;
    } else if (c === ')') {
      stack.pop();
      out += c;
      at += 1;
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(at))) {
      const quantifier = /^\{\d+(,\d*)?\}/.exec(pattern.slice(at))[0];
      out += quantifier;
      at += quantifier.length;
    } else {
      out += insensitive() && /[a-zA-Z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
      at += 1;
    }
  }
  return out;
}

function toJs(pattern) {
  let flags = '';
  let body = pattern.replaceAll('(?s:.)', '[\\s\\S]');
  if (body.includes('(?s)') || body.includes('(?s:')) {
    flags += 's';
    body = body.replace(/\(\?s\)/g, '').replace(/\(\?s:/g, '(?:');
  }
  body = body
    .replace(/\\z/g, '$')
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(\w+):\]/g, (match, name) => POSIX[name] ?? match);
  if (/^\(\?i\)/.test(body) && !/\(\?-i[:)]/.test(body)) {
    // Insensitive throughout (inner `(?i…` are redundant): the flag does it.
    flags += 'i';
    body = body
      .slice(4)
      .replace(/\(\?i\)/g, '')
      .replace(/\(\?i:/g, '(?:');
  } else if (/\(\?-?i[:)]/.test(body)) body = expandCaseScopes(body);
  new RegExp(body, flags); // throws on anything left unconverted
  return { body, flags };
}

const SEMI_PRE = '[\\w.-]{0,50}?(?:';
const SEMI_MID = ')(?:[ \\t\\w.-]{0,20})[\\s\'"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60\'"\\s=]{0,5}(';
const SUFFIX = ')(?:[\\x60\'"\\s;]|\\\\[nr]|$)';
const UNIQUE_PRE = '\\b(';

/** [kind, parts]: 's' semi-generic (identifiers, secret), 'u' unique token (secret), 'r' raw. */
function compact(body) {
  if (body.startsWith(SEMI_PRE) && body.endsWith(SUFFIX)) {
    const mid = body.indexOf(SEMI_MID);
    if (mid > 0) {
      const identifiers = body.slice(SEMI_PRE.length, mid);
      const secret = body.slice(mid + SEMI_MID.length, -SUFFIX.length);
      if (`${SEMI_PRE}${identifiers}${SEMI_MID}${secret}${SUFFIX}` === body)
        return ['s', identifiers, secret];
    }
  }
  if (body.startsWith(UNIQUE_PRE) && body.endsWith(SUFFIX)) {
    return ['u', body.slice(UNIQUE_PRE.length, -SUFFIX.length)];
  }
  return ['r', body];
}

// ---------------------------------------------------------------------------------------------

const config = parseToml(readFileSync(source, 'utf8'));
const rules = [];
const skipped = [];
for (const rule of config.rules) {
  if (SKIP.has(rule.id)) {
    skipped.push(`${rule.id}: ${SKIP.get(rule.id)}`);
    continue;
  }
  if (typeof rule.regex !== 'string') {
    skipped.push(`${rule.id}: no regex (a file-path rule)`);
    continue;
  }
  const { body, flags } = toJs(rule.regex);
  const allow = [];
  for (const list of rule.allowlists ?? []) {
    // Commits and paths do not exist for a line of text: an AND list that needs them never allows.
    if (list.condition === 'AND' && (list.paths?.length || list.commits?.length)) continue;
    const regexes = (list.regexes ?? []).map((r) => toJs(r));
    allow.push({
      target: list.regexTarget ?? 'secret',
      regexes: regexes.map((r) => [r.body, r.flags]),
      stopwords: list.stopwords ?? [],
      all: list.condition === 'AND',
    });
  }
  const keywords = (rule.keywords ?? []).map((k) => k.toLowerCase());
  if (keywords.length === 0) {
    skipped.push(`${rule.id}: no keywords (would run on every text)`);
    continue;
  }
  rules.push({
    id: rule.id,
    pattern: compact(body),
    flags,
    keywords,
    ...(rule.entropy ? { entropy: rule.entropy } : {}),
    ...(rule.secretGroup ? { secretGroup: rule.secretGroup } : {}),
    ...(allow.length > 0 ? { allow } : {}),
  });
}
const globalAllow = config.allowlist ?? {};
// gitleaks' first global allowlist entry, `(?i)^true|false|null$`, lacks a group and so allows any
// secret that merely contains "false"; for redaction it is anchored as intended.
const globalRegexes = (globalAllow.regexes ?? []).map((r) =>
  r === '(?i)^true|false|null$' ? toJs('(?i)^(?:true|false|null)$') : toJs(r),
);

const LICENSE = `MIT License

Copyright (c) 2019 Zachary Rice

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

const file = {
  source:
    'https://github.com/gitleaks/gitleaks config/gitleaks.toml, ported by scripts/port-gitleaks-rules.mjs',
  commit,
  license: LICENSE,
  leftOut: skipped,
  rules,
  allowRegexes: globalRegexes.map((r) => [r.body, r.flags]),
  stopwords: globalAllow.stopwords ?? [],
};
// JSON, loaded on the first redact() call that needs it (src/shared/redaction/tokenRules.ts): the
// rules are data, and keeping them out of the modules keeps imports and bundles small.
const target = new URL('../src/shared/redaction/gitleaks-rules.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(file)}\n`);
spawnSync('npx', ['biome', 'format', '--write', fileURLToPath(target)], { stdio: 'inherit' });
console.log(`ported ${rules.length} rules; left out ${skipped.length}:\n  ${skipped.join('\n  ')}`);
