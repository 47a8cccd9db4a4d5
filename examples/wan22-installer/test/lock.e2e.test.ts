/**
 * Issue #16, point 3: the install lock admitted several installers at once (check holder → delete →
 * create, with gaps: in one round 3 of 6 held it). Real `wan22-install` processes, started together
 * against a loopback origin: at most one holds the lock at any moment (hold intervals from their run
 * logs never overlap), the others say who holds it and exit 1, and a lock left by a killed
 * installer is taken over.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../../test/support/download-server.js';
import { type CliRun, start } from './cli.js';

const INSTALLERS = 6;
const MODEL = 'Wan2.2-TI2V-5B';
const FILE = 'config.json';
const BODY = makeContent(4096, 7);
const BUSY = /Another wan22-install \(pid (\d+), since [^)]+\) is working in this folder/;

interface Origin {
  readonly base: string;
  /** Answers the preflight HEAD / requests once this many are waiting (then every later one at once). */
  barrier(count: number): void;
  /** While closed, file downloads get no answer (the installer holding the lock stays in its download). */
  holdDownloads(hold: boolean): void;
  /** File requests seen. */
  downloads(): number;
  close(): Promise<void>;
}

/** A loopback origin serving one small file, with a start barrier and a download gate. */
async function startOrigin(): Promise<Origin> {
  let waitingHeads: ServerResponse[] = [];
  let needed = 0;
  let holding = false;
  const held: ServerResponse[] = [];
  let files = 0;
  const send = (res: ServerResponse) => {
    res.writeHead(200, { 'content-length': BODY.length, 'content-type': 'application/octet-stream' });
    res.end(BODY);
  };
  const server: Server = createServer((req, res) => {
    if (req.url === '/' || req.method === 'HEAD') {
      // The preflight network check: hold every installer here until all have arrived, so that
      // they reach the lock within milliseconds of each other.
      waitingHeads.push(res);
      if (waitingHeads.length >= needed) {
        for (const r of waitingHeads) r.writeHead(200).end();
        waitingHeads = [];
        needed = 0;
      }
      return;
    }
    if (req.url?.endsWith(`/${FILE}`)) {
      files += 1;
      if (holding) held.push(res);
      else send(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    barrier(count) {
      needed = count;
    },
    holdDownloads(hold) {
      holding = hold;
      if (!hold) for (const r of held.splice(0)) send(r);
    },
    downloads: () => files,
    async close() {
      for (const r of [...waitingHeads, ...held]) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let work: string | undefined;
let origin: Origin | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await origin?.close();
  if (work) await rm(work, { recursive: true, force: true });
  origin = undefined;
  work = undefined;
});

async function setUp(): Promise<{ manifest: string; dir: string }> {
  work = await mkdtemp(path.join(tmpdir(), 'wan22-lock-'));
  origin = await startOrigin();
  const manifest = path.join(work, 'manifest.json');
  await writeFile(
    manifest,
    JSON.stringify({
      schemaVersion: 1,
      models: [
        {
          id: MODEL,
          revision: 'main',
          mirrors: [`${origin.base}/hub/Wan-AI/${MODEL}/resolve/{revision}/`],
          files: [{ path: FILE, size: BODY.length, sha256: createHash('sha256').update(BODY).digest('hex') }],
        },
      ],
    }),
  );
  return { manifest, dir: path.join(work, 'models') };
}

function install(manifest: string, dir: string, env: Record<string, string> = {}) {
  const run = start(['install', '--manifest', manifest, '--dir', dir, '--yes', '--json'], {
    HF_ENDPOINT: (origin as Origin).base,
    ...env,
  });
  children.push(run.child);
  return run;
}

interface Hold {
  pid: number;
  acquiredAt: number;
  releasingAt: number;
}

/**
 * Every hold of the install lock, from the run logs: `lock-acquired` is written just after the
 * lock was taken and `lock-releasing` just before it is given back, so each recorded interval lies
 * inside the real one — recorded intervals that overlap prove real ones did.
 */
async function holds(dir: string): Promise<Hold[]> {
  const logs = path.join(dir, 'logs');
  const found: Hold[] = [];
  for (const name of await readdir(logs).catch(() => [] as string[])) {
    const lines = (await readFile(path.join(logs, name), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; at?: number; pid?: number });
    const acquired = lines.filter((l) => l.event === 'lock-acquired');
    const releasing = lines.filter((l) => l.event === 'lock-releasing');
    acquired.forEach((a, i) => {
      // A killed installer never gets to give the lock back.
      const releasingAt = releasing[i]?.at ?? Number.POSITIVE_INFINITY;
      found.push({ pid: a.pid as number, acquiredAt: a.at as number, releasingAt });
    });
  }
  return found.sort((a, b) => a.acquiredAt - b.acquiredAt);
}

describe('the install lock of wan22-install', () => {
  it(`admits one of ${INSTALLERS} installers started together; the others name the holder and exit 1`, async () => {
    const { manifest, dir } = await setUp();
    // Three rounds in one folder: the first installs, the later ones find it installed and verify,
    // still under the lock.
    for (let round = 0; round < 3; round++) {
      (origin as Origin).barrier(INSTALLERS);
      const runs = Array.from({ length: INSTALLERS }, () => install(manifest, dir));
      const pids = runs.map((r) => r.child.pid);
      const results: CliRun[] = await Promise.all(runs.map((r) => r.done));
      const all = await holds(dir);
      for (let i = 1; i < all.length; i++) {
        const before = all[i - 1] as Hold;
        const hold = all[i] as Hold;
        expect(
          hold.acquiredAt,
          `round ${round}: pid ${hold.pid} took the lock while pid ${before.pid} held it`,
        ).toBeGreaterThanOrEqual(before.releasingAt);
      }
      const thisRound = all.filter((h) => pids.includes(h.pid));
      expect(thisRound.length).toBeGreaterThanOrEqual(1);
      for (const h of thisRound) expect(h.releasingAt).toBeLessThan(Number.POSITIVE_INFINITY);
      for (const [i, result] of results.entries()) {
        const held = thisRound.some((h) => h.pid === pids[i]);
        if (held) {
          expect(result.code, result.stderr).toBe(0);
          continue;
        }
        expect(result.code, result.stderr).toBe(1);
        const named = BUSY.exec(result.stderr);
        expect(named, result.stderr).not.toBeNull();
        // The pid named is an installer of this round that held the lock.
        expect(thisRound.map((h) => h.pid)).toContain(Number(named?.[1]));
      }
    }
    expect((await readFile(path.join(dir, MODEL, FILE))).equals(BODY)).toBe(true);
  }, 240_000);

  it('a lock left by a killed installer is taken over; a live holder is never', async () => {
    const { manifest, dir } = await setUp();
    const env = { WAN22_LOCK_STALE_MS: '2000' };
    (origin as Origin).holdDownloads(true);
    const first = install(manifest, dir, env);
    // The first installer holds the lock while its download gets no answer.
    const deadline = Date.now() + 60_000;
    while ((origin as Origin).downloads() === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((origin as Origin).downloads()).toBeGreaterThan(0);

    // A second one while the first is alive: refused at once, naming the first.
    const second = await install(manifest, dir, env).done;
    expect(second.code, second.stderr).toBe(1);
    expect(BUSY.exec(second.stderr)?.[1]).toBe(String(first.child.pid));

    first.child.kill('SIGKILL');
    await first.done;
    (origin as Origin).holdDownloads(false);
    // Killed, the first leaves its lock folder and its holder file behind; the next installer waits
    // for the lock to go stale (2 s here) and takes it over.
    const thirdRun = install(manifest, dir, env);
    const third = await thirdRun.done;
    expect(third.code, third.stderr).toBe(0);
    expect((await readFile(path.join(dir, MODEL, FILE))).equals(BODY)).toBe(true);
    // The killed installer never logged giving the lock back; the third one held it after that.
    const all = await holds(dir);
    expect(all.map((h) => h.pid)).toEqual([first.child.pid, thirdRun.child.pid]);
    expect(all[0]?.releasingAt).toBe(Number.POSITIVE_INFINITY);
    expect(all[1]?.releasingAt).toBeLessThan(Number.POSITIVE_INFINITY);
  }, 240_000);

  it('a symlink planted as the holder record is neither believed nor written through', async () => {
    const { manifest, dir } = await setUp();
    const state = path.join(dir, '.wan22');
    await mkdir(state, { recursive: true });
    // Outside the install folder: a record naming a live process (this test runner).
    const outside = path.join(work as string, 'outside.json');
    const record = JSON.stringify({ pid: process.pid, startedAt: 'planted' });
    await writeFile(outside, record);
    await symlink(outside, path.join(state, 'install.lock'));
    // A lock folder kept fresh until the installer says it waits for it, then left to go stale.
    const lockDir = path.join(state, 'install.lock.lock');
    await mkdir(lockDir);
    const refresh = setInterval(() => void utimes(lockDir, new Date(), new Date()).catch(() => {}), 100);
    const run = install(manifest, dir, { WAN22_LOCK_STALE_MS: '3000' });
    run.child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Waiting for the install lock')) clearInterval(refresh);
    });
    const result = await run.done;
    clearInterval(refresh);
    // Believing the record would have refused at once, naming the planted pid.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Waiting for the install lock');
    expect(result.stderr).not.toContain('planted');
    expect(await readFile(outside, 'utf8')).toBe(record);
    // Released: the record (a regular file while held) is gone, the symlink with it.
    await expect(lstat(path.join(state, 'install.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);
});
