import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoManifest } from '../demo/files.js';
import { type DemoMirror, startDemoMirror } from '../demo/mirror.js';
import { cli, filesContaining, json, listFiles } from './cli.js';

// The failure path: what a user sees when an install fails, the support bundle, the run logs and
// the support archive — and that no secret is in any of them.
const TI2V = 'Wan2.2-TI2V-5B';
/** Run logs kept per folder (KEEP_LOGS in src/runlog.ts; the tests run the CLI, not its modules). */
const KEEP_LOGS = 20;
const SECRET = 'hf_supportBundleSecret0123456789abcd';
/** A token-shaped value planted in an old log, as if written by a careless older version. */
const PLANTED = 'hf_plantedInAnOldLog9876543210zyxwvu';

let work: string;
let mirror: DemoMirror;
let dir: string;
let badManifest: string;
const outputs: string[] = [];
const run = async (args: string[], env: Record<string, string> = {}) => {
  const result = await cli(args, { HF_TOKEN: SECRET, ...env });
  outputs.push(result.stdout, result.stderr);
  return result;
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-support-'));
  mirror = await startDemoMirror({ faults: false });
  // One wrong sha256: every mirror serves bytes that fail it, so the install fails for real.
  const bad = demoManifest(mirror.url) as { models: { id: string; files: { sha256: string }[] }[] };
  const file = bad.models.find((m) => m.id === TI2V)?.files[1];
  if (file) file.sha256 = `${file.sha256.startsWith('0') ? '1' : '0'}${file.sha256.slice(1)}`;
  badManifest = path.join(work, 'bad-sha.json');
  await writeFile(badManifest, JSON.stringify(bad));
  dir = path.join(work, 'models');
});

afterAll(async () => {
  await mirror?.close();
  await rm(work, { recursive: true, force: true });
});

describe('wan22-install: support story on failure', () => {
  it('a failed install prints the summary, the bundle path and a pre-filled issue link; the bundle has everything', async () => {
    const args = [
      'install',
      '--manifest',
      badManifest,
      '--dir',
      dir,
      '--yes',
      '--models',
      TI2V,
      '--max-retries',
      '0',
    ];
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/WAN2\.2 install: FAILED/);
    const bundle = /Support bundle: (\S+\.md) \(and \.json\)/.exec(result.stderr)?.[1];
    expect(bundle, result.stderr).toBeDefined();
    const link = /nothing secret is in the link\): (\S+)/.exec(result.stderr)?.[1] ?? '';
    expect(link).toMatch(/^https:\/\/github\.com\/.+\/issues\/new\?labels=bug&title=.+&body=.+/);
    expect(link.length).toBeLessThanOrEqual(2000);
    expect(result.stderr).toContain(`wan22-install report --bundle --dir "${dir}"`);

    const md = await readFile(bundle as string, 'utf8');
    // The error with its cause chain and file:line frames, the root cause first.
    expect(md).toMatch(/### Error/);
    expect(md).toMatch(/Caused by: AggregateError: \d+ file\(s\) failed/);
    // The failures with what was tried: the wrong sha256 shows as corrupt bytes on every mirror.
    expect(md).toMatch(/## Failures \(this run\)\n\n- Wan2\.2-TI2V-5B\//);
    expect(md).toMatch(/tried: .*failed \(corruption, corrupt bytes\)/);
    expect(md).toMatch(/\(\/[^)]+\.ts:\d+:\d+\)/);
    // The system snapshot, the redacted environment, and the installer's own sections.
    for (const row of [
      '| OS |',
      '| CPU |',
      '| Memory |',
      '| GPUs |',
      '| Node.js |',
      '| Python |',
      '| Disk /',
    ]) {
      expect(md).toContain(row);
    }
    for (const section of [
      '### Environment',
      '## Recovery log (this run)',
      '## Install journal (last run)',
      '## Health report',
      '## Run log',
    ]) {
      expect(md).toContain(section);
    }
    const data = JSON.parse(await readFile((bundle as string).replace(/\.md$/, '.json'), 'utf8')) as {
      schema: string;
      exitCode: number;
      context: { category: string; system: { os: unknown } };
      journal: { operation: string; status: string };
      health: { schema: string; install: { success: boolean } };
      log: { tail: { event: string }[] };
    };
    expect(data).toMatchObject({ schema: 'wan22-install/support-bundle', exitCode: 1 });
    expect(data.journal).toMatchObject({ operation: 'install', status: 'failed' });
    expect(data.health.install.success).toBe(false);
    expect(data.context.system.os).toBeTruthy();
    expect(data.log.tail.map((l) => l.event)).toContain('step-failed');
  }, 60_000);

  it('every command writes a redacted JSON-lines log in <dir>/logs, rotated to the newest 20', async () => {
    const logs = (await listFiles(path.join(dir, 'logs'))).filter((f) => f.endsWith('.jsonl'));
    expect(logs.length).toBeGreaterThan(0);
    const lines = (await readFile(path.join(dir, 'logs', logs[0] as string), 'utf8')).trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { event: string; exitCode?: number });
    expect(events[0]?.event).toBe('start');
    expect(events.at(-1)).toMatchObject({ event: 'end', exitCode: 1 });
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['download-failover', 'support-bundle']),
    );
    // Old logs beyond the newest KEEP_LOGS are deleted when the next command starts.
    for (let i = 0; i < 25; i++) {
      await writeFile(
        path.join(dir, 'logs', `2000-01-01T00-00-${String(i).padStart(2, '0')}-000Z-old-1.jsonl`),
        '{}\n',
      );
    }
    expect((await run(['status', '--dir', dir, '--offline'])).code).toBe(1);
    const kept = (await listFiles(path.join(dir, 'logs'))).filter((f) => f.endsWith('.jsonl'));
    expect(kept).toHaveLength(KEEP_LOGS);
    expect(kept.filter((f) => f.startsWith('2000-'))).toHaveLength(KEEP_LOGS - 2);
  });

  it('a failed repair lists its failures with what was tried, never under "recovered"', async () => {
    const result = await run(['repair', '--dir', dir, '--yes', '--json', '--max-retries', '0']);
    expect(result.code).toBe(1);
    const body = json<{
      failed: { model: string; path: string; tried: string[] }[];
      recovered: { what: string; file?: string }[];
    }>(result);
    expect(body.failed.length).toBeGreaterThan(0);
    const failedFiles = body.failed.map((f) => `${f.model}/${f.path}`);
    expect(body.recovered.filter((r) => failedFiles.some((f) => r.what.includes(f)))).toEqual([]);
    expect(body.failed.some((f) => f.tried.some((t) => /switched to mirror/.test(t)))).toBe(true);
    for (const line of result.stderr.split('\n').filter((l) => l.startsWith('recovered:'))) {
      for (const file of failedFiles) expect(line).not.toContain(file);
    }
    expect(result.stderr).toMatch(/FAILED .*\n\s+tried: /);
    expect(result.stderr).toMatch(/Support bundle: /);
  }, 60_000);

  it('report --bundle packs logs and reports into one .tar.gz with no secret inside (extracted and scanned)', async () => {
    await writeFile(
      path.join(dir, 'logs', '2000-01-01T00-00-99-000Z-legacy-1.jsonl'),
      `${JSON.stringify({ event: 'legacy', header: `Authorization: Bearer ${PLANTED}` })}\n`,
    );
    const result = await run(['report', '--bundle', '--dir', dir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { archive, entries } = json<{ archive: string; entries: string[] }>(result);
    expect(archive).toMatch(/wan22-support-.*\.tar\.gz$/);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^wan22-support\/logs\/.+\.jsonl$/),
        expect.stringMatching(/^wan22-support\/reports\/support\/support-.+\.md$/),
        'wan22-support/reports/health.json',
        'wan22-support/state/journal.json',
      ]),
    );
    const out = path.join(work, 'extracted');
    await mkdir(out);
    const tar = spawnSync('tar', ['-xzf', archive, '-C', out], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    const extracted = await listFiles(out);
    expect(extracted.length).toBe(entries.length);
    expect(await filesContaining(out, SECRET)).toEqual([]);
    expect(await filesContaining(out, PLANTED)).toEqual([]);
    const legacy = extracted.find((f) => f.includes('legacy')) as string;
    expect(await readFile(path.join(out, legacy), 'utf8')).toContain('[REDACTED]');
  });

  it('--dir pointing at a file is a usage error (exit 2) with a clear message, not a raw ENOTDIR', async () => {
    const file = path.join(work, 'a-file');
    await writeFile(file, 'not a folder');
    for (const target of [file, path.join(file, 'below')]) {
      const result = await run(['status', '--manifest', badManifest, '--dir', target]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is a file, not a folder/);
      expect(result.stderr).not.toMatch(/ENOTDIR|\n\s+at /);
    }
  });

  it('the token appears in no output and no file of the install folder, bundles and logs included', async () => {
    expect(outputs.filter((text) => text.includes(SECRET))).toEqual([]);
    expect(await filesContaining(dir, SECRET)).toEqual([]);
  });
});
