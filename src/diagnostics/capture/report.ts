import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { redact } from '../../shared/redaction/redact.js';
import { optionalCount, optionalObject, optionalOneOf } from '../../shared/validate.js';
import type { ErrorContext, SerializedError, SystemSnapshot } from './types.js';

/** Options for {@link renderReport}. */
export interface ReportOptions {
  /** `'markdown'` (default) for an issue body, `'json'` for tools. */
  readonly format?: 'markdown' | 'json';
  /**
   * An issue-URL template, e.g. `https://github.com/owner/repo/issues/new?title={title}&body={body}`.
   * `{title}` and `{body}` are replaced by the encoded title and markdown body; a template without
   * `{body}` gets `title=` and `body=` query parameters appended. The URL is added to the report
   * (a closing "File this report" line in markdown, an `issueUrl` field in JSON).
   */
  readonly issueUrl?: string;
  /** Maximum length of the issue URL; the body is cut to fit (default 8000, GitHub's limit is ~8 KB). */
  readonly maxUrlLength?: number;
  /** Stack frames shown per error in markdown (default 15; JSON keeps all captured frames). */
  readonly maxFrames?: number;
}

/** Text filter applied to the whole rendered report (the capturer passes its redactor). */
export type ReportRedactor = (text: string) => string;

const GIB = 1024 ** 3;

function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value >= GIB) return `${(value / GIB).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(0)} MiB`;
  return `${value} B`;
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function fence(text: string, lang = 'text'): string {
  let ticks = '```';
  while (text.includes(ticks)) ticks += '`';
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

/** A one-line title for the report and the issue. */
export function reportTitle(context: ErrorContext): string {
  const first = context.error.message.split('\n')[0] ?? '';
  const where = [context.component, context.operation].filter(Boolean).join('.');
  const title = `[${context.category}] ${where ? `${where}: ` : ''}${context.error.name}: ${first}`;
  return title.length > 120 ? `${title.slice(0, 119)}…` : title;
}

function errorBlock(error: SerializedError, maxFrames: number, prefix = '', depth = 0): string[] {
  const lines: string[] = [];
  const code = error.code ? ` [${error.code}]` : '';
  const status = error.status !== undefined ? ` (HTTP ${error.status})` : '';
  lines.push(`${prefix}${error.name}: ${error.message}${code}${status}`);
  for (const frame of error.stack.slice(0, maxFrames)) lines.push(`    ${frame}`);
  if (error.stack.length > maxFrames) lines.push(`    … ${error.stack.length - maxFrames} more frames`);
  if (error.properties && Object.keys(error.properties).length > 0) {
    lines.push(`    properties: ${JSON.stringify(error.properties)}`);
  }
  if (error.errors && depth < 10) {
    error.errors.forEach((inner, index) => {
      lines.push(...errorBlock(inner, maxFrames, `[${index}] `, depth + 1));
    });
  }
  if (error.cause && depth < 10) lines.push(...errorBlock(error.cause, maxFrames, 'Caused by: ', depth + 1));
  return lines;
}

function systemRows(system: SystemSnapshot): [string, string][] {
  const rows: [string, string][] = [];
  const os = system.os;
  rows.push([
    'OS',
    os ? `${os.distro} ${os.release} (${os.platform}, kernel ${os.kernel}, ${os.arch})` : 'unknown',
  ]);
  const cpu = system.cpu;
  if (cpu) {
    const load =
      cpu.load?.percent !== null && cpu.load?.percent !== undefined ? `, load ${cpu.load.percent} %` : '';
    rows.push(['CPU', `${cpu.model}, ${cpu.cores} cores (${cpu.physicalCores} physical)${load}`]);
  } else {
    rows.push(['CPU', 'unknown']);
  }
  const memory = system.memory;
  rows.push([
    'Memory',
    memory ? `${bytes(memory.availableBytes)} available of ${bytes(memory.totalBytes)}` : 'unknown',
  ]);
  if (system.gpus === null) rows.push(['GPUs', 'unknown']);
  else if (system.gpus.length === 0) rows.push(['GPUs', 'none found']);
  else {
    system.gpus.forEach((gpu, index) => {
      rows.push([
        `GPU ${index}`,
        `${gpu.vendor} ${gpu.model}, ${gpu.vramBytes === null ? 'VRAM unknown' : `${bytes(gpu.vramBytes)} VRAM`}, driver ${gpu.driverVersion ?? 'unknown'}`,
      ]);
    });
  }
  rows.push([
    'Node.js',
    `${system.node.version} (V8 ${system.node.v8}, ${system.node.platform}-${system.node.arch})`,
  ]);
  rows.push(['Python', system.python ? `${system.python.version} (${system.python.command})` : 'not found']);
  if (system.disks === null) rows.push(['Disks', 'unknown']);
  else {
    for (const disk of system.disks.slice(0, 12)) {
      rows.push([
        `Disk ${disk.mount}`,
        `${bytes(disk.availableBytes)} free of ${bytes(disk.sizeBytes)} (${disk.type})`,
      ]);
    }
  }
  if (system.missing.length > 0) {
    rows.push(['Not captured', system.missing.map((item) => `${item.probe} (${item.reason})`).join(', ')]);
  }
  return rows;
}

function markdown(context: ErrorContext, maxFrames: number, includeEnv = true): string {
  const out: string[] = [];
  out.push(`## ${reportTitle(context)}`, '');
  const facts: [string, string][] = [
    ['Id', context.id],
    ['Time', context.timestamp],
  ];
  if (context.phase) facts.push(['Phase', context.phase]);
  if (context.component) facts.push(['Component', context.component]);
  if (context.operation) facts.push(['Operation', context.operation]);
  facts.push(['Category', `${context.category} (${context.retryable ? 'retryable' : 'not retryable'})`]);
  if (context.code) facts.push(['Code', context.code]);
  if (context.status !== null) facts.push(['HTTP status', String(context.status)]);
  if (context.correlationId) {
    facts.push([
      'Correlation',
      `${context.correlationId}${context.previousErrorIds.length > 0 ? ` (earlier errors: ${context.previousErrorIds.join(', ')})` : ''}`,
    ]);
  }
  facts.push(['Retries / recovery attempts', `${context.retryCount} / ${context.recoveryAttempts}`]);
  out.push('| | |', '|---|---|');
  for (const [name, value] of facts) out.push(`| ${cell(name)} | ${cell(value)} |`);
  out.push('');

  if (context.remediation.length > 0) {
    out.push('### What to try', '');
    context.remediation.forEach((step, index) => {
      out.push(`${index + 1}. ${step}`);
    });
    out.push('');
  }

  out.push('### Error', '', fence(errorBlock(context.error, maxFrames).join('\n')), '');

  out.push('### System', '', '| | |', '|---|---|');
  for (const [name, value] of systemRows(context.system)) out.push(`| ${cell(name)} | ${cell(value)} |`);
  out.push('');

  if (includeEnv) {
    const names = Object.keys(context.env);
    out.push('### Environment', '');
    out.push(
      names.length > 0
        ? fence(names.map((name) => `${name}=${context.env[name]}`).join('\n'))
        : '_none of the listed variables is set_',
    );
    out.push('');
  }
  out.push(
    '<sub>Generated by @wan/reliability. Secrets are redacted; review the report before posting it.</sub>',
    '',
  );
  return out.join('\n');
}

/**
 * Pretty JSON of `value` with every text redacted, always valid: the rendered text is redacted as a
 * whole (so that composed text cannot reintroduce a secret), and when a secret value also matched
 * structure (the digits of a number, say) each string is redacted on its own instead.
 */
export function stringifyRedacted(value: unknown, redactText: ReportRedactor = redact): string {
  const text = JSON.stringify(value, null, 2);
  const filtered = redactText(text);
  if (filtered === text) return text;
  try {
    JSON.parse(filtered);
    return filtered;
  } catch {
    return JSON.stringify(redactStrings(value, redactText), null, 2);
  }
}

function redactStrings(value: unknown, redactText: ReportRedactor): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redactText));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[redactText(key)] = redactStrings(item, redactText);
    return out;
  }
  return value;
}

/** Encodes `text` cut so that its encoded form fits `budget` characters (never splits a character). */
function encodeWithin(text: string, budget: number, note: string): string {
  const full = encodeURIComponent(text);
  if (full.length <= budget) return full;
  const encodedNote = encodeURIComponent(note);
  const room = budget - encodedNote.length;
  if (room <= 0) return '';
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (encodeURIComponent(chars.slice(0, mid).join('')).length <= room) low = mid;
    else high = mid - 1;
  }
  return encodeURIComponent(chars.slice(0, low).join('')) + encodedNote;
}

/**
 * Builds an issue URL from a template: `{title}` and `{body}` are replaced by the encoded title and
 * body (a template without `{body}` gets `title` and `body` query parameters). The body is cut so the
 * whole URL stays within `maxLength` characters.
 */
export function buildIssueUrl(template: string, title: string, body: string, maxLength = 8000): string {
  const hasBody = template.includes('{body}');
  let base = template.replace('{title}', encodeURIComponent(title));
  if (!hasBody) {
    const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
    base = `${base}${separator}${template.includes('{title}') ? '' : `title=${encodeURIComponent(title)}&`}body={body}`;
  }
  const budget = maxLength - (base.length - '{body}'.length);
  const note = '\n\n… (cut to fit the link: please attach the full report)';
  return base.replace('{body}', encodeWithin(body, Math.max(0, budget), note));
}

/**
 * Renders a pre-filled support report for a captured context: markdown for an issue body or JSON
 * for tools. Every character goes through `redactText` (default: {@link redact}).
 */
export function renderReport(
  context: ErrorContext,
  options: ReportOptions = {},
  redactText: ReportRedactor = redact,
): string {
  optionalObject('report options', options);
  const format = optionalOneOf('report format', options.format, ['markdown', 'json']) ?? 'markdown';
  const maxFrames = optionalCount('report maxFrames', options.maxFrames) ?? 15;
  if (options.issueUrl !== undefined && typeof options.issueUrl !== 'string') {
    throw new ConfigurationError('report issueUrl', 'an issue-URL template string', options.issueUrl);
  }
  optionalCount('report maxUrlLength', options.maxUrlLength);
  const title = redactText(reportTitle(context));
  let url: string | undefined;
  if (options.issueUrl) {
    const body = redactText(markdown(context, Math.min(maxFrames, 8), true));
    url = buildIssueUrl(options.issueUrl, title, body, options.maxUrlLength ?? 8000);
  }
  if (format === 'json') {
    const document: Record<string, unknown> = { title, generatedAt: new Date().toISOString(), context };
    if (url) document.issueUrl = url;
    return stringifyRedacted(document, redactText);
  }
  let text = markdown(context, maxFrames);
  if (url) text += `\n[File this report as an issue](${url})\n`;
  return redactText(text);
}
