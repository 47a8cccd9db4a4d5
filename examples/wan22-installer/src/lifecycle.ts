import type { IntegrityReport, Manifest, ModelReport } from '@wan/reliability/integrity';
import { lockHolder } from './lock.js';
import type { Session } from './session.js';

/** One model's state, as `status` shows it. */
export interface ModelState {
  readonly id: string;
  readonly revision: string;
  readonly state: 'ready' | 'incomplete' | 'corrupt' | 'downloading';
  readonly files: number;
  readonly bytes: number;
  /** For downloading / incomplete: share of the bytes present. */
  readonly percent?: number;
  /** Files that are missing or partial. */
  readonly missing?: readonly string[];
  /** Files whose content is wrong (corrupt, size mismatch) or that sit in the wrong place. */
  readonly corrupt?: readonly string[];
  /** What to run to fix it. */
  readonly actions?: readonly string[];
}

/** Turns an integrity report into per-model states; `downloading` when a live install holds the lock. */
export async function modelStates(
  session: Session,
  manifest: Manifest,
  report: IntegrityReport,
): Promise<ModelState[]> {
  const busy = (await lockHolder(session.layout.lock)) !== undefined;
  return report.models.map((model) => stateOf(manifest, model, busy));
}

function stateOf(manifest: Manifest, model: ModelReport, busy: boolean): ModelState {
  const entry = manifest.models.find((m) => m.id === model.id);
  const bytes = entry?.files.reduce((sum, f) => sum + f.size, 0) ?? 0;
  const base = { id: model.id, revision: entry?.revision ?? '', files: model.files.length, bytes };
  if (model.ok) return { ...base, state: 'ready' };
  const missing = model.files
    .filter((f) => f.status === 'missing' || f.status === 'partial')
    .map((f) => f.path);
  const corrupt = model.files
    .filter((f) => f.status === 'corrupt' || f.status === 'size_mismatch' || f.status === 'misplaced')
    .map((f) => `${f.path} (${f.status})`);
  const percent = bytes > 0 ? Math.floor(((bytes - model.bytesToDownload) / bytes) * 1000) / 10 : 0;
  const only = `--models ${model.id}`;
  if (corrupt.length > 0) {
    return {
      ...base,
      state: 'corrupt',
      corrupt,
      missing,
      actions: [
        `wan22-install repair ${only} --yes   (re-downloads only the bad files)`,
        `wan22-install status ${only} --deep   (re-hash everything to confirm)`,
      ],
    };
  }
  return {
    ...base,
    state: busy ? 'downloading' : 'incomplete',
    percent,
    missing,
    actions: busy
      ? ['an install is running; wait for it']
      : [`wan22-install install ${only} --yes   (resumes partial files)`],
  };
}
