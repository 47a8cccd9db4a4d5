import type { CheckerContext, Counters, ProgressFn } from './checkerContext.js';
import { type Inspection, inspect } from './inspect.js';
import type { ManifestModel } from './manifest.js';
import { mapLimit } from './mapLimit.js';
import { searchMisplaced } from './misplaced.js';
import { modelFilePath } from './paths.js';
import type { FileReport, FileStatus, ModelReport } from './types.js';

/**
 * Checks every file of one model (at most 32 at a time), searches its folder for misplaced copies
 * when something is wrong, and builds the model's report, announcing `integrity:file` per file.
 */
export async function verifyModel(
  context: CheckerContext,
  model: ManifestModel,
  deep: boolean,
  counters: Counters,
  signal: AbortSignal | undefined,
  progress: ProgressFn,
): Promise<ModelReport> {
  const inspections = await mapLimit(model.files, 32, async (file) => {
    const inspection = await inspect(context, model, file, deep, counters, signal, progress);
    counters.filesChecked++;
    progress?.('stat', model.id, file.path);
    return inspection;
  });
  // A path that leads out of the root is never a target for a misplaced copy (moving it there would write outside).
  const needing = inspections.filter((i) => !i.ok && i.kind !== 'unsafe');
  const foundAt = new Map<Inspection, string>();
  if (needing.length > 0)
    await searchMisplaced(context, model, needing, foundAt, deep, counters, signal, progress);

  const files: FileReport[] = [];
  let bytesToDownload = 0;
  for (const inspection of inspections) {
    const { file } = inspection;
    const expected = { size: file.size, sha256: file.sha256 };
    let report: FileReport;
    if (inspection.ok) {
      report = {
        path: file.path,
        status: 'ok',
        expected,
        ...(inspection.actual ? { actual: inspection.actual } : {}),
      };
    } else if (inspection.kind === 'unsafe') {
      // Repair does not download it (that would write outside the root): nothing to count.
      report = {
        path: file.path,
        status: 'unsafe_path',
        expected,
        ...(inspection.note ? { note: inspection.note } : {}),
      };
    } else if (foundAt.has(inspection)) {
      report = {
        path: file.path,
        status: 'misplaced',
        expected,
        ...(inspection.actual ? { actual: inspection.actual } : {}),
        foundAt: foundAt.get(inspection) as string,
        ...(inspection.note ? { note: inspection.note } : {}),
      };
    } else {
      const dest = modelFilePath(context.root, model.id, file.path);
      let partial = 0;
      try {
        partial = Math.min(file.size, (await context.partialBytesOf(dest)) ?? 0);
      } catch {
        partial = 0;
      }
      bytesToDownload += file.size - partial;
      report = {
        path: file.path,
        status: problemStatus(inspection, partial),
        expected,
        ...(inspection.actual ? { actual: inspection.actual } : {}),
        ...(partial > 0 ? { partialBytes: partial } : {}),
        ...(inspection.note ? { note: inspection.note } : {}),
      };
    }
    files.push(report);
    context.announce('integrity:file', {
      model: model.id,
      path: file.path,
      status: report.status,
      cached: inspection.cached === true,
    });
  }
  return { id: model.id, ok: files.every((f) => f.status === 'ok'), files, bytesToDownload };
}

/** The status of a file that is neither ok nor misplaced. */
function problemStatus(inspection: Inspection, partial: number): FileStatus {
  const { file } = inspection;
  return inspection.kind === 'absent'
    ? partial > 0
      ? 'partial'
      : 'missing'
    : inspection.actual?.sha256 !== undefined && inspection.actual.size === file.size
      ? 'corrupt'
      : inspection.actual?.size !== file.size
        ? 'size_mismatch'
        : 'corrupt';
}
