import { performance } from 'node:perf_hooks';
import type { StrategyBudget } from './budget.js';
import { messageOf } from './manual.js';
import type { RecoveryContext, RecoveryStrategy, Redactor, StrategyOutcome } from './types.js';

const VALID_OUTCOMES: ReadonlySet<unknown> = new Set(['retry', 'continue', 'fail']);
/** Longest error text kept from a strategy or in the history. */
export const MAX_MESSAGE = 500;

/**
 * How one strategy run ended: `aborted` when the recovery's signal aborted first; `timedOut` when
 * the strategy's time budget ran out first (then `outcome` is `'error'`).
 */
export type StrategyRun =
  | { aborted: true }
  | {
      aborted: false;
      outcome: StrategyOutcome | 'error';
      thrown: string | undefined;
      durationMs: number;
      timedOut: boolean;
    };

/**
 * Runs one strategy within its budget, turning a throw, an answer other than 'retry' / 'continue' /
 * 'fail', or running out of time into the `error` outcome with a redacted, bounded message.
 */
export async function runStrategy(
  strategy: RecoveryStrategy,
  ctx: RecoveryContext,
  budget: StrategyBudget,
  redact: Redactor,
): Promise<StrategyRun> {
  const started = performance.now();
  const ran = await budget.run(() => strategy.run(ctx));
  const durationMs = performance.now() - started;
  const failed = (text: string, timedOut = false): StrategyRun => ({
    aborted: false,
    outcome: 'error',
    thrown: redact(text).slice(0, MAX_MESSAGE),
    durationMs,
    timedOut,
  });
  switch (ran.kind) {
    case 'aborted':
      return { aborted: true };
    case 'timeout':
      return failed(
        `${strategy.name} did not finish within ${budget.ms} ms (its time budget); it was told to stop through ctx.signal`,
        true,
      );
    case 'threw':
      return failed(messageOf(ran.error));
    case 'value':
      if (VALID_OUTCOMES.has(ran.value)) {
        return { aborted: false, outcome: ran.value, thrown: undefined, durationMs, timedOut: false };
      }
      return failed(`returned ${safeJson(ran.value)} instead of 'retry', 'continue' or 'fail'`);
  }
}

/** JSON of a value for a message; never throws (cycles, BigInt, throwing toJSON). */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
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
