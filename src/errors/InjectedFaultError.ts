import { ReliabilityError } from './ReliabilityError.js';

/** The default fault thrown by a chaos policy (category `network`, so recovery paths get exercised). */
export class InjectedFaultError extends ReliabilityError {
  constructor(operation: string) {
    super(`Injected fault in "${operation}" (chaos testing)`, 'ERR_INJECTED_FAULT', 'network', {
      remediation: ['This failure was injected on purpose by a chaos policy; disable it outside tests.'],
    });
  }
}
