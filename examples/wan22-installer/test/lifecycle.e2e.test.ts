import { statfsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFiles, demoManifest } from '../demo/files.js';
import { type DemoMirror, startDemoMirror } from '../demo/mirror.js';
import { afterStderr, cli, json, listFiles, start } from './cli.js';
import { HAS_SCRIPT, tty } from './tty.js';

// Time budgets (a hung pip), the A14B → TI2V-5B alternative, and the lifecycle commands: remove,
// cancel, models cleanup advice, status --offline, --version, progress lines, the 80 % disk warning.
const TI2V = 'Wan2.2-TI2V-5B';
const T2V = 'Wan2.2-T2V-A14B';

let work: string;
let mirror: DemoMirror;
let manifest: string;
let dir: string;
let fakePython: string;
let pidFile: string;

/**
 * A python3 stand-in: `-m pip --version` and `-m venv` work (the venv gets a python that runs);
 * `pip install` hangs (sleeps 5 min, recording its pid) unless called with --no-cache-dir.
 */
const FAKE_PYTHON = `#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "--version" ]; then echo "pip 24.0 (fake)"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  for last; do :; done
  mkdir -p "$last/bin" && echo "home = /fake" > "$last/pyvenv.cfg"
  printf '#!/bin/sh\\nexit 0\\n' > "$last/bin/python" && chmod +x "$last/bin/python"
  exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  case " $* " in *" --no-cache-dir "*) echo "Successfully installed fakepkg-1.0"; exit 0;; esac
  echo $$ >> "$WAN22_FAKE_PIP_PIDS"
  exec sleep 300
fi
exit 1
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-life-'));
  mirror = await startDemoMirror({ faults: false });
  manifest = path.join(work, 'manifest.json');
  await writeFile(manifest, JSON.stringify(demoManifest(mirror.url)));
  dir = path.join(work, 'models');
  fakePython = path.join(work, 'fake-python3');
  await writeFile(fakePython, FAKE_PYTHON);
  await chmod(fakePython, 0o755);
  pidFile = path.join(work, 'pip.pids');
});

afterAll(async () => {
  await mirror?.close();
  await rm(work, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('wan22-install: time budgets', () => {
  it('a hung pip is killed at its dependency_install budget, the next alternative runs, the summary says so', async () => {
    const args = ['install', '--manifest', manifest, '--dir', dir, '--yes', '--models', TI2V];
    const pip = ['--python', fakePython, '--python-packages', 'fakepkg', '--timeout-scale', '0.01'];
    const started = Date.now();
    const result = await cli([...args, ...pip, '--json'], { WAN22_FAKE_PIP_PIDS: pidFile });
    expect(result.code, result.stderr).toBe(0);
    // 10 min × 0.01 = 6 s for the hung alternative, then --no-cache-dir succeeds.
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(result.stderr).toContain(
      'pip alternative "pip": failed (timed out after 6 s (dependency_install budget × 0.01); killed)',
    );
    expect(result.stderr).toContain('pip alternative "pip --no-cache-dir": success');
    const summary = json<{
      ok: boolean;
      timeoutScale: number;
      steps: { name: string; detail?: string }[];
      recovered: { what: string; how: string }[];
    }>(result);
    expect(summary.timeoutScale).toBe(0.01);
    expect(summary.steps.find((s) => s.name === 'python')?.detail).toMatch(
      /installed fakepkg with pip --no-cache-dir/,
    );
    expect(summary.recovered).toContainEqual({
      what: 'pip install via "pip" hung past its 6 s budget',
      how: 'killed it and tried the next alternative',
    });
    // The hung pip (and its whole process group) is gone.
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(pids.filter(alive)).toEqual([]);
    // The failed attempt counts for the fleet's timeout rate.
    const health = JSON.parse(await readFile(path.join(dir, 'reports', 'health.json'), 'utf8')) as {
      totals: { attemptErrors: Record<string, number> };
    };
    expect(health.totals.attemptErrors.timeout).toBe(1);
  }, 60_000);

  it('--timeout-scale and --disk-warn-at reject nonsense with exit 2', async () => {
    for (const flag of [
      ['--timeout-scale', 'fast'],
      ['--timeout-scale', '0'],
      ['--disk-warn-at', '120'],
    ]) {
      const result = await cli(['doctor', '--dir', dir, ...flag]);
      expect(result.code, flag.join(' ')).toBe(2);
      expect(result.stderr).toContain(flag[0] as string);
    }
  });
});

describe('wan22-install: alternatives and lifecycle', () => {
  it('offers TI2V-5B when the GPU cannot run an A14B model (doctor and install --json)', async () => {
    const result = await cli(['doctor', '--manifest', manifest, '--dir', dir, '--models', T2V, '--json']);
    const doctor = json<{ alternatives: { model: string; alternative: string; reason: string }[] }>(result);
    // This machine has no 80 GB GPU (CI runners have none); with one there is nothing to offer.
    if (doctor.alternatives.length === 0) return;
    expect(doctor.alternatives).toEqual([
      { model: T2V, alternative: TI2V, reason: expect.stringMatching(/needs a GPU with 80\.0 GB/) },
    ]);
    expect(result.stderr).toContain(`Install it instead: --models ${TI2V}`);
    // generate: the A14B model is not here, the ready alternative is offered.
    const gen = json<{ mode: string; alternatives: string[] }>(
      await cli(['generate', '--manifest', manifest, '--dir', dir, '--models', T2V, '--json']),
    );
    expect(gen).toMatchObject({ mode: 'mock', alternatives: [TI2V] });
  });

  it.skipIf(!HAS_SCRIPT)(
    'on a terminal, install offers TI2V-5B for an A14B model the GPU cannot run, and installs it instead',
    async () => {
      const target = path.join(work, 'switched');
      const doctor = json<{ alternatives: unknown[] }>(
        await cli(['doctor', '--manifest', manifest, '--dir', target, '--models', T2V, '--json']),
      );
      if (doctor.alternatives.length === 0) return; // an 80 GB GPU: nothing to offer
      const run = await tty(
        ['install', '--manifest', manifest, '--dir', target, '--models', T2V],
        [
          { when: `Install ${TI2V} instead of ${T2V}?`, send: 'y\r' },
          { when: 'models into', send: '\r' },
        ],
      );
      expect(run.code, run.screen.slice(-2000)).toBe(0);
      expect(run.screen).toContain(`installed instead (GPU): ${T2V} → ${TI2V}`);
      expect(await listFiles(path.join(target, TI2V))).toHaveLength(7);
      await expect(stat(path.join(target, T2V))).rejects.toThrow();
    },
    60_000,
  );

  it('models advises removing models unused for --unused-days; remove frees the space and updates usage', async () => {
    expect((await cli(['generate', '--dir', dir, '--models', TI2V, '--json'])).code).toBe(0);
    const usageFile = path.join(dir, '.wan-reliability', 'usage.json');
    expect(JSON.parse(await readFile(usageFile, 'utf8')).models[TI2V].uses).toBe(1);
    const fresh = json<{ cleanup: string[] }>(await cli(['models', '--dir', dir, '--json']));
    expect(fresh.cleanup).toEqual([]);
    // Last used 40 days ago.
    const usage = JSON.parse(await readFile(usageFile, 'utf8'));
    usage.models[TI2V].lastUsed = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await writeFile(usageFile, JSON.stringify(usage));
    const old = json<{ cleanup: string[] }>(await cli(['models', '--dir', dir, '--json']));
    expect(old.cleanup).toEqual([
      expect.stringMatching(new RegExp(`${TI2V} was not used for 40 days: \`wan22-install remove ${TI2V}\``)),
    ]);
    const later = json<{ cleanup: string[] }>(
      await cli(['models', '--dir', dir, '--unused-days', '60', '--json']),
    );
    expect(later.cleanup).toEqual([]);

    const size = demoFiles(1)
      .filter((f) => f.model === TI2V)
      .reduce((sum, f) => sum + f.data.length, 0);
    const removed = await cli(['remove', TI2V, '--dir', dir, '--yes', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json<{ removed: string; freedBytes: number }>(removed)).toMatchObject({
      removed: TI2V,
      freedBytes: size,
    });
    await expect(stat(path.join(dir, TI2V))).rejects.toThrow();
    expect(JSON.parse(await readFile(usageFile, 'utf8')).models[TI2V]).toBeUndefined();
    const status = await cli(['status', '--dir', dir, '--models', TI2V, '--offline', '--json']);
    expect(status.code).toBe(1);
    expect(json<{ models: { state: string }[] }>(status).models[0]?.state).toBe('incomplete');
    expect((await cli(['remove', 'Nope-1B', '--dir', dir, '--yes'])).code).toBe(2);
  }, 60_000);

  it('status --offline never asks the Hub; --version prints the installer version', async () => {
    // A Hub that accepts connections and never answers: an offline status must not even connect.
    let connections = 0;
    const silent = createServer(() => {
      connections++;
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hub = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const offline = await cli(['status', '--dir', dir, '--offline', '--json'], { HF_ENDPOINT: hub });
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(connections).toBe(0);
    expect(json<{ offline: boolean; updates: unknown[] }>(offline)).toMatchObject({
      offline: true,
      updates: [],
    });
    expect(offline.stderr).not.toMatch(/update check failed/);
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('progress lines carry rate and ETA without a terminal; the disk warning fires at --disk-warn-at; cancel drops the interrupted install', async () => {
    const target = path.join(work, 'interrupted');
    const args = ['install', '--manifest', manifest, '--dir', target, '--yes', '--models', TI2V];
    const fs = statfsSync(work);
    const used = 1 - Number(fs.bavail) / Number(fs.blocks);
    const first = start([...args, '--bandwidth', '300k', '--disk-warn-at', '1']);
    await afterStderr(first.child, /progress \d+% \([^)]+\) at [\d.]+ [kMG]?B\/s, ETA \d/, 200);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/progress \d+% \(.+\) at .+\/s, ETA (\d+ s|\d+ min)/);
    if (used > 0.02) expect(interrupted.stderr).toMatch(/\[(warn|critical)\] disk .* free space < 99 %/);

    const partials = (await listFiles(path.join(target, '.wan-reliability', 'partial'))).filter((f) =>
      f.endsWith('.part'),
    );
    expect(partials.length).toBeGreaterThan(0);
    const cancelled = await cli(['cancel', '--dir', target, '--yes', '--json']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const body = json<{ cancelled: { operation: string } | null; droppedBytes: number }>(cancelled);
    expect(body.cancelled?.operation).toBe('install');
    expect(body.droppedBytes).toBeGreaterThan(0);
    expect(await listFiles(path.join(target, '.wan-reliability', 'partial'))).toEqual([]);
    await expect(stat(path.join(target, '.wan22', 'journal.json'))).rejects.toThrow();
    expect(
      json<{ droppedBytes: number }>(await cli(['cancel', '--dir', target, '--json'])).droppedBytes,
    ).toBe(0);
    // The next install starts fresh instead of resuming.
    const again = await cli([...args, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ resumed: boolean }>(again).resumed).toBe(false);
    // A model folder's mtime in the past: models --unused-days counts never-used models from it.
    const past = new Date(Date.now() - 45 * 86_400_000);
    await utimes(path.join(target, TI2V), past, past);
    const advice = json<{ cleanup: string[] }>(await cli(['models', '--dir', target, '--json']));
    expect(advice.cleanup[0]).toMatch(new RegExp(`${TI2V} was never used for 45 days`));
  }, 90_000);
});
