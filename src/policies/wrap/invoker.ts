import { classifyError, type ErrorClassification } from '../../errors/classify.js';
import { DEFAULT_REMEDIATION } from '../../errors/remediation.js';
import { describeThrown, isArraySafe, readProperty } from '../../errors/thrown.js';
import { raceAbort } from '../../shared/abort.js';
import { notify, observerFailed, settleQuietly } from '../../shared/observer.js';
import { redact } from '../../shared/redaction/redact.js';
import { peekCurrentContext, signalOf } from '../policy/context.js';
import type { Policy } from '../policy/types.js';
import type { CaptureHook, HealthHook, Logger, RecoveryHook, RecoveryRequest } from './hooks.js';

/** How a failing health hook is named in the warning. */
const HEALTH = 'withReliability health hook';

/** The bounds of one component's failure handling (see WithReliabilityOptions). */
export type InvokerLimits = Pick<InvokerSettings, 'maxRecoveryAttempts' | 'captureTimeout'>;

/** What one wrapped method needs at call time. */
export interface InvokerSettings {
  readonly component: string;
  readonly operation: string;
  readonly policy: Policy;
  readonly health: HealthHook | undefined;
  readonly recovery: RecoveryHook | undefined;
  readonly maxRecoveryAttempts: number;
  readonly capture: CaptureHook | undefined;
  /** How long the caller waits for `capture`, in ms. */
  readonly captureTimeout: number;
  readonly correlationId: string | undefined;
  readonly phase: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger | undefined;
}

type Call = (args: readonly unknown[]) => unknown;

/**
 * Runs one method call through its policy and reports the outcome. The success path is one
 * policy execution plus one `then`; recovery and capture run only after a final failure.
 *
 * The caller always gets exactly what the method threw (or what the policies made of it, e.g. a
 * RetriesExhaustedError): every hook is called so that nothing it does — throwing, rejecting,
 * answering with a hostile value — can replace that error or turn a success into a failure.
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
        const health = s.health;
        if (health) {
          // Inline (not #record, not notify()): this runs on every successful call.
          try {
            const result: unknown = health.record({
              component: s.component,
              operation: s.operation,
              success: true,
              durationMs: performance.now() - start,
            });
            if (result !== undefined) settleQuietly(HEALTH, result);
          } catch (error) {
            observerFailed(HEALTH, error);
          }
        }
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
    const classification = classifySafe(error);
    if (s.recovery && classification.category !== 'cancelled' && recoveryAttempts < s.maxRecoveryAttempts) {
      const action = await recoveryAction(
        s.recovery,
        error,
        {
          component: s.component,
          operation: s.operation,
          classification,
          recoveryAttempts,
          signal: signal ?? new AbortController().signal,
        },
        signal,
      );
      if (action === 'retry') {
        try {
          const value = await this.#run(args, signal);
          this.#record(true, start, undefined, true);
          return value;
        } catch (again) {
          return this.#afterFailure(again, args, signal, start, recoveryAttempts + 1);
        }
      }
      if (action === 'continue') {
        this.#record(true, start, undefined, true);
        return undefined;
      }
    }
    this.#record(false, start, classification.category, false);
    const logger = s.logger;
    if (logger) {
      notify('withReliability logger', () =>
        logger.error(
          redact(`${s.component}.${s.operation} failed (${classification.category}): ${messageOf(error)}`),
          { component: s.component, operation: s.operation, category: classification.category },
        ),
      );
    }
    if (s.capture) {
      const capture = s.capture;
      try {
        // Awaited (the capture is written before the caller sees the error), but bounded: a capture
        // that hangs must not keep the caller's error from it, nor an aborted call pending.
        const captured = Promise.resolve().then(() =>
          capture.capture(error, {
            component: s.component,
            operation: s.operation,
            retryCount: retryCountOf(error),
            recoveryAttempts,
            ...(s.correlationId === undefined ? {} : { correlationId: s.correlationId }),
            ...(s.phase === undefined ? {} : { phase: s.phase }),
          }),
        );
        await raceAbort(withinBudget(captured, s.captureTimeout), signal, 'capture');
      } catch {
        // A capture that fails (synchronously, by rejecting, or with a hostile thenable), takes too
        // long or is cut short by an abort is ignored: the caller gets its own error.
      }
    }
    throw error;
  }

  #record(
    success: boolean,
    start: number,
    category: ReturnType<typeof classifyError>['category'] | undefined,
    recovered: boolean,
  ): void {
    const s = this.#s;
    const health = s.health;
    if (!health) return;
    notify(HEALTH, () =>
      health.record({
        component: s.component,
        operation: s.operation,
        success,
        durationMs: performance.now() - start,
        ...(category === undefined ? {} : { category }),
        ...(recovered ? { recovered } : {}),
      }),
    );
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

/** Retries made before a final failure, from a RetriesExhaustedError's attempts; 0 when unreadable. */
function retryCountOf(error: unknown): number {
  const attempts = readProperty(error, 'attempts');
  const count = isArraySafe(attempts) ? readProperty(attempts, 'length') : 0;
  return typeof count === 'number' && count > 1 ? count - 1 : 0;
}

/** classifyError never throws by contract; a defect there must still not replace the caller's error. */
function classifySafe(error: unknown): ErrorClassification {
  try {
    return classifyError(error);
  } catch {
    return { category: 'unknown', retryable: false, remediation: DEFAULT_REMEDIATION.unknown };
  }
}

/**
 * What the recovery hook decided, as one of the actions withReliability knows. A hook that throws
 * (synchronously or by rejecting), or answers with anything but a readable known action, means
 * `'fail'`: the caller gets its own error.
 */
async function recoveryAction(
  hook: RecoveryHook,
  error: unknown,
  request: RecoveryRequest,
  signal: AbortSignal | undefined,
): Promise<'retry' | 'continue' | 'fail'> {
  try {
    // Raced against the signal: a hook that never settles must not keep an aborted call pending.
    const decision: unknown = await raceAbort(
      Promise.resolve().then(() => hook.recover(error, request)),
      signal,
      'recovery',
    );
    const action = readProperty(decision, 'action');
    return action === 'retry' || action === 'continue' ? action : 'fail';
  } catch {
    return 'fail';
  }
}

/**
 * Settles like `promise`, or resolves after `ms` (whichever comes first); the timer is unref'd and
 * cleared, so a hung hook keeps neither the caller nor the process waiting.
 */
function withinBudget(promise: Promise<unknown>, ms: number): Promise<unknown> {
  if (ms === Number.POSITIVE_INFINITY) return promise;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise, budget]).finally(() => clearTimeout(timer));
}
