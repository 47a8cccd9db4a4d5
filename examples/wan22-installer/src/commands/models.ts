import { statfs } from 'node:fs/promises';
import type { Manifest } from '@wan/reliability/integrity';
import { EXIT } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';

/**
 * Usage analytics from ModelAvailability: each model's state, size, uses and last use, most used
 * first; when free disk is below the largest model, the least used models to remove (nothing is
 * deleted).
 */
export async function models(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const report = await session.checker(manifest).verify({ models: ids, signal });
  const states = await modelStates(session, manifest, report);
  const availability = session.availability(manifest);
  try {
    const usage = await availability.usage();
    const rows = usage.models
      .filter((u) => ids.includes(u.id))
      .map((u) => {
        const state = states.find((s) => s.id === u.id);
        return {
          id: u.id,
          state: state?.state ?? 'incomplete',
          bytes: state?.bytes ?? 0,
          uses: u.uses,
          lastUsed: u.lastUsed ?? null,
        };
      });
    const fs = await statfs(session.layout.root).catch(() => undefined);
    const free = fs ? Number(fs.bavail) * Number(fs.bsize) : null;
    const largest = Math.max(0, ...manifest.models.map((m) => m.files.reduce((sum, f) => sum + f.size, 0)));
    const low = free !== null && free < largest;
    const cleanup = low ? await availability.suggestCleanup({ needBytes: largest - (free ?? 0) }) : undefined;
    const suggestions = (cleanup?.candidates ?? []).map(
      (c) => `remove ${c.id} (${formatBytes(c.bytes)}, used ${c.uses}×) — rm -r "${c.path}"`,
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
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      models: rows,
      mostUsed: usage.mostUsed ?? null,
      leastUsed: usage.leastUsed ?? null,
      freeBytes: free,
      lowDisk: low,
      suggestions,
    });
    return EXIT.ok;
  } finally {
    availability.close();
  }
}
