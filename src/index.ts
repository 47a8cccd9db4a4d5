// Public exports only; no logic lives here.

export type { ErrorCategory } from './errors/category.js';
export { ERROR_CATEGORIES } from './errors/category.js';
export type { ClassifierResult, ClassifyOptions, ErrorClassification, ErrorClassifier } from './errors/classify.js';
export { classifyError, registerClassifier } from './errors/classify.js';
export { classifyHttpStatus, type HttpStatusInfo } from './errors/httpStatus.js';
export { ReliabilityError, isReliabilityError, type ReliabilityErrorOptions } from './errors/ReliabilityError.js';
export { CancelledError } from './errors/CancelledError.js';
export { CircuitOpenError } from './errors/CircuitOpenError.js';
export { ConfigurationError } from './errors/ConfigurationError.js';
export { HttpError, type HttpErrorOptions } from './errors/HttpError.js';
export { MissingMethodError } from './errors/MissingMethodError.js';
export { RetriesExhaustedError, type AttemptFailure } from './errors/RetriesExhaustedError.js';
export { RetryAfterTooLongError } from './errors/RetryAfterTooLongError.js';
export { TimeoutError } from './errors/TimeoutError.js';

export type { ExecuteOptions, ExecutionContext, Policy, PolicyFunction } from './policy/types.js';
export { compose, noopPolicy } from './policy/compose.js';
export { currentContext } from './policy/context.js';

export { CHANNEL_PREFIX, channelFor } from './events/channels.js';
export { ReliabilityEmitter, type EventPayloads, type ListenerMap } from './events/emitter.js';

export { parseRateLimit, parseRetryAfter, serverDelayFromHeaders } from './retry/retryAfter.js';
export type { HeaderSource } from './retry/headers.js';

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
