import type { MonitorIssue, MonitorSample } from '../monitor/types.js';

/** Payload of `monitor:issue`: an issue appeared, or its severity changed. */
export interface MonitorIssueEvent {
  /** The issue as detected in this round. */
  readonly issue: MonitorIssue;
  /** The severity it had before, when it was already active. */
  readonly previousSeverity?: MonitorIssue['severity'] | undefined;
}

/** Payload of `monitor:resolved`: an issue reported earlier is no longer detected. */
export interface MonitorResolvedEvent {
  /** The resolved issue's id (e.g. `disk-full:/data`). */
  readonly id: string;
  /** The last form the issue had. */
  readonly issue: MonitorIssue;
}

/** Payload of `monitor:error`: a sampling round failed (the monitor keeps running). */
export interface MonitorErrorEvent {
  /** The failure's message (the error's `message`, or the thrown value as text). */
  readonly message: string;
  /** What the sampling round threw. */
  readonly error: unknown;
}

/** Events of a DiagnosticMonitor (also on `wan-reliability:monitor:*` diagnostics channels). */
export interface MonitorEvents {
  /** An issue appeared or changed severity. */
  'monitor:issue': MonitorIssueEvent;
  /** An issue reported earlier is gone. */
  'monitor:resolved': MonitorResolvedEvent;
  /** Every completed sampling round. */
  'monitor:sample': {
    /** What the round measured. */
    readonly sample: MonitorSample;
  };
  /** A background sampling round failed; the monitor keeps its schedule. */
  'monitor:error': MonitorErrorEvent;
}
