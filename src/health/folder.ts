import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { readRegularFile } from '../shared/readRegularFile.js';
import { optionalCount, optionalObject } from '../shared/validate.js';
import { writeFileAtomic } from '../shared/writeFileAtomic.js';
import { type AggregateOptions, aggregate, type FleetReport } from './aggregate.js';
import { fleetToHTML } from './fleetHtml.js';
import { parseReport } from './reportSchema.js';
import type { HealthReport } from './types.js';

/** Largest report file read (4 MiB): a real report is a few hundred KB at the default caps. */
export const DEFAULT_MAX_REPORT_BYTES = 4 * 1024 * 1024;
/** Most `*.json` files read from one folder (10 000); the rest are not opened. */
export const DEFAULT_MAX_REPORT_FILES = 10_000;
/** Sub-folder levels walked below the folder. */
const MAX_DEPTH = 4;

/** Reports read from a folder, and the files that were not reports. */
export interface LoadedReports {
  /** Every valid health report, in path order. */
  readonly reports: HealthReport[];
  /** `*.json` files that were not usable health reports. */
  readonly skipped: ReadonlyArray<{
    /** Path of the file. */
    readonly file: string;
    /** Why it was skipped (`not JSON`, `larger than … bytes`, `instance.hostname: expected string`, …). */
    readonly reason: string;
  }>;
}

/** Options of {@link loadHealthReports}. */
export interface LoadReportsOptions {
  /** Stops reading the folder; the call rejects. */
  signal?: AbortSignal;
  /** Bytes read at most per file; larger files are skipped unread (default {@link DEFAULT_MAX_REPORT_BYTES}). */
  maxReportBytes?: number;
  /** `*.json` files read at most; past it the walk stops and says so (default {@link DEFAULT_MAX_REPORT_FILES}). */
  maxReportFiles?: number;
}

type Skip = { file: string; reason: string };

/** The file's text, or why it is not read: at most `limit` bytes are ever read, links never followed. */
async function readBounded(file: string, limit: number): Promise<{ text: string } | { reason: string }> {
  try {
    const read = await readRegularFile(file, limit);
    if (!('problem' in read)) return read;
    if (read.problem === 'symbolic-link') return { reason: 'symbolic link (not followed)' };
    if (read.problem === 'not-a-file') return { reason: 'not a regular file' };
    if (read.problem === 'too-large') return { reason: `larger than ${limit} bytes` };
    return { reason: 'gone before it was read' };
  } catch (error) {
    return { reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

/** JSON.parse's complaint without the snippet of input V8 quotes (a report may hold a secret). */
function notJson(error: unknown): string {
  const at = /position (\d+)/.exec(String((error as Error)?.message))?.[1];
  return at === undefined ? 'not JSON' : `not JSON (at byte ${at})`;
}

/**
 * Reads every `*.json` file under `folder` (sub-folders up to 4 levels included, symbolic links
 * never followed) and validates each against the report schema. Nothing bad in one file fails the
 * others: files that are too large (only `maxReportBytes` are ever read), symbolic links, text that
 * is not JSON and JSON that is not a health report are listed in `skipped` with the reason.
 */
export async function loadHealthReports(
  folder: string,
  options: LoadReportsOptions = {},
): Promise<LoadedReports> {
  optionalObject('loadHealthReports options', options);
  if (typeof folder !== 'string' || folder === '')
    throw new ConfigurationError('loadHealthReports(folder)', 'a folder path', folder);
  const limit = positive('maxReportBytes', options.maxReportBytes, DEFAULT_MAX_REPORT_BYTES);
  const maxFiles = positive('maxReportFiles', options.maxReportFiles, DEFAULT_MAX_REPORT_FILES);
  const reports: HealthReport[] = [];
  const skipped: Skip[] = [];
  let files = 0;
  const readOne = async (file: string): Promise<void> => {
    const read = await readBounded(file, limit);
    if ('reason' in read) {
      skipped.push({ file, reason: read.reason });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(read.text.charCodeAt(0) === 0xfeff ? read.text.slice(1) : read.text);
    } catch (error) {
      skipped.push({ file, reason: notJson(error) });
      return;
    }
    const parsed = parseReport(value);
    if ('problem' in parsed) skipped.push({ file, reason: parsed.problem });
    else reports.push(value as HealthReport);
  };
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // The folder itself must be readable; a sub-folder that is not is one more skipped input.
      if (depth === 0) throw error;
      skipped.push({ file: dir, reason: `cannot be listed (${(error as NodeJS.ErrnoException).code})` });
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      options.signal?.throwIfAborted();
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !(await walk(file, depth + 1))) return false;
        continue;
      }
      if (!entry.name.endsWith('.json')) continue;
      if (files >= maxFiles) {
        skipped.push({ file: dir, reason: `more than ${maxFiles} report files: the rest were not read` });
        return false;
      }
      files += 1;
      if (entry.isSymbolicLink()) skipped.push({ file, reason: 'symbolic link (not followed)' });
      else if (!entry.isFile()) skipped.push({ file, reason: 'not a regular file' });
      else await readOne(file);
    }
    return true;
  };
  await walk(folder, 0);
  return { reports, skipped };
}

function positive(option: string, value: unknown, fallback: number): number {
  const n = optionalCount(`loadHealthReports.${option}`, value) ?? fallback;
  if (n < 1) throw new ConfigurationError(`loadHealthReports.${option}`, 'a positive integer', value);
  return n;
}

/** Options of {@link fleetDashboardFromFolder}. */
export interface FleetDashboardOptions extends AggregateOptions, LoadReportsOptions {
  /** Also write the HTML to this file (atomically). */
  out?: string;
  /** Page title. */
  title?: string;
}

/**
 * Turns a folder of JSON health reports (one per installer run or instance) into one fleet
 * dashboard: reads them (see {@link loadHealthReports}), aggregates, renders self-contained HTML
 * (the skipped files listed at its end) and optionally writes it to `out`.
 */
export async function fleetDashboardFromFolder(
  folder: string,
  options: FleetDashboardOptions = {},
): Promise<{
  /** The self-contained dashboard page. */
  html: string;
  /** The aggregated fleet view the page shows. */
  fleet: FleetReport;
  /** Files in the folder that were not health reports, with the reason. */
  skippedFiles: LoadedReports['skipped'];
}> {
  optionalObject('fleetDashboardFromFolder options', options);
  const { reports, skipped } = await loadHealthReports(folder, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxReportBytes !== undefined ? { maxReportBytes: options.maxReportBytes } : {}),
    ...(options.maxReportFiles !== undefined ? { maxReportFiles: options.maxReportFiles } : {}),
  });
  const fleet = aggregate(reports, options);
  const shown = skipped.map((s) => ({ file: path.relative(folder, s.file) || s.file, reason: s.reason }));
  const html = fleetToHTML(fleet, {
    ...(options.title !== undefined ? { title: options.title } : {}),
    skippedFiles: shown,
  });
  if (options.out !== undefined) await writeFileAtomic(options.out, html);
  return { html, fleet, skippedFiles: skipped };
}
