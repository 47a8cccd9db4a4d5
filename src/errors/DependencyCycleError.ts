import { ReliabilityError } from './ReliabilityError.js';

/**
 * Steps or components depend on each other in a circle, so no order can satisfy them. `cycle`
 * names the circle with its first element repeated at the end (`['a', 'b', 'a']`). Category
 * `validation`: the declared dependencies are wrong, retrying cannot help.
 */
export class DependencyCycleError extends ReliabilityError {
  /** The ids around the circle, first id repeated at the end. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(`Dependency cycle: ${cycle.join(' → ')}`, 'ERR_DEPENDENCY_CYCLE', 'validation', {
      remediation: [
        `Remove one of the dependencies in the cycle ${cycle.join(' → ')}.`,
        'A step may only depend on steps that do not, directly or indirectly, depend on it.',
      ],
    });
    this.cycle = Object.freeze([...cycle]);
  }
}
