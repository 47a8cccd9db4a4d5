import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '@wan/reliability/integrity';
import { EXIT, UsageError } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { formatBytes, parseCount } from '../parse.js';
import type { Session } from '../session.js';

const DAY_MS = 86_400_000;

/** `--unused-days 30` → 30 (whole days, at least 1). */
export function unusedDaysFlag(text: string | undefined): number {
  if (text === undefined) return 30;
  const days = parseCount('--unused-days', text);
  if (days < 1) throw new UsageError(`--unused-days ${text}: expected at least 1 day`);
  return days;
}

/**
 * Usage analytics from ModelAvailability: each model's state, size, uses and last use, most used
 * first; cleanup advice for installed models not used for `--unused-days` days (never used: since
 * their folder was last written); when free disk is below the largest model, the least used models
 * to remove. Nothing is deleted (`wan22-install remove <model>` does).
 */
export async function models(
  session: Session,
  flags: { unusedDays: number },
  signal: AbortSignal,
): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const report = await session.checker(manifest).verify({ models: ids, signal });
  const states = await modelStates(session, manifest, report);
  const availability = session.availability(manifest);
  try {
    const usage = await availability.usage();
    const now = Date.now();
    const rows = await Promise.all(
      usage.models
        .filter((u) => ids.includes(u.id))
        .map(async (u) => {
          const state = states.find((s) => s.id === u.id);
          const folder = await stat(path.join(session.layout.root, u.id)).catch(() => undefined);
          // Unused since the last use, or — never used — since the folder was last written.
          const since = u.lastUsed ? Date.parse(u.lastUsed) : folder?.mtimeMs;
          return {
            id: u.id,
            state: state?.state ?? 'incomplete',
            bytes: state?.bytes ?? 0,
            installed: folder !== undefined,
            uses: u.uses,
            lastUsed: u.lastUsed ?? null,
            unusedDays: since === undefined ? null : Math.floor((now - since) / DAY_MS),
          };
        }),
    );
    const stale = rows.filter(
      (r) => r.installed && r.unusedDays !== null && r.unusedDays >= flags.unusedDays,
    );
    const unusedAdvice = stale.map(
      (r) =>
        `${r.id} ${r.uses === 0 ? 'was never used' : 'was not used'} for ${r.unusedDays} days: \`wan22-install remove ${r.id}\` frees ${formatBytes(r.bytes)}`,
    );
    const fs = await statfs(session.layout.root).catch(() => undefined);
    const free = fs ? Number(fs.bavail) * Number(fs.bsize) : null;
    const largest = Math.max(0, ...manifest.models.map((m) => m.files.reduce((sum, f) => sum + f.size, 0)));
    const low = free !== null && free < largest;
    const cleanup = low ? await availability.suggestCleanup({ needBytes: largest - (free ?? 0) }) : undefined;
    const suggestions = (cleanup?.candidates ?? []).map(
      (c) => `remove ${c.id} (${formatBytes(c.bytes)}, used ${c.uses}×) — wan22-install remove ${c.id}`,
    );
    for (const r of rows) {
      session.out.info(
        `${r.id.padEnd(22)} ${r.state.padEnd(11)} ${formatBytes(r.bytes).padStart(9)}  used ${r.uses}×  last ${r.lastUsed ?? 'never'}`,
      );
    }
    if (usage.mostUsed)
      session.out.info(`Most used: ${usage.mostUsed}; least used: ${usage.leastUsed ?? '-'}`);
    session.out.info(`Free disk: ${free === null ? 'unknown' : formatBytes(free)}${low ? ' — low' : ''}`);
    for (const s of suggestions) session.out.info(`Suggestion: ${s}`);
    for (const line of unusedAdvice) session.out.info(`Cleanup: ${line}`);
    if (unusedAdvice.length === 0)
      session.out.info(`Cleanup: every installed model was used in the last ${flags.unusedDays} days.`);
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      models: rows,
      mostUsed: usage.mostUsed ?? null,
      leastUsed: usage.leastUsed ?? null,
      freeBytes: free,
      lowDisk: low,
      suggestions,
      unusedDays: flags.unusedDays,
      cleanup: unusedAdvice,
    });
    return EXIT.ok;
  } finally {
    availability.close();
  }
}
