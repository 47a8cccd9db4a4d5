import type { MonitorIssue, MonitorSample } from '../monitor/types.js';

/** Payload of `monitor:issue`: an issue appeared, or its severity changed. */
export interface MonitorIssueEvent {
  readonly issue: MonitorIssue;
  /** The severity it had before, when it was already active. */
  readonly previousSeverity?: MonitorIssue['severity'] | undefined;
}

/** Payload of `monitor:resolved`: an issue reported earlier is no longer detected. */
export interface MonitorResolvedEvent {
  readonly id: string;
  /** The last form the issue had. */
  readonly issue: MonitorIssue;
}

/** Payload of `monitor:error`: a sampling round failed (the monitor keeps running). */
export interface MonitorErrorEvent {
  readonly message: string;
  readonly error: unknown;
}

/** Events of a DiagnosticMonitor (also on `wan-reliability:monitor:*` diagnostics channels). */
export interface MonitorEvents {
  'monitor:issue': MonitorIssueEvent;
  'monitor:resolved': MonitorResolvedEvent;
  /** Every completed sampling round. */
  'monitor:sample': { readonly sample: MonitorSample };
  'monitor:error': MonitorErrorEvent;
}
