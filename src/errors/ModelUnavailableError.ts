import type { ErrorCategory } from './category.js';
import { classifyError } from './classify.js';
import { ReliabilityError } from './ReliabilityError.js';

/** Options of {@link ModelUnavailableError}. */
export interface ModelUnavailableErrorOptions {
  /** Why it is unavailable, one line ("no mirror answered within 5 s"). */
  reason: string;
  /** Ids of alternatives from the manifest that are ready now (may be empty). */
  alternatives?: readonly string[] | undefined;
  /** How to get the real model, most useful first. */
  steps?: readonly string[] | undefined;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
}

/**
 * A model could not be made ready (ModelAvailability#ensureReady): its download failed or did not
 * finish within the caller's timeout, or the id is unknown. Lists the **ready** alternatives the
 * manifest names for it and the steps to get the real model. The category follows the cause
 * (network, timeout, disk_full, authentication, …), `dependency` when there is none.
 */
export class ModelUnavailableError extends ReliabilityError {
  /** The model asked for. */
  readonly modelId: string;
  /** Why it is unavailable, one line (as given in the options). */
  readonly reason: string;
  /** Alternatives that are ready to use instead, best first. */
  readonly alternatives: readonly string[];
  /** How to get the real model. */
  readonly steps: readonly string[];

  constructor(modelId: string, options: ModelUnavailableErrorOptions) {
    const alternatives = Object.freeze([...(options.alternatives ?? [])]);
    const steps = Object.freeze([...(options.steps ?? [])]);
    const fallback =
      alternatives.length > 0
        ? `Ready alternatives: ${alternatives.join(', ')}.`
        : 'No alternative is ready.';
    super(
      `Model ${modelId} is not available: ${options.reason}. ${fallback}`,
      'ERR_MODEL_UNAVAILABLE',
      categoryOf(options.cause),
      {
        cause: options.cause,
        remediation: [
          ...(alternatives.length > 0
            ? [`Use a ready alternative instead: ${alternatives.join(', ')}.`]
            : []),
          ...steps,
        ],
      },
    );
    this.modelId = modelId;
    this.reason = options.reason;
    this.alternatives = alternatives;
    this.steps = steps;
  }
}

function categoryOf(cause: unknown): ErrorCategory {
  if (cause === undefined) return 'dependency';
  const { category } = classifyError(cause);
  return category === 'unknown' ? 'dependency' : category;
}
