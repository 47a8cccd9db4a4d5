import { ReliabilityError } from './ReliabilityError.js';

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

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}
