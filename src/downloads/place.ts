import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { redactUrl } from '../shared/redaction/redact.js';
import { isDiskFull } from './diskSpace.js';
import { placeFile } from './finalize.js';
import type { DownloadResult } from './options.js';
import { partialDirFor } from './partialPath.js';
import type { TransferContext } from './transfer.js';

/**
 * Checks size and sha256 of everything kept and received; on success fsyncs and renames into
 * place. Returns undefined when the transfer must go on (a resumed prefix turned out bad, or a
 * body ended short without an error).
 */
export async function verifyAndPlace(
  ctx: TransferContext,
  mirror: URL,
  outcome: 'done' | 'complete',
  started: number,
): Promise<DownloadResult | undefined> {
  const { partial, req, state } = ctx;
  const { sink, hasher } = partial;
  try {
    await sink.flush();
  } catch (error) {
    if (isDiskFull(error)) throw await partial.diskFull(error, ctx.dest);
    throw error;
  }
  const bytes = sink.received;
  const prefixHashed = await partial.prefixHash;
  if (prefixHashed !== partial.prefixLength) {
    await partial.truncate('resumed-checksum-mismatch');
    return undefined;
  }
  const total = req.size ?? state.total;
  if (total !== undefined && bytes !== total) {
    if (outcome === 'complete' || bytes > total) {
      await partial.truncate('oversized-partial');
      return undefined;
    }
    // A body that ended short without an error: continue from here.
    return undefined;
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
      return undefined;
    }
    throw new ChecksumMismatchError(req.sha256, sha256, { url: redactUrl(mirror.href), path: ctx.dest });
  }
  await partial.syncAndClose();
  const workDir = partialDirFor(ctx.dest, { root: req.root });
  await placeFile(partial.path, ctx.dest, workDir, req.root);
  const url = state.currentUrl;
  ctx.progress.update(url, bytes, bytes, state.transferred, true);
  const result: DownloadResult = {
    path: ctx.dest,
    bytes,
    bytesTransferred: state.transferred,
    sha256,
    url,
    attempts: state.attempts,
    resumed: partial.resumed || partial.prefixLength > 0,
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
