import { classifyError } from '../../errors/classify.js';
import { describeThrown, isArraySafe, readProperty } from '../../errors/thrown.js';
import { raceAbort } from '../../shared/abort.js';
import { redact } from '../../shared/redaction/redact.js';
import { peekCurrentContext, signalOf } from '../policy/context.js';
import type { Policy } from '../policy/types.js';
import type { CaptureHook, HealthHook, Logger, RecoveryHook } from './hooks.js';

/** What one wrapped method needs at call time. */
export interface InvokerSettings {
  readonly component: string;
  readonly operation: string;
  readonly policy: Policy;
  readonly health: HealthHook | undefined;
  readonly recovery: RecoveryHook | undefined;
  readonly maxRecoveryAttempts: number;
  readonly capture: CaptureHook | undefined;
  readonly correlationId: string | undefined;
  readonly phase: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger | undefined;
}

type Call = (args: readonly unknown[]) => unknown;

/**
 * Runs one method call through its policy and reports the outcome. The success path is one
 * policy execution plus one `then`; recovery and capture run only after a final failure.
 */
export class Invoker {
  readonly #s: InvokerSettings;
  readonly #call: Call;

  constructor(settings: InvokerSettings, call: Call) {
    this.#s = settings;
    this.#call = call;
  }

  invoke(args: readonly unknown[]): Promise<unknown> {
    const s = this.#s;
    const start = performance.now();
    const signal = s.signal ?? outerSignal();
    const run = this.#run(args, signal);
    if (!s.health && !s.recovery && !s.capture && !s.logger) return run;
    return run.then(
      (value) => {
        s.health?.record({
          component: s.component,
          operation: s.operation,
          success: true,
          durationMs: performance.now() - start,
        });
        return value;
      },
      (error: unknown) => this.#afterFailure(error, args, signal, start, 0),
    );
  }

  #run(args: readonly unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    return this.#s.policy.execute(() => this.#call(args), { operation: this.#s.operation, signal });
  }

  async #afterFailure(
    error: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    start: number,
    recoveryAttempts: number,
  ): Promise<unknown> {
    const s = this.#s;
    const classification = classifyError(error);
    if (s.recovery && classification.category !== 'cancelled' && recoveryAttempts < s.maxRecoveryAttempts) {
      const recovery = s.recovery;
      // Raced against the signal: a hook that never settles must not keep an aborted call pending.
      // A throw, a rejection or an abort counts as 'fail' (the caller gets its original error).
      const decision = await raceAbort(
        Promise.resolve().then(() =>
          recovery.recover(error, {
            component: s.component,
            operation: s.operation,
            classification,
            recoveryAttempts,
            signal: signal ?? new AbortController().signal,
          }),
        ),
        signal,
        'recovery',
      ).then(
        (answer) => ({ action: readProperty(answer, 'action') }),
        () => ({ action: 'fail' as const }),
      );
      if (decision.action === 'retry') {
        try {
          const value = await this.#run(args, signal);
          this.#record(true, start, undefined, true);
          return value;
        } catch (again) {
          return this.#afterFailure(again, args, signal, start, recoveryAttempts + 1);
        }
      }
      if (decision.action === 'continue') {
        this.#record(true, start, undefined, true);
        return undefined;
      }
    }
    this.#record(false, start, classification.category, false);
    s.logger?.error(
      redact(`${s.component}.${s.operation} failed (${classification.category}): ${messageOf(error)}`),
      {
        component: s.component,
        operation: s.operation,
        category: classification.category,
      },
    );
    if (s.capture) {
      await s.capture
        .capture(error, {
          component: s.component,
          operation: s.operation,
          retryCount: retryCountOf(error),
          recoveryAttempts,
          ...(s.correlationId === undefined ? {} : { correlationId: s.correlationId }),
          ...(s.phase === undefined ? {} : { phase: s.phase }),
        })
        .catch(() => undefined);
    }
    throw error;
  }

  #record(
    success: boolean,
    start: number,
    category: ReturnType<typeof classifyError>['category'] | undefined,
    recovered: boolean,
  ) {
    this.#s.health?.record({
      component: this.#s.component,
      operation: this.#s.operation,
      success,
      durationMs: performance.now() - start,
      ...(category === undefined ? {} : { category }),
      ...(recovered ? { recovered } : {}),
    });
  }
}

/** The signal of an enclosing policy call, so nested wrapped calls stop with their caller. */
function outerSignal(): AbortSignal | undefined {
  const ctx = peekCurrentContext();
  return ctx ? signalOf(ctx) : undefined;
}

/** The error's message, for logs (callers redact it); never throws, whatever was thrown. */
export function messageOf(error: unknown): string {
  return describeThrown(error);
}

function retryCountOf(error: unknown): number {
  const attempts = readProperty(error, 'attempts');
  return isArraySafe(attempts) ? Math.max(0, attempts.length - 1) : 0;
}
