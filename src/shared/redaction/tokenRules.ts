import { createRequire } from 'node:module';
import { OWN_RULES } from './ownRules.js';
import type { PortedRule, RulePattern } from './ruleTypes.js';

// Applies gitleaks' rule set (and ours) the way gitleaks does: a rule runs only when one of its
// keywords occurs in the text; the secret is the rule's secret group (else the first non-empty
// group, else the whole match); a secret whose Shannon entropy is not above the rule's floor, or
// that an allowlist matches, is left alone. Only the secret is replaced, so `stripe_key = "…"` keeps
// its name. The rules are data (gitleaks-rules.json, ~220 rules), read on the first redact() call;
// expressions are compiled on first use: importing the package stays cheap and bundles small.

const SEMI_PRE = '[\\w.-]{0,50}?(?:';
const SEMI_MID = ')(?:[ \\t\\w.-]{0,20})[\\s\'"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60\'"\\s=]{0,5}(';
const SUFFIX = ')(?:[\\x60\'"\\s;]|\\\\[nr]|$)';

/** The rule's expression source, rebuilt from its stored template. */
export function ruleSource(pattern: RulePattern): string {
  if (pattern[0] === 's') return `${SEMI_PRE}${pattern[1]}${SEMI_MID}${pattern[2]}${SUFFIX}`;
  if (pattern[0] === 'u') return `\\b(${pattern[1]}${SUFFIX}`;
  return pattern[1];
}

/** gitleaks-rules.json, as scripts/port-gitleaks-rules.mjs writes it. */
export interface RuleFile {
  /** Where the rules come from. */
  readonly source: string;
  /** The gitleaks commit they were ported from. */
  readonly commit: string;
  /** gitleaks' licence (MIT), shipped with its rules. */
  readonly license: string;
  /** gitleaks rules not ported, with the reason. */
  readonly leftOut: readonly string[];
  /** The rules, in gitleaks' order. */
  readonly rules: readonly PortedRule[];
  /** gitleaks' global allowlist (secrets matching these are examples or placeholders). */
  readonly allowRegexes: readonly (readonly [string, string])[];
  /** gitleaks' global stopwords (a secret containing one is an example). */
  readonly stopwords: readonly string[];
}

/**
 * When gitleaks-rules.json cannot be read (a bundle shipped without the package's files), any long,
 * high-entropy token is removed instead: over-redaction beats a leak. A warning says so, once.
 */
const FALLBACK_RULE: PortedRule = {
  id: 'fallback-high-entropy-token',
  pattern: ['r', '(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/=-]{24,}(?![A-Za-z0-9_+/=-])'],
  flags: '',
  keywords: [],
  entropy: 4,
};

let loaded:
  | { file: RuleFile | undefined; rules: readonly PortedRule[]; order: Map<PortedRule, number> }
  | undefined;

/** Reads gitleaks-rules.json: beside this module (sources, dist/), else through the package name (bundles). */
function readRuleFile(): RuleFile | undefined {
  // This module's own location (see lazyRequire.ts for why import.meta.url comes first).
  const here = createRequire(import.meta.url || __filename);
  const failures: string[] = [];
  for (const id of ['./gitleaks-rules.json', '@wan/reliability/gitleaks-rules.json']) {
    try {
      return here(id) as RuleFile;
    } catch (error) {
      failures.push(`${id}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  process.emitWarning(
    `@wan/reliability: the secret rules (gitleaks-rules.json) could not be read, so redaction removes every long high-entropy token instead (${failures.join('; ')})`,
    { code: 'WAN_RELIABILITY_SECRET_RULES' },
  );
  return undefined;
}

function ruleSet(): NonNullable<typeof loaded> {
  if (loaded === undefined) {
    const file = readRuleFile();
    const rules = [...(file?.rules ?? [FALLBACK_RULE]), ...OWN_RULES];
    loaded = { file, rules, order: new Map(rules.map((rule, position) => [rule, position])) };
  }
  return loaded;
}

/** Every rule applied, gitleaks' first (reads the rule file on first use). */
export function tokenRules(): readonly PortedRule[] {
  return ruleSet().rules;
}

/** The rule file, or undefined when it could not be read. */
export function ruleFile(): RuleFile | undefined {
  return ruleSet().file;
}

interface Allow {
  readonly target: 'secret' | 'match' | 'line';
  readonly regexes: readonly RegExp[];
  readonly stopwords: readonly string[];
  readonly all: boolean;
}

interface Compiled {
  readonly regex: RegExp;
  readonly allow: readonly Allow[];
}

const compiled = new Map<PortedRule, Compiled>();
let globalAllow: { regexes: readonly RegExp[]; stopwords: readonly string[] } | undefined;

function compile(rule: PortedRule): Compiled {
  let entry = compiled.get(rule);
  if (entry === undefined) {
    entry = {
      // `d`: group positions, so exactly the secret is replaced; `g`: every occurrence.
      regex: new RegExp(ruleSource(rule.pattern), `${rule.flags}dg`),
      allow: (rule.allow ?? []).map((list) => ({
        target: list.target,
        regexes: list.regexes.map(([source, flags]) => new RegExp(source, flags)),
        stopwords: list.stopwords,
        all: list.all,
      })),
    };
    compiled.set(rule, entry);
  }
  return entry;
}

interface KeywordEntry {
  readonly keyword: string;
  readonly rules: readonly PortedRule[];
}

/**
 * Keyword index: the first two characters of every keyword (ASCII, as a 14-bit number) → the
 * keywords starting with them. Scanning a text is then one array read per character; keywords
 * gitleaks might add outside ASCII are checked with includes().
 */
interface KeywordIndex {
  readonly byBigram: (KeywordEntry[] | undefined)[];
  readonly other: readonly KeywordEntry[];
  readonly always: readonly PortedRule[];
}

let index: KeywordIndex | undefined;

function keywordIndex(): KeywordIndex {
  if (index !== undefined) return index;
  const byKeyword = new Map<string, PortedRule[]>();
  const always: PortedRule[] = [];
  for (const rule of tokenRules()) {
    if (rule.keywords.length === 0) always.push(rule);
    for (const keyword of rule.keywords) {
      const rules = byKeyword.get(keyword) ?? [];
      rules.push(rule);
      byKeyword.set(keyword, rules);
    }
  }
  const byBigram: (KeywordEntry[] | undefined)[] = new Array(128 * 128);
  const other: KeywordEntry[] = [];
  for (const [keyword, rules] of byKeyword) {
    const first = keyword.charCodeAt(0);
    const second = keyword.charCodeAt(1);
    if (keyword.length < 2 || first > 127 || second > 127) {
      other.push({ keyword, rules });
      continue;
    }
    const key = first * 128 + second;
    const bucket = byBigram[key] ?? [];
    bucket.push({ keyword, rules });
    byBigram[key] = bucket;
  }
  index = { byBigram, other, always };
  return index;
}

/** The rules whose keywords occur in `text` (case-insensitively), in rule order. */
export function candidateRules(text: string): PortedRule[] {
  const { byBigram, other, always } = keywordIndex();
  const lower = text.toLowerCase();
  let found: Set<PortedRule> | undefined;
  let next = lower.charCodeAt(0);
  for (let at = 0; at < lower.length - 1; at += 1) {
    const first = next;
    next = lower.charCodeAt(at + 1);
    if (first > 127 || next > 127) continue;
    const bucket = byBigram[first * 128 + next];
    if (bucket === undefined) continue;
    for (const { keyword, rules } of bucket) {
      if (keyword.length === 2 || lower.startsWith(keyword, at)) {
        found ??= new Set();
        for (const rule of rules) found.add(rule);
      }
    }
  }
  for (const { keyword, rules } of other) {
    if (lower.includes(keyword)) {
      found ??= new Set();
      for (const rule of rules) found.add(rule);
    }
  }
  if (found === undefined) return [...always];
  for (const rule of always) found.add(rule);
  const { order } = ruleSet();
  return [...found].sort((a, b) => order.get(a)! - order.get(b)!);
}

/** Shannon entropy in bits per character, as gitleaks computes it. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  const length = [...text].length;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function allowed(lists: readonly Allow[], secret: string, match: string, line: string): boolean {
  for (const list of lists) {
    const target = list.target === 'match' ? match : list.target === 'line' ? line : secret;
    const regex = list.regexes.some((r) => r.test(target));
    const lower = secret.toLowerCase();
    const stopword = list.stopwords.some((word) => lower.includes(word));
    const ok = list.all
      ? (list.regexes.length === 0 || regex) && (list.stopwords.length === 0 || stopword)
      : regex || stopword;
    if (ok) return true;
  }
  return false;
}

function globallyAllowed(secret: string, match: string, line: string): boolean {
  const file = ruleFile();
  globalAllow ??= {
    regexes: (file?.allowRegexes ?? []).map(([source, flags]) => new RegExp(source, flags)),
    stopwords: file?.stopwords ?? [],
  };
  return allowed([{ target: 'secret', ...globalAllow, all: false }], secret, match, line);
}

function lineAt(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? text.length : to);
}

/** Where the secret of one match is: the secret group, else the first non-empty group, else all. */
function secretSpan(match: RegExpExecArray, rule: PortedRule): [number, number] {
  const indices = match.indices!;
  if (rule.secretGroup !== undefined) {
    const span = indices[rule.secretGroup];
    if (span) return span;
  }
  for (let group = 1; group < indices.length; group += 1) {
    const span = indices[group];
    if (span && span[1] > span[0]) return span;
  }
  return indices[0]!;
}

/**
 * Where the secrets `rule` finds in `text` are, as [start, end) offsets in order, the way gitleaks
 * decides: entropy above the rule's floor, no global or rule allowlist matching.
 */
export function findSecrets(text: string, rule: PortedRule): [number, number][] {
  const { regex, allow } = compile(rule);
  regex.lastIndex = 0;
  const spans: [number, number][] = [];
  let after = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    if (match[0].length === 0) regex.lastIndex += 1;
    const [start, end] = secretSpan(match, rule);
    if (end <= start || start < after) continue;
    const secret = text.slice(start, end);
    if (secret.startsWith('[REDACTED')) continue;
    if (rule.entropy !== undefined && shannonEntropy(secret) <= rule.entropy) continue;
    const line = lineAt(text, match.index, match.index + match[0].length);
    if (globallyAllowed(secret, match[0], line) || allowed(allow, secret, match[0], line)) continue;
    spans.push([start, end]);
    after = end;
  }
  return spans;
}

/** `text` with the secret of every finding of `rule` replaced by `replacement`. */
function applyRule(text: string, rule: PortedRule, replacement: string): string {
  const spans = findSecrets(text, rule);
  if (spans.length === 0) return text;
  let out = '';
  let copied = 0;
  for (const [start, end] of spans) {
    out += text.slice(copied, start) + replacement;
    copied = end;
  }
  return out + text.slice(copied);
}

/** Replaces the secret of every finding of every rule whose keywords occur in `text`. */
export function redactTokens(text: string, replacement: string): string {
  for (const rule of candidateRules(text)) text = applyRule(text, rule, replacement);
  return text;
}
