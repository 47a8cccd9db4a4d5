import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../shared/writeFileAtomic.js';
import { type AggregateOptions, aggregate, type FleetReport, reportProblem } from './aggregate.js';
import { fleetToHTML } from './fleetHtml.js';
import type { HealthReport } from './types.js';

/** Reports read from a folder, and the files that were not reports. */
export interface LoadedReports {
  /** Every valid health report, in path order. */
  readonly reports: HealthReport[];
  /** `*.json` files that were not usable health reports. */
  readonly skipped: ReadonlyArray<{
    /** Path of the file. */
    readonly file: string;
    /** Why it was skipped (`not JSON (…)`, `schema is not …`). */
    readonly reason: string;
  }>;
}

/**
 * Reads every `*.json` file under `folder` (sub-folders included, symbolic links not followed);
 * files that are not health reports are listed in `skipped`.
 */
export async function loadHealthReports(
  folder: string,
  options: { signal?: AbortSignal } = {},
): Promise<LoadedReports> {
  const reports: HealthReport[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      options.signal?.throwIfAborted();
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) await walk(file, depth + 1);
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      try {
        const value: unknown = JSON.parse(await readFile(file, 'utf8'));
        const problem = reportProblem(value);
        if (problem) skipped.push({ file, reason: problem });
        else reports.push(value as HealthReport);
      } catch (error) {
        skipped.push({ file, reason: `not JSON (${(error as Error).message})` });
      }
    }
  };
  await walk(folder, 0);
  return { reports, skipped };
}

/** Options of {@link fleetDashboardFromFolder}. */
export interface FleetDashboardOptions extends AggregateOptions {
  /** Also write the HTML to this file (atomically). */
  out?: string;
  /** Page title. */
  title?: string;
  /** Stops reading the folder; the call rejects. */
  signal?: AbortSignal;
}

/**
 * Turns a folder of JSON health reports (one per installer run or instance) into one fleet
 * dashboard: reads them, aggregates, renders self-contained HTML and optionally writes it to `out`.
 */
export async function fleetDashboardFromFolder(
  folder: string,
  options: FleetDashboardOptions = {},
): Promise<{
  /** The self-contained dashboard page. */
  html: string;
  /** The aggregated fleet view the page shows. */
  fleet: FleetReport;
  /** Files in the folder that were not health reports. */
  skippedFiles: LoadedReports['skipped'];
}> {
  const { reports, skipped } = await loadHealthReports(
    folder,
    options.signal ? { signal: options.signal } : {},
  );
  const fleet = aggregate(reports, options);
  const html = fleetToHTML(fleet, options.title !== undefined ? { title: options.title } : {});
  if (options.out !== undefined) await writeFileAtomic(options.out, html);
  return { html, fleet, skippedFiles: skipped };
}
