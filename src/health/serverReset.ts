import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { liveBreakers } from '../policies/circuit/registry.js';

/** A breaker the health server can reset (CircuitBreaker is one). */
export interface ResettableBreaker {
  /** The breaker's name, as listed under `circuits` in reports. */
  readonly name: string;
  /** Closes the breaker: calls flow again. */
  close(): void;
}

/** Shortest reset token accepted: anything shorter is guessable. */
export const MIN_RESET_TOKEN_LENGTH = 16;

/**
 * Checks a bearer token against the operator's in constant time: both sides are hashed first, so
 * neither the length nor a common prefix can be learnt from response times.
 */
export class ResetGuard {
  readonly #expected: Buffer;

  constructor(token: unknown) {
    // The token itself never goes into the error: describe it only.
    if (typeof token !== 'string' || token.length < MIN_RESET_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigurationError(
        'serve.resetToken',
        `a string of at least ${MIN_RESET_TOKEN_LENGTH} characters without spaces`,
        typeof token === 'string' ? `a string of ${token.length} characters` : typeof token,
      );
    }
    this.#expected = digest(token);
  }

  /** Whether an `Authorization` header carries the token (`Bearer <token>`). */
  allows(authorization: string | undefined): boolean {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    const given = digest(match?.[1] ?? '');
    // Always compared, also without a header, so a missing one costs the same time as a wrong one.
    return timingSafeEqual(given, this.#expected) && match !== null;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The breakers the server may reset: the given source, or every live CircuitBreaker. */
export function resettableBreakers(
  source: (() => Iterable<ResettableBreaker>) | undefined,
): ResettableBreaker[] {
  const all = source ? [...source()] : liveBreakers<ResettableBreaker & { close?: unknown }>();
  return all.filter((b) => typeof b.close === 'function');
}

/** `/circuits/<name>/reset` → the decoded name, else undefined. */
export function resetTarget(pathname: string): string | undefined {
  const match = /^\/circuits\/([^/]+)\/reset$/.exec(pathname);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}
