/**
 * A process whose only recovery strategy hangs forever, for test/recovery/budget.test.ts:
 * `node --import tsx test/support/recovery-hang-child.ts`. It prints `started` and must then exit
 * by itself: the strategy budget's timer may not keep the process alive.
 */
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

const registry = new RecoveryRegistry();
registry.register('network', { name: 'stuck', description: 'hangs', run: () => new Promise(() => {}) });
const controller = new AbortController();
void registry.recover(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), {
  signal: controller.signal,
});
process.stdout.write('started\n');
