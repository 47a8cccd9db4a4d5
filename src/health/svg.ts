/**
 * Minimal inline SVG charts for the self-contained dashboards: no scripts, no fonts, no external
 * references (inline `<svg>` in HTML needs no namespace URL).
 */

/**
 * Escapes a value for HTML and SVG text and quoted attributes. `/` is escaped too, so that no
 * `scheme://` sequence appears in the markup even when a component name is a URL (the page then
 * holds no network references). Reports may be hand-made: numbers and booleans are written as text,
 * anything else that is not a string (objects, null) as nothing — never through its `toString`.
 */
export function escapeHtml(value: unknown): string {
  return plain(value).replace(/[&<>"'/]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Strings as they are, numbers and booleans as text, anything else as nothing. */
function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : '';
}

/** A finite number, or 0: chart geometry never holds text from a report. */
export function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

const HEX_COLOR = /^#[0-9a-fA-F]{3,8}$/;

/** `color` when it is a hex colour, else `fallback` (a fill attribute takes no text from outside). */
function safeColor(color: unknown, fallback: string): string {
  return typeof color === 'string' && HEX_COLOR.test(color) ? color : fallback;
}

/** The largest of `values` and `floor`, without spreading (a report may hold 10^5 components). */
function largest(values: readonly number[], floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** Colours used by the dashboards. */
export const COLORS = Object.freeze({
  healthy: '#2e7d32',
  degraded: '#f9a825',
  unhealthy: '#c62828',
  primary: '#1565c0',
  secondary: '#90caf9',
  neutral: '#757575',
  grid: '#e0e0e0',
});

/** Colour of a status badge or bar; `unknown` (and anything not a status) is neutral grey. */
export function statusColor(status: unknown): string {
  return status === 'healthy' || status === 'degraded' || status === 'unhealthy'
    ? COLORS[status]
    : COLORS.neutral;
}

/** One bar. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text shown at the bar's end (default: the value). */
  readonly display?: string;
  readonly color?: string;
}

/** One row of a grouped chart: one bar per series. */
export interface BarGroup {
  readonly label: string;
  readonly values: readonly { readonly value: number; readonly display?: string }[];
}

const LABEL_WIDTH = 200;
const ROW = 26;
const BAR = 16;

/** The text at a bar's end. */
function shown(b: { readonly display?: string; readonly value: number }): string {
  return typeof b.display === 'string' ? b.display : String(finite(b.value));
}

function truncate(label: unknown, max = 28): string {
  const text = plain(label);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function frame(title: string, height: number, width: number, body: string): string {
  const t = escapeHtml(title);
  return `<figure class="chart"><figcaption>${t}</figcaption><svg role="img" aria-label="${t}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${t}</title>${body}</svg></figure>`;
}

function empty(title: string, width: number): string {
  return frame(title, 40, width, `<text x="8" y="24" class="muted">No data yet</text>`);
}

/** Horizontal bars, one per item, scaled to `max` (default: the largest value). */
export function barChart(
  title: string,
  bars: readonly Bar[],
  options: { max?: number; width?: number } = {},
): string {
  const width = options.width ?? 640;
  if (bars.length === 0) return empty(title, width);
  const max =
    options.max ??
    largest(
      bars.map((b) => finite(b.value)),
      0,
    );
  const longest = largest(
    bars.map((b) => shown(b).length),
    0,
  );
  const plot = width - LABEL_WIDTH - Math.max(50, Math.min(200, longest * 7 + 12));
  const rows = bars.map((b, i) => {
    const y = i * ROW + 6;
    const w = max > 0 ? Math.max(0, Math.min(1, finite(b.value) / max)) * plot : 0;
    const label = escapeHtml(b.label);
    return (
      `<g><title>${label}: ${escapeHtml(shown(b))}</title>` +
      `<text x="${LABEL_WIDTH - 8}" y="${y + 12}" text-anchor="end">${escapeHtml(truncate(b.label))}</text>` +
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${plot}" height="${BAR}" fill="${COLORS.grid}"/>` +
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${safeColor(b.color, COLORS.primary)}"/>` +
      `<text x="${LABEL_WIDTH + plot + 6}" y="${y + 12}">${escapeHtml(shown(b))}</text></g>`
    );
  });
  return frame(title, bars.length * ROW + 10, width, rows.join(''));
}

/**
 * Grouped horizontal bars (e.g. p50 and p95 per component), with a legend. With `log`, lengths
 * follow log10(1 + value), so a 50 ms call stays visible next to a 20 min install.
 */
export function groupedBarChart(
  title: string,
  series: readonly { readonly name: string; readonly color: string }[],
  groups: readonly BarGroup[],
  options: { width?: number; log?: boolean } = {},
): string {
  const width = options.width ?? 640;
  if (groups.length === 0) return empty(title, width);
  const scale = options.log ? (v: number) => Math.log10(1 + Math.max(0, v)) : (v: number) => Math.max(0, v);
  const max = largest(
    groups.flatMap((g) => g.values.map((v) => scale(finite(v.value)))),
    0,
  );
  const plot = width - LABEL_WIDTH - 90;
  const bar = 10;
  const groupHeight = series.length * (bar + 2) + 10;
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${LABEL_WIDTH + i * 90}" y="4" width="10" height="10" fill="${safeColor(s.color, COLORS.neutral)}"/><text x="${LABEL_WIDTH + i * 90 + 14}" y="13">${escapeHtml(s.name)}</text>`,
    )
    .join('');
  const rows = groups.map((g, gi) => {
    const y0 = 24 + gi * groupHeight;
    const bars = g.values.map((v, si) => {
      const y = y0 + si * (bar + 2);
      const w = max > 0 ? (scale(finite(v.value)) / max) * plot : 0;
      const display = escapeHtml(shown(v));
      return `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${safeColor(series[si]?.color, COLORS.neutral)}"><title>${escapeHtml(series[si]?.name ?? '')}: ${display}</title></rect><text x="${(LABEL_WIDTH + w + 4).toFixed(1)}" y="${y + 9}" class="small">${display}</text>`;
    });
    return `<g><title>${escapeHtml(g.label)}</title><text x="${LABEL_WIDTH - 8}" y="${y0 + 10}" text-anchor="end">${escapeHtml(truncate(g.label))}</text>${bars.join('')}</g>`;
  });
  return frame(title, 30 + groups.length * groupHeight, width, legend + rows.join(''));
}

/** A line chart of values in [0, 1] over labelled points (e.g. success rate per day). */
export function ratioLineChart(
  title: string,
  points: readonly { readonly label: string; readonly value: number }[],
  options: { width?: number } = {},
): string {
  const width = options.width ?? 640;
  if (points.length === 0) return empty(title, width);
  const height = 200;
  const left = 44;
  const right = 16;
  const top = 12;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => top + (1 - Math.max(0, Math.min(1, finite(v)))) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${COLORS.grid}"/><text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="small">${Math.round(v * 100)}%</text>`,
    )
    .join('');
  const path = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${COLORS.primary}"><title>${escapeHtml(p.label)}: ${(finite(p.value) * 100).toFixed(1)}%</title></circle>`,
    )
    .join('');
  const step = Math.max(1, Math.ceil(points.length / 8));
  const labels = points
    .map((p, i) =>
      i % step === 0
        ? `<text x="${x(i).toFixed(1)}" y="${height - 20}" text-anchor="middle" class="small">${escapeHtml(truncate(p.label, 16))}</text>`
        : '',
    )
    .join('');
  return frame(
    title,
    height,
    width,
    `${grid}<polyline fill="none" stroke="${COLORS.primary}" stroke-width="2" points="${path}"/>${dots}${labels}`,
  );
}

/** Shared page style (inline; no fonts are loaded: the system UI font is used). */
export const PAGE_STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#616161;margin-bottom:16px}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600;font-size:13px}
.badge.healthy{background:${COLORS.healthy}}.badge.degraded{background:${COLORS.degraded};color:#212121}.badge.unhealthy{background:${COLORS.unhealthy}}
.badge.unknown{background:${COLORS.neutral}}.badge.critical{background:${COLORS.unhealthy}}.badge.warning{background:${COLORS.degraded};color:#212121}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:10px 16px;min-width:130px}
.card .v{font-size:22px;font-weight:600}.card .k{color:#616161;font-size:12px}
table{border-collapse:collapse;background:#fff;margin:8px 0}th,td{border:1px solid #e0e0e0;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:8px 12px;margin:0}
figcaption{font-weight:600;margin-bottom:4px}svg text{font:12px system-ui,sans-serif;fill:#212121}svg text.small{font-size:10px}svg text.muted{fill:#757575}
ul.alerts{padding-left:0;list-style:none}ul.alerts li{margin:6px 0}
`;
