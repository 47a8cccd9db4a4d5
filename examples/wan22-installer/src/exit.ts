import { isReliabilityError, ManifestError } from '@wan/reliability';
import { redact } from '@wan/reliability/diagnostics';

/**
 * Exit codes of wan22-install (documented in the README): 4 means a person has to act before a run
 * can succeed (accept a model licence, provide a token).
 */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, preflight: 3, action: 4, interrupted: 130 });

/** Exit codes after which a support bundle is written: real failures, not usage errors or Ctrl-C. */
export const BUNDLE_CODES: ReadonlySet<number> = new Set([EXIT.failed, EXIT.preflight, EXIT.action]);

/** Bad command-line input: exit 2 with this message and no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A command finished with a known exit code and a message already shown (or in the JSON result). */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The exit code an error maps to. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof UsageError) return EXIT.usage;
  if (isReliabilityError(error)) {
    if (error.category === 'cancelled') return EXIT.interrupted;
    if (error.category === 'authentication') return EXIT.action;
    if (error.category === 'validation' || error.category === 'configuration') return EXIT.usage;
  }
  if ((error as { code?: string })?.code?.startsWith('commander.')) return EXIT.usage;
  return EXIT.failed;
}

/** One paragraph for people: what went wrong and what to do; redacted, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof ManifestError) {
    const only = error.problems.length === 1 ? error.problems[0] : undefined;
    if (only?.path === '$' && only.message.startsWith('cannot read')) {
      return redact(
        `Cannot read the manifest ${error.source ?? ''}: ${only.message.replace(/^cannot read the file\s*/, '')}. Nothing was written.`,
      );
    }
    const problems = error.problems.map((p) => `${p.path} ${p.message}`).join('; ');
    const where = error.source ? `The manifest ${error.source} is invalid` : 'The manifest is invalid';
    return redact(
      `${where} (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}): ${problems}. ` +
        'Nothing was written. Fix the manifest (or pin a template with `wan22-install manifest pin`) and run again.',
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const steps = isReliabilityError(error) ? error.remediation.slice(0, 2) : [];
  const text = [message.replace(/\s*\n\s*/g, ' '), ...steps].join(' ');
  return redact(text);
}
