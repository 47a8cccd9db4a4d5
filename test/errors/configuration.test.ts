import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorContextCapturer } from '../../src/diagnostics/capture/ErrorContextCapturer.js';
import { checks } from '../../src/diagnostics/preflight/checks/builtins.js';
import { PreflightValidator } from '../../src/diagnostics/preflight/PreflightValidator.js';
import { Downloader } from '../../src/downloads/Downloader.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { registerClassifier } from '../../src/errors/classify.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { InstallJournal } from '../../src/install/journal/InstallJournal.js';
import { ModelIntegrityChecker } from '../../src/integrity/ModelIntegrityChecker.js';
import { Bulkhead } from '../../src/policies/bulkhead/Bulkhead.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { RetryPolicy } from '../../src/policies/retry/RetryPolicy.js';
import { TimeoutManager } from '../../src/policies/timeout/TimeoutManager.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { thrownBy } from '../support/thrown.js';

// Every design card's options, walked with bad values: each must throw ConfigurationError whose
// `option` names exactly what was wrong (code ERR_INVALID_OPTION, category configuration, one
// remediation step naming the option), never a TypeError or a crash later.

type Build = (options: unknown) => unknown;

/** A value passed where an options object belongs. */
const NOT_OBJECTS: readonly unknown[] = ['options', 5, true, [], [{}]];
/** Numbers no count, duration or size may be. */
const BAD_NUMBERS: readonly unknown[] = [Number.NaN, -1, '5'];

interface Card {
  readonly name: string;
  /** Option name used when the options themselves are not an object. */
  readonly whole: string;
  /** Builds the component from options (merged over `base`). */
  readonly build: Build;
  /** Options the card needs to be valid (required fields). */
  readonly base?: Record<string, unknown>;
  /** option key → bad values; the expected `option` is `<prefix><key>` unless given as [key, name]. */
  readonly bad: Record<string, readonly unknown[]>;
  /** Prefix of option names in errors. */
  readonly prefix: string;
  /** Non-object options skipped (a card whose options may be a string). */
  readonly skipWhole?: boolean;
}

const root = mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
const manifest = {
  schemaVersion: 1,
  models: [
    {
      id: 'm',
      revision: 'main',
      mirrors: ['http://127.0.0.1:9/'],
      files: [{ path: 'a.bin', size: 1, sha256: 'a'.repeat(64) }],
    },
  ],
};
const component = { ping: () => 'pong' };

const CARDS: readonly Card[] = [
  {
    name: 'RetryPolicy',
    whole: 'RetryPolicy options',
    prefix: 'RetryPolicy.',
    build: (o) => new RetryPolicy(o as never),
    bad: {
      retries: [...BAD_NUMBERS, 1.5, Number.NEGATIVE_INFINITY],
      delays: ['2000', [Number.NaN], [-1], [Number.POSITIVE_INFINITY]],
      maxDelay: [...BAD_NUMBERS, Number.POSITIVE_INFINITY],
      jitter: ['sometimes', 1],
      jitterRatio: [...BAD_NUMBERS, 2],
      retryOn: ['yes'],
      honorRetryAfter: ['yes', 1],
      maxRetryAfter: [...BAD_NUMBERS, 0],
      onRetry: [1],
      decide: ['retry'],
      classifiers: ['x', [1]],
      random: [0.5],
    },
  },
  {
    name: 'CircuitBreaker',
    whole: 'CircuitBreaker options',
    prefix: 'CircuitBreaker.',
    build: (o) => new CircuitBreaker(o as never),
    bad: {
      name: ['', 5],
      consecutiveFailures: [...BAD_NUMBERS, 0],
      errorThresholdPercentage: [...BAD_NUMBERS, 101, Number.POSITIVE_INFINITY],
      volumeThreshold: [...BAD_NUMBERS, 1.5],
      rollingWindow: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      resetTimeout: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      halfOpenProbes: [...BAD_NUMBERS, 0],
      isFailure: [true],
      state: ['open', { state: 'sideways' }],
    },
  },
  {
    name: 'TimeoutManager',
    whole: 'TimeoutManager options',
    prefix: 'TimeoutManager.',
    build: (o) => new TimeoutManager(o as never),
    bad: {
      defaults: ['fast', [1000]],
      unknownOperation: [...BAD_NUMBERS, 0],
      now: [Date.now()],
    },
  },
  {
    name: 'Bulkhead',
    whole: 'Bulkhead options',
    prefix: 'Bulkhead.',
    build: (o) => new Bulkhead(o as never),
    bad: {
      name: ['', 5],
      maxConcurrent: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      maxQueue: [...BAD_NUMBERS, 0.5],
    },
  },
  {
    name: 'ErrorContextCapturer',
    whole: 'ErrorContextCapturer options',
    prefix: 'ErrorContextCapturer.',
    build: (o) => new ErrorContextCapturer(o as never),
    bad: {
      snapshotTimeout: [...BAD_NUMBERS, Number.POSITIVE_INFINITY, 2 ** 40],
      probe: ['nvidia-smi', [() => ({})]],
      env: ['PATH=/bin', [['A', 'b']]],
      envAllowList: ['PATH', [5]],
      secrets: ['hf_abcdefghijklmnopqrstuvwxyz012345', 5],
      redactHomeDir: ['yes'],
      classify: ['network', { classifiers: 'x' }],
      limits: ['big', { maxFrames: -1 }],
      maxCorrelations: [...BAD_NUMBERS, 1.5],
      onCapture: ['log'],
    },
  },
  {
    name: 'ModelIntegrityChecker',
    whole: 'ModelIntegrityChecker options',
    prefix: 'ModelIntegrityChecker.',
    build: (o) => new ModelIntegrityChecker(o as never),
    base: { root, manifest, statCache: false },
    bad: {
      root: ['', 5],
      downloader: ['aria2c', {}],
      hasher: ['sha256', {}],
      statCache: [5, ''],
      partialBytes: [0],
    },
  },
  {
    name: 'Downloader',
    whole: 'Downloader options',
    prefix: 'Downloader.',
    build: (o) => new Downloader(o as never),
    bad: {
      concurrency: [...BAD_NUMBERS, 0, 1.5, Number.POSITIVE_INFINITY],
      bandwidthLimit: [...BAD_NUMBERS, Number.POSITIVE_INFINITY, 10],
      stallTimeout: [...BAD_NUMBERS, 0],
      minRate: [...BAD_NUMBERS, Number.POSITIVE_INFINITY],
      minRateWindow: [...BAD_NUMBERS, 0],
      timeouts: ['model_download', {}],
      maxRequestsPerFile: [...BAD_NUMBERS, 0],
      retry: ['3', [1]],
      breaker: ['on', [1]],
      headers: ['User-Agent: x', { 'User-Agent': 5 }],
      token: ['hf_abcdefghijklmnopqrstuvwxyz012345'],
      tokenOrigins: ['https://huggingface.co', []],
      lockStaleAfter: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      tempDir: ['', 5],
      maxRedirects: [...BAD_NUMBERS, 11],
      proxy: ['http://proxy:3128', [1]],
      blockSize: [...BAD_NUMBERS, 1024],
      directWrites: ['on'],
      progressRate: [...BAD_NUMBERS, 0, 11],
      connectionsPerFile: [...BAD_NUMBERS, 0, 33],
      connectionsPerOrigin: [...BAD_NUMBERS, 0],
      chunkSize: [...BAD_NUMBERS, 1000],
      segmentMinSize: [...BAD_NUMBERS, 0],
      tls: ['ca.pem'],
    },
  },
  {
    name: 'PreflightValidator',
    whole: 'PreflightValidator options',
    prefix: 'PreflightValidator.',
    build: (o) => new PreflightValidator(o as never),
    base: { checks: [] },
    bad: {
      checks: ['disk', {}],
      timeout: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      slowNoticeAfter: [...BAD_NUMBERS, 0],
      onSlow: ['warn'],
    },
  },
  {
    name: 'RecoveryRegistry',
    whole: 'RecoveryRegistry options',
    prefix: 'RecoveryRegistry.',
    build: (o) => new RecoveryRegistry(o as never),
    bad: {
      store: ['', 5],
      autoSave: ['yes'],
      historyLimit: [...BAD_NUMBERS, 1.5],
      links: ['https://docs', { network: 'https://docs' }, { network: [5] }],
      redact: [true],
      reportBuilder: ['markdown'],
      capturer: ['capturer', {}],
      logger: ['console', {}],
      strategyTimeoutMs: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      lockWaitMs: [...BAD_NUMBERS, 0],
    },
  },
  {
    name: 'HealthReporter',
    whole: 'HealthReporter options',
    prefix: 'HealthReporter.',
    // No global meter, no global breakers: plain options only add those two defaults.
    build: (o) =>
      new HealthReporter(
        (typeof o === 'object' && o !== null && !Array.isArray(o)
          ? { openTelemetry: false, circuits: false, ...o }
          : o) as never,
      ),
    bad: {
      instanceId: ['', 5],
      labels: ['a=b', { channel: 5 }],
      window: [...BAD_NUMBERS, 0],
      latencySamples: [...BAD_NUMBERS, 0],
      thresholds: ['strict'],
      maxComponents: [...BAD_NUMBERS, 0],
      maxOperations: [...BAD_NUMBERS, 0],
      maxCircuits: [...BAD_NUMBERS, 0],
      recovery: ['registry', {}],
      circuits: ['all', true],
      installOperation: ['', 5],
      redact: [true],
      prefix: ['wan reliability', 5],
      openTelemetry: ['yes', 1],
    },
  },
  {
    name: 'InstallJournal',
    whole: 'InstallJournal options',
    prefix: 'InstallJournal.',
    build: (o) => InstallJournal.open(o as never),
    base: { file: path.join(root, 'journal.json'), root },
    bad: {
      file: ['', 5],
      root: ['', 5],
      keepRuns: [...BAD_NUMBERS, 0, Number.POSITIVE_INFINITY],
      now: [new Date()],
      redact: [true],
    },
  },
  {
    name: 'withReliability',
    whole: 'withReliability options',
    prefix: 'withReliability options.',
    build: (o) => withReliability(component, o as never),
    base: { name: 'c' },
    bad: {
      name: ['', 5],
      retry: ['3', 5, [1]],
      breaker: ['on', 5, [1]],
      // A string is an operation name of the TimeoutManager.
      timeout: [Number.NaN, -1, 0, ''],
      methods: ['ping', { ping: 'yes' }],
      aliases: ['old', { old: 5 }],
      fallbacks: ['x', { ping: 5 }],
      health: ['reporter', {}],
      recovery: ['registry', {}],
      capture: ['capturer', {}],
      logger: ['console', {}],
      correlationId: [5],
      phase: [5],
      signal: ['abort', {}],
      timeouts: ['model_download', {}],
      maxRecoveryAttempts: [...BAD_NUMBERS, 1.5],
      captureTimeout: ['10s', 0, -1, Number.NaN],
    },
  },
];

/**
 * `option` must be named exactly, or a part of it (`Downloader.headers.User-Agent` for a bad header,
 * `withReliability options.health.record` for a health hook without record()).
 */
function expectConfigurationError(error: unknown, option: string, label: string): void {
  expect(error, `${label}: expected a ConfigurationError`).toBeInstanceOf(ConfigurationError);
  const typed = error as ConfigurationError;
  const named =
    typed.option === option || typed.option.startsWith(`${option}.`) || typed.option.startsWith(`${option}[`);
  expect(named, `${label}: option named ${typed.option}, expected ${option}`).toBe(true);
  expect(typed.code).toBe('ERR_INVALID_OPTION');
  expect(typed.category).toBe('configuration');
  expect(typed.message).toContain(option);
  expect(typed.remediation.join(' ')).toContain(option);
}

describe('ConfigurationError for every design card', () => {
  for (const card of CARDS) {
    describe(card.name, () => {
      if (!card.skipWhole) {
        it.each(NOT_OBJECTS.map((value) => [JSON.stringify(value), value]))(
          'options %s is not an options object',
          async (_label, value) => {
            const error = await thrownBy(() => card.build(value));
            expectConfigurationError(error, card.whole, `${card.name}(${JSON.stringify(value)})`);
          },
        );
      }
      const rows = Object.entries(card.bad).flatMap(([key, values]) =>
        values.map((value) => [
          key,
          String(typeof value === 'object' ? JSON.stringify(value) : value),
          value,
        ]),
      );
      it.each(rows)('%s = %s', async (key, _label, value) => {
        const error = await thrownBy(() => card.build({ ...card.base, [key as string]: value }));
        const option = `${card.prefix}${key as string}`;
        expectConfigurationError(error, option, `${card.name} ${key as string}=${String(_label)}`);
      });
    });
  }
});

describe('ConfigurationError for the other public entry points', () => {
  const rows: [string, () => unknown, string][] = [
    ['registerClassifier', () => registerClassifier('network' as never), 'registerClassifier(classifier)'],
    ['diskSpace path', () => checks.diskSpace({ path: '', requiredBytes: 1 }), 'checks.diskSpace.path'],
    [
      'diskSpace bytes',
      () => checks.diskSpace({ path: '/', requiredBytes: Number.NaN }),
      'checks.diskSpace.requiredBytes',
    ],
    [
      'diskSpace margin',
      () => checks.diskSpace({ path: '/', requiredBytes: 1, marginBytes: -1 }),
      'checks.diskSpace.marginBytes',
    ],
    ['diskSpace options', () => checks.diskSpace('/models' as never), 'checks.diskSpace options'],
    [
      'diskSpace id',
      () => checks.diskSpace({ path: '/', requiredBytes: 1, id: 5 as never }),
      'checks.diskSpace.id',
    ],
    [
      'diskSpace timeout',
      () => checks.diskSpace({ path: '/', requiredBytes: 1, timeout: Number.POSITIVE_INFINITY }),
      'checks.diskSpace.timeout',
    ],
    ['memory', () => checks.memory({ minBytes: -1 }), 'checks.memory.minBytes'],
    ['memory read', () => checks.memory({ minBytes: 1, read: 5 as never }), 'checks.memory.read'],
    ['writable', () => checks.writable(5 as never), 'checks.writable.path'],
    ['gpu driver', () => checks.gpu({ minDriverVersion: 'latest' }), 'checks.gpu.minDriverVersion'],
    ['gpu driver type', () => checks.gpu({ minDriverVersion: 535 as never }), 'checks.gpu.minDriverVersion'],
    ['gpu vram', () => checks.gpu({ minVramBytes: Number.NaN }), 'checks.gpu.minVramBytes'],
    ['gpu detect', () => checks.gpu({ detect: 'nvidia-smi' as never }), 'checks.gpu.detect'],
    ['gpu options', () => checks.gpu('all' as never), 'checks.gpu options'],
    ['command name', () => checks.command(''), 'checks.command.name'],
    ['command type', () => checks.command(5 as never), 'checks.command.name'],
    [
      'command optional',
      () => checks.command({ name: 'git', optional: 'yes' as never }),
      'checks.command.optional',
    ],
    [
      'command searchPath',
      () => checks.command({ name: 'git', searchPath: 5 as never }),
      'checks.command.searchPath',
    ],
    ['nodeVersion', () => checks.nodeVersion('twenty'), 'checks.nodeVersion.range'],
    ['nodeVersion type', () => checks.nodeVersion(20 as never), 'checks.nodeVersion.range'],
    [
      'nodeVersion version',
      () => checks.nodeVersion({ range: '>=20', version: 20 as never }),
      'checks.nodeVersion.version',
    ],
    ['pythonVersion', () => checks.pythonVersion('three'), 'checks.pythonVersion.range'],
    [
      'pythonVersion detect',
      () => checks.pythonVersion({ range: '>=3.10', detect: 'python3' as never }),
      'checks.pythonVersion.detect',
    ],
    ['network urls', () => checks.network({ urls: [] }), 'checks.network.urls'],
    ['network url', () => checks.network({ urls: ['not a url'] }), 'checks.network.urls[0]'],
    ['network scheme', () => checks.network({ urls: ['http://a/', 'ftp://x/'] }), 'checks.network.urls[1]'],
    [
      'network timeout',
      () => checks.network({ urls: ['http://a/'], timeout: Number.NaN }),
      'checks.network.timeout',
    ],
    [
      'network checkTimeout',
      () => checks.network({ urls: ['http://a/'], checkTimeout: -1 }),
      'checks.network.checkTimeout',
    ],
    [
      'network proxy',
      () => checks.network({ urls: ['http://a/'], proxy: 5 as never }),
      'checks.network.proxy',
    ],
    [
      'network headers',
      () => checks.network({ urls: ['http://a/'], headers: { a: 5 } as never }),
      'checks.network.headers.a',
    ],
    [
      'network env',
      () => checks.network({ urls: ['http://a/'], env: 'HTTP_PROXY' as never }),
      'checks.network.env',
    ],
    ['network options', () => checks.network(undefined as never), 'checks.network options'],
    [
      'check title',
      () =>
        new PreflightValidator({
          checks: [{ id: 'a', title: 5 as never, run: () => ({ status: 'pass', message: '' }) }],
        }),
      'PreflightValidator.checks[0].title',
    ],
    [
      'run signal',
      () => new PreflightValidator({ checks: [] }).run({ signal: 'stop' as never }),
      'PreflightValidator.run() signal',
    ],
    [
      'run onResult',
      () => new PreflightValidator({ checks: [] }).run({ onResult: 'log' as never }),
      'PreflightValidator.run() onResult',
    ],
    [
      'report format',
      () => new ErrorContextCapturer().report({} as never, { format: 'xml' as never }),
      'report format',
    ],
    [
      'report maxFrames',
      () => new ErrorContextCapturer().report({} as never, { maxFrames: -1 }),
      'report maxFrames',
    ],
    [
      'report options',
      () => new ErrorContextCapturer().report({} as never, 'json' as never),
      'report options',
    ],
  ];
  it.each(rows)('%s', async (label, build, option) => {
    expectConfigurationError(await thrownBy(build), option, label);
  });
});
