import { mkdir, stat } from 'node:fs/promises';
import { abortError, sleep } from '../shared/abort.js';
import { assertWithinRoot } from '../shared/confine.js';
import { redactUrl } from '../shared/redaction/redact.js';
import { adopt, type Claim, type ClaimInfo, discard, findOrphans, tryClaim } from './claim.js';
import type { HasherPool } from './hashWorker.js';
import type { DownloadResult, ResolvedRequest } from './options.js';
import type { ProgressTracker } from './progress.js';

/** How often a waiting writer looks at the claim again. */
const CLAIM_POLL_MS = 250;

/** What {@link acquireClaim} needs. */
export interface ClaimRequest {
  readonly dir: string;
  readonly writerId: string;
  readonly lockStaleAfter: number;
  readonly signal: AbortSignal | undefined;
  /** Names the operation in a cancellation error. */
  readonly operation: string;
  /** Called once, when another live writer holds the claim and we start waiting. */
  readonly onWaiting: (holder: ClaimInfo) => void;
  /** The folder `dir` must really lie in (links resolved) before it is created; undefined = no check. */
  readonly within?: string | undefined;
}

/** Claims the work folder, polling while another writer holds it; `waited` says whether we had to. */
export async function acquireClaim(request: ClaimRequest): Promise<{ claim: Claim; waited: boolean }> {
  const { dir, writerId, signal, operation } = request;
  let waited = false;
  for (;;) {
    if (signal?.aborted) throw abortError(signal, operation);
    // Never create work folders through a symbolic link that leads out of the root.
    if (request.within !== undefined) await assertWithinRoot(request.within, dir);
    await mkdir(dir, { recursive: true });
    let attempt: Awaited<ReturnType<typeof tryClaim>>;
    try {
      attempt = await tryClaim(dir, writerId, request.lockStaleAfter);
    } catch (error) {
      // The folder was removed by a writer that just finished: create it again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (attempt.acquired) return { claim: attempt.claim, waited };
    if (!waited && attempt.holder) request.onWaiting(attempt.holder);
    waited = true;
    await sleep(CLAIM_POLL_MS + Math.floor(Math.random() * 50), signal, operation);
  }
}

/** After waiting for another writer: the file it placed at `dest`, if it is what we want. */
export async function existingResult(
  dest: string,
  req: ResolvedRequest,
  hashers: HasherPool,
  progress: ProgressTracker,
): Promise<DownloadResult | undefined> {
  const info = await stat(dest).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  if (req.size !== undefined && info.size !== req.size) return undefined;
  const hasher = hashers.acquire(info.size);
  try {
    const hashed = await hasher.hashFile(dest, info.size);
    const sha256 = await hasher.digest();
    if (hashed !== info.size || (req.sha256 !== undefined && sha256 !== req.sha256)) return undefined;
    const url = redactUrl((req.urls[0] as URL).href);
    progress.update(url, info.size, info.size, 0, true);
    return { path: dest, bytes: info.size, bytesTransferred: 0, sha256, url, attempts: 0, resumed: false };
  } finally {
    hasher.release();
  }
}

/** Adopts the first orphaned partial in `dir` (a crashed writer's) and discards the others. */
export async function adoptOrphans(dir: string, writerId: string, lockStaleAfter: number): Promise<boolean> {
  const orphans = await findOrphans(dir, writerId, lockStaleAfter);
  let adopted = false;
  for (const orphan of orphans) {
    if (!adopted && (await adopt(dir, orphan, writerId))) adopted = true;
    else await discard(dir, orphan, writerId);
  }
  return adopted;
}
