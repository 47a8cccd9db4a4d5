import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link manualIntervention}. */
export interface ManualInterventionOptions {
  /** Steps for a person, or a function giving them per failure. */
  steps: readonly string[] | ((ctx: RecoveryContext) => readonly string[]);
  /** Links shown with the steps. */
  links?: readonly string[];
  /**
   * Asks the person to carry the steps out (e.g. a TTY prompt "Done? [y/N]"); resolving `true`
   * makes the strategy ask for a retry. Without it the strategy only contributes the steps.
   */
  confirm?: (steps: readonly string[], ctx: RecoveryContext) => boolean | PromiseLike<boolean>;
}

/**
 * The last resort: hands specific steps to a person. With `confirm` it waits for them and asks for
 * a retry; otherwise it fails so the recovery ends as `manual` with these steps first.
 */
export function manualIntervention(options: ManualInterventionOptions): RecoveryStrategy {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('manualIntervention options', 'an options object', options);
  }
  const { steps, links = [], confirm } = options;
  if (typeof steps !== 'function' && !(Array.isArray(steps) && steps.every((s) => typeof s === 'string'))) {
    throw new ConfigurationError('manualIntervention.steps', 'an array of strings or a function', steps);
  }
  if (confirm !== undefined && typeof confirm !== 'function') {
    throw new ConfigurationError('manualIntervention.confirm', 'a function', confirm);
  }
  return {
    name: 'manual-intervention',
    description: 'Asks a person to carry out specific steps, then tries again.',
    async run(ctx) {
      const list = typeof steps === 'function' ? steps(ctx) : steps;
      for (const step of list) ctx.addManualStep(step);
      for (const link of links) ctx.addLink(link);
      if (confirm && (await confirm(list, ctx))) {
        ctx.note('a person carried out the manual steps');
        return 'retry';
      }
      return 'fail';
    },
  };
}
