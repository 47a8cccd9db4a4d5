import type { AvailabilityProgress } from '../availability/types.js';

/** Events of a ModelAvailability (also on `wan-reliability:availability:*` diagnostics channels). */
export interface AvailabilityEvents {
  /** A model's download started (it was not ready). */
  'availability:download-start': {
    /** The manifest model id. */
    readonly id: string;
    /** Bytes missing or damaged according to the verify that preceded the download. */
    readonly bytesToDownload: number;
  };
  /** Progress of a model download (as often as the downloader reports). */
  'availability:progress': AvailabilityProgress;
  /** A download finished and verified: the model switched to `mode: 'real'`. */
  'availability:ready': {
    /** The manifest model id. */
    readonly id: string;
    /** Always `real`: the app may switch from its stand-in to the model. */
    readonly mode: 'real';
    /** Bytes received over the network for this model (resumed prefixes not counted). */
    readonly bytesDownloaded: number;
    /** Time from the first verify to the verified repair, in ms. */
    readonly durationMs: number;
  };
  /** ensureReady gave up on a model: the app should use an alternative or a labelled mock. */
  'availability:unavailable': {
    /** The manifest model id. */
    readonly id: string;
    /** Always `mock`: the app should use an alternative or a labelled stand-in. */
    readonly mode: 'mock';
    /** Why, in one redacted line (e.g. "not ready within 5000 ms (…)"). */
    readonly reason: string;
    /** Manifest alternatives of this model that verified as ready, in manifest order. */
    readonly alternatives: readonly string[];
  };
}
