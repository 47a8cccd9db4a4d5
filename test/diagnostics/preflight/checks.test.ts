import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GpuFacts } from '../../../src/diagnostics/capture/types.js';
import { command } from '../../../src/diagnostics/preflight/checks/command.js';
import { diskSpace } from '../../../src/diagnostics/preflight/checks/diskSpace.js';
import { gpu, WAN22_VRAM_REQUIREMENTS } from '../../../src/diagnostics/preflight/checks/gpu.js';
import { memory } from '../../../src/diagnostics/preflight/checks/memory.js';
import { nodeVersion } from '../../../src/diagnostics/preflight/checks/nodeVersion.js';
import { pythonVersion } from '../../../src/diagnostics/preflight/checks/pythonVersion.js';
import { writable } from '../../../src/diagnostics/preflight/checks/writable.js';
import { PreflightValidator } from '../../../src/diagnostics/preflight/PreflightValidator.js';
import type { CheckOutcome, PreflightCheck } from '../../../src/diagnostics/preflight/types.js';
import { ConfigurationError } from '../../../src/errors/ConfigurationError.js';

const execFileAsync = promisify(execFile);
const signal = new AbortController().signal;
const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs the writable check on `folder` in a child process as the user nobody (setpriv, util-linux). */
async function runAsNobody(folder: string): Promise<CheckOutcome> {
  const script = `
    const { writable } = await import(${JSON.stringify(path.join(repo, 'src/diagnostics/preflight/checks/writable.ts'))});
    const outcome = await writable(${JSON.stringify(folder)}).run({ signal: new AbortController().signal });
    process.stdout.write(JSON.stringify(outcome));`;
  const { stdout } = await execFileAsync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: repo, env: { ...process.env, HOME: os.tmpdir() } },
  );
  return JSON.parse(stdout) as CheckOutcome;
}
const run = async (check: PreflightCheck): Promise<CheckOutcome> => check.run({ signal });
const MiB = 1024 * 1024;

describe('diskSpace', () => {
  it('fails an absurd requirement with remediation (acceptance)', async () => {
    const report = await new PreflightValidator({
      checks: [PreflightValidator.checks.diskSpace({ path: os.tmpdir(), requiredBytes: 2 ** 62 })],
    }).run();
    const result = report.results[0]!;
    expect(result.status).toBe('fail');
    expect(result.remediation.length).toBeGreaterThan(0);
    expect(result.remediation[0]).toMatch(/Free at least/);
    expect(report.ok).toBe(false);
  });

  it('passes a small requirement and measures a folder that does not exist yet', async () => {
    const outcome = await run(
      diskSpace({ path: path.join(os.tmpdir(), 'not', 'there', 'yet'), requiredBytes: 1024 }),
    );
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.measuredAt).toBe(os.tmpdir());
    expect(outcome.details?.availableBytes).toBeGreaterThan(1024);
  });

  it('warns when the margin after install is small', async () => {
    const probe = await run(diskSpace({ path: os.tmpdir(), requiredBytes: 0 }));
    const available = probe.details?.availableBytes as number;
    // Half the free space is needed and a margin of all of it is wanted: robust to other writers.
    const outcome = await run(
      diskSpace({ path: os.tmpdir(), requiredBytes: Math.floor(available / 2), marginBytes: available }),
    );
    expect(outcome.status).toBe('warn');
  });

  it('validates its options', () => {
    expect(() => diskSpace({ path: '', requiredBytes: 1 })).toThrow(ConfigurationError);
    expect(() => diskSpace({ path: '/tmp', requiredBytes: -1 })).toThrow(ConfigurationError);
  });
});

describe('writable', () => {
  it("passes for '/tmp' (acceptance) and leaves nothing behind", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'wan-writable-'));
    try {
      const report = await new PreflightValidator({
        checks: [PreflightValidator.checks.writable('/tmp'), writable(folder)],
      }).run();
      expect(report.results.map((r) => r.status)).toEqual(['pass', 'pass']);
      expect(report.ok).toBe(true);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(folder)).toEqual([]);
      const future = await run(writable({ path: path.join(folder, 'models', 'wan') }));
      expect(future.status).toBe('pass');
      expect(future.message).toContain('does not exist yet');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform === 'win32')('fails for a read-only folder', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'wan-readonly-'));
    try {
      await chmod(folder, 0o555);
      // Root may write anywhere: run the check as an unprivileged user (nobody) when we are root.
      const outcome = process.getuid?.() === 0 ? await runAsNobody(folder) : await run(writable(folder));
      expect(outcome.status).toBe('fail');
      expect(outcome.message).toMatch(/Cannot write/);
      expect(outcome.remediation?.length).toBeGreaterThan(0);
    } finally {
      await chmod(folder, 0o700);
      await rm(folder, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')('fails where the file system refuses writes', async () => {
    // /proc refuses new files even for root.
    const outcome = await run(writable('/proc'));
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/Cannot write in \/proc/);
  });
});

describe('memory', () => {
  const read = (totalBytes: number, availableBytes: number) => async () => ({ totalBytes, availableBytes });
  it('passes, warns and fails', async () => {
    expect((await run(memory({ minBytes: 16e9, read: read(64e9, 32e9) }))).status).toBe('pass');
    expect((await run(memory({ minBytes: 16e9, read: read(64e9, 8e9) }))).status).toBe('warn');
    const failed = await run(memory({ minBytes: 128e9, read: read(64e9, 32e9) }));
    expect(failed.status).toBe('fail');
    expect(failed.remediation).toBeDefined();
  });
  it('reads the real machine', async () => {
    const outcome = await run(memory({ minBytes: 1 }));
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.totalBytes).toBe(os.totalmem());
  });
});

describe('gpu', () => {
  const h100: GpuFacts = {
    vendor: 'NVIDIA',
    model: 'H100 80GB HBM3',
    vramBytes: 81559 * MiB,
    driverVersion: '550.54.15',
    source: 'custom',
  };
  const rtx4090: GpuFacts = {
    vendor: 'NVIDIA',
    model: 'RTX 4090',
    vramBytes: 24564 * MiB,
    driverVersion: '535.104.05',
    source: 'custom',
  };
  const detect =
    (...gpus: GpuFacts[]) =>
    async () =>
      gpus;

  it('warns, not fails, when no GPU is found', async () => {
    const outcome = await run(
      gpu({ minVramBytes: WAN22_VRAM_REQUIREMENTS['Wan2.2-TI2V-5B']!, detect: detect() }),
    );
    expect(outcome.status).toBe('warn');
    expect(outcome.message).toBe('No GPU found');
  });

  it('checks VRAM against the WAN2.2 requirements', async () => {
    const a14b = WAN22_VRAM_REQUIREMENTS['Wan2.2-T2V-A14B']!;
    const ti2v = WAN22_VRAM_REQUIREMENTS['Wan2.2-TI2V-5B']!;
    expect((await run(gpu({ minVramBytes: a14b, detect: detect(h100) }))).status).toBe('pass');
    expect((await run(gpu({ minVramBytes: ti2v, detect: detect(rtx4090) }))).status).toBe('pass');
    const tooSmall = await run(gpu({ minVramBytes: a14b, detect: detect(rtx4090) }));
    expect(tooSmall.status).toBe('fail');
    expect(tooSmall.message).toContain('RTX 4090');
    // The best of several GPUs counts.
    expect((await run(gpu({ minVramBytes: a14b, detect: detect(rtx4090, h100) }))).status).toBe('pass');
  });

  it('checks the driver version', async () => {
    const old = await run(gpu({ minDriverVersion: '545', detect: detect(rtx4090) }));
    expect(old.status).toBe('fail');
    expect(old.remediation).toEqual(['Update the GPU driver to 545 or newer.']);
    expect((await run(gpu({ minDriverVersion: '535.54', detect: detect(rtx4090) }))).status).toBe('pass');
    const unknown = await run(
      gpu({ minDriverVersion: '535', detect: detect({ ...rtx4090, driverVersion: null }) }),
    );
    expect(unknown.status).toBe('warn');
    expect(() => gpu({ minDriverVersion: 'latest' })).toThrow(ConfigurationError);
  });

  it('runs against the real machine without failing', async () => {
    const outcome = await run(gpu({}));
    expect(['pass', 'warn']).toContain(outcome.status);
  });
});

describe('nodeVersion / pythonVersion / command', () => {
  it('compares the Node.js version with a range', async () => {
    expect((await run(nodeVersion('>=20'))).status).toBe('pass');
    const old = await run(nodeVersion({ range: '>=22', version: 'v20.19.0' }));
    expect(old.status).toBe('fail');
    expect(old.remediation).toBeDefined();
    expect(() => nodeVersion('not a range')).toThrow(ConfigurationError);
  });

  it('compares the Python version with a range', async () => {
    const detect = (version: string | null) => async () => (version ? { version, command: 'python3' } : null);
    expect((await run(pythonVersion({ range: '>=3.10 <3.13', detect: detect('3.11.7') }))).status).toBe(
      'pass',
    );
    expect((await run(pythonVersion({ range: '>=3.10', detect: detect('3.8.10') }))).status).toBe('fail');
    const missing = await run(pythonVersion({ range: '>=3.10', detect: detect(null) }));
    expect(missing.status).toBe('fail');
    expect(missing.message).toMatch(/No Python/);
    expect((await run(pythonVersion({ range: '>=3.12', detect: detect('3.13.0rc1') }))).status).toBe('pass');
    expect(() => pythonVersion('three')).toThrow(ConfigurationError);
  });

  it('finds the real Python when there is one', async () => {
    const outcome = await run(pythonVersion('>=2'));
    expect(['pass', 'fail']).toContain(outcome.status);
  });

  it('finds commands on PATH', async () => {
    const found = await run(command('node'));
    expect(found.status).toBe('pass');
    expect(found.details?.path).toMatch(/node(\.exe)?$/);
    const missing = await run(command('wan-definitely-not-a-command'));
    expect(missing.status).toBe('fail');
    expect(missing.remediation).toBeDefined();
    const optional = await run(
      command({ name: 'wan-definitely-not-a-command', optional: true, purpose: 'for tests' }),
    );
    expect(optional.status).toBe('warn');
    expect(String(optional.remediation)).toContain('for tests');
    expect((await run(command(process.execPath))).status).toBe('pass');
  });
});
