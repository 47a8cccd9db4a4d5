import type { AvailabilityProgress } from '../availability/types.js';

/** Events of a ModelAvailability (also on `wan-reliability:availability:*` diagnostics channels). */
export interface AvailabilityEvents {
  /** A model's download started (it was not ready). */
  'availability:download-start': { readonly id: string; readonly bytesToDownload: number };
  /** Progress of a model download (as often as the downloader reports). */
  'availability:progress': AvailabilityProgress;
  /** A download finished and verified: the model switched to `mode: 'real'`. */
  'availability:ready': {
    readonly id: string;
    readonly mode: 'real';
    readonly bytesDownloaded: number;
    readonly durationMs: number;
  };
  /** ensureReady gave up on a model: the app should use an alternative or a labelled mock. */
  'availability:unavailable': {
    readonly id: string;
    readonly mode: 'mock';
    readonly reason: string;
    readonly alternatives: readonly string[];
  };
}
