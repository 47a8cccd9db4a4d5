import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors/CancelledError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { LockHeldError } from '../../src/errors/LockHeldError.js';
import { acquireFileLock, withFileLock } from '../../src/shared/fileLock.js';

const CHILD = path.resolve(__dirname, '../support/lock-child.ts');
let dir: string;
let target: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'file-lock-'));
  target = path.join(dir, 'journal.json');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startChild(args: object): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return child;
}

function printed(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${line}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('acquireFileLock', () => {
  it('admits one holder at a time in one process', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(target, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('keeps read-modify-write exact across six processes', async () => {
    const counter = path.join(dir, 'counter');
    const runs = Array.from({ length: 6 }, () =>
      exited(startChild({ mode: 'count', target, counter, rounds: 15 })),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('90');
  }, 60_000);

  it('gives up with LockHeldError after waitMs while another process holds it', async () => {
    const holder = startChild({ mode: 'hold', target });
    await printed(holder, 'held');
    const error = await acquireFileLock(target, { waitMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toMatchObject({ code: 'ERR_LOCK_HELD', retryable: true, target });
    expect((error as LockHeldError).waitedMs).toBeGreaterThanOrEqual(300);
  }, 20_000);

  it('takes over the lock of a killed holder once it is stale', async () => {
    const holder = startChild({ mode: 'hold', target });
    await printed(holder, 'held');
    holder.kill('SIGKILL');
    await exited(holder);
    const lock = await acquireFileLock(target, { waitMs: 10_000, staleMs: 2_000 });
    expect(lock.compromised).toBe(false);
    await lock.release();
    await lock.release();
  }, 20_000);

  /** A lock folder (or takeover guard) last refreshed a minute ago, as a killed process leaves it. */
  function leftBehind(folder: string): void {
    mkdirSync(folder);
    const old = new Date(Date.now() - 60_000);
    utimesSync(folder, old, old);
  }

  it('a stale lock found by six processes at the same moment is taken over by one at a time', async () => {
    // proper-lockfile's own takeover (stat, stale, rmdir, mkdir) let two of them win in about one
    // round in four: the second rmdir removed the first one's fresh lock.
    for (let round = 0; round < 4; round++) {
      const roundTarget = path.join(dir, `round-${round}.json`);
      leftBehind(`${roundTarget}.lock`);
      const at = Date.now() + 2_500;
      const outputs = await Promise.all(
        Array.from({ length: 6 }, () => {
          const child = startChild({ mode: 'race', target: roundTarget, at, holdMs: 300 });
          let text = '';
          child.stdout?.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          return exited(child).then(() => text.trim());
        }),
      );
      const holds = outputs
        .filter((o) => o.startsWith('held'))
        .map((o) => o.split(' ').slice(1).map(Number) as [number, number])
        .sort((a, b) => a[0] - b[0]);
      expect(holds.length, outputs.join(' | ')).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < holds.length; i++) {
        expect((holds[i] as [number, number])[0], `round ${round}: two holders`).toBeGreaterThanOrEqual(
          (holds[i - 1] as [number, number])[1],
        );
      }
    }
  }, 120_000);

  it('leaves a stale lock alone while another process is taking it over (fresh guard)', async () => {
    leftBehind(`${target}.lock`);
    mkdirSync(`${target}.lock.takeover`);
    const error = await acquireFileLock(target, { waitMs: 300, staleMs: 2_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LockHeldError);
  });

  it('clears a takeover guard left by a killed process once it is stale, then takes the lock', async () => {
    leftBehind(`${target}.lock`);
    leftBehind(`${target}.lock.takeover`);
    const lock = await acquireFileLock(target, { waitMs: 2_000, staleMs: 2_000 });
    expect(lock.compromised).toBe(false);
    await lock.release();
  });

  it('does not keep the process alive while a lock is held and nothing else runs', async () => {
    const holder = startChild({ mode: 'leave', target });
    await printed(holder, 'held');
    const before = Date.now();
    expect(await exited(holder)).toBe(0);
    expect(Date.now() - before).toBeLessThan(1_500);
  }, 20_000);

  it('stops waiting when its signal aborts', async () => {
    const lock = await acquireFileLock(target);
    const controller = new AbortController();
    const waiting = acquireFileLock(target, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    await lock.release();
  });

  it('rejects bad options with ConfigurationError', async () => {
    await expect(acquireFileLock(target, { waitMs: -1 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(acquireFileLock(target, { staleMs: Number.NaN })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
