/** Number formatting shared by the Markdown and HTML renderers. */

/** 0.9734 → "97.3 %". */
export function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '–';
}

/** Milliseconds for people: "850 ms", "2.4 s", "3.5 min", "1.2 h". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Entries of a category → count record, largest first. */
export function sortedCounts(record: Readonly<Record<string, number | undefined>>): [string, number][] {
  return Object.entries(record)
    .map(([k, v]) => [k, v ?? 0] as [string, number])
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
