// `@wan/reliability/monitor`: DiagnosticMonitor (disk, memory, CPU and component health over time).
// Re-exports only.

export type {
  MonitorErrorEvent,
  MonitorEvents,
  MonitorIssueEvent,
  MonitorResolvedEvent,
} from '../events/monitorEvents.js';
export { DiagnosticMonitor, MONITOR_COMPONENT } from './DiagnosticMonitor.js';
export { MONITOR_DEFAULTS } from './defaults.js';
export type { DetectThresholds } from './detect.js';
export type { DiagnosticMonitorOptions, ResolvedMonitorOptions } from './options.js';
export type {
  CpuSample,
  DiskProjection,
  DiskSample,
  IssueSeverity,
  MemorySample,
  MonitoredComponentHealth,
  MonitorHealthSource,
  MonitorIssue,
  MonitorSample,
  MonitorSampler,
  SamplerRequest,
  SamplerResult,
} from './types.js';
