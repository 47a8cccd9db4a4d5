import { ReliabilityError } from './ReliabilityError.js';

/** A wrapped component has no method of the requested name, no alias and no fallback for it. */
export class MissingMethodError extends ReliabilityError {
  /** The method that was called. */
  readonly method: string;
  /** The component's name as given to withReliability. */
  readonly component: string;
  /** The methods the component does have. */
  readonly available: readonly string[];

  constructor(component: string, method: string, available: readonly string[]) {
    const list = available.length > 0 ? available.join(', ') : '(none)';
    super(
      `"${component}" has no method "${method}". Available methods: ${list}`,
      'ERR_MISSING_METHOD',
      'missing_method',
      {
        remediation: [
          `Check that the installed version of "${component}" provides "${method}".`,
          `If it was renamed, map the old name with withReliability(..., { aliases: { ${method}: '<new name>' } }).`,
          `Or provide a replacement with withReliability(..., { fallbacks: { ${method}: () => ... } }).`,
        ],
      },
    );
    this.method = method;
    this.component = component;
    this.available = available;
  }
}
