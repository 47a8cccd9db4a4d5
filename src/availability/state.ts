import type { ManifestModel } from '../integrity/manifest.js';
import type { ModelReport } from '../integrity/types.js';
import { formatEta, formatGB } from '../monitor/format.js';
import type { AvailabilityProgress, ModelState, ModelStatus } from './types.js';

/** A model's state from its integrity report, with the files that are not ok. */
export function stateOf(report: ModelReport): { state: ModelState; missing: string[] } {
  const missing = report.files.filter((f) => f.status !== 'ok').map((f) => f.path);
  if (report.ok) return { state: 'ready', missing };
  if (report.files.some((f) => f.status === 'corrupt' || f.status === 'size_mismatch'))
    return { state: 'corrupt', missing };
  const nothing = report.files.every(
    (f) => f.status === 'missing' && !(f.partialBytes !== undefined && f.partialBytes > 0),
  );
  return { state: nothing ? 'absent' : 'incomplete', missing };
}

/** Why a model is not usable, in one line. */
export function reasonFor(
  state: ModelState,
  detail: {
    missing?: readonly string[];
    files: number;
    bytesToDownload?: number;
    progress?: AvailabilityProgress;
  },
): string {
  const bytes =
    detail.bytesToDownload !== undefined ? ` (${formatGB(detail.bytesToDownload)} to download)` : '';
  switch (state) {
    case 'ready':
      return 'ready';
    case 'downloading': {
      const p = detail.progress;
      if (!p) return 'download starting';
      const eta = p.etaSeconds !== undefined ? `, ${formatEta(p.etaSeconds)} left` : '';
      return `downloading: ${Math.floor(p.percent)} % of ${formatGB(p.bytesTotal)}${eta}`;
    }
    case 'incomplete':
      return `incomplete: ${detail.missing?.length ?? 0} of ${detail.files} files missing or partial${bytes}`;
    case 'corrupt':
      return `corrupt: ${detail.missing?.length ?? 0} of ${detail.files} files fail their checksum or size${bytes}`;
    case 'absent':
      return `not installed${bytes}`;
  }
}

/** Rate and ETA over the last few seconds of progress (a whole-download average lags too much). */
export class RateWindow {
  readonly #points: { at: number; bytes: number }[] = [];
  readonly #spanMs: number;

  constructor(spanMs = 10_000) {
    this.#spanMs = spanMs;
  }

  add(at: number, bytes: number): void {
    this.#points.push({ at, bytes });
    while (this.#points.length > 2 && at - (this.#points[0] as { at: number }).at > this.#spanMs)
      this.#points.shift();
  }

  /** Bytes per second (0 until two points a moment apart). */
  rate(): number {
    const first = this.#points[0];
    const last = this.#points[this.#points.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }
}

/** The status of a model being downloaded. */
export function downloadingStatus(
  model: ManifestModel,
  progress: AvailabilityProgress | undefined,
  alternatives: readonly string[],
): ModelStatus {
  return {
    id: model.id,
    state: 'downloading',
    mode: 'mock',
    reason: reasonFor('downloading', { files: model.files.length, ...(progress ? { progress } : {}) }),
    steps: [`Wait for it: ensureReady('${model.id}') resolves when the download is verified.`],
    percent: progress?.percent ?? 0,
    ...(progress?.etaSeconds !== undefined ? { etaSeconds: progress.etaSeconds } : {}),
    ...(progress ? { bytesToDownload: progress.bytesTotal - progress.bytesDone } : {}),
    alternatives,
  };
}

/** The status of a model from its integrity report (`failure`: why the last attempt to get it failed). */
export function installedStatus(
  model: ManifestModel,
  report: ModelReport,
  failure: string | undefined,
  steps: (state: ModelState) => string[],
  alternatives: readonly string[],
): ModelStatus {
  const { state, missing } = stateOf(report);
  if (state === 'ready') return { id: model.id, state, mode: 'real' };
  const reason = reasonFor(state, {
    missing,
    files: model.files.length,
    bytesToDownload: report.bytesToDownload,
  });
  return {
    id: model.id,
    state,
    mode: 'mock',
    reason: failure ? `${reason}; the last attempt failed: ${failure}` : reason,
    steps: steps(state),
    ...(missing.length > 0 ? { missing } : {}),
    bytesToDownload: report.bytesToDownload,
    alternatives,
  };
}
