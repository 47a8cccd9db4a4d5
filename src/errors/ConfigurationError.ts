import { redact } from '../shared/redaction/redactText.js';
import { ReliabilityError } from './ReliabilityError.js';
import { isArraySafe, readProperty } from './thrown.js';

/** An option or argument given to the package is invalid; the message names it and what is allowed. */
export class ConfigurationError extends ReliabilityError {
  /** The option path, e.g. `'RetryPolicy.retries'`. */
  readonly option: string;

  constructor(option: string, expectation: string, received: unknown) {
    super(
      `Invalid option ${option}: expected ${expectation}, received ${describe(received)}`,
      'ERR_INVALID_OPTION',
      'configuration',
      { remediation: [`Set ${option} to ${expectation}, or leave it out to use the documented default.`] },
    );
    this.option = option;
  }
}

/** Longest part of a received string that is shown. */
const SHOWN_CHARACTERS = 40;

/**
 * What was received, for the message. A string is shown only after redaction and cut to 40
 * characters: a token or a URL with credentials given in the wrong place must not end up in a log
 * through the very error that rejects it. Redacting the whole string before cutting it matters: a
 * cut token no longer has the shape that would have been recognised.
 */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = redact(value);
    return JSON.stringify(shown.length > SHOWN_CHARACTERS ? `${shown.slice(0, SHOWN_CHARACTERS)}…` : shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  // A revoked Proxy or a hostile `length` getter must not turn the report of a mistake into a crash.
  if (isArraySafe(value)) {
    const length = readProperty(value, 'length');
    return typeof length === 'number' ? `an array of ${length}` : 'an array';
  }
  return typeof value;
}
