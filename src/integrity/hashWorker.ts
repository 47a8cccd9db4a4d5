import type { FileIdentity } from './hashPool.js';

/**
 * The source of a hash worker (see HashPool). Runs as a classic script in each worker; only built-in
 * modules, so it works from the ESM and CJS builds, under test runners and bundlers alike.
 */
export const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const crypto = process.getBuiltinModule('node:crypto');
const fs = process.getBuiltinModule('node:fs');
const BLOCK = workerData.blockSize;
const buffers = [Buffer.allocUnsafe(BLOCK), Buffer.allocUnsafe(BLOCK)];
const read = (fd, buf, pos) => new Promise((resolve, reject) =>
  fs.read(fd, buf, 0, buf.length, pos, (err, n) => (err ? reject(err) : resolve(n))));
const ident = (s) => ({ size: Number(s.size), mtimeNs: s.mtimeNs.toString(), ctimeNs: s.ctimeNs.toString(), ino: s.ino.toString() });
const same = (a, b) => a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
async function run(job) {
  const flag = new Int32Array(job.flag);
  let fd;
  try {
    fd = fs.openSync(job.path, 'r');
    const before = ident(fs.fstatSync(fd, { bigint: true }));
    const hash = crypto.createHash('sha256');
    let pos = 0, which = 0, reported = 0;
    let pending = read(fd, buffers[0], 0);
    for (;;) {
      const n = await pending;
      if (n === 0) break;
      const buf = buffers[which];
      pos += n;
      which ^= 1;
      pending = read(fd, buffers[which], pos);
      if (Atomics.load(flag, 0) !== 0) {
        await pending.catch(() => {});
        parentPort.postMessage({ id: job.id, type: 'aborted' });
        return;
      }
      hash.update(n === BLOCK ? buf : buf.subarray(0, n));
      if (pos - reported >= job.progressEvery) {
        reported = pos;
        parentPort.postMessage({ id: job.id, type: 'progress', bytes: pos });
      }
    }
    const after = ident(fs.fstatSync(fd, { bigint: true }));
    parentPort.postMessage({ id: job.id, type: 'done', sha256: hash.digest('hex'), bytes: pos, identity: after,
      stable: same(before, after) && after.size === pos });
  } catch (err) {
    parentPort.postMessage({ id: job.id, type: 'error', error: { message: String(err && err.message), code: err && err.code,
      syscall: err && err.syscall, path: err && err.path, errno: err && err.errno } });
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
  }
}
parentPort.on('message', (job) => { run(job); });
`;

/** What a hash worker posts back for a job. */
export type WorkerMessage =
  | { id: number; type: 'progress'; bytes: number }
  | { id: number; type: 'aborted' }
  | { id: number; type: 'done'; sha256: string; bytes: number; identity: FileIdentity; stable: boolean }
  | {
      id: number;
      type: 'error';
      error: { message: string; code?: string; syscall?: string; path?: string; errno?: number };
    };
