import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../../src/shared/redaction/redact.js';
import type { PortedRule } from '../../../src/shared/redaction/ruleTypes.js';
import {
  candidateRules,
  findSecrets,
  ruleFile,
  shannonEntropy,
  tokenRules,
} from '../../../src/shared/redaction/tokenRules.js';

// gitleaks validates every rule with its own true and false positives (cmd/generate/config/rules);
// scripts/gitleaks-corpus.mjs extracted them into gitleaks-corpus.json. Our port must agree.

const run = promisify(execFile);

interface Corpus {
  readonly commit: string;
  readonly rules: Record<
    string,
    { positives: string[]; samples: [identifier: string, secret: string][]; negatives: string[] }
  >;
}
const corpus = JSON.parse(readFileSync(new URL('./gitleaks-corpus.json', import.meta.url), 'utf8')) as Corpus;

// gitleaks' utils.GenerateSampleSecrets templates ({i} identifier, {I} upper case, {s} secret).
const TEMPLATES = [
  '{i}Token="{s}"',
  '{i}Token = {s}',
  '{\n    "{i}_token": "{s}"\n}',
  '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
  '<{i}Token>\n    {s}\n</{i}Token>',
  "{i}_token: '{s}'",
  'var {i}Token string = "{s}"',
  '{i}Token := `{s}`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a PHP variable, not a template
  '${i}Token .= "{s}"',
  'System.setProperty("{I}_TOKEN", "{s}")',
  '  "{i}Token" => "{s}"',
  '{i}_TOKEN :::= "{s}"',
  '{i}_TOKEN ?= "{s}"',
];

/**
 * Samples our port cannot find, with the reason. Each is a difference in what is scanned, not in
 * the expressions: gitleaks also scans base64-decoded segments and whole files.
 */
const KNOWN_MISSES: Record<string, string> = {};

const rulesById = new Map(tokenRules().map((rule) => [rule.id, rule]));

/** What `rule` finds in `text` as gitleaks runs it: only when one of its keywords occurs. */
function finds(text: string, rule: PortedRule): boolean {
  return candidateRules(text).includes(rule) && findSecrets(text, rule).length > 0;
}

describe('secret rules ported from gitleaks', () => {
  it('come from the same gitleaks commit as the corpus', () => {
    expect(corpus.commit).toBe(ruleFile()?.commit);
    expect(ruleFile()?.license).toMatch(/^MIT License/);
    expect(tokenRules().length).toBeGreaterThan(200);
  });

  it('find every true positive gitleaks validates its rules with, and redact() removes it', () => {
    const misses: string[] = [];
    let checked = 0;
    for (const [id, entry] of Object.entries(corpus.rules)) {
      const rule = rulesById.get(id);
      if (rule === undefined) continue; // generic-api-key, file rules: not ported (see gitleaksRules.ts)
      const texts = [
        ...entry.positives,
        ...entry.samples.flatMap(([identifier, secret]) =>
          TEMPLATES.map((t) =>
            t
              .replaceAll('{i}', identifier)
              .replaceAll('{I}', identifier.toUpperCase())
              .replaceAll('{s}', secret),
          ),
        ),
      ];
      for (const text of texts) {
        checked += 1;
        if (KNOWN_MISSES[text] !== undefined) continue;
        if (!finds(text, rule)) misses.push(`${id}: ${JSON.stringify(text.slice(0, 120))}`);
        else expect(redact(text, { env: null }), id).toContain(REDACTED);
      }
    }
    expect(misses).toEqual([]);
    expect(checked).toBeGreaterThan(3000);
  });

  it('leave alone every false positive gitleaks lists for the same rule', () => {
    const flagged: string[] = [];
    for (const [id, entry] of Object.entries(corpus.rules)) {
      const rule = rulesById.get(id);
      if (rule === undefined) continue;
      for (const text of entry.negatives) {
        if (finds(text, rule)) flagged.push(`${id}: ${JSON.stringify(text.slice(0, 120))}`);
      }
    }
    expect(flagged).toEqual([]);
  });
});

// Formats named in #14, one property each: any token of the documented shape is removed wherever
// it appears in a line, and the rest of the line survives.
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const text = (set: string, min: number, max = min) =>
  fc.string({ unit: fc.constantFrom(...set.split('')), minLength: min, maxLength: max });

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  'Stripe sk_live_': text(ALNUM, 24, 99).map((s) => `sk_live_${s}`),
  'Stripe rk_live_': text(ALNUM, 24, 99).map((s) => `rk_live_${s}`),
  'Slack webhook URL': fc
    .tuple(text(ALNUM.toUpperCase(), 9), text(ALNUM.toUpperCase(), 11), text(ALNUM, 24))
    .map(([t, b, s]) => `https://hooks.slack.com/services/T${t}/B${b}/${s}`),
  'PyPI token': text(`${ALNUM}_-`, 60, 180).map((s) => `pypi-AgEIcHlwaS5vcmc${s}`),
  'Replicate r8_': text(ALNUM, 37).map((s) => `r8_${s}`),
  'Groq gsk_': text(ALNUM, 52).map((s) => `gsk_${s}`),
  'Docker dckr_pat_': text(`${ALNUM}_-`, 27).map((s) => `dckr_pat_${s}`),
  'Databricks dapi': text(HEX, 32).map((s) => `dapi${s}`),
  'Twilio SK': text(HEX, 32).map((s) => `SK${s}`),
  'Discord bot token': fc
    .tuple(text(ALNUM, 24), text(`${ALNUM}_-`, 6), text(`${ALNUM}_-`, 27))
    .map(([a, b, c]) => `M${a.slice(1)}.${b}.${c}`),
};

describe('token formats from #14', () => {
  for (const [name, token] of Object.entries(FORMATS)) {
    it(`${name}: removed wherever it appears`, () => {
      fc.assert(
        fc.property(token, fc.constantFrom('token ', 'x=', '"', 'curl -H "X: ', '\n'), (secret, before) => {
          // Degenerate draws (aaaa…) are not secrets to gitleaks either: its entropy floors apply.
          fc.pre(shannonEntropy(secret) > 3.6);
          const line = `upload failed: ${before}${secret} (retrying)`;
          const out = redact(line, { env: null });
          expect(out).not.toContain(secret);
          expect(out).toContain('upload failed:');
          expect(out).toContain('(retrying)');
        }),
        { numRuns: 100 },
      );
    });
  }

  it('removes the value after secret-named command-line flags, not after others', () => {
    const cases: [string, string][] = [
      [
        'wan generate --hf-token abcdEFGH1234ijkl --size 1280*704',
        `wan generate --hf-token ${REDACTED} --size 1280*704`,
      ],
      ['login --password "my pass phrase" -v', `login --password "${REDACTED}" -v`],
      ["cli --api-key 'k-123456' --token=zzz999", `cli --api-key '${REDACTED}' --token=${REDACTED}`],
      [
        'cli --token-file /etc/token --password-stdin host',
        'cli --token-file /etc/token --password-stdin host',
      ],
      ['cli --token $HF_TOKEN --model x', 'cli --token $HF_TOKEN --model x'],
      ['cli --verbose --model Wan2.2 --retries 3', 'cli --verbose --model Wan2.2 --retries 3'],
    ];
    for (const [input, expected] of cases) expect(redact(input, { env: null })).toBe(expected);
  });

  it('leaves ordinary installer output alone', () => {
    const lines = [
      'GET https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/9a1b/model-00001-of-00003.safetensors 206',
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ok (disk task done)',
      'nvidia-smi: NVIDIA H100 80GB HBM3, 81559 MiB, driver 550.54.15',
      'Wan2.2_VAE.pth 2.65 GiB verified; models_t5_umt5-xxl-enc-bf16.pth pending',
    ];
    for (const line of lines) expect(redact(line, { env: null })).toBe(line);
  });
});

describe('without the rule file', () => {
  it('a bundle that cannot read gitleaks-rules.json warns once and removes every long high-entropy token', async () => {
    // A self-contained bundle in a folder with no package around it: neither lookup can succeed.
    const dir = await mkdtemp(path.join(tmpdir(), 'wan-rules-'));
    try {
      const bundle = path.join(dir, 'redact.mjs');
      await build({
        entryPoints: [fileURLToPath(new URL('../../../src/shared/redaction/redact.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: bundle,
        logLevel: 'error',
      });
      const script = `import { redact } from ${JSON.stringify(pathToFileURL(bundle).href)};
console.log(JSON.stringify([redact('key Zq8vW3nLp0XbR7tYk2MfJ5sHd9GcA4eQ in config', { env: null }), redact('file model-00001-of-00003.safetensors ok', { env: null })]));`;
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
      });
      expect(JSON.parse(stdout)).toEqual([
        `key ${REDACTED} in config`,
        'file model-00001-of-00003.safetensors ok',
      ]);
      expect(stderr.match(/WAN_RELIABILITY_SECRET_RULES/g)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
