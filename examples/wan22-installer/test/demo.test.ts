import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const work = await mkdtemp(path.join(tmpdir(), 'wan22-demo-test-'));
afterAll(() => rm(work, { recursive: true, force: true }));

it('npm run demo: installs from the faulty local mirror, prints the summary and the report, exits 0', async () => {
  const demo = fileURLToPath(new URL('../bin/demo.mjs', import.meta.url));
  const child = spawn(process.execPath, [demo], {
    env: { ...process.env, CI: 'true', WAN22_DEMO_DIR: work },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, stdout).toBe(0);
  expect(stdout).toMatch(/WAN2\.2 install: OK/);
  expect(stdout).toMatch(/Recovered automatically:\n(\s+- .+\n)+/);
  expect(stdout).toMatch(/injected .*cut.*corrupt|injected .*corrupt/);
  const html = /HTML report: (\S+)/.exec(stdout)?.[1] ?? '';
  expect((await stat(html)).size).toBeGreaterThan(1000);
}, 90_000);
