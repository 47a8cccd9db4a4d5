import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { aggregate } from '../../src/health/aggregate.js';
import { fleetToHTML } from '../../src/health/fleetHtml.js';
import {
  DEFAULT_MAX_REPORT_BYTES,
  fleetDashboardFromFolder,
  loadHealthReports,
} from '../../src/health/folder.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import type { HealthReport } from '../../src/health/types.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

/** A real report with components, an install outcome and recovery statistics. */
function validReport(id = 'host-1'): HealthReport {
  const recovery = new RecoveryRegistry();
  recovery.recordOutcome('network', 'alternative-source', true);
  const reporter = new HealthReporter({ openTelemetry: false, circuits: false, recovery, instanceId: id });
  reporter.record({ component: 'downloader', operation: 'download', success: true, durationMs: 200 });
  reporter.record({
    component: 'downloader',
    operation: 'download',
    success: false,
    durationMs: 9,
    category: 'timeout',
  });
  reporter.recordInstall({ success: true, durationMs: 60_000 });
  return reporter.report();
}

// biome-ignore lint/suspicious/noExplicitAny: the point is writing JSON of any shape into a report
type Json = any;

/** `report` with `mutate` applied to a deep copy. */
function changed(mutate: (r: Json) => void): unknown {
  const copy: Json = structuredClone(validReport('bad'));
  mutate(copy);
  return copy;
}

/** The malformed reports of issue #16 and their relatives: each fails the schema. */
const MALFORMED: Record<string, unknown> = {
  'numeric hostname': changed((r) => {
    r.instance.hostname = 42;
  }),
  'components: [null]': changed((r) => {
    r.components = [null];
  }),
  'recovery.strategies: {}': changed((r) => {
    r.recovery.strategies = {};
  }),
  'numeric component name': changed((r) => {
    r.components[0].name = 7;
  }),
  'string call count': changed((r) => {
    r.totals.calls = '<b>12</b>';
  }),
  'component calls as a string': changed((r) => {
    r.components[0].calls = '3';
  }),
  'negative successes': changed((r) => {
    r.components[0].successes = -1;
  }),
  'install without success flag': changed((r) => {
    r.install = { durationMs: 5 };
  }),
  'strategy attempts null': changed((r) => {
    r.recovery.strategies[0].attempts = null;
  }),
  'instance: null': changed((r) => {
    r.instance = null;
  }),
  'totals.errors as an array of junk': changed((r) => {
    r.totals.errors = 'timeout';
  }),
  'deep nesting': changed((r) => {
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = [deep];
    r.components[0].p95 = deep;
  }),
};

describe('aggregate: schema validation of each input', () => {
  for (const [name, value] of Object.entries(MALFORMED)) {
    it(`skips a report with ${name} and still aggregates the good ones`, () => {
      const fleet = aggregate([validReport('good'), value]);
      expect(fleet.instances.total).toBe(1);
      expect(fleet.skipped).toHaveLength(1);
      expect(fleet.skipped[0]?.index).toBe(1);
      expect(fleet.skipped[0]?.reason).toMatch(/\S/);
      expect(() => fleetToHTML(fleet)).not.toThrow();
    });
  }

  it('names the field that is wrong, never the value', () => {
    const fleet = aggregate([
      changed((r) => {
        r.instance.hostname = 42;
      }),
      changed((r) => {
        r.components[0].name = { token: 'hf_secretsecretsecret' };
      }),
    ]);
    expect(fleet.skipped[0]?.reason).toContain('instance.hostname');
    expect(fleet.skipped[1]?.reason).toContain('components[0].name');
    expect(JSON.stringify(fleet.skipped)).not.toContain('hf_secret');
  });

  it('shows a status it does not know as unknown, counted apart', () => {
    const fleet = aggregate([
      validReport('a'),
      changed((r) => {
        r.status = '<meta http-equiv="refresh" content="0;url=https://evil.example/">';
        r.components[0].status = 'exploded';
      }),
    ]);
    expect(fleet.instances.total).toBe(2);
    expect(fleet.instances.unknown).toBe(1);
    expect(fleet.instances.list.find((i) => i.id === 'bad')?.status).toBe('unknown');
    expect(fleet.components.find((c) => c.name === 'downloader')?.status).not.toBe('exploded');
    const html = fleetToHTML(fleet);
    expect(html).not.toContain('<meta http-equiv="refresh"');
    expect(html).not.toContain('exploded');
  });

  it('an exotic input (a getter that throws) is skipped, not thrown', () => {
    const trap = { ...validReport('trap') };
    Object.defineProperty(trap, 'components', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const fleet = aggregate([trap, validReport('ok')]);
    expect(fleet.instances.total).toBe(1);
    expect(fleet.skipped[0]?.index).toBe(0);
  });

  it('thousands of components in one report do not overflow the chart code', () => {
    const many = changed((r) => {
      const c = r.components[0];
      r.components = Array.from({ length: 150_000 }, (_, i) => ({ ...c, name: `c${i}` }));
    });
    const fleet = aggregate([many]);
    expect(fleet.components).toHaveLength(150_000);
    expect(fleetToHTML(fleet)).toContain('c149999');
  }, 60_000);
});

/** Every JSON value a mutation may put in place of another. */
const jsonValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, 0.5, '', 'x', '<b>', [], {}, [null], { a: 1 }),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** All paths (arrays of keys) into a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

describe('any JSON mutation of a valid report renders or is skipped (fast-check)', () => {
  const base = validReport('mutant');
  const all = paths(base).filter((p) => p.length > 0);
  const mutation = fc.record({
    path: fc.constantFrom(...all),
    kind: fc.constantFrom('replace', 'delete'),
    value: jsonValue,
  });

  it('aggregate + fleetToHTML never throw; the report is counted or listed as skipped', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const copy = structuredClone(base) as unknown as Record<string, unknown>;
        for (const m of mutations) {
          let at: Json = copy;
          for (const key of m.path.slice(0, -1)) {
            at = at?.[key];
            if (at === null || typeof at !== 'object') return;
          }
          const last = m.path[m.path.length - 1]!;
          if (m.kind === 'delete') {
            if (Array.isArray(at)) at.splice(Number(last), 1);
            else delete at[last];
          } else at[last] = structuredClone(m.value);
        }
        const fleet = aggregate([copy]);
        expect(fleet.instances.total + fleet.skipped.length).toBe(1);
        const html = fleetToHTML(fleet);
        expect(html).toContain('</html>');
        expect(html).not.toContain('<b>');
      }),
      { numRuns: 400 },
    );
  });
});

describe('loadHealthReports / fleetDashboardFromFolder: hostile folders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-input-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('one malformed file is listed under skippedFiles with the reason; the dashboard still renders', async () => {
    const reports = path.join(dir, 'reports');
    await mkdir(reports);
    await writeFile(path.join(reports, 'a-good.json'), JSON.stringify(validReport('good')));
    let n = 0;
    for (const value of Object.values(MALFORMED))
      await writeFile(path.join(reports, `bad-${n++}.json`), JSON.stringify(value));
    // A million levels of nesting (2 MB of text) in a field the schema checks, and in one it ignores.
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    const text = JSON.stringify(validReport('deep'));
    await writeFile(path.join(reports, 'deep-1.json'), text.replace('"p95":', `"p95":${deep},"x":`));
    await writeFile(path.join(reports, 'deep-2.json'), text.replace('{', `{"extra":${deep},`));
    const { fleet, html, skippedFiles } = await fleetDashboardFromFolder(reports);
    expect(fleet.instances.total + skippedFiles.length).toBe(n + 3);
    expect(fleet.instances.list.map((i) => i.id)).toContain('good');
    expect(fleet.instances.list.map((i) => i.id)).not.toContain('bad');
    expect(skippedFiles.map((s) => path.basename(s.file))).toContain('deep-1.json');
    for (let i = 0; i < n; i++)
      expect(skippedFiles.map((s) => path.basename(s.file))).toContain(`bad-${i}.json`);
    for (const s of skippedFiles) expect(s.reason).toMatch(/\S/);
    expect(html).toContain('good');
    expect(html).toContain('bad-0.json');
  });

  it('a 100 MB+ sparse file is skipped without being read into memory', async () => {
    const big = path.join(dir, 'huge.json');
    const handle = await open(big, 'w');
    await handle.truncate(150 * 1024 * 1024);
    await handle.close();
    await writeFile(path.join(dir, 'ok.json'), JSON.stringify(validReport('ok')));
    const before = process.memoryUsage().rss;
    const { reports, skipped } = await loadHealthReports(dir);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    expect(reports).toHaveLength(1);
    expect(skipped).toEqual([{ file: big, reason: expect.stringMatching(/larger than 4194304 bytes/) }]);
    expect(DEFAULT_MAX_REPORT_BYTES).toBe(4 * 1024 * 1024);
  });

  it('maxReportBytes bounds what is read from each file', async () => {
    const text = JSON.stringify(validReport('x'));
    await writeFile(path.join(dir, 'x.json'), text);
    const small = await loadHealthReports(dir, { maxReportBytes: text.length - 1 });
    expect(small.reports).toHaveLength(0);
    expect(small.skipped[0]?.reason).toMatch(/larger than/);
    const exact = await loadHealthReports(dir, { maxReportBytes: text.length });
    expect(exact.reports).toHaveLength(1);
    await expect(loadHealthReports(dir, { maxReportBytes: 0 })).rejects.toThrow(ConfigurationError);
    await expect(loadHealthReports(dir, { maxReportBytes: 1.5 })).rejects.toThrow(ConfigurationError);
    await expect(fleetDashboardFromFolder(dir, { maxReportBytes: -1 } as never)).rejects.toThrow(
      ConfigurationError,
    );
  });

  it('a symbolic link out of the folder is not followed and is listed', async () => {
    const outside = path.join(dir, 'outside');
    const inside = path.join(dir, 'inside');
    await mkdir(outside);
    await mkdir(inside);
    await writeFile(path.join(outside, 'secret.json'), JSON.stringify(validReport('outside-secret')));
    await symlink(path.join(outside, 'secret.json'), path.join(inside, 'link.json'));
    await symlink(outside, path.join(inside, 'dir-link'));
    await writeFile(path.join(inside, 'own.json'), JSON.stringify(validReport('own')));
    const { reports, skipped } = await loadHealthReports(inside);
    expect(reports.map((r) => r.instance.id)).toEqual(['own']);
    expect(skipped).toEqual([
      { file: path.join(inside, 'link.json'), reason: expect.stringMatching(/symbolic link/) },
    ]);
  });

  it('a FIFO named like a report is listed, never opened (opening it would block)', async () => {
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    await writeFile(path.join(dir, 'ok.json'), JSON.stringify(validReport('ok')));
    const { reports, skipped } = await loadHealthReports(dir);
    expect(reports).toHaveLength(1);
    expect(skipped).toEqual([{ file: fifo, reason: 'not a regular file' }]);
  });

  it('maxReportFiles bounds the files opened and says where it stopped', async () => {
    for (let i = 0; i < 5; i++)
      await writeFile(path.join(dir, `r${i}.json`), JSON.stringify(validReport(`r${i}`)));
    const { reports, skipped } = await loadHealthReports(dir, { maxReportFiles: 3 });
    expect(reports.map((r) => r.instance.id)).toEqual(['r0', 'r1', 'r2']);
    expect(skipped).toEqual([{ file: dir, reason: 'more than 3 report files: the rest were not read' }]);
  });

  it('the folder itself must exist', async () => {
    await expect(loadHealthReports(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    await expect(loadHealthReports('' as string)).rejects.toThrow(ConfigurationError);
  });

  it('text that is not JSON is skipped without echoing its content', async () => {
    await writeFile(path.join(dir, 'x.json'), 'hf_secretsecretsecret not json');
    await writeFile(path.join(dir, 'bom.json'), `\uFEFF${JSON.stringify(validReport('bom'))}`);
    const { reports, skipped } = await loadHealthReports(dir);
    expect(reports.map((r) => r.instance.id)).toEqual(['bom']);
    expect(skipped[0]?.reason).toMatch(/^not JSON/);
    expect(skipped[0]?.reason).not.toContain('hf_secret');
  });
});
