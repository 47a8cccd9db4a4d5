import { duration, percent, sortedCounts } from './format.js';
import { num } from './html.js';
import { knownStatus } from './reportSchema.js';
import type { HealthReport } from './types.js';

/**
 * Escapes text from a report for Markdown (table cells and list items): line breaks become spaces;
 * the backslash, table pipes, HTML (`<`, `>`, `&`) and the characters of links, images, code and
 * emphasis get a backslash, so any renderer shows the text as text. Numbers are written as text,
 * other non-strings as nothing.
 */
export function cell(text: unknown): string {
  const value =
    typeof text === 'string'
      ? text
      : typeof text === 'number' || typeof text === 'boolean'
        ? String(text)
        : '';
  return value.replace(/[\\|<>&[\]`*_!]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, ' ');
}

/** A report as Markdown: status, totals, a component table, errors, recovery and install. */
export function toMarkdown(report: HealthReport): string {
  const lines: string[] = [
    `# Health report: ${knownStatus(report.status)}`,
    '',
    `- Instance: ${cell(report.instance.id)} (${cell(report.instance.platform)} ${cell(report.instance.arch)}, Node ${cell(report.instance.node)})`,
    `- Generated: ${cell(report.generatedAt)}, up ${duration(report.instance.uptimeSeconds * 1000)}`,
    `- Calls: ${num(report.totals.calls)}, success rate ${percent(report.totals.successRate)}, failures ${num(report.totals.failures)}, recovered ${num(report.totals.recovered)}`,
  ];
  if (report.install) {
    lines.push(
      `- Install: ${report.install.success ? 'succeeded' : 'failed'} in ${duration(report.install.durationMs)}${report.install.category ? ` (${cell(report.install.category)})` : ''}`,
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
        `| ${cell(c.name)} | ${knownStatus(c.status)} | ${percent(c.successRate)} | ${num(c.consecutiveFailures)} | ${num(c.calls)} | ${duration(c.p50)} | ${duration(c.p95)} | ${num(c.recovered)} |`,
      );
    }
  }
  const errors = sortedCounts(report.totals.errors);
  if (errors.length > 0) {
    lines.push('', '## Failures by category', '', '| category | failures |', '|---|---:|');
    for (const [k, v] of errors) lines.push(`| ${cell(k)} | ${num(v)} |`);
  }
  const strategies = report.recovery?.strategies.filter((s) => s.attempts > 0) ?? [];
  if (strategies.length > 0) {
    lines.push('', '## Recovery', '', '| category | strategy | worked | likelihood |', '|---|---|---:|---:|');
    for (const s of strategies) {
      lines.push(
        `| ${cell(s.category)} | ${cell(s.strategy)} | ${num(s.successes)} of ${num(s.attempts)} | ${percent(s.likelihood)} |`,
      );
    }
  }
  if (report.circuits && report.circuits.length > 0) {
    lines.push('', '## Circuit breakers', '', '| circuit | state |', '|---|---|');
    for (const b of report.circuits) lines.push(`| ${cell(b.name)} | ${cell(b.state)} |`);
  }
  return `${lines.join('\n')}\n`;
}
