// Public exports only; no logic lives here.

export {
  type Alternative,
  type AlternativeAttempt,
  type AlternativesResult,
  type TryAlternativesOptions,
  tryAlternatives,
} from './alternatives/tryAlternatives.js';
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
export { Bulkhead, type BulkheadExecuteOptions, type BulkheadOptions } from './bulkhead/Bulkhead.js';
export { type ChaosOptions, chaos } from './chaos/chaos.js';
export { CircuitBreaker, type CircuitSnapshot } from './circuit/CircuitBreaker.js';
export { CIRCUIT_DEFAULTS } from './circuit/defaults.js';
export {
  type CircuitBreakerOptions,
  defaultIsFailure,
  type ResolvedCircuitOptions,
} from './circuit/options.js';
export type { CircuitState, SavedCircuitState } from './circuit/state.js';
export {
  type CaptureOptions,
  ErrorContextCapturer,
  type ErrorContextCapturerOptions,
} from './context/ErrorContextCapturer.js';
export { DEFAULT_ENV_ALLOW_LIST } from './context/env.js';
export { createDefaultProbe, detectGpus, detectPython } from './context/probe.js';
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
} from './context/redact.js';
export { buildIssueUrl, type ReportOptions, type ReportRedactor, renderReport } from './context/report.js';
export type { SerializeLimits } from './context/serialize.js';
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
} from './context/types.js';
export { type ContentRange, parseContentRange } from './download/contentRange.js';
export { Downloader } from './download/Downloader.js';
export type { TlsOptions } from './download/httpClient.js';
export {
  DOWNLOADER_DEFAULTS,
  type DownloadCallOptions,
  type DownloaderOptions,
  type DownloadRequest,
  type DownloadResult,
  type ResolvedDownloaderOptions,
  type TokenProvider,
} from './download/options.js';
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
} from './download/partialPath.js';
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
export { ResumeError } from './errors/ResumeError.js';
export { type AttemptFailure, RetriesExhaustedError } from './errors/RetriesExhaustedError.js';
export { RetryAfterTooLongError } from './errors/RetryAfterTooLongError.js';
export { SizeMismatchError } from './errors/SizeMismatchError.js';
export { StallError } from './errors/StallError.js';
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
  DownloadErrorInfo,
  DownloadEvents,
  DownloadFailoverInfo,
  DownloadProgress,
  DownloadRestartInfo,
  DownloadResumeInfo,
  DownloadRetryInfo,
  DownloadStartInfo,
  DownloadWaitingInfo,
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
export { type FallbackOptions, type FallbackPolicy, fallback } from './fallback/fallback.js';
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
export { JOURNAL_DEFAULTS } from './journal/defaults.js';
export {
  type BeginOptions,
  type BeginResult,
  InstallJournal,
  type InstallJournalOptions,
  type StepHandle,
} from './journal/InstallJournal.js';
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
} from './journal/types.js';
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
export { findCycle, type OrderNode, orderByDependencies } from './ordering/order.js';
export { compose, noopPolicy } from './policy/compose.js';
export { currentContext, enableCurrentContext } from './policy/context.js';
export type { ExecuteOptions, ExecutionContext, Policy, PolicyFunction } from './policy/types.js';
export { type CommandOptions, command } from './preflight/checks/command.js';
export { type DiskSpaceOptions, diskSpace } from './preflight/checks/diskSpace.js';
export { type GpuOptions, gpu, WAN22_VRAM_REQUIREMENTS } from './preflight/checks/gpu.js';
export { type MemoryOptions, memory } from './preflight/checks/memory.js';
export {
  type NetworkOptions,
  network,
  type ReachOutcome,
  type UrlReachability,
} from './preflight/checks/network.js';
export { type NodeVersionOptions, nodeVersion } from './preflight/checks/nodeVersion.js';
export { type PythonVersionOptions, pythonVersion } from './preflight/checks/pythonVersion.js';
export { type WritableOptions, writable } from './preflight/checks/writable.js';
export {
  type FormatPreflightOptions,
  formatPreflightReport,
  type PreflightRunOptions,
  PreflightValidator,
  type PreflightValidatorOptions,
} from './preflight/PreflightValidator.js';
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
} from './preflight/types.js';
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
export { type BackoffSchedule, type JitterMode, nextDelay, scheduledDelay } from './retry/backoff.js';
export { RETRY_DEFAULTS } from './retry/defaults.js';
export type { HeaderSource } from './retry/headers.js';
export type { ResolvedRetryOptions, RetryDecision, RetryPolicyOptions } from './retry/options.js';
export { RetryPolicy } from './retry/RetryPolicy.js';
export { parseRateLimit, parseRetryAfter, serverDelayFromHeaders } from './retry/retryAfter.js';
export { DEFAULT_TIMEOUTS, TIMEOUT_SCALING, UNKNOWN_OPERATION_TIMEOUT } from './timeout/defaults.js';
export {
  type TimeoutContext,
  TimeoutManager,
  type TimeoutManagerOptions,
  type TimeoutPolicy,
} from './timeout/TimeoutManager.js';
export type {
  CallOutcome,
  CaptureHook,
  CaptureRequest,
  HealthHook,
  Logger,
  RecoveryDecision,
  RecoveryHook,
  RecoveryRequest,
} from './wrap/hooks.js';
export type { AnyFunction, MethodOptions, WithReliabilityOptions } from './wrap/options.js';
export { type Reliable, withReliability } from './wrap/withReliability.js';
