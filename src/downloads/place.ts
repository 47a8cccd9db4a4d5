import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { redactUrl } from '../shared/redaction/redact.js';
import { isDiskFull } from './diskSpace.js';
import { Failover } from './failover.js';
import { placeFile } from './finalize.js';
import type { DownloadResult } from './options.js';
import { partialDirFor } from './partialPath.js';
import type { TransferContext } from './transfer.js';

/**
 * Checks size and sha256 of everything kept and received; on success fsyncs and renames into
 * place. Otherwise says how the transfer goes on: `'refetch'` when kept bytes were thrown away (a
 * resumed prefix turned out bad, or more bytes than the file holds), `'short'` when a body ended
 * short without an error (the caller continues from the bytes kept).
 */
export async function verifyAndPlace(
  ctx: TransferContext,
  mirror: URL,
  outcome: 'done' | 'complete',
  started: number,
): Promise<DownloadResult | 'short' | 'refetch'> {
  const { partial, req, state } = ctx;
  const { hasher } = partial;
  try {
    await partial.flush();
  } catch (error) {
    if (isDiskFull(error)) throw await partial.diskFull(error, ctx.dest);
    throw error;
  }
  const bytes = partial.offset;
  const prefixHashed = await partial.prefixHash;
  if (prefixHashed !== partial.prefixLength || partial.keptBytesMissing) {
    await partial.truncate('resumed-checksum-mismatch');
    return 'refetch';
  }
  const total = req.size ?? state.total;
  if (total !== undefined && bytes !== total) {
    if (outcome === 'complete' || bytes > total) {
      await partial.truncate('oversized-partial');
      return 'refetch';
    }
    // A body that ended short without an error: continue from here.
    return 'short';
  }
  const sha256 = await hasher.digest();
  if (req.sha256 !== undefined && sha256 !== req.sha256) {
    if (await partial.restartAfterBadDigest()) {
      // The bad byte may be in what an earlier run kept: fetch everything once more from here.
      ctx.deps.emit('download:restart', {
        dest: ctx.dest,
        url: state.currentUrl,
        reason: 'resumed-checksum-mismatch',
        discardedBytes: bytes,
      });
      return 'refetch';
    }
    throw new ChecksumMismatchError(req.sha256, sha256, { url: redactUrl(mirror.href), path: ctx.dest });
  }
  await partial.syncAndClose();
  const workDir = partialDirFor(ctx.dest, { root: req.root });
  try {
    await placeFile(partial.path, ctx.dest, workDir, req.root);
  } catch (error) {
    // The verified file is closed: no retry or other mirror can help; the mirror loop rethrows it.
    throw new Failover(error);
  }
  const url = state.currentUrl;
  ctx.progress.update(url, bytes, bytes, state.transferred, true);
  const result: DownloadResult = {
    path: ctx.dest,
    bytes,
    bytesTransferred: state.transferred,
    sha256,
    url,
    attempts: state.attempts,
    resumed: partial.resumed || partial.keptBytesUsed,
  };
  ctx.deps.emit('download:complete', {
    dest: ctx.dest,
    url,
    bytes,
    bytesTransferred: state.transferred,
    sha256,
    attempts: state.attempts,
    resumed: result.resumed,
    durationMs: performance.now() - started,
  });
  return result;
}
