// Public exports only; no logic lives here.

export { ModelAvailability } from './availability/ModelAvailability.js';
export {
  AVAILABILITY_DEFAULTS,
  type ModelAvailabilityOptions,
  type ResolvedAvailabilityOptions,
} from './availability/options.js';
export type {
  AvailabilityChecker,
  AvailabilityProgress,
  CleanupCandidate,
  CleanupSuggestion,
  EnsureReadyOptions,
  ModelMode,
  ModelState,
  ModelStatus,
  ModelUpdate,
  ModelUsage,
  UpdateFile,
  UpdateReport,
  UsageData,
  UsageRecord,
  UsageReport,
  UsageStore,
} from './availability/types.js';
export type { UpdateSource } from './availability/updates.js';
export { JsonFileUsageStore, MemoryUsageStore } from './availability/usage.js';
export {
  type CaptureOptions,
  ErrorContextCapturer,
  type ErrorContextCapturerOptions,
} from './diagnostics/capture/ErrorContextCapturer.js';
export { DEFAULT_ENV_ALLOW_LIST } from './diagnostics/capture/env.js';
export { createDefaultProbe, detectGpus, detectPython } from './diagnostics/capture/probe.js';
export {
  buildIssueUrl,
  type ReportOptions,
  type ReportRedactor,
  renderReport,
} from './diagnostics/capture/report.js';
export type { SerializeLimits } from './diagnostics/capture/serialize.js';
export type {
  CpuFacts,
  DiskFacts,
  ErrorContext,
  GpuFacts,
  LoadFacts,
  MemoryFacts,
  OsFacts,
  ProbeName,
  PythonFacts,
  SerializedError,
  StackFrame,
  SystemProbe,
  SystemSnapshot,
} from './diagnostics/capture/types.js';
export { type CommandOptions, command } from './diagnostics/preflight/checks/command.js';
export { type DiskSpaceOptions, diskSpace } from './diagnostics/preflight/checks/diskSpace.js';
export { type GpuOptions, gpu, WAN22_VRAM_REQUIREMENTS } from './diagnostics/preflight/checks/gpu.js';
export { type MemoryOptions, memory } from './diagnostics/preflight/checks/memory.js';
export {
  type NetworkOptions,
  network,
  type ReachOutcome,
  type UrlReachability,
} from './diagnostics/preflight/checks/network.js';
export { type NodeVersionOptions, nodeVersion } from './diagnostics/preflight/checks/nodeVersion.js';
export { type PythonVersionOptions, pythonVersion } from './diagnostics/preflight/checks/pythonVersion.js';
export { type WritableOptions, writable } from './diagnostics/preflight/checks/writable.js';
export {
  type FormatPreflightOptions,
  formatPreflightReport,
  type PreflightRunOptions,
  PreflightValidator,
  type PreflightValidatorOptions,
} from './diagnostics/preflight/PreflightValidator.js';
export type {
  CheckContext,
  CheckOptions,
  CheckOutcome,
  PreflightCheck,
  PreflightEvents,
  PreflightReport,
  PreflightResult,
  PreflightStatus,
  SlowNotice,
} from './diagnostics/preflight/types.js';
export { type ContentRange, parseContentRange } from './downloads/contentRange.js';
export { Downloader } from './downloads/Downloader.js';
export type { TlsOptions } from './downloads/httpClient.js';
export {
  DOWNLOADER_DEFAULTS,
  type DownloadCallOptions,
  type DownloaderOptions,
  type DownloadRequest,
  type DownloadResult,
  type ResolvedDownloaderOptions,
  type TokenProvider,
} from './downloads/options.js';
export {
  findPartial,
  findPartials,
  PARTIAL_DIR_NAME,
  PARTIAL_SUFFIX,
  type PartialInfo,
  type PartialLocationOptions,
  partialDirFor,
  partialPathFor,
  WORK_DIR_NAME,
} from './downloads/partialPath.js';
export { AlternativesExhaustedError, type FailedAlternative } from './errors/AlternativesExhaustedError.js';
export { AuthenticationError, type AuthenticationErrorOptions } from './errors/AuthenticationError.js';
export { BulkheadRejectedError } from './errors/BulkheadRejectedError.js';
export { CancelledError } from './errors/CancelledError.js';
export { ChecksumMismatchError, type ChecksumMismatchErrorOptions } from './errors/ChecksumMismatchError.js';
export { CircuitOpenError } from './errors/CircuitOpenError.js';
export { ConfigurationError } from './errors/ConfigurationError.js';
export type { ErrorCategory } from './errors/category.js';
export { ERROR_CATEGORIES } from './errors/category.js';
export type {
  ClassifierResult,
  ClassifyOptions,
  ErrorClassification,
  ErrorClassifier,
} from './errors/classify.js';
export { classifyError, registerClassifier } from './errors/classify.js';
export { DependencyCycleError } from './errors/DependencyCycleError.js';
export { DiskFullError, type DiskFullErrorOptions } from './errors/DiskFullError.js';
export { HttpError, type HttpErrorOptions } from './errors/HttpError.js';
export { classifyHttpStatus, type HttpStatusInfo } from './errors/httpStatus.js';
export { InjectedFaultError } from './errors/InjectedFaultError.js';
export { ManifestError, type ManifestProblem } from './errors/ManifestError.js';
export { MissingMethodError } from './errors/MissingMethodError.js';
export { ModelUnavailableError, type ModelUnavailableErrorOptions } from './errors/ModelUnavailableError.js';
export { ProtocolError } from './errors/ProtocolError.js';
export { RedirectError } from './errors/RedirectError.js';
export {
  isReliabilityError,
  ReliabilityError,
  type ReliabilityErrorOptions,
} from './errors/ReliabilityError.js';
export { RequestLimitError } from './errors/RequestLimitError.js';
export { ResumeError } from './errors/ResumeError.js';
export { type AttemptFailure, RetriesExhaustedError } from './errors/RetriesExhaustedError.js';
export { RetryAfterTooLongError } from './errors/RetryAfterTooLongError.js';
export { ShortBodyError } from './errors/ShortBodyError.js';
export { SizeMismatchError } from './errors/SizeMismatchError.js';
export { type SlowTransfer, StallError } from './errors/StallError.js';
export { TimeoutError } from './errors/TimeoutError.js';
export type { AvailabilityEvents } from './events/availabilityEvents.js';
export { CHANNEL_PREFIX, channelFor } from './events/channels.js';
export type {
  CircuitEvents,
  CircuitNameEvent,
  CircuitOpenEvent,
  CircuitOpenReason,
  CircuitRejectEvent,
} from './events/circuitEvents.js';
export type {
  DownloadCompleteInfo,
  DownloadConnectionsInfo,
  DownloadCooldownInfo,
  DownloadErrorInfo,
  DownloadEvents,
  DownloadFailoverInfo,
  DownloadProgress,
  DownloadRestartInfo,
  DownloadResumeInfo,
  DownloadRetryInfo,
  DownloadStartInfo,
  DownloadWaitingInfo,
  DownloadWaitReason,
  RestartReason,
} from './events/downloadEvents.js';
export { type EventPayloads, type ListenerMap, ReliabilityEmitter } from './events/emitter.js';
export type {
  IntegrityEvents,
  IntegrityFileEvent,
  IntegrityHashEvent,
  IntegrityRepairedEvent,
  IntegrityRepairFailedEvent,
  IntegrityVerifiedEvent,
} from './events/integrityEvents.js';
export type {
  MonitorErrorEvent,
  MonitorEvents,
  MonitorIssueEvent,
  MonitorResolvedEvent,
} from './events/monitorEvents.js';
export type { RetryEvents, RetryGiveUpInfo, RetryInfo } from './events/retryEvents.js';
export type { TimeoutEvent, TimeoutEvents } from './events/timeoutEvents.js';
export {
  type AggregateOptions,
  aggregate,
  DEFAULT_FLEET_THRESHOLDS,
  type FleetAlert,
  type FleetReport,
  type FleetThresholds,
} from './health/aggregate.js';
export { fleetToHTML } from './health/fleetHtml.js';
export {
  type FleetDashboardOptions,
  fleetDashboardFromFolder,
  type LoadedReports,
  loadHealthReports,
} from './health/folder.js';
export { HealthReporter, type HealthReporterOptions } from './health/HealthReporter.js';
export { type HtmlOptions, toHTML } from './health/html.js';
export { toMarkdown } from './health/markdown.js';
export {
  type MeterLike,
  type MetricAttributes,
  type ObservableLike,
  type ObservableResultLike,
  OTEL_INSTRUMENTS,
} from './health/otel.js';
export { escapeLabelValue, type PrometheusOptions, toPrometheus } from './health/prometheus.js';
export type { HealthServer, ServeOptions } from './health/server.js';
export { LATENCY_BOUNDS_MS } from './health/stats.js';
export { DEFAULT_HEALTH_THRESHOLDS } from './health/status.js';
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
} from './health/types.js';
export {
  type Alternative,
  type AlternativeAttempt,
  type AlternativesResult,
  type TryAlternativesOptions,
  tryAlternatives,
} from './install/alternatives/tryAlternatives.js';
export { JOURNAL_DEFAULTS } from './install/journal/defaults.js';
export {
  type BeginOptions,
  type BeginResult,
  InstallJournal,
  type InstallJournalOptions,
  type StepHandle,
} from './install/journal/InstallJournal.js';
export type {
  JournalChange,
  JournalData,
  JournalRun,
  JournalStep,
  JournalValue,
  RollbackResult,
  RunStatus,
  StepStatus,
  UndoHandler,
} from './install/journal/types.js';
export { findCycle, type OrderNode, orderByDependencies } from './install/ordering/order.js';
export {
  type FileIdentity,
  type Hasher,
  type HashOptions,
  HashPool,
  type HashPoolOptions,
  type HashResult,
} from './integrity/hashPool.js';
export {
  ModelIntegrityChecker,
  type ModelIntegrityCheckerOptions,
} from './integrity/ModelIntegrityChecker.js';
export {
  fileUrls,
  loadManifest,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type ManifestFile,
  type ManifestModel,
  parseManifest,
} from './integrity/manifest.js';
export { fileUrl, isSafeRelativePath, modelIdProblems, pathProblems } from './integrity/paths.js';
export type {
  ActualContent,
  ExpectedContent,
  FailedFile,
  FileFetcher,
  FileFetchOptions,
  FileFetchProgress,
  FileFetchRequest,
  FileFetchResult,
  FileReport,
  FileStatus,
  IntegrityReport,
  ModelReport,
  RepairedFile,
  RepairOptions,
  RepairProgress,
  RepairResult,
  VerifyOptions,
  VerifyProgress,
  VerifyStats,
} from './integrity/types.js';
export { DiagnosticMonitor, MONITOR_COMPONENT } from './monitor/DiagnosticMonitor.js';
export { MONITOR_DEFAULTS } from './monitor/defaults.js';
export type { DetectThresholds } from './monitor/detect.js';
export type { DiagnosticMonitorOptions, ResolvedMonitorOptions } from './monitor/options.js';
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
} from './monitor/types.js';
export { Bulkhead, type BulkheadExecuteOptions, type BulkheadOptions } from './policies/bulkhead/Bulkhead.js';
export { type ChaosOptions, chaos } from './policies/chaos/chaos.js';
export { CircuitBreaker, type CircuitSnapshot } from './policies/circuit/CircuitBreaker.js';
export { CIRCUIT_DEFAULTS } from './policies/circuit/defaults.js';
export {
  type CircuitBreakerOptions,
  defaultIsFailure,
  type ResolvedCircuitOptions,
} from './policies/circuit/options.js';
export type { CircuitPermit } from './policies/circuit/permit.js';
export type { CircuitState, SavedCircuitState } from './policies/circuit/state.js';
export { type FallbackOptions, type FallbackPolicy, fallback } from './policies/fallback/fallback.js';
export { compose, noopPolicy } from './policies/policy/compose.js';
export { currentContext, enableCurrentContext } from './policies/policy/context.js';
export type { ExecuteOptions, ExecutionContext, Policy, PolicyFunction } from './policies/policy/types.js';
export {
  type BackoffSchedule,
  type JitterMode,
  nextDelay,
  scheduledDelay,
} from './policies/retry/backoff.js';
export { RETRY_DEFAULTS } from './policies/retry/defaults.js';
export type { ResolvedRetryOptions, RetryDecision, RetryPolicyOptions } from './policies/retry/options.js';
export { RetryPolicy } from './policies/retry/RetryPolicy.js';
export { DEFAULT_TIMEOUTS, TIMEOUT_SCALING, UNKNOWN_OPERATION_TIMEOUT } from './policies/timeout/defaults.js';
export {
  type TimeoutContext,
  TimeoutManager,
  type TimeoutManagerOptions,
  type TimeoutPolicy,
} from './policies/timeout/TimeoutManager.js';
export type {
  CallOutcome,
  CaptureHook,
  CaptureRequest,
  HealthHook,
  Logger,
  RecoveryDecision,
  RecoveryHook,
  RecoveryRequest,
} from './policies/wrap/hooks.js';
export type { AnyFunction, MethodOptions, WithReliabilityOptions } from './policies/wrap/options.js';
export { type Reliable, withReliability } from './policies/wrap/withReliability.js';
export { type ProxyConfig, type ProxyEnv, proxyConfigFromEnv } from './proxy/config.js';
export { likelihood, likelihoodText } from './recovery/learning.js';
export { DEFAULT_RECOVERY_LINKS, type ManualInput } from './recovery/manual.js';
export {
  type RecoverOptions,
  RecoveryRegistry,
  type RecoveryRegistryOptions,
} from './recovery/RecoveryRegistry.js';
export { RECOVERY_STORE_VERSION } from './recovery/store.js';
export { type AlternativeSourceOptions, alternativeSource } from './recovery/strategies/alternativeSource.js';
export { type CleanupTempOptions, cleanupTemp } from './recovery/strategies/cleanupTemp.js';
export { type FixPermissionsOptions, fixPermissions } from './recovery/strategies/fixPermissions.js';
export {
  type ManualInterventionOptions,
  manualIntervention,
} from './recovery/strategies/manualIntervention.js';
export { type RecreateVenvOptions, recreateVenv } from './recovery/strategies/recreateVenv.js';
export { type RedownloadCorruptOptions, redownloadCorrupt } from './recovery/strategies/redownloadCorrupt.js';
export { type RetryWithBackoffOptions, retryWithBackoff } from './recovery/strategies/retryWithBackoff.js';
export {
  type SafeDefaultsConfigOptions,
  safeDefaultsConfig,
} from './recovery/strategies/safeDefaultsConfig.js';
export type {
  RecoveryAttempt,
  RecoveryAttemptEvent,
  RecoveryContext,
  RecoveryEvents,
  RecoveryHistoryEntry,
  RecoveryResult,
  RecoveryStats,
  RecoveryStrategy,
  RecoverySummary,
  Redactor,
  StrategyOutcome,
  StrategyStats,
} from './recovery/types.js';
export type { HeaderSource } from './shared/headers.js';
export {
  addSecret,
  type EnvLike,
  isSecretName,
  REDACTED,
  type RedactOptions,
  type RedactValueOptions,
  redact,
  redactUrl,
  redactValue,
} from './shared/redaction/redact.js';
export { parseRateLimit, parseRetryAfter, serverDelayFromHeaders } from './shared/retryAfter.js';
