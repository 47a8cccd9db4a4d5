/**
 * A process that learns into a shared recovery store, for test/recovery/concurrentStore.test.ts:
 * `node --import tsx test/support/recovery-store-child.ts '<json>'` with `{ store, id, rounds }`.
 * Each round runs one recovery (strategy `alternate`: 'retry' on odd rounds, 'fail' on even ones,
 * saved automatically) and teaches one outcome of `taught` with recordOutcome + save.
 */
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

interface StoreChildArgs {
  store: string;
  id: string;
  rounds: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as StoreChildArgs;
const registry = new RecoveryRegistry({ store: args.store });
let round = 0;
registry.register('network', {
  name: 'alternate',
  description: 'retry on odd rounds',
  run: () => (round % 2 === 1 ? 'retry' : 'fail'),
});
const warnings: string[] = [];
registry.on('recovery:warning', (w) => warnings.push(w.message));
for (round = 0; round < args.rounds; round += 1) {
  const error = Object.assign(new Error(`${args.id} round ${round}`), { code: 'ECONNRESET' });
  await registry.recover(error, { component: args.id, operation: `op${round}` });
  registry.recordOutcome('timeout', 'taught', round % 3 === 0);
  await registry.save();
}
if (warnings.length > 0) {
  process.stderr.write(`${warnings.join('\n')}\n`);
  process.exitCode = 3;
}
