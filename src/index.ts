// `@wan/reliability`: everything of `@wan/reliability/policies` (the policies, withReliability,
// the errors and classifyError) plus the classes named in the design (Downloader,
// ModelIntegrityChecker, …) for one import on the common path. Each area has its own entry point
// (`/downloads`, `/integrity`, `/diagnostics`, `/recovery`, `/health`, `/monitor`,
// `/availability`, `/install`) with everything of that area; importing from
// `@wan/reliability/policies` and the areas you use loads less (docs/bundling.md). Re-exports only.

// The design's named components. Their options, results and helpers are exported by each area.
export { ModelAvailability } from './availability/ModelAvailability.js';
export { ErrorContextCapturer } from './diagnostics/capture/ErrorContextCapturer.js';
export { PreflightValidator } from './diagnostics/preflight/PreflightValidator.js';
export { Downloader } from './downloads/Downloader.js';
export { HealthReporter } from './health/HealthReporter.js';
export { ModelIntegrityChecker } from './integrity/ModelIntegrityChecker.js';
export { loadManifest } from './integrity/manifest.js';
export { DiagnosticMonitor } from './monitor/DiagnosticMonitor.js';
export * from './policies/index.js';
export { RecoveryRegistry } from './recovery/RecoveryRegistry.js';
