import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Use counts per model, kept in `<dir>/.wan22/usage.json`. */
export interface UsageRecord {
  uses: number;
  lastUsed: string | null;
}

/** Reads the usage file (missing or unreadable → no uses yet). */
export async function readUsage(file: string): Promise<Record<string, UsageRecord>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return {};
  try {
    const data = JSON.parse(text) as { models?: Record<string, UsageRecord> };
    return data.models ?? {};
  } catch {
    return {};
  }
}

/** Counts one use of `id` (written atomically). */
export async function recordUse(file: string, id: string, now = new Date()): Promise<void> {
  const models = await readUsage(file);
  const entry = models[id] ?? { uses: 0, lastUsed: null };
  models[id] = { uses: entry.uses + 1, lastUsed: now.toISOString() };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
