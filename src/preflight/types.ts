/** The state of one preflight check, as in `flutter doctor`: */
export type PreflightStatus = 'pass' | 'warn' | 'fail' | 'error';

/** What a check's `run` returns. `error` is reserved for checks that threw or hung. */
export interface CheckOutcome {
  readonly status: 'pass' | 'warn' | 'fail';
  /** One line for humans: what was found. */
  readonly message: string;
  /** What to do about a warn / fail, most useful step first. */
  readonly remediation?: readonly string[] | string;
  /** Machine-readable facts (bytes free, versions found, per-URL outcomes…), redacted on output. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What a check receives when it runs. */
export interface CheckContext {
  /** Aborted when the check's timeout passes or the whole run is cancelled: stop work then. */
  readonly signal: AbortSignal;
}

/** One preflight check. Built-ins come from the factories in `PreflightValidator.checks`. */
export interface PreflightCheck {
  /** Stable id (`disk-space:/models`, `network`, `gpu`…); unique within a validator. */
  readonly id: string;
  /** Human label; defaults to the id. */
  readonly title?: string;
  /** Its own time limit in ms (default: the validator's `timeout`). */
  readonly timeout?: number;
  run(context: CheckContext): CheckOutcome | Promise<CheckOutcome>;
}

/** One check's result in a report. */
export interface PreflightResult {
  readonly id: string;
  readonly title: string;
  readonly status: PreflightStatus;
  readonly message: string;
  readonly remediation: readonly string[];
  readonly durationMs: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The outcome of {@link PreflightValidator.run}. */
export interface PreflightReport {
  /** False when any check failed or errored (warnings keep it true). */
  readonly ok: boolean;
  /** ISO timestamps. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<PreflightStatus, number>>;
  /** In the order the checks were given. */
  readonly results: readonly PreflightResult[];
}

/** Payload of the "still checking …" notice. */
export interface SlowNotice {
  /** Ids of the checks still running. */
  readonly pending: readonly string[];
  readonly elapsedMs: number;
  /** `Still checking: network, gpu …` */
  readonly message: string;
}

/** Events of a {@link PreflightValidator}. */
export interface PreflightEvents {
  'preflight:result': PreflightResult;
  'preflight:slow': SlowNotice;
}

/** Options shared by the built-in check factories. */
export interface CheckOptions {
  /** Override the check's id. */
  readonly id?: string;
  /** Override the check's time limit (ms). */
  readonly timeout?: number;
}
