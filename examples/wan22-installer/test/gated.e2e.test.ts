import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, filesContaining, json, listFiles } from './cli.js';
import { GATED_MODEL, type GatedHub, startGatedHub } from './gatedHub.js';
import { HAS_SCRIPT, tty } from './tty.js';

// A gated model on a Hub-shaped loopback server: 401 without a token, 403 with the wrong one.
// The loopback server plays the Hub: HF_ENDPOINT names it, as the token goes to the Hub only.
const TOKEN = 'hf_gatedAcceptedToken0123456789ab';
const WRONG = 'hf_gatedWrongToken9876543210zyxwv';

let work: string;
let hub: GatedHub;
let manifest: string;
const outputs: string[] = [];
let counter = 0;

/** A fresh install folder and Hugging Face home per test. */
async function fresh(): Promise<{ dir: string; hfHome: string }> {
  counter++;
  const hfHome = path.join(work, `hf-home-${counter}`);
  await mkdir(hfHome, { recursive: true });
  return { dir: path.join(work, `models-${counter}`), hfHome };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-gated-'));
  hub = await startGatedHub(TOKEN);
  manifest = path.join(work, 'gated.json');
  await writeFile(manifest, JSON.stringify(hub.manifest()));
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const install = (dir: string, extra: string[] = []) => [
  'install',
  '--manifest',
  manifest,
  '--dir',
  dir,
  '--models',
  GATED_MODEL,
  ...extra,
];

describe('wan22-install: gated and private models', () => {
  it('without a terminal and without a token: exit 4 with the licence and HF_TOKEN steps, and a support bundle', async () => {
    const { dir, hfHome } = await fresh();
    const result = await cli(install(dir, ['--yes']), { HF_ENDPOINT: hub.url, HF_HOME: hfHome });
    outputs.push(result.stdout, result.stderr);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/The Hub refused access to Wan2\.2-TI2V-5B \(HTTP 401.*no token was given/);
    expect(result.stderr).toContain(`accept its licence — ${GATED_MODEL}: ${hub.url}/Wan-AI/${GATED_MODEL}`);
    expect(result.stderr).toMatch(/Set HF_TOKEN to it/);
    expect(result.stderr).toMatch(/Support bundle: .*support-.*\.md/);
    expect(hub.counts[401]).toBeGreaterThan(0);
    expect(hub.counts.served).toBe(0);
  });

  it('reads the token huggingface_hub saved ($HF_HOME/token) when HF_TOKEN is unset', async () => {
    const { dir, hfHome } = await fresh();
    await writeFile(path.join(hfHome, 'token'), `${TOKEN}\n`);
    const served = hub.counts.served;
    const result = await cli(install(dir, ['--yes', '--json']), { HF_ENDPOINT: hub.url, HF_HOME: hfHome });
    outputs.push(result.stdout, result.stderr);
    expect(result.code, result.stderr).toBe(0);
    expect(json<{ ok: boolean }>(result).ok).toBe(true);
    expect(hub.counts.served - served).toBe(7);
    expect(await filesContaining(dir, TOKEN)).toEqual([]);
  });

  it('a refused HF_TOKEN (licence not accepted): exit 4 naming where the token came from', async () => {
    const { dir, hfHome } = await fresh();
    const result = await cli(install(dir, ['--yes', '--json']), {
      HF_ENDPOINT: hub.url,
      HF_HOME: hfHome,
      HF_TOKEN: WRONG,
    });
    outputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(4);
    expect(json<{ exitCode: number }>(result).exitCode).toBe(4);
    expect(result.stderr).toMatch(/HTTP 403.*the token in HF_TOKEN was refused/);
    expect(await filesContaining(dir, WRONG)).toEqual([]);
  });

  it.skipIf(!HAS_SCRIPT)(
    'on a terminal: asks once with hidden input, retries, and --save-token stores it 0600 where huggingface_hub reads it',
    async () => {
      const { dir, hfHome } = await fresh();
      const tokenFile = path.join(hfHome, 'custom', 'token');
      const run = await tty(
        install(dir, ['--save-token']),
        [
          { when: 'models into', send: '\r' },
          { when: 'Hugging Face token', send: `${TOKEN}\r` },
        ],
        { HF_ENDPOINT: hub.url, HF_HOME: hfHome, HF_TOKEN_PATH: tokenFile },
      );
      outputs.push(run.screen);
      expect(run.code, run.screen.slice(-2000)).toBe(0);
      expect(run.screen.match(/refused access: the model is gated or private/g)).toHaveLength(1);
      expect(run.screen).toContain('Token saved to $HF_TOKEN_PATH (readable by you only)');
      expect(run.screen).not.toContain(TOKEN);
      expect(await readFile(tokenFile, 'utf8')).toBe(TOKEN);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      expect(await filesContaining(dir, TOKEN)).toEqual([]);
      // The saved token is used by the next run without asking.
      const again = await cli(['status', '--dir', dir, '--offline', '--json'], {
        HF_ENDPOINT: hub.url,
        HF_HOME: hfHome,
        HF_TOKEN_PATH: tokenFile,
      });
      expect(again.code).toBe(0);
    },
  );

  it.skipIf(!HAS_SCRIPT)('on a terminal: a refused token is not asked for twice; exit 4', async () => {
    const { dir, hfHome } = await fresh();
    const run = await tty(
      install(dir),
      [
        { when: 'models into', send: '\r' },
        { when: 'Hugging Face token', send: `${WRONG}\r` },
      ],
      { HF_ENDPOINT: hub.url, HF_HOME: hfHome },
    );
    outputs.push(run.screen);
    expect(run.code, run.screen.slice(-2000)).toBe(4);
    expect(run.screen.match(/refused access: the model is gated or private/g)).toHaveLength(1);
    expect(run.screen).toMatch(/the token you entered was refused/);
    expect(run.screen).not.toContain(WRONG);
    // Not saved without --save-token.
    expect(await listFiles(hfHome)).toEqual([]);
  });

  it('no token shows up in any output, log, report or bundle; only the token file holds it', async () => {
    expect(outputs.filter((text) => text.includes(TOKEN) || text.includes(WRONG))).toEqual([]);
    const everywhere = [...(await filesContaining(work, TOKEN)), ...(await filesContaining(work, WRONG))];
    // The token files the tests wrote (or --save-token wrote) are the only ones.
    expect(
      everywhere.every((file) => /^hf-home-\d+\/(custom\/)?token$/.test(file)),
      everywhere.join('\n'),
    ).toBe(true);
    const bundles = (await listFiles(work)).filter((f) => /support-.*\.(md|json)$/.test(f));
    expect(bundles.length).toBeGreaterThan(0);
    const logs = (await listFiles(work)).filter((f) => f.includes('/logs/') && f.endsWith('.jsonl'));
    expect(logs.length).toBeGreaterThan(0);
  });
});
