/** The state of one preflight check, as in `flutter doctor`: */
export type PreflightStatus = 'pass' | 'warn' | 'fail' | 'error';

/** What a check's `run` returns. `error` is reserved for checks that threw or hung. */
export interface CheckOutcome {
  /** `pass`: fine; `warn`: works but worth a look; `fail`: the install would fail. */
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
  /** Performs the check; a throw or a hang past `timeout` becomes an `error` result. */
  run(context: CheckContext): CheckOutcome | Promise<CheckOutcome>;
}

/** One check's result in a report. */
export interface PreflightResult {
  /** The check's id. */
  readonly id: string;
  /** The check's title (its id when it has none), redacted. */
  readonly title: string;
  /** The check's status; `error` when it threw or hung. */
  readonly status: PreflightStatus;
  /** One line for humans, redacted. */
  readonly message: string;
  /** What to do about it, most useful first (empty for a pass), redacted. */
  readonly remediation: readonly string[];
  /** Time the check took, ms (0.1 ms resolution). */
  readonly durationMs: number;
  /** The check's machine-readable facts, redacted. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The outcome of {@link PreflightValidator.run}. */
export interface PreflightReport {
  /** False when any check failed or errored (warnings keep it true). */
  readonly ok: boolean;
  /** ISO timestamps. */
  readonly startedAt: string;
  /** ISO timestamp of the last check's end. */
  readonly finishedAt: string;
  /** Wall time of the whole run, ms (whole number). */
  readonly durationMs: number;
  /** Results per status (every status present, 0 when none). */
  readonly counts: Readonly<Record<PreflightStatus, number>>;
  /** In the order the checks were given. */
  readonly results: readonly PreflightResult[];
}

/** Payload of the "still checking …" notice. */
export interface SlowNotice {
  /** Ids of the checks still running. */
  readonly pending: readonly string[];
  /** Time since the run started, ms. */
  readonly elapsedMs: number;
  /** `Still checking: network, gpu …` */
  readonly message: string;
}

/** Events of a {@link PreflightValidator}. */
export interface PreflightEvents {
  /** A check finished (in completion order, not report order). */
  'preflight:result': PreflightResult;
  /** Checks are still running after `slowNoticeAfter` ms (at most once per run). */
  'preflight:slow': SlowNotice;
}

/** Options shared by the built-in check factories. */
export interface CheckOptions {
  /** Override the check's id. */
  readonly id?: string;
  /** Override the check's time limit (ms). */
  readonly timeout?: number;
}
