import type { DownloadEvents } from '../events/downloadEvents.js';
import type { HasherPool } from './hashWorker.js';
import type { ConnectionPool } from './http1/pool.js';
import type { TlsOptions } from './httpClient.js';
import type { MirrorHealth } from './mirrors.js';
import type { ResolvedDownloaderOptions } from './options.js';
import type { OriginBudget } from './segments/originBudget.js';
import type { WindowShare } from './segments/windowShare.js';
import type { TokenBucket } from './throttle.js';

/** Everything a download shares with its Downloader. */
export interface SessionDeps {
  readonly options: ResolvedDownloaderOptions;
  /** Keep-alive connections, per route. */
  readonly pool: ConnectionPool;
  readonly hashers: HasherPool;
  readonly bucket: TokenBucket | undefined;
  /** Connections per origin shared by every file (segmented downloads). */
  readonly budget: OriginBudget;
  /** Memory ahead of the hash frontiers shared by every segmented file. */
  readonly windows: WindowShare;
  readonly health: MirrorHealth;
  /** Tokens that worked, per origin (sent up front to that origin afterwards). */
  readonly tokens: Map<string, string>;
  readonly tls: TlsOptions | undefined;
  readonly emit: <K extends keyof DownloadEvents & string>(event: K, payload: DownloadEvents[K]) => void;
  /** Registers the operation name RetryPolicy will report for this session's retries. */
  readonly trackRetries: (
    operation: string,
    onRetry: (attempt: number, error: unknown, delayMs: number, serverDirected: boolean) => void,
  ) => () => void;
}
