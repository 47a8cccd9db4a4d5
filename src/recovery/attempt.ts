import { performance } from 'node:perf_hooks';
import { messageOf } from './manual.js';
import type { RecoveryContext, RecoveryStrategy, Redactor, StrategyOutcome } from './types.js';

const VALID_OUTCOMES: ReadonlySet<unknown> = new Set(['retry', 'continue', 'fail']);
/** Longest error text kept from a strategy or in the history. */
export const MAX_MESSAGE = 500;

/** How one strategy run ended; `aborted` when it threw after the recovery's signal aborted. */
export type StrategyRun =
  | { aborted: true }
  | { aborted: false; outcome: StrategyOutcome | 'error'; thrown: string | undefined; durationMs: number };

/**
 * Runs one strategy, turning a throw or an answer other than 'retry' / 'continue' / 'fail' into the
 * `error` outcome with a redacted, bounded message.
 */
export async function runStrategy(
  strategy: RecoveryStrategy,
  ctx: RecoveryContext,
  signal: AbortSignal,
  redact: Redactor,
): Promise<StrategyRun> {
  const started = performance.now();
  let outcome: StrategyOutcome | 'error';
  let thrown: string | undefined;
  try {
    const value: unknown = await strategy.run(ctx);
    if (VALID_OUTCOMES.has(value)) {
      outcome = value as StrategyOutcome;
    } else {
      outcome = 'error';
      thrown = redact(
        `returned ${JSON.stringify(value) ?? String(value)} instead of 'retry', 'continue' or 'fail'`,
      ).slice(0, MAX_MESSAGE);
    }
  } catch (caught) {
    if (signal.aborted) return { aborted: true };
    outcome = 'error';
    thrown = redact(messageOf(caught)).slice(0, MAX_MESSAGE);
  }
  return { aborted: false, outcome, thrown, durationMs: performance.now() - started };
}

/** Where a strategy's `addManualStep`, `note` and `addLink` calls go. */
export interface ContextSinks {
  readonly strategySteps: string[];
  readonly notes: string[];
  readonly addLink: (url: string) => void;
  readonly redact: Redactor;
}

/** The context a strategy runs with: the facts of the failure plus its callbacks into `sinks`. */
export function strategyContext(
  facts: Omit<RecoveryContext, 'addManualStep' | 'addLink' | 'note'>,
  sinks: ContextSinks,
): RecoveryContext {
  return {
    ...facts,
    addManualStep: (step) => {
      if (typeof step === 'string' && step.trim() !== '') sinks.strategySteps.push(step);
    },
    addLink: sinks.addLink,
    note: (text) => {
      if (typeof text === 'string' && text !== '') sinks.notes.push(sinks.redact(text));
    },
  };
}
