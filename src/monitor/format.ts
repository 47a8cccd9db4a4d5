/** `12_300_000_000` → `"12.3 GB"`: decimal units, as disk vendors and `df -H` count. */
export function formatGB(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `250` → `"~4 min"`: a rough duration, because a projection is rough. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `~${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `~${(seconds / 3600).toFixed(1).replace(/\.0$/, '')} h`;
  return `~${Math.round(seconds / 86_400)} days`;
}

/** `0.042` → `"4.2 %"`. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}
