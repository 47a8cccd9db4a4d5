import { duration, percent, sortedCounts } from './format.js';
import { knownStatus } from './reportSchema.js';
import { barChart, COLORS, escapeHtml, groupedBarChart, PAGE_STYLE, statusColor } from './svg.js';
import type { HealthReport } from './types.js';

/** Options of {@link toHTML}. */
export interface HtmlOptions {
  /** Page title (default "Installer health"). */
  title?: string;
}

/**
 * Content-Security-Policy of the dashboards: nothing may load, only inline styles apply, no form
 * may be submitted and no `<base>` may redirect relative URLs — defence in depth behind the escaping.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'";

/**
 * A status badge. Only a known status (or alert severity) becomes the class and the text; anything
 * else — a report is outside input — shows as `unknown`.
 */
export function badge(status: unknown): string {
  const s = status === 'critical' || status === 'warning' ? status : knownStatus(status);
  return `<span class="badge ${s}">${s}</span>`;
}

/** A count for a table cell: a finite number as text, anything else as `–`. */
export function num(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '–';
}

/** Wraps a body into one self-contained page. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body>${body}</body></html>
`;
}

/** A summary card: a big value over a small key. */
export function card(key: string, value: string): string {
  return `<div class="card"><div class="v">${escapeHtml(value)}</div><div class="k">${escapeHtml(key)}</div></div>`;
}

/**
 * One self-contained HTML page for a report: status, summary cards, a component table and inline
 * SVG charts (success rate per component, latency p50/p95, error categories, recovery
 * effectiveness). No scripts, fonts, images or links are loaded; a CSP forbids it as well.
 */
export function toHTML(report: HealthReport, options: HtmlOptions = {}): string {
  const title = options.title ?? 'Installer health';
  const comps = report.components;
  const parts: string[] = [];
  parts.push(
    `<h1>${escapeHtml(title)} ${badge(report.status)}</h1>`,
    `<div class="meta">Instance ${escapeHtml(report.instance.id)} · ${escapeHtml(report.instance.platform)} ${escapeHtml(report.instance.arch)} · Node ${escapeHtml(report.instance.node)} · generated ${escapeHtml(report.generatedAt)} · up ${duration(report.instance.uptimeSeconds * 1000)}</div>`,
    `<div class="cards">${card('calls', num(report.totals.calls))}${card('success rate', percent(report.totals.successRate))}${card('failures', num(report.totals.failures))}${card('recovered', num(report.totals.recovered))}${
      report.install
        ? card(
            'install',
            `${report.install.success ? 'succeeded' : 'failed'} · ${duration(report.install.durationMs)}`,
          )
        : ''
    }</div>`,
  );

  parts.push('<h2>Components</h2>');
  if (comps.length === 0) {
    parts.push('<p>No calls recorded yet.</p>');
  } else {
    const rows = comps.map(
      (c) =>
        `<tr><td>${escapeHtml(c.name)}</td><td>${badge(c.status)}</td><td class="num">${percent(c.successRate)}</td><td class="num">${num(c.consecutiveFailures)}</td><td class="num">${num(c.calls)}</td><td class="num">${duration(c.p50)}</td><td class="num">${duration(c.p95)}</td><td class="num">${num(c.recovered)}</td><td>${escapeHtml(c.lastFailureCategory ?? '')}</td></tr>`,
    );
    parts.push(
      `<table><thead><tr><th>component</th><th>status</th><th>success rate</th><th>consecutive failures</th><th>calls</th><th>p50</th><th>p95</th><th>recovered</th><th>last failure</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
  }

  const charts: string[] = [];
  charts.push(
    barChart(
      'Success rate per component',
      comps.map((c) => ({
        label: c.name,
        value: c.successRate,
        display: percent(c.successRate),
        color: statusColor(c.status),
      })),
      { max: 1 },
    ),
    groupedBarChart(
      'Latency p50 / p95 per component (log scale)',
      [
        { name: 'p50', color: COLORS.secondary },
        { name: 'p95', color: COLORS.primary },
      ],
      comps.map((c) => ({
        label: c.name,
        values: [
          { value: c.p50, display: duration(c.p50) },
          { value: c.p95, display: duration(c.p95) },
        ],
      })),
      { log: true },
    ),
    barChart(
      'Failures by error category',
      sortedCounts(report.totals.errors).map(([k, v]) => ({ label: k, value: v, color: COLORS.unhealthy })),
    ),
  );
  const strategies = report.recovery?.strategies.filter((s) => s.attempts > 0) ?? [];
  charts.push(
    strategies.length > 0
      ? barChart(
          'Recovery effectiveness (strategy success rate)',
          strategies.map((s) => ({
            label: `${s.category}: ${s.strategy}`,
            value: s.observedRate,
            display: `${num(s.successes)}/${num(s.attempts)}`,
            color: COLORS.healthy,
          })),
          { max: 1 },
        )
      : barChart(
          'Recovery effectiveness (calls recovered per component)',
          comps.map((c) => ({ label: c.name, value: c.recovered, color: COLORS.healthy })),
        ),
  );
  parts.push('<h2>Charts</h2>', `<div class="charts">${charts.join('')}</div>`);

  if (report.circuits && report.circuits.length > 0) {
    parts.push(
      '<h2>Circuit breakers</h2>',
      `<table><thead><tr><th>circuit</th><th>state</th><th>consecutive failures</th></tr></thead><tbody>${report.circuits
        .map(
          (b) =>
            `<tr><td>${escapeHtml(b.name)}</td><td>${escapeHtml(b.state)}</td><td class="num">${b.consecutiveFailures === undefined ? '' : num(b.consecutiveFailures)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  }
  return page(title, parts.join('\n'));
}
