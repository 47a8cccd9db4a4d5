/**
 * withReliability success path, this tree against another checkout of the package (e.g. main, from
 * `git worktree add` or `git archive … | tar -x` with a node_modules link), in one process,
 * interleaved, in CPU time per call: separate runs on a shared machine differ more than the change
 * being measured.
 *
 *   node --expose-gc --import tsx bench/wrap-ab.ts <other checkout> [calls per round] [rounds]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface Area {
  withReliability: (component: object, options: object) => { ping(): Promise<number> };
}
interface HealthArea {
  HealthReporter: new () => object;
}

const other = process.argv[2];
if (!other) throw new Error('usage: bench/wrap-ab.ts <other checkout> [calls] [rounds]');
const calls = Number(process.argv[3] ?? 30_000);
const rounds = Number(process.argv[4] ?? 61);

async function build(root: string) {
  const load = (file: string) => import(pathToFileURL(path.resolve(root, file)).href);
  const { withReliability } = (await load('src/index.ts')) as Area;
  const { HealthReporter } = (await load('src/health/index.ts')) as HealthArea;
  const component = {
    async ping(): Promise<number> {
      return 1;
    },
  };
  return withReliability(component, {
    name: 'bench',
    retry: { retries: 3 },
    breaker: {},
    timeout: 30_000,
    health: new HealthReporter(),
  });
}

async function cpuPerCall(run: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main(): Promise<void> {
  const before = await build(other as string);
  const after = await build('.');
  await cpuPerCall(() => before.ping(), 20_000);
  await cpuPerCall(() => after.ping(), 20_000);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer heap.
    if (round % 2 === 0) {
      a.push(await cpuPerCall(() => before.ping(), calls));
      b.push(await cpuPerCall(() => after.ping(), calls));
    } else {
      b.push(await cpuPerCall(() => after.ping(), calls));
      a.push(await cpuPerCall(() => before.ping(), calls));
    }
  }
  const ratios = b.map((value, i) => value / (a[i] as number));
  console.log(
    `other ${median(a).toFixed(0)} ns/call, this tree ${median(b).toFixed(0)} ns/call (CPU, median of ${rounds}); ` +
      `ratio ${(median(b) / median(a)).toFixed(3)}, pairwise ${median(ratios).toFixed(3)}`,
  );
}

await main();
