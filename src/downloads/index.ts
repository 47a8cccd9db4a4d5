// `@wan/reliability/downloads`: resumable, verified, multi-mirror downloads. Re-exports only.

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
} from '../events/downloadEvents.js';
export { type ProxyConfig, type ProxyEnv, proxyConfigFromEnv } from '../proxy/config.js';
export { type ContentRange, parseContentRange } from './contentRange.js';
export { Downloader } from './Downloader.js';
export type { TlsOptions } from './httpClient.js';
export {
  DOWNLOADER_DEFAULTS,
  type DownloadCallOptions,
  type DownloaderOptions,
  type DownloadRequest,
  type DownloadResult,
  type ResolvedDownloaderOptions,
  requestLimitFor,
  type TokenOrigins,
  type TokenProvider,
} from './options.js';
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
} from './partialPath.js';
