import { statfs } from 'node:fs/promises';
import type { Manifest } from '@wan/reliability';
import { EXIT } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';
import { readUsage } from '../usage.js';

/**
 * Usage analytics: each model's state, size, uses and last use, most used first; when free disk is
 * below the largest model's size, suggests removing the least used ready models.
 */
export async function models(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const ids = session.select(manifest).map((m) => m.id);
  const report = await session.checker(manifest).verify({ models: ids, signal });
  const states = await modelStates(session, manifest, report);
  const usage = await readUsage(session.layout.usage);
  const rows = states
    .map((s) => ({
      id: s.id,
      state: s.state,
      bytes: s.bytes,
      uses: usage[s.id]?.uses ?? 0,
      lastUsed: usage[s.id]?.lastUsed ?? null,
    }))
    .sort((a, b) => b.uses - a.uses || (b.lastUsed ?? '').localeCompare(a.lastUsed ?? ''));
  const fs = await statfs(session.layout.root).catch(() => undefined);
  const free = fs ? Number(fs.bavail) * Number(fs.bsize) : null;
  const largest = Math.max(0, ...manifest.models.map((m) => m.files.reduce((sum, f) => sum + f.size, 0)));
  const low = free !== null && free < largest;
  const suggestions = low
    ? rows
        .filter((r) => r.state === 'ready')
        .reverse()
        .slice(0, 2)
        .map(
          (r) =>
            `remove ${r.id} (${formatBytes(r.bytes)}, used ${r.uses}×) — rm -r "${session.layout.root}/${r.id}"`,
        )
    : [];
  for (const r of rows) {
    session.out.info(
      `${r.id.padEnd(22)} ${r.state.padEnd(11)} ${formatBytes(r.bytes).padStart(9)}  used ${r.uses}×  last ${r.lastUsed ?? 'never'}`,
    );
  }
  if (rows.length > 1) session.out.info(`Most used: ${rows[0]?.id}; least used: ${rows.at(-1)?.id}`);
  session.out.info(`Free disk: ${free === null ? 'unknown' : formatBytes(free)}${low ? ' — low' : ''}`);
  for (const s of suggestions) session.out.info(`Suggestion: ${s}`);
  session.out.result({
    ok: true,
    exitCode: EXIT.ok,
    models: rows,
    freeBytes: free,
    lowDisk: low,
    suggestions,
  });
  return EXIT.ok;
}
