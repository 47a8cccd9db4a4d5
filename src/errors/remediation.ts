import type { ErrorCategory } from './category.js';

/** Default, human-readable next steps per category; specific errors add their own in front. */
export const DEFAULT_REMEDIATION: Readonly<Record<ErrorCategory, readonly string[]>> = Object.freeze({
  network: [
    'Check the internet connection and any proxy settings (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).',
    'Run the operation again: partial downloads resume where they stopped.',
  ],
  timeout: [
    'The operation took longer than allowed; on a slow connection raise the timeout for this operation.',
    'Run the operation again: completed work is kept.',
  ],
  rate_limit: [
    'The server is rate limiting requests; wait a few minutes and try again.',
    'Use an access token (e.g. HF_TOKEN) for higher limits, or configure a mirror.',
  ],
  authentication: [
    'Provide a valid access token (e.g. set HF_TOKEN or run `huggingface-cli login`).',
    'For gated models, accept the licence on the model page with the same account.',
  ],
  permission: [
    'Make sure the target folder is writable by the current user (check owner and mode).',
    'Choose another install folder instead of running the installer with elevated privileges.',
  ],
  disk_full: [
    'Free disk space on the target volume or choose a folder on a larger volume.',
    'Remove stale partial downloads and unused models.',
  ],
  resource_exhaustion: [
    'Close other programs to free memory or file handles, then try again.',
    'Lower the download concurrency.',
  ],
  corruption: [
    'The data failed an integrity check; it will be downloaded again.',
    'If this keeps happening, try another mirror and check the disk for errors.',
  ],
  missing_method: [
    'A component does not provide the expected method: check that its version matches what the installer expects.',
    'Update the component, or register an alias or fallback for the missing method.',
  ],
  version_mismatch: ['Install a supported version of the component named in the message.'],
  dependency: [
    'A required dependency could not be installed; check the package index or use an offline wheelhouse.',
  ],
  configuration: ['Check the configuration values named in the message; defaults are documented.'],
  validation: ['Fix the input named in the message; each problem is listed with its location.'],
  cancelled: ['The operation was cancelled; run it again to continue where it stopped.'],
  circuit_open: [
    'Too many recent failures: calls are paused until the cool-down ends.',
    'Check the service named in the message; the installer tries again automatically after the cool-down.',
  ],
  system: ['An operating-system error occurred; the error code in the message names it.'],
  unknown: [
    'Run the operation again; if it keeps failing, create a support report and attach it to an issue.',
  ],
});
