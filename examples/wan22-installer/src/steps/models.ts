import type { ErrorCategory } from '@wan/reliability';
import type { FailedFile, Manifest, ManifestModel, RepairedFile } from '@wan/reliability/integrity';
import { ProgressView } from '../progress.js';
import type { Session } from '../session.js';

/** Something that went wrong and was handled without the user. */
export interface Recovered {
  readonly what: string;
  readonly how: string;
}

/** The models step's outcome. */
export interface ModelsOutcome {
  readonly ok: boolean;
  readonly fixed: readonly RepairedFile[];
  readonly failed: readonly FailedFile[];
  readonly bytesTransferred: number;
}

/**
 * Listens to the Downloader's events and turns retries, resumes, restarts and mirror fail-overs into
 * "recovered" entries for the summary. Returns a function that stops listening.
 */
export function collectRecoveries(session: Session, into: Recovered[]): () => void {
  const downloader = session.downloader();
  // Mirror URLs repeat the file path; the mirror's first path segment is enough to tell them apart.
  const short = (text: string) =>
    text.replace(/https?:\/\/[^\s/]+(\/[^\s/]+)?[^\s]*/g, (url, first: string | undefined) => {
      const origin = /^https?:\/\/[^\s/]+/.exec(url)?.[0] ?? url;
      return `${origin}${first ?? ''}/…`;
    });
  const rel = (dest: string) => dest.slice(session.layout.root.length + 1);
  const seen = new Set<string>();
  const add = (what: string, how: string) => {
    const key = `${what}|${how}`;
    if (!seen.has(key)) {
      seen.add(key);
      into.push({ what, how });
    }
  };
  const onRetry = (info: {
    dest: string;
    category: string;
    message: string;
    delayMs: number;
    serverDirected: boolean;
  }) =>
    add(
      `${rel(info.dest)}: ${info.category} (${short(info.message)})`,
      info.serverDirected
        ? `waited ${info.delayMs} ms as the server asked, then retried`
        : 'retried with backoff',
    );
  const onResume = (info: { dest: string; offset: number }) =>
    add(`${rel(info.dest)}: interrupted transfer`, `resumed from byte ${info.offset} with a Range request`);
  const onRestart = (info: { dest: string; reason: string }) =>
    add(`${rel(info.dest)}: kept bytes unusable (${info.reason})`, 'restarted the file from byte 0');
  const onFailover = (info: {
    dest: string;
    from: string;
    to: string | undefined;
    category: string;
    demoted: boolean;
  }) =>
    add(
      `${rel(info.dest)}: mirror ${short(info.from)} failed (${info.category}${info.demoted ? ', corrupt bytes' : ''})`,
      info.to ? `switched to mirror ${short(info.to)}` : 'no mirror left',
    );
  // Every finished download goes to the health report; one that needed retries, a resume or another
  // mirror counts as recovered.
  const onComplete = (info: {
    durationMs: number;
    attempts: number;
    resumed: boolean;
    bytesTransferred: number;
  }) => {
    if (info.bytesTransferred === 0 && !info.resumed) return;
    const recovered = info.attempts > 1 || info.resumed;
    session.health.record({
      component: 'downloads',
      operation: 'download',
      success: true,
      durationMs: info.durationMs,
      recovered,
    });
  };
  const onError = (info: { category: ErrorCategory; cancelled: boolean }) => {
    if (info.cancelled) return;
    session.health.record({
      component: 'downloads',
      operation: 'download',
      success: false,
      durationMs: 0,
      category: info.category,
    });
  };
  downloader.on('download:complete', onComplete);
  downloader.on('download:error', onError);
  downloader.on('download:retry', onRetry);
  downloader.on('download:resume', onResume);
  downloader.on('download:restart', onRestart);
  downloader.on('download:mirror-failover', onFailover);
  return () => {
    downloader.off('download:complete', onComplete);
    downloader.off('download:error', onError);
    downloader.off('download:retry', onRetry);
    downloader.off('download:resume', onResume);
    downloader.off('download:restart', onRestart);
    downloader.off('download:mirror-failover', onFailover);
  };
}

/**
 * Brings the selected models to a verified state: for each model (required first) verify, then
 * download only what is missing, partial or corrupt (resuming partials), with progress bars.
 */
export async function runModels(
  session: Session,
  manifest: Manifest,
  models: readonly ManifestModel[],
  signal: AbortSignal,
  root = session.layout.root,
): Promise<ModelsOutcome> {
  const checker = session.checker(manifest, root);
  const ids = models.map((m) => m.id);
  const before = await checker.verify({ models: ids, signal });
  const fixed: RepairedFile[] = [];
  const failed: FailedFile[] = [];
  session.remainingBytes = before.bytesToDownload;
  if (before.ok) return { ok: true, fixed, failed, bytesTransferred: 0 };
  const view = new ProgressView(before.bytesToDownload, `Models (${ids.length})`);
  let doneBefore = 0;
  session.beforePrompt = () => view.suspend();
  session.out.above = (text) => view.log(text);
  try {
    for (const id of ids) {
      const report = await checker.verify({ models: [id], signal });
      if (report.ok) continue;
      const started = performance.now();
      const result = await checker.repair(report, {
        signal,
        onProgress: (p) => {
          session.remainingBytes = Math.max(0, before.bytesToDownload - doneBefore - p.bytesDone);
          view.update(
            `${p.model}/${p.path}`,
            p.bytes,
            p.total,
            doneBefore + p.bytesDone,
            before.bytesToDownload,
          );
        },
      });
      doneBefore += report.bytesToDownload;
      fixed.push(...result.fixed);
      failed.push(...result.failed);
      session.health.record({
        component: `model:${id}`,
        operation: 'repair',
        success: result.ok,
        durationMs: performance.now() - started,
      });
    }
    session.remainingBytes = 0;
  } finally {
    session.beforePrompt = undefined;
    session.out.above = undefined;
    view.stop();
  }
  const bytesTransferred = fixed.reduce((sum, f) => sum + (f.bytesTransferred ?? 0), 0);
  return { ok: failed.length === 0, fixed, failed, bytesTransferred };
}
