import { readFile } from 'node:fs/promises';
import type { JournalData } from './types.js';

/** Reads a journal file; a missing file is an empty journal, an unreadable one is reported as such. */
export async function readJournal(file: string): Promise<JournalData | { corrupt: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { version: 1, runs: [] };
    throw error;
  }
  try {
    const data = JSON.parse(text) as Partial<JournalData>;
    if (data.version !== 1 || !Array.isArray(data.runs)) return { corrupt: 'unknown journal format' };
    return { version: 1, runs: data.runs };
  } catch (error) {
    return { corrupt: (error as Error).message };
  }
}
