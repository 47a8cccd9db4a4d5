import { afterEach, describe, expect, it } from 'vitest';
import { ErrorContextCapturer } from '../../../src/diagnostics/capture/ErrorContextCapturer.js';
import { ConfigurationError } from '../../../src/errors/ConfigurationError.js';
import type { CaptureHook } from '../../../src/policies/wrap/hooks.js';
import { REDACTED } from '../../../src/shared/redaction/redact.js';
import { fastProbe, hangingProbe, never } from './fakeProbe.js';

const SECRETS = {
  HF_TOKEN: 'hf_QwErTyUiOpAsDfGhJkLzXcVbNm1234567890',
  GITHUB_TOKEN: 'ghp_0123456789abcdefghijABCDEFGHIJ012345',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  INSTALLER_DB_PASSWORD: 'correct horse battery staple',
};
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl';
const URL_PASSWORD = 'mirr0r-pa55w0rd';
const QUERY_TOKEN = 'q-token-77c1e9a4';

const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});

function acceptanceError(): Error {
  const cause = Object.assign(
    new Error(
      `socket hang up while fetching https://installer:${URL_PASSWORD}@mirror.example.com/Wan2.2/model.safetensors?token=${QUERY_TOKEN}&part=3`,
    ),
    { code: 'ECONNRESET', syscall: 'read' },
  );
  return new Error(`download failed (sent Authorization: Bearer ${BEARER})`, { cause });
}

function allSecrets(): string[] {
  return [...Object.values(SECRETS), BEARER, URL_PASSWORD, QUERY_TOKEN];
}

describe('ErrorContextCapturer — acceptance', () => {
  it('captures a redacted, complete context with the real probe in < 3.5 s', async () => {
    for (const [name, value] of Object.entries(SECRETS)) setEnv(name, value);
    setEnv('PYTHONPATH', '/opt/wan/site-packages');
    const capturer = new ErrorContextCapturer();
    const started = performance.now();
    const context = await capturer.capture(acceptanceError(), {
      phase: 'download',
      component: 'downloader',
      operation: 'download',
      correlationId: 'install-42',
      retryCount: 3,
      recoveryAttempts: 1,
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3500);

    const json = JSON.stringify(context);
    const markdown = capturer.report(context, { format: 'markdown' });
    const jsonReport = capturer.report(context, { format: 'json' });
    for (const output of [json, markdown, jsonReport]) {
      for (const secret of allSecrets()) expect(output).not.toContain(secret);
      expect(output).toContain('ECONNRESET');
      expect(output).toMatch(/capturer\.test\.ts:\d+/);
      expect(output).toContain('PATH');
      expect(output).toContain('PYTHONPATH');
      expect(output).toContain('/opt/wan/site-packages');
      expect(output).toContain(process.version);
      expect(output).toMatch(/python/i);
      expect(output).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/);
      expect(output).toContain(context.remediation[0]!);
    }
    expect(JSON.parse(jsonReport).context.id).toBe(context.id);

    expect(context.category).toBe('network');
    expect(context.remediation.length).toBeGreaterThan(0);
    expect(context.code).toBe('ECONNRESET');
    expect(context.error.cause?.code).toBe('ECONNRESET');
    expect(context.error.frames[0]?.location).toMatch(/capturer\.test\.ts:\d+:\d+$/);
    expect(context.env.PATH).toBeDefined();
    expect(context.env.PYTHONPATH).toBe('/opt/wan/site-packages');
    expect(context.env.HF_TOKEN).toBeUndefined();
    expect(context.system.node.version).toBe(process.version);
    expect('python' in context.system).toBe(true);
    expect(new Date(context.timestamp).toISOString()).toBe(context.timestamp);
    expect(context.retryCount).toBe(3);
    expect(context.recoveryAttempts).toBe(1);
    expect(context.phase).toBe('download');
    expect(context.error.message).toContain(`Bearer ${REDACTED}`);
    expect(context.error.cause?.message).toContain(`https://${REDACTED}@mirror.example.com`);
    expect(context.error.cause?.message).toContain(`token=${REDACTED}&part=3`);
  });

  it('references the earlier ids of the same correlation chain', async () => {
    const capturer = new ErrorContextCapturer({ probe: fastProbe() });
    const first = await capturer.capture(new Error('first'), { correlationId: 'install-1' });
    const other = await capturer.capture(new Error('other'), { correlationId: 'install-2' });
    const second = await capturer.capture(new Error('second'), { correlationId: 'install-1' });
    const third = await capturer.capture(new Error('third'), { correlationId: 'install-1' });
    expect(first.previousErrorIds).toEqual([]);
    expect(other.previousErrorIds).toEqual([]);
    expect(second.previousErrorIds).toEqual([first.id]);
    expect(third.previousErrorIds).toEqual([first.id, second.id]);
    expect(new Set([first.id, second.id, third.id, other.id]).size).toBe(4);
    expect(capturer.correlationChain('install-1')).toEqual([first.id, second.id, third.id]);
    const uncorrelated = await capturer.capture(new Error('x'));
    expect(uncorrelated.correlationId).toBeNull();
    expect(uncorrelated.previousErrorIds).toEqual([]);
  });
});

describe('ErrorContextCapturer — snapshot bounds and caching', () => {
  it('returns within snapshotTimeout when every probe hangs', async () => {
    const capturer = new ErrorContextCapturer({ probe: hangingProbe(), snapshotTimeout: 300 });
    const started = performance.now();
    const context = await capturer.capture(new Error('boom'));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(800);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(context.system.python).toBeNull();
    expect(context.system.os).toBeNull();
    expect(context.system.missing.map((item) => item.probe).sort()).toEqual(
      ['cpu', 'disks', 'gpus', 'load', 'memory', 'os', 'python'].sort(),
    );
    expect(context.system.missing.every((item) => item.reason === 'timeout')).toBe(true);
    expect(capturer.report(context)).toContain('Not captured');
  });

  it('enforces the default 3 s snapshotTimeout even if one probe hangs', async () => {
    const capturer = new ErrorContextCapturer({ probe: fastProbe({ gpus: never }) });
    const started = performance.now();
    const context = await capturer.capture(new Error('boom'));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(3500);
    expect(context.system.gpus).toBeNull();
    expect(context.system.python?.version).toBe('3.11.7');
    expect(context.system.missing).toEqual([{ probe: 'gpus', reason: 'timeout' }]);
  });

  it('caches static facts, refreshes dynamic ones and survives throwing probes', async () => {
    const calls: Record<string, number> = {};
    const count =
      <T>(name: string, value: T) =>
      async () => {
        calls[name] = (calls[name] ?? 0) + 1;
        return value;
      };
    const base = fastProbe();
    let memoryAvailable = 1000;
    const capturer = new ErrorContextCapturer({
      probe: {
        ...base,
        os: count('os', await base.os()),
        python: count('python', null),
        memory: async () => {
          calls.memory = (calls.memory ?? 0) + 1;
          memoryAvailable += 1;
          return { totalBytes: 10_000, availableBytes: memoryAvailable, swapTotalBytes: 0, swapUsedBytes: 0 };
        },
        disks: () => {
          throw new Error('df exploded');
        },
      },
    });
    const a = await capturer.capture(new Error('a'));
    const b = await capturer.capture(new Error('b'));
    expect(calls.os).toBe(1);
    expect(calls.python).toBe(1);
    expect(calls.memory).toBe(2);
    expect(a.system.memory?.availableBytes).toBe(1001);
    expect(b.system.memory?.availableBytes).toBe(1002);
    expect(a.system.python).toBeNull();
    expect(b.system.disks).toBeNull();
    expect(b.system.missing).toEqual([{ probe: 'disks', reason: 'error', detail: 'df exploded' }]);
  });

  it('uses a slow static answer in later snapshots', async () => {
    let release: (value: { version: string; command: string }) => void = () => {};
    const slowPython = new Promise<{ version: string; command: string }>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const capturer = new ErrorContextCapturer({
      snapshotTimeout: 100,
      probe: fastProbe({
        python: () => {
          calls += 1;
          return slowPython;
        },
      }),
    });
    const first = await capturer.capture(new Error('a'));
    expect(first.system.python).toBeNull();
    release({ version: '3.12.1', command: 'python3' });
    const second = await capturer.capture(new Error('b'));
    expect(second.system.python).toEqual({ version: '3.12.1', command: 'python3' });
    expect(calls).toBe(1);
  });
});

describe('ErrorContextCapturer — error serialization', () => {
  const capturer = new ErrorContextCapturer({ probe: fastProbe() });

  it('serializes the whole cause chain, AggregateError members and stack frames', async () => {
    const inner1 = Object.assign(new Error('mirror 1 refused'), { code: 'ECONNREFUSED', port: 443 });
    const inner2 = Object.assign(new Error('mirror 2 timed out'), { code: 'ETIMEDOUT' });
    const aggregate = new AggregateError([inner1, inner2], 'every mirror failed');
    const top = new Error('model download failed', {
      cause: new Error('retries exhausted', { cause: aggregate }),
    });
    const context = await capturer.capture(top, { component: 'downloader', operation: 'download' });
    const chain = context.error.cause?.cause;
    expect(chain?.name).toBe('AggregateError');
    expect(chain?.errors?.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ETIMEDOUT']);
    expect(chain?.errors?.[0]?.properties).toEqual({ port: 443 });
    expect(context.error.frames.length).toBeGreaterThan(0);
    for (const frame of context.error.frames) {
      expect(frame.location).toBe(`${frame.file}:${frame.line}:${frame.column}`);
    }
    const markdown = capturer.report(context);
    expect(markdown).toContain('Caused by: AggregateError: every mirror failed');
    expect(markdown).toContain('[1] Error: mirror 2 timed out [ETIMEDOUT]');
  });

  it('ends cyclic chains and handles thrown non-errors', async () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    const context = await capturer.capture(a);
    expect(context.error.cause?.message).toBe('b');
    expect(context.error.cause?.cause).toBeUndefined();

    const fromString = await capturer.capture('plain string with Bearer abcdefgh12345');
    expect(fromString.error.message).toBe(`plain string with Bearer ${REDACTED}`);
    const fromObject = await capturer.capture({ reason: 'x', password: 'hunter2hunter2' });
    expect(JSON.stringify(fromObject)).not.toContain('hunter2hunter2');
    const fromUndefined = await capturer.capture(undefined);
    expect(fromUndefined.error.message).toBe('undefined');
  });

  it('redacts secret-named properties of errors', async () => {
    const error = Object.assign(new Error('HTTP 401'), {
      status: 401,
      request: { headers: { authorization: 'token-without-shape', accept: '*/*' } },
      apiKey: 'plain-api-key-value',
    });
    const context = await capturer.capture(error);
    const json = JSON.stringify(context);
    expect(json).not.toContain('token-without-shape');
    expect(json).not.toContain('plain-api-key-value');
    expect(context.category).toBe('authentication');
    expect(context.status).toBe(401);
  });
});

describe('ErrorContextCapturer — environment, reports, options', () => {
  it('lists an allow-listed, redacted environment subset', async () => {
    const env = {
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxyuser:proxypass99@proxy.corp:3128',
      HF_ENDPOINT: 'https://hf-mirror.example.com',
      HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz0123456',
      UNLISTED: 'not captured',
    };
    const capturer = new ErrorContextCapturer({
      probe: fastProbe(),
      env,
      envAllowList: ['PATH', 'HTTPS_PROXY', 'HF_ENDPOINT', 'HF_TOKEN'],
    });
    const context = await capturer.capture(new Error(`leak ${env.HF_TOKEN}`));
    expect(context.env).toEqual({
      PATH: '/usr/bin',
      HTTPS_PROXY: `http://${REDACTED}@proxy.corp:3128`,
      HF_ENDPOINT: 'https://hf-mirror.example.com',
      HF_TOKEN: REDACTED,
    });
    expect(JSON.stringify(context)).not.toContain('proxypass99');
    expect(JSON.stringify(context)).not.toContain(env.HF_TOKEN);
  });

  it('removes extra in-memory secrets and replaces the home folder', async () => {
    const home = (await import('node:os')).homedir();
    const capturer = new ErrorContextCapturer({
      probe: fastProbe(),
      secrets: () => ['in-memory-secret-9'],
      redactHomeDir: true,
    });
    const context = await capturer.capture(new Error(`failed in ${home}/models with in-memory-secret-9`));
    expect(context.error.message).toBe(`failed in ~/models with ${REDACTED}`);
    const keep = new ErrorContextCapturer({ probe: fastProbe() });
    const kept = await keep.capture(new Error(`failed in ${home}/models`));
    expect(kept.error.message).toBe(`failed in ${home}/models`);
  });

  it('renders a markdown report with every section and an issue URL within the cap', async () => {
    const capturer = new ErrorContextCapturer({ probe: fastProbe() });
    const big = new Error(`huge ${'x'.repeat(20_000)}`);
    const context = await capturer.capture(big, {
      phase: 'install',
      component: 'installer',
      operation: 'run',
    });
    const markdown = capturer.report(context, {
      format: 'markdown',
      issueUrl: 'https://github.com/wan/installer/issues/new?labels=bug&title={title}&body={body}',
    });
    for (const section of [
      '### What to try',
      '### Error',
      '### System',
      '### Environment',
      'H100 80GB HBM3',
      'driver 550.54.15',
      '3.11.7 (python3)',
    ]) {
      expect(markdown).toContain(section);
    }
    const link = /\[File this report as an issue\]\((\S+)\)/.exec(markdown)?.[1];
    expect(link).toBeDefined();
    expect(link!.length).toBeLessThanOrEqual(8000);
    const url = new URL(link!);
    expect(url.searchParams.get('labels')).toBe('bug');
    expect(url.searchParams.get('title')).toContain('[unknown] installer.run: Error: huge');
    expect(url.searchParams.get('body')).toContain('cut to fit the link');

    const plain = capturer.issueUrl(context, 'https://github.com/wan/installer/issues/new', 3000);
    expect(plain.length).toBeLessThanOrEqual(3000);
    expect(new URL(plain).searchParams.get('body')).toContain('## [unknown]');

    const json = JSON.parse(
      capturer.report(context, { format: 'json', issueUrl: 'https://example.com/new' }),
    );
    expect(json.issueUrl).toMatch(/^https:\/\/example\.com\/new\?title=/);
    expect(json.context.error.message.length).toBeLessThan(9000);
    expect(() => capturer.report(context, { format: 'xml' as 'json' })).toThrow(ConfigurationError);
  });

  it('is a CaptureHook for withReliability and never throws', async () => {
    const hook: CaptureHook = new ErrorContextCapturer({ probe: fastProbe() });
    const result = (await hook.capture(new Error('x'), {
      component: 'c',
      operation: 'o',
      retryCount: 2,
      recoveryAttempts: 0,
    })) as { component: string; retryCount: number };
    expect(result.component).toBe('c');
    expect(result.retryCount).toBe(2);
    expect(() => new ErrorContextCapturer({ snapshotTimeout: -1 })).toThrow(ConfigurationError);
  });

  it('keeps the JSON report valid when a secret value matches its structure', async () => {
    const capturer = new ErrorContextCapturer({ probe: fastProbe(), secrets: ['68719476736'] });
    const context = await capturer.capture(new Error('x'));
    const json = capturer.report(context, { format: 'json' });
    expect(() => JSON.parse(json)).not.toThrow();
    expect(JSON.parse(json).context.system.memory.totalBytes).toBe(64 * 2 ** 30);
  });

  it('survives hostile thrown values', async () => {
    const capturer = new ErrorContextCapturer({ probe: fastProbe() });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        has() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    const context = await capturer.capture(hostile);
    expect(context.error.name).toBeTypeOf('string');
    expect(capturer.report(context)).toContain('##');
  });

  it('calls onCapture with the redacted context', async () => {
    const seen: string[] = [];
    const capturer = new ErrorContextCapturer({
      probe: fastProbe(),
      onCapture: (context) => {
        seen.push(context.error.message);
        throw new Error('listener bug');
      },
    });
    await capturer.capture(new Error('Bearer abcdefgh12345678'));
    expect(seen).toEqual([`Bearer ${REDACTED}`]);
  });
});
