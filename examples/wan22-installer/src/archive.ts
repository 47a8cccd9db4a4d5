import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '@wan/reliability/diagnostics';
import { create } from 'tar';
import type { Layout } from './session.js';

/** Files larger than this are cut (a note says so): a bundle is for reading, not for backups. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Top folder inside the archive. */
const TOP = 'wan22-support';

/** What went into an archive. */
export interface SupportArchive {
  readonly file: string;
  readonly entries: readonly string[];
  readonly bytes: number;
}

/** Regular files (never symlinks, never followed) directly in or below `dir` whose names pass `keep`. */
async function filesUnder(dir: string, keep: (name: string) => boolean, depth = 2): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && keep(entry.name)) out.push(full);
    else if (entry.isDirectory() && depth > 0) out.push(...(await filesUnder(full, keep, depth - 1)));
  }
  return out;
}

/**
 * Packs the run logs, reports (health, summary, support bundles), the journal, the recovery store,
 * the installed manifest, the generated config and usage into one `.tar.gz` for a support request.
 * Every file is redacted again on the way in (an older file written before a token was known to be
 * secret is cleaned too), symlinks are skipped, and nothing outside the install folder and report
 * folder is read. The copies are staged under `<dir>/.wan22/` and removed afterwards.
 */
export async function packSupportArchive(layout: Layout, output?: string): Promise<SupportArchive> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.resolve(output ?? path.join(layout.reports, `wan22-support-${stamp}.tar.gz`));
  const text = (name: string) => /\.(jsonl?|md|html|txt|log)$/.test(name);
  const sources: [string, string][] = [];
  const add = (full: string, inside: string) => sources.push([full, inside]);
  for (const f of await filesUnder(layout.logs, text, 0)) add(f, `logs/${path.basename(f)}`);
  for (const f of await filesUnder(layout.reports, text, 1))
    add(f, `reports/${path.relative(layout.reports, f)}`);
  const singles: [string, string][] = [
    [layout.journal, 'state/journal.json'],
    [layout.recoveryStore, 'state/recovery.json'],
    [layout.installedManifest, 'state/manifest.json'],
    [layout.config, 'wan22.config.json'],
    [path.join(layout.work, 'usage.json'), 'state/usage.json'],
  ];
  for (const [full, inside] of singles) add(full, inside);

  const staging = path.join(layout.state, `bundle-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const entries: string[] = [];
  try {
    for (const [full, inside] of sources) {
      const info = await lstat(full).catch(() => undefined);
      if (!info?.isFile()) continue;
      const raw = await readFile(full);
      const cut = raw.length > MAX_FILE_BYTES;
      const body = redact(raw.subarray(0, MAX_FILE_BYTES).toString('utf8'));
      const target = path.join(staging, TOP, inside);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, cut ? `${body}\n[cut at ${MAX_FILE_BYTES} bytes of ${raw.length}]\n` : body);
      entries.push(`${TOP}/${inside}`);
    }
    await mkdir(path.join(staging, TOP), { recursive: true });
    await writeFile(
      path.join(staging, TOP, 'README.txt'),
      `wan22-install support archive, made ${new Date().toISOString()} for ${layout.root}.\n` +
        `Every file was redacted (tokens, passwords, signed URLs) before packing.\n` +
        `${entries.length === 0 ? 'Nothing was found to pack: no log or report exists yet.\n' : entries.map((e) => `  ${e}\n`).join('')}`,
    );
    entries.push(`${TOP}/README.txt`);
    await mkdir(path.dirname(file), { recursive: true });
    await create({ gzip: true, file, cwd: staging, portable: true }, [TOP]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { file, entries, bytes: (await stat(file)).size };
}
