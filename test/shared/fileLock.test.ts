import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
