// `@wan/reliability/health`: HealthReporter, its formats, the fleet view and the HTTP endpoint.
// Re-exports only.

export {
  type AggregateOptions,
  aggregate,
  DEFAULT_FLEET_THRESHOLDS,
  type FleetAlert,
  type FleetReport,
  type FleetThresholds,
} from './aggregate.js';
export { type FleetHtmlOptions, fleetToHTML } from './fleetHtml.js';
export type { FleetTarget } from './fleetTypes.js';
export {
  DEFAULT_MAX_REPORT_BYTES,
  DEFAULT_MAX_REPORT_FILES,
  type FleetDashboardOptions,
  fleetDashboardFromFolder,
  type LoadedReports,
  type LoadReportsOptions,
  loadHealthReports,
} from './folder.js';
export { HealthReporter, type HealthReporterOptions } from './HealthReporter.js';
export { type HtmlOptions, toHTML } from './html.js';
export { toMarkdown } from './markdown.js';
export {
  type MeterLike,
  type MetricAttributes,
  type ObservableLike,
  type ObservableResultLike,
  OTEL_INSTRUMENTS,
} from './otel.js';
export {
  escapeLabelValue,
  MAX_LABEL_LENGTH,
  type PrometheusOptions,
  toPrometheus,
} from './prometheus.js';
export { DEFAULT_MAX_CIRCUITS, DEFAULT_MAX_COMPONENTS, DEFAULT_MAX_OPERATIONS } from './reporterOptions.js';
export type { FleetStatus } from './reportSchema.js';
export type { HealthServer, ResettableBreaker, ServeOptions } from './server.js';
export { LATENCY_BOUNDS_MS } from './stats.js';
export { DEFAULT_HEALTH_THRESHOLDS } from './status.js';
export {
  type CircuitReport,
  type ComponentHealth,
  type ComponentReport,
  HEALTH_REPORT_SCHEMA,
  HEALTH_REPORT_VERSION,
  type HealthReport,
  type HealthStatus,
  type HealthThresholds,
  type InstallOutcome,
  type LatencyHistogram,
  type OperationReport,
} from './types.js';
