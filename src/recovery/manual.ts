import type { ErrorCategory } from '../errors/category.js';
import type { ErrorClassification } from '../errors/classify.js';
import { describeThrown, isInstance, readProperty } from '../errors/thrown.js';
import type { RecoveryAttempt, Redactor } from './types.js';

/** Documentation links shown with the manual steps of a category (only stable, official pages). */
export const DEFAULT_RECOVERY_LINKS: Readonly<Partial<Record<ErrorCategory, readonly string[]>>> =
  Object.freeze({
    authentication: ['https://huggingface.co/docs/hub/security-tokens'],
    network: ['https://nodejs.org/api/cli.html#node_extra_ca_certsfile'],
    dependency: ['https://docs.python.org/3/library/venv.html'],
  });

/** What the manual-steps builder and a custom report builder are told. */
export interface ManualInput {
  /** The error of the final failure. */
  readonly error: unknown;
  /** How classifyError saw it. */
  readonly classification: ErrorClassification;
  /** The component that failed (`unknown` when not given). */
  readonly component: string;
  /** The operation that failed (`unknown` when not given). */
  readonly operation: string;
  /** Every strategy tried, in order. */
  readonly attempts: readonly RecoveryAttempt[];
  /** Steps strategies added through `ctx.addManualStep`. */
  readonly strategySteps: readonly string[];
  /** Documentation links: the category's defaults, the configured ones and those strategies added. */
  readonly links: readonly string[];
}

/** The message of any thrown value, as text. */
export function messageOf(error: unknown): string {
  // Hostile errors (throwing getters, revoked proxies) must not make recovery throw.
  if (isInstance(error, Error)) {
    const message = readProperty(error, 'message');
    if (typeof message === 'string' && message !== '') return message;
    const name = readProperty(error, 'name');
    return typeof name === 'string' && name !== '' ? name : 'Error';
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? describeThrown(error);
  } catch {
    return describeThrown(error);
  }
}

/** Guided steps: what strategies found first, then the category's remediation, then what was tried. */
export function manualSteps(input: ManualInput, redact: Redactor): string[] {
  const steps: string[] = [];
  const seen = new Set<string>();
  const add = (step: string) => {
    const clean = redact(step.trim());
    if (clean && !seen.has(clean)) {
      seen.add(clean);
      steps.push(clean);
    }
  };
  for (const step of input.strategySteps) add(step);
  for (const step of input.classification.remediation) add(step);
  if (input.attempts.length > 0) {
    add(
      `Automatic recovery was tried and did not help: ${input.attempts.map((a) => `${a.strategy} (${a.outcome})`).join(', ')}.`,
    );
  } else {
    add('No automatic recovery applies to this failure.');
  }
  add('If the problem remains, attach the pre-filled report below to a support request.');
  return steps;
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A pre-filled support report in Markdown (redacted). */
export function manualReport(
  input: ManualInput,
  steps: readonly string[],
  redact: Redactor,
  now = new Date(),
): string {
  const c = input.classification;
  const lines = [
    `## Recovery needs a person: ${c.category} in ${input.component}.${input.operation}`,
    '',
    `- **Error:** ${messageOf(input.error)}`,
    `- **Category:** ${c.category} (retryable: ${c.retryable ? 'yes' : 'no'})`,
  ];
  if (c.code !== undefined) lines.push(`- **Code:** ${c.code}`);
  if (c.status !== undefined) lines.push(`- **HTTP status:** ${c.status}`);
  lines.push(
    `- **When:** ${now.toISOString()}`,
    `- **Runtime:** Node ${process.version}, ${process.platform} ${process.arch}`,
    '',
    '### Tried automatically',
    '',
  );
  if (input.attempts.length === 0) {
    lines.push('Nothing applied.');
  } else {
    lines.push('| strategy | outcome | likelihood before | notes |', '|---|---|---|---|');
    for (const a of input.attempts) {
      const notes = [...a.notes, ...(a.error ? [`threw: ${a.error}`] : [])].join('; ');
      lines.push(
        `| ${escapeCell(a.strategy)} | ${a.outcome} | ${escapeCell(a.likelihoodText)} | ${escapeCell(notes)} |`,
      );
    }
  }
  lines.push('', '### Suggested steps', '', ...steps.map((s, i) => `${i + 1}. ${s}`));
  if (input.links.length > 0) lines.push('', '### Links', '', ...input.links.map((l) => `- ${l}`));
  return redact(`${lines.join('\n')}\n`);
}
