import type { FleetReport } from './aggregate.js';
import { duration, percent, sortedCounts } from './format.js';
import { badge, card, num, page } from './html.js';
import { barChart, COLORS, escapeHtml, ratioLineChart, statusColor } from './svg.js';

/** Options of {@link fleetToHTML}. */
export interface FleetHtmlOptions {
  /** Page title (default "Installer fleet health"). */
  title?: string;
  /** Files that were not read as reports (fleetDashboardFromFolder's `skippedFiles`), listed at the end. */
  skippedFiles?: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

/**
 * One self-contained HTML dashboard for a fleet: alerts, instance and install counts, charts
 * (success rate per component, failures by category, recovery methods that worked, success rate
 * over time) and the instance list. Nothing is loaded from the network. Every value from the fleet
 * report is escaped (reports come from many machines: any text in them is outside input); statuses
 * and severities other than the known ones show as `unknown`.
 */
export function fleetToHTML(fleet: FleetReport, options: FleetHtmlOptions = {}): string {
  const title = options.title ?? 'Installer fleet health';
  const files = options.skippedFiles ?? [];
  const skippedCount = fleet.skipped.length + files.length;
  const parts: string[] = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<div class="meta">${num(fleet.instances.total)} instance${fleet.instances.total === 1 ? '' : 's'} · generated ${escapeHtml(fleet.generatedAt)}${
      skippedCount > 0 ? ` · ${skippedCount} input${skippedCount === 1 ? '' : 's'} skipped` : ''
    }</div>`,
    '<h2>Alerts</h2>',
    fleet.alerts.length === 0
      ? '<p>No alert: every runbook threshold is met.</p>'
      : `<ul class="alerts">${fleet.alerts
          .map(
            (a) =>
              `<li>${badge(a.severity)} ${escapeHtml(a.message)}<br><strong>Do:</strong> ${escapeHtml(a.action)}</li>`,
          )
          .join('')}</ul>`,
    '<h2>Runbook targets</h2>',
    `<table class="targets"><thead><tr><th>measure</th><th>target</th><th>fleet</th><th>state</th></tr></thead><tbody>${fleet.targets
      .map(
        (t) =>
          `<tr><td>${escapeHtml(t.label)}</td><td>${escapeHtml(t.target)}</td><td class="num">${escapeHtml(t.observed)}</td><td>${
            t.met === null
              ? 'no data'
              : `<span class="badge ${t.met ? 'healthy' : 'unhealthy'}">${t.met ? 'met' : 'missed'}</span>`
          }</td></tr>`,
      )
      .join('')}</tbody></table>`,
    `<div class="cards">${card('instances', num(fleet.instances.total))}${card('healthy', num(fleet.instances.healthy))}${card(
      'degraded',
      num(fleet.instances.degraded),
    )}${card('unhealthy', num(fleet.instances.unhealthy))}${
      fleet.instances.unknown > 0 ? card('unknown status', num(fleet.instances.unknown)) : ''
    }${card(
      'install success',
      fleet.installs.known > 0
        ? `${percent(fleet.installs.successRate)} (${num(fleet.installs.succeeded)}/${num(fleet.installs.known)})`
        : '–',
    )}${card('average install', fleet.installs.known > 0 ? duration(fleet.installs.averageDurationMs) : '–')}${card(
      'call success',
      percent(fleet.totals.successRate),
    )}${card('timeouts / checksum / circuit-open (of attempts)', `${percent(fleet.rates.timeout)} / ${percent(fleet.rates.checksum)} / ${percent(fleet.rates.circuitOpen)}`)}</div>`,
  ];
  const worked = fleet.recovery.filter((r) => r.attempts > 0);
  const charts = [
    barChart(
      'Success rate per component (fleet)',
      fleet.components.map((c) => ({
        label: c.name,
        value: c.successRate,
        display: `${percent(c.successRate)} · ${num(c.instances)} inst.`,
        color: statusColor(c.status),
      })),
      { max: 1 },
    ),
    barChart(
      'Failures by error category',
      sortedCounts(fleet.totals.errors).map(([k, v]) => ({ label: k, value: v, color: COLORS.unhealthy })),
    ),
    barChart(
      'Recovery methods that worked',
      worked.map((r) => ({
        label: `${r.category}: ${r.strategy}`,
        value: r.rate,
        display: `${num(r.successes)}/${num(r.attempts)}`,
        color: COLORS.healthy,
      })),
      { max: 1 },
    ),
    ratioLineChart(
      'Call success rate over time',
      fleet.trends.map((t) => ({ label: t.period, value: t.successRate })),
    ),
  ];
  parts.push('<h2>Charts</h2>', `<div class="charts">${charts.join('')}</div>`, '<h2>Instances</h2>');
  parts.push(
    `<table><thead><tr><th>instance</th><th>host</th><th>status</th><th>install</th><th>calls</th><th>success rate</th><th>report time</th></tr></thead><tbody>${fleet.instances.list
      .map(
        (i) =>
          `<tr><td>${escapeHtml(i.id)}</td><td>${escapeHtml(i.hostname)}</td><td>${badge(i.status)}</td><td>${
            i.install
              ? `${i.install.success ? 'succeeded' : 'failed'} · ${duration(i.install.durationMs)}`
              : '–'
          }</td><td class="num">${num(i.calls)}</td><td class="num">${percent(i.successRate)}</td><td>${escapeHtml(i.generatedAt)}</td></tr>`,
      )
      .join('')}</tbody></table>`,
  );
  if (skippedCount > 0) {
    parts.push(
      '<h2>Skipped inputs</h2>',
      `<ul>${[
        ...fleet.skipped.map((s) => `<li>#${num(s.index)}: ${escapeHtml(s.reason)}</li>`),
        ...files.map((s) => `<li>${escapeHtml(s.file)}: ${escapeHtml(s.reason)}</li>`),
      ].join('')}</ul>`,
    );
  }
  return page(title, parts.join('\n'));
}
