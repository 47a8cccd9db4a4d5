import { duration, percent, sortedCounts } from './format.js';
import type { HealthReport } from './types.js';

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, ' ');
}

/** A report as Markdown: status, totals, a component table, errors, recovery and install. */
export function toMarkdown(report: HealthReport): string {
  const lines: string[] = [
    `# Health report: ${report.status}`,
    '',
    `- Instance: ${cell(report.instance.id)} (${report.instance.platform} ${report.instance.arch}, Node ${report.instance.node})`,
    `- Generated: ${report.generatedAt}, up ${duration(report.instance.uptimeSeconds * 1000)}`,
    `- Calls: ${report.totals.calls}, success rate ${percent(report.totals.successRate)}, failures ${report.totals.failures}, recovered ${report.totals.recovered}`,
  ];
  if (report.install) {
    lines.push(
      `- Install: ${report.install.success ? 'succeeded' : 'failed'} in ${duration(report.install.durationMs)}${report.install.category ? ` (${report.install.category})` : ''}`,
    );
  }
  lines.push('', '## Components', '');
  if (report.components.length === 0) {
    lines.push('No calls recorded yet.');
  } else {
    lines.push(
      '| component | status | success rate | consecutive failures | calls | p50 | p95 | recovered |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of report.components) {
      lines.push(
        `| ${cell(c.name)} | ${c.status} | ${percent(c.successRate)} | ${c.consecutiveFailures} | ${c.calls} | ${duration(c.p50)} | ${duration(c.p95)} | ${c.recovered} |`,
      );
    }
  }
  const errors = sortedCounts(report.totals.errors);
  if (errors.length > 0) {
    lines.push('', '## Failures by category', '', '| category | failures |', '|---|---:|');
    for (const [k, v] of errors) lines.push(`| ${k} | ${v} |`);
  }
  const strategies = report.recovery?.strategies.filter((s) => s.attempts > 0) ?? [];
  if (strategies.length > 0) {
    lines.push('', '## Recovery', '', '| category | strategy | worked | likelihood |', '|---|---|---:|---:|');
    for (const s of strategies) {
      lines.push(
        `| ${s.category} | ${cell(s.strategy)} | ${s.successes} of ${s.attempts} | ${percent(s.likelihood)} |`,
      );
    }
  }
  if (report.circuits && report.circuits.length > 0) {
    lines.push('', '## Circuit breakers', '', '| circuit | state |', '|---|---|');
    for (const b of report.circuits) lines.push(`| ${cell(b.name)} | ${b.state} |`);
  }
  return `${lines.join('\n')}\n`;
}
