import { redact } from '../../shared/redaction/redact.js';
import { stringifyRedacted } from '../capture/report.js';
import type { PreflightReport, PreflightStatus } from './types.js';

const SYMBOLS: Record<PreflightStatus, { unicode: string; ascii: string; word: string }> = {
  pass: { unicode: '✓', ascii: 'ok', word: 'passed' },
  warn: { unicode: '!', ascii: '!!', word: 'warning' },
  fail: { unicode: '✗', ascii: 'XX', word: 'failed' },
  error: { unicode: '‼', ascii: 'ER', word: 'error' },
};

/** Options for {@link formatPreflightReport}. */
export interface FormatPreflightOptions {
  /** `'human'` (default) or `'json'` (like `brew doctor --json`). */
  readonly format?: 'human' | 'json';
  /** Plain ASCII markers instead of ✓ ! ✗ ‼ (for old Windows consoles). */
  readonly ascii?: boolean;
  /** Show durations (default true). */
  readonly durations?: boolean;
}

function plural(count: number, word: string): string {
  if (word === 'warning' || word === 'error') return `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${count} ${word}`;
}

/**
 * Renders a preflight report: a `flutter doctor`-like list for people, or JSON for tools. Both are
 * redacted.
 */
export function formatPreflightReport(report: PreflightReport, options: FormatPreflightOptions = {}): string {
  if (options.format === 'json') return stringifyRedacted(report);
  const lines: string[] = [];
  const ascii = options.ascii ?? false;
  const durations = options.durations ?? true;
  for (const result of report.results) {
    const symbol = ascii ? SYMBOLS[result.status].ascii : SYMBOLS[result.status].unicode;
    const time = durations
      ? ` (${result.durationMs < 1000 ? `${Math.round(result.durationMs)} ms` : `${(result.durationMs / 1000).toFixed(1)} s`})`
      : '';
    lines.push(`[${symbol}] ${result.title}: ${result.message}${time}`);
    if (result.status !== 'pass') {
      for (const step of result.remediation) lines.push(`    ${ascii ? '->' : '→'} ${step}`);
    }
  }
  const { pass, warn, fail, error } = report.counts;
  lines.push('');
  lines.push(
    `${report.ok ? 'Preflight passed' : 'Preflight found problems'}: ${plural(pass, 'passed')}, ${plural(warn, 'warning')}, ${plural(fail, 'failed')}, ${plural(error, 'error')}.`,
  );
  return redact(lines.join('\n'));
}
