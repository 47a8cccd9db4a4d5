// `@wan/reliability/diagnostics`: error context capture, redaction, support reports and preflight
// checks. Re-exports only.

export { type ProxyConfig, type ProxyEnv, proxyConfigFromEnv } from '../proxy/config.js';
export {
  addSecret,
  type EnvLike,
  isSecretName,
  REDACTED,
  type RedactOptions,
  type RedactValueOptions,
  redact,
  redactError,
  redactHeaders,
  redactUrl,
  redactValue,
} from '../shared/redaction/redact.js';
export {
  type CaptureOptions,
  ErrorContextCapturer,
  type ErrorContextCapturerOptions,
} from './capture/ErrorContextCapturer.js';
export { DEFAULT_ENV_ALLOW_LIST } from './capture/env.js';
export { createDefaultProbe, detectGpus, detectPython } from './capture/probe.js';
export { buildIssueUrl, type ReportOptions, type ReportRedactor, renderReport } from './capture/report.js';
export type { SerializeLimits } from './capture/serialize.js';
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
} from './capture/types.js';
export { checks, type PreflightChecks } from './preflight/checks/builtins.js';
export type { CommandOptions } from './preflight/checks/command.js';
export type { DiskSpaceOptions } from './preflight/checks/diskSpace.js';
export { type GpuOptions, WAN22_VRAM_REQUIREMENTS, type Wan22Model } from './preflight/checks/gpu.js';
export type { MemoryOptions } from './preflight/checks/memory.js';
export type { NetworkOptions, ReachOutcome, UrlReachability } from './preflight/checks/network.js';
export type { NodeVersionOptions } from './preflight/checks/nodeVersion.js';
export type { PythonVersionOptions } from './preflight/checks/pythonVersion.js';
export type { WritableOptions } from './preflight/checks/writable.js';
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
