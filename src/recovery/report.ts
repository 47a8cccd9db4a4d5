import type { ErrorContextCapturer } from '../diagnostics/capture/ErrorContextCapturer.js';
import type { StrategyBudget } from './budget.js';
import { type ManualInput, manualReport, messageOf } from './manual.js';
import type { Redactor } from './types.js';

/** What building the pre-filled report of a `manual` result may use. */
export interface ReportTools {
  readonly redact: Redactor;
  readonly reportBuilder: ((input: ManualInput) => string | PromiseLike<string>) | undefined;
  readonly capturer: Pick<ErrorContextCapturer, 'capture' | 'report'> | undefined;
  readonly warn: (message: string) => void;
  /** Bounds the builder and the capturer (the registry's `strategyTimeoutMs` and the signal). */
  readonly budget: StrategyBudget;
}

/**
 * The report of a `manual` result: the custom builder's (redacted), or the Markdown summary followed
 * by the capturer's context when there is one. Falls back to the summary (with a warning) when
 * either throws or outlives the budget; when the signal aborts it returns the summary at once.
 */
export async function buildRecoveryReport(
  input: ManualInput,
  steps: readonly string[],
  recoveryAttempts: number,
  tools: ReportTools,
): Promise<string> {
  const summary = manualReport(input, steps, tools.redact);
  const built = await tools.budget.run(async () => {
    if (tools.reportBuilder) return tools.redact(await tools.reportBuilder(input));
    if (!tools.capturer) return summary;
    const context = await tools.capturer.capture(input.error, {
      component: input.component,
      operation: input.operation,
      phase: 'recovery',
      retryCount: 0,
      recoveryAttempts,
    });
    return tools.redact(`${summary}\n${tools.capturer.report(context, { format: 'markdown' })}`);
  });
  if (built.kind === 'value') return built.value;
  if (built.kind === 'threw') tools.warn(`Building the recovery report failed: ${messageOf(built.error)}`);
  if (built.kind === 'timeout') {
    tools.warn(
      `Building the recovery report took longer than ${tools.budget.ms} ms; the summary report is used.`,
    );
  }
  return summary;
}
