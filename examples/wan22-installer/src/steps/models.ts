import type { ErrorCategory } from '@wan/reliability';
import type { FailedFile, Manifest, ManifestModel, RepairedFile } from '@wan/reliability/integrity';
import { ProgressView } from '../progress.js';
import type { Session } from '../session.js';

/** Something that went wrong and was handled without the user. */
export interface Recovered {
  readonly what: string;
  readonly how: string;
  /** The file it is about (`<model>/<path>`), for download events. */
  readonly file?: string;
}

/** One attempt of a failed file, for "tried: …": what went wrong on it and what was done next. */
export function describeAttempt(entry: Recovered): string {
  const what = entry.file ? entry.what.replace(/^.*?: /, '') : entry.what;
  return `${what} → ${entry.how}`;
}

/**
 * Splits download events into real recoveries and the attempts made for files that failed in the
 * end: a retry that did not save its file is part of that failure, not something recovered.
 */
export function splitRecoveries(
  entries: readonly Recovered[],
  failedFiles: readonly string[],
): { recovered: Recovered[]; tried: Map<string, Recovered[]> } {
  const failed = new Set(failedFiles);
  const recovered: Recovered[] = [];
  const tried = new Map<string, Recovered[]>();
  for (const entry of entries) {
    if (entry.file !== undefined && failed.has(entry.file)) {
      tried.set(entry.file, [...(tried.get(entry.file) ?? []), entry]);
    } else {
      recovered.push(entry);
    }
  }
  return { recovered, tried };
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
  // The model/path of a destination, also for a staged update (`.wan22/staging/<rev>/<model>/…`).
  const fileOf = (dest: string) => rel(dest).replace(/^\.wan22\/staging\/[^/]+\//, '');
  const seen = new Set<string>();
  const add = (what: string, how: string, dest: string) => {
    const key = `${what}|${how}`;
    if (!seen.has(key)) {
      seen.add(key);
      into.push({ what, how, file: fileOf(dest) });
    }
  };
  const { health, log } = session;
  // Every failed attempt that another attempt followed counts for the fleet rates (recovered or not).
  const failedAttempt = (category: ErrorCategory) =>
    health.recordFailedAttempt({ component: 'downloads', operation: 'download', category });
  const onRetry = (info: {
    dest: string;
    category: ErrorCategory;
    message: string;
    delayMs: number;
    serverDirected: boolean;
  }) => {
    failedAttempt(info.category);
    log.write('warn', 'download-retry', { file: fileOf(info.dest), ...info, dest: undefined });
    add(
      `${rel(info.dest)}: ${info.category} (${short(info.message)})`,
      info.serverDirected
        ? `waited ${info.delayMs} ms as the server asked, then retried`
        : `retried after ${(info.delayMs / 1000).toFixed(1)} s`,
      info.dest,
    );
  };
  const onResume = (info: { dest: string; offset: number }) => {
    log.write('info', 'download-resume', { file: fileOf(info.dest), offset: info.offset });
    add(
      `${rel(info.dest)}: interrupted transfer`,
      `resumed from byte ${info.offset} with a Range request`,
      info.dest,
    );
  };
  const onRestart = (info: { dest: string; reason: string }) => {
    log.write('warn', 'download-restart', { file: fileOf(info.dest), reason: info.reason });
    add(
      `${rel(info.dest)}: kept bytes unusable (${info.reason})`,
      'restarted the file from byte 0',
      info.dest,
    );
  };
  const onFailover = (info: {
    dest: string;
    from: string;
    to: string | undefined;
    category: ErrorCategory;
    demoted: boolean;
  }) => {
    // With no mirror left the download fails: that final failure is counted by download:error.
    if (info.to) failedAttempt(info.category);
    log.write('warn', 'download-failover', {
      file: fileOf(info.dest),
      from: short(info.from),
      to: info.to ? short(info.to) : null,
      category: info.category,
      demoted: info.demoted,
    });
    add(
      `${rel(info.dest)}: mirror ${short(info.from)} failed (${info.category}${info.demoted ? ', corrupt bytes' : ''})`,
      info.to ? `switched to mirror ${short(info.to)}` : 'no mirror left',
      info.dest,
    );
  };
  // Every finished download goes to the health report; one that needed retries, a resume or another
  // mirror counts as recovered.
  const onComplete = (info: {
    dest: string;
    durationMs: number;
    attempts: number;
    resumed: boolean;
    bytesTransferred: number;
  }) => {
    if (info.bytesTransferred === 0 && !info.resumed) return;
    log.write('info', 'download-complete', {
      file: fileOf(info.dest),
      bytesTransferred: info.bytesTransferred,
      attempts: info.attempts,
      resumed: info.resumed,
      durationMs: Math.round(info.durationMs),
    });
    const recovered = info.attempts > 1 || info.resumed;
    session.health.record({
      component: 'downloads',
      operation: 'download',
      success: true,
      durationMs: info.durationMs,
      recovered,
    });
  };
  const onError = (info: { dest: string; category: ErrorCategory; cancelled: boolean; message?: string }) => {
    if (info.cancelled) return;
    log.write('error', 'download-error', {
      file: fileOf(info.dest),
      category: info.category,
      message: info.message,
    });
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
