import { AuthenticationError } from '../errors/AuthenticationError.js';
import { ChecksumMismatchError } from '../errors/ChecksumMismatchError.js';
import { classifyError, type ErrorClassification } from '../errors/classify.js';
import { DiskFullError } from '../errors/DiskFullError.js';
import { HttpError } from '../errors/HttpError.js';
import { RedirectError } from '../errors/RedirectError.js';
import { ResumeError } from '../errors/ResumeError.js';
import { RetriesExhaustedError } from '../errors/RetriesExhaustedError.js';
import { SizeMismatchError } from '../errors/SizeMismatchError.js';
import { StallError } from '../errors/StallError.js';
import { isDiskFull } from './diskSpace.js';

/** Syscalls that mean a local file problem, not a mirror problem. */
const LOCAL_SYSCALLS = new Set([
  'open',
  'write',
  'read',
  'rename',
  'ftruncate',
  'fsync',
  'mkdir',
  'unlink',
  'copyfile',
  'statfs',
  'fstat',
  'close',
  'link',
  'rmdir',
  'scandir',
  'stat',
  'utime',
]);

/** Makes RetryPolicy give up at once so the mirror loop can fail over; carries the real error. */
export class Failover extends Error {
  readonly retryable = false;
  readonly error: unknown;
  constructor(error: unknown) {
    super(error instanceof Error ? error.message : String(error));
    this.error = error;
  }
}

/** The real error behind a {@link Failover} (also when RetryPolicy wrapped it); others as they are. */
export function unwrap(error: unknown): unknown {
  if (error instanceof Failover) return error.error;
  if (error instanceof RetriesExhaustedError && error.cause instanceof Failover) return error.cause.error;
  return error;
}

/** Whether the error is about our own disk/files: another mirror would not help. */
export function isLocalFileError(error: unknown): boolean {
  if (error instanceof DiskFullError) return true;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (typeof syscall !== 'string' || !LOCAL_SYSCALLS.has(syscall) || (error as { status?: unknown }).status)
    return false;
  // A socket's `read ECONNRESET` names the same syscall as a file read: it is the network's.
  return classifyError(error).category !== 'network';
}

/** The most useful error of all mirrors' failures: authentication first, then the last one. */
export function pickError(failures: readonly unknown[]): unknown {
  const auth = failures.find((error) => error instanceof AuthenticationError);
  if (auth) return auth;
  const corrupt = failures.find((error) => error instanceof ChecksumMismatchError);
  return failures[failures.length - 1] ?? corrupt ?? new Error('no mirror could be tried');
}

/** Whether another pass over this mirror cannot help (the mirror loop then skips it on the second pass). */
export function isPermanent(error: unknown, classification: ErrorClassification): boolean {
  return (
    error instanceof AuthenticationError ||
    error instanceof SizeMismatchError ||
    (!classification.retryable &&
      !(error instanceof ChecksumMismatchError) &&
      classification.category !== 'circuit_open' &&
      !(error instanceof StallError))
  );
}

/** Whether a body cut by this error, after some bytes, is resumed at once with Range. */
export function isResumable(error: unknown): boolean {
  if (error instanceof StallError) return true;
  if (error instanceof HttpError || error instanceof SizeMismatchError || isDiskFull(error)) return false;
  if (isLocalFileError(error)) return false;
  const { category } = classifyError(error);
  return category === 'network' || category === 'timeout';
}

/**
 * Whether a failure says something about the origin as a whole (it is down, overloaded, rate
 * limiting or unreachable), as opposed to one file on it (404, corrupt bytes, a bad size, refused
 * credentials), our own disk, or a cancellation. Only these count against the origin's breaker.
 */
export function isOriginFailure(error: unknown): boolean {
  if (error instanceof HttpError) return error.status >= 500 || error.status === 429 || error.status === 408;
  if (
    error instanceof AuthenticationError ||
    error instanceof ChecksumMismatchError ||
    error instanceof SizeMismatchError ||
    error instanceof ResumeError ||
    error instanceof RedirectError ||
    isLocalFileError(error)
  )
    return false;
  const { category, retryable } = classifyError(error);
  return retryable && (category === 'network' || category === 'timeout' || category === 'rate_limit');
}
