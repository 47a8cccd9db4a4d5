import type { FleetReport } from './aggregate.js';
import { duration, percent, sortedCounts } from './format.js';
import { card, page } from './html.js';
import { barChart, COLORS, escapeHtml, ratioLineChart } from './svg.js';

/**
 * One self-contained HTML dashboard for a fleet: alerts, instance and install counts, charts
 * (success rate per component, failures by category, recovery methods that worked, success rate
 * over time) and the instance list. Nothing is loaded from the network.
 */
export function fleetToHTML(fleet: FleetReport, options: { title?: string } = {}): string {
  const title = options.title ?? 'Installer fleet health';
  const parts: string[] = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<div class="meta">${fleet.instances.total} instance${fleet.instances.total === 1 ? '' : 's'} · generated ${escapeHtml(fleet.generatedAt)}${
      fleet.skipped.length > 0
        ? ` · ${fleet.skipped.length} input${fleet.skipped.length === 1 ? '' : 's'} skipped`
        : ''
    }</div>`,
    '<h2>Alerts</h2>',
    fleet.alerts.length === 0
      ? '<p>No alert: every runbook threshold is met.</p>'
      : `<ul class="alerts">${fleet.alerts
          .map(
            (a) =>
              `<li><span class="badge ${a.severity}">${a.severity}</span> ${escapeHtml(a.message)}<br><strong>Do:</strong> ${escapeHtml(a.action)}</li>`,
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
    `<div class="cards">${card('instances', String(fleet.instances.total))}${card('healthy', String(fleet.instances.healthy))}${card(
      'degraded',
      String(fleet.instances.degraded),
    )}${card('unhealthy', String(fleet.instances.unhealthy))}${card(
      'install success',
      fleet.installs.known > 0
        ? `${percent(fleet.installs.successRate)} (${fleet.installs.succeeded}/${fleet.installs.known})`
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
        display: `${percent(c.successRate)} · ${c.instances} inst.`,
        color: COLORS[c.status],
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
        display: `${r.successes}/${r.attempts}`,
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
          `<tr><td>${escapeHtml(i.id)}</td><td>${escapeHtml(i.hostname)}</td><td><span class="badge ${i.status}">${i.status}</span></td><td>${
            i.install
              ? `${i.install.success ? 'succeeded' : 'failed'} · ${duration(i.install.durationMs)}`
              : '–'
          }</td><td class="num">${i.calls}</td><td class="num">${percent(i.successRate)}</td><td>${escapeHtml(i.generatedAt)}</td></tr>`,
      )
      .join('')}</tbody></table>`,
  );
  if (fleet.skipped.length > 0) {
    parts.push(
      '<h2>Skipped inputs</h2>',
      `<ul>${fleet.skipped.map((s) => `<li>#${s.index}: ${escapeHtml(s.reason)}</li>`).join('')}</ul>`,
    );
  }
  return page(title, parts.join('\n'));
}
