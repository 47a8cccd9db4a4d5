// `@wan/reliability/policies`: the policies, withReliability, the errors and classifyError —
// what wraps any call, and nothing of the areas (no HTTP client, manifest schema or report
// formats), so it is the lightest entry (docs/bundling.md). The root re-exports all of it.
// Re-exports only.

export { AlternativesExhaustedError, type FailedAlternative } from '../errors/AlternativesExhaustedError.js';
export { AuthenticationError, type AuthenticationErrorOptions } from '../errors/AuthenticationError.js';
export { BulkheadRejectedError } from '../errors/BulkheadRejectedError.js';
export { CancelledError } from '../errors/CancelledError.js';
export { ChecksumMismatchError, type ChecksumMismatchErrorOptions } from '../errors/ChecksumMismatchError.js';
export { CircuitOpenError } from '../errors/CircuitOpenError.js';
export { ConfigurationError } from '../errors/ConfigurationError.js';
export { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
export {
  type ClassifierResult,
  type ClassifyOptions,
  classifyError,
  type ErrorClassification,
  type ErrorClassifier,
  registerClassifier,
} from '../errors/classify.js';
export { DependencyCycleError } from '../errors/DependencyCycleError.js';
export { DiskFullError, type DiskFullErrorOptions } from '../errors/DiskFullError.js';
export { HttpError, type HttpErrorOptions } from '../errors/HttpError.js';
export { classifyHttpStatus, type HttpStatusInfo } from '../errors/httpStatus.js';
export { InjectedFaultError } from '../errors/InjectedFaultError.js';
export { JournalConflictError } from '../errors/JournalConflictError.js';
export { LockHeldError } from '../errors/LockHeldError.js';
export { ManifestError, type ManifestProblem } from '../errors/ManifestError.js';
export { MissingMethodError } from '../errors/MissingMethodError.js';
export { ModelUnavailableError, type ModelUnavailableErrorOptions } from '../errors/ModelUnavailableError.js';
export { PathOutsideRootError, type PathOutsideRootErrorOptions } from '../errors/PathOutsideRootError.js';
export { ProtocolError } from '../errors/ProtocolError.js';
export { RedirectError } from '../errors/RedirectError.js';
export {
  isReliabilityError,
  ReliabilityError,
  type ReliabilityErrorOptions,
} from '../errors/ReliabilityError.js';
export { RequestLimitError } from '../errors/RequestLimitError.js';
export { ResumeError } from '../errors/ResumeError.js';
export {
  type AttemptFailure,
  RetriesExhaustedError,
  type RetriesExhaustedErrorOptions,
} from '../errors/RetriesExhaustedError.js';
export { RetryAfterTooLongError } from '../errors/RetryAfterTooLongError.js';
export { RetryableResultError, type RetryableResultErrorOptions } from '../errors/RetryableResultError.js';
export { ShortBodyError } from '../errors/ShortBodyError.js';
export { SizeMismatchError } from '../errors/SizeMismatchError.js';
export { type SlowTransfer, StallError } from '../errors/StallError.js';
export { TimeoutError } from '../errors/TimeoutError.js';
export { CHANNEL_PREFIX, channelFor } from '../events/channels.js';
export type {
  CircuitEvents,
  CircuitNameEvent,
  CircuitOpenEvent,
  CircuitOpenReason,
  CircuitRejectEvent,
} from '../events/circuitEvents.js';
export {
  type EventName,
  type EventPayloads,
  type ListenerMap,
  ReliabilityEmitter,
} from '../events/emitter.js';
export type { RetryEvents, RetryGiveUpInfo, RetryInfo } from '../events/retryEvents.js';
export type { TimeoutEvent, TimeoutEvents } from '../events/timeoutEvents.js';
export {
  Bulkhead,
  type BulkheadExecuteOptions,
  type BulkheadOptions,
} from '../policies/bulkhead/Bulkhead.js';
export { type ChaosOptions, chaos } from '../policies/chaos/chaos.js';
export { CircuitBreaker, type CircuitSnapshot } from '../policies/circuit/CircuitBreaker.js';
export { CIRCUIT_DEFAULTS } from '../policies/circuit/defaults.js';
export {
  type CircuitBreakerOptions,
  defaultIsFailure,
  type ResolvedCircuitOptions,
} from '../policies/circuit/options.js';
export type { CircuitPermit } from '../policies/circuit/permit.js';
export type { CircuitState, SavedCircuitState } from '../policies/circuit/state.js';
export { type FallbackOptions, type FallbackPolicy, fallback } from '../policies/fallback/fallback.js';
export { compose, noopPolicy } from '../policies/policy/compose.js';
export { currentContext, enableCurrentContext } from '../policies/policy/context.js';
export type { ExecuteOptions, ExecutionContext, Policy, PolicyFunction } from '../policies/policy/types.js';
export {
  type BackoffSchedule,
  type JitterMode,
  nextDelay,
  scheduledDelay,
} from '../policies/retry/backoff.js';
export { RETRY_DEFAULTS } from '../policies/retry/defaults.js';
export type { ResolvedRetryOptions, RetryDecision, RetryPolicyOptions } from '../policies/retry/options.js';
export { RetryPolicy } from '../policies/retry/RetryPolicy.js';
export {
  type ResponseLike,
  type ResponseRetryOptions,
  retryOnResponse,
} from '../policies/retry/responses.js';
export type { ResultJudge, ResultVerdict } from '../policies/retry/resultRetry.js';
export {
  DEFAULT_TIMEOUTS,
  TIMEOUT_SCALING,
  UNKNOWN_OPERATION_TIMEOUT,
} from '../policies/timeout/defaults.js';
export {
  type TimeoutContext,
  TimeoutManager,
  type TimeoutManagerOptions,
  type TimeoutPolicy,
} from '../policies/timeout/TimeoutManager.js';
export type {
  CallOutcome,
  CaptureHook,
  CaptureRequest,
  HealthHook,
  Logger,
  RecoveryDecision,
  RecoveryHook,
  RecoveryRequest,
} from '../policies/wrap/hooks.js';
export {
  type AnyFunction,
  type MethodOptions,
  WITH_RELIABILITY_DEFAULTS,
  type WithReliabilityOptions,
} from '../policies/wrap/options.js';
export type { MethodsOption, NoOptions, Promisified, ReliableShape } from '../policies/wrap/reliable.js';
export { type Reliable, withReliability } from '../policies/wrap/withReliability.js';
export type { HeaderSource } from '../shared/headers.js';
export { parseRateLimit, parseRetryAfter, serverDelayFromHeaders } from '../shared/retryAfter.js';
