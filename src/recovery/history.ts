import type { ErrorCategory } from '../errors/category.js';
import type { RecoveryHistoryEntry, RecoveryStats, RecoverySummary, Redactor } from './types.js';

/** Appends `entry`, dropping the oldest entries beyond `limit`. */
export function appendHistory(
  history: RecoveryHistoryEntry[],
  entry: RecoveryHistoryEntry,
  limit: number,
): void {
  history.push(entry);
  if (history.length > limit) history.splice(0, history.length - limit);
}

/** How many recoveries the history holds, how many were fixed automatically and how many needed a person. */
export function historyTotals(history: readonly RecoveryHistoryEntry[]): RecoveryStats['totals'] {
  let fixed = 0;
  let manual = 0;
  for (const h of history) {
    if (h.action === 'retry' || h.action === 'continue') fixed += 1;
    else if (h.action === 'manual') manual += 1;
  }
  return { recoveries: history.length, fixed, manual };
}

/** "What was fixed": recoveries grouped by the strategy that fixed them, plus a redacted sentence. */
export function summarizeHistory(
  history: readonly RecoveryHistoryEntry[],
  redact: Redactor,
): RecoverySummary {
  const fixed = new Map<string, { category: ErrorCategory; strategy: string; count: number }>();
  const manual = new Map<ErrorCategory, number>();
  for (const h of history) {
    if ((h.action === 'retry' || h.action === 'continue') && h.strategy !== undefined) {
      const key = `${h.category}\0${h.strategy}`;
      const item = fixed.get(key) ?? { category: h.category, strategy: h.strategy, count: 0 };
      item.count += 1;
      fixed.set(key, item);
    } else if (h.action === 'manual') {
      manual.set(h.category, (manual.get(h.category) ?? 0) + 1);
    }
  }
  const fixedList = [...fixed.values()].sort((a, b) => b.count - a.count);
  const manualList = [...manual.entries()]
    .map(([category, count]) => ({ category, count }))
    .sort((a, b) => b.count - a.count);
  const total = fixedList.reduce((n, f) => n + f.count, 0);
  const parts: string[] = [];
  if (total === 0 && manualList.length === 0) parts.push('No recovery was needed.');
  if (total > 0) {
    parts.push(
      `Fixed automatically ${total} time${total === 1 ? '' : 's'}: ${fixedList
        .map((f) => `${f.category} by ${f.strategy} (${f.count})`)
        .join(', ')}.`,
    );
  }
  if (manualList.length > 0) {
    const n = manualList.reduce((s, m) => s + m.count, 0);
    parts.push(
      `Needed a person ${n} time${n === 1 ? '' : 's'}: ${manualList.map((m) => `${m.category} (${m.count})`).join(', ')}.`,
    );
  }
  return { fixed: fixedList, manual: manualList, text: redact(parts.join(' ')) };
}
