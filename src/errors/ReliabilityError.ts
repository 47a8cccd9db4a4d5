import type { ErrorCategory } from './category.js';
import { DEFAULT_REMEDIATION } from './remediation.js';
import { isArraySafe, isInstance, readProperty } from './thrown.js';

/** Options shared by every error class of the package. */
export interface ReliabilityErrorOptions {
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
  /** Steps a user can take; defaults to the category's generic steps. */
  remediation?: readonly string[];
}

/**
 * Base class of every error the package throws. Each has a stable machine-readable `code`,
 * a {@link ErrorCategory}, remediation steps for humans and the standard `cause`.
 */
export class ReliabilityError extends Error {
  /** Stable identifier, e.g. `'ERR_RETRIES_EXHAUSTED'`; safe to switch on. */
  readonly code: string;
  /** The failure category, used by classifyError, retry and recovery. */
  readonly category: ErrorCategory;
  /** What a user can do about it, most specific step first. */
  readonly remediation: readonly string[];

  constructor(message: string, code: string, category: ErrorCategory, options: ReliabilityErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.remediation = options.remediation ?? DEFAULT_REMEDIATION[category];
  }
}

/**
 * True when `error` is a {@link ReliabilityError} (also across duplicated copies of the package).
 * Never throws, whatever was thrown (hostile getters and revoked Proxies answer false).
 */
export function isReliabilityError(error: unknown): error is ReliabilityError {
  if (isInstance(error, ReliabilityError)) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof readProperty(error, 'code') === 'string' &&
    typeof readProperty(error, 'category') === 'string' &&
    isArraySafe(readProperty(error, 'remediation'))
  );
}
