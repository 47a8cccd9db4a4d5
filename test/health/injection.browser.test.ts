import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate } from '../../src/health/aggregate.js';
import { fleetToHTML } from '../../src/health/fleetHtml.js';
import { fleetDashboardFromFolder } from '../../src/health/folder.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { DASHBOARD_CSP, toHTML, page as wrapPage } from '../../src/health/html.js';
import type { HealthReport } from '../../src/health/types.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { hostileReport } from './hostileReport.js';

/** Markup that would do harm if it reached the page as markup (every target is loopback or inert). */
const FRAGMENTS = [
  '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/phish">',
  '<meta http-equiv=refresh content=0>',
  '<form action="http://127.0.0.1:9/steal"><input name="token" placeholder="HF token"><button>Sign in</button></form>',
  '<base href="http://127.0.0.1:9/">',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)' x='",
  '" style="position:fixed;inset:0" onclick="alert(1)',
  '</title><script>alert(1)</script>',
  '</style><a href="http://127.0.0.1:9/">x</a>',
  '</text></svg><iframe srcdoc="<b>x</b>"></iframe>',
  '<svg><a href="javascript:alert(1)"><text>y</text></a></svg>',
  '<!--',
  '-->',
  ']]>',
  '<![CDATA[',
  '&lt;b&gt;',
  '&#60;b&#62;',
  '<plaintext>',
  '<xmp>',
  '<textarea>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  'https://user:pass@example.invalid/',
];

const hostile = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })), {
    minLength: 1,
    maxLength: 3,
  })
  .map((parts) => parts.join(''));

/** Elements a dashboard is made of; anything else was injected. */
const ALLOWED_TAGS = new Set(
  'html head meta title style body h1 h2 div span p ul li br strong table thead tbody tr th td figure figcaption svg g text rect line polyline circle'.split(
    ' ',
  ),
);
/** Attributes the renderers write; anything else was injected. */
const ALLOWED_ATTRIBUTES = new Set(
  'lang charset http-equiv content name class role aria-label width height viewbox x y x1 x2 y1 y2 r cx cy fill stroke stroke-width points text-anchor'.split(
    ' ',
  ),
);

/** A plain report that raises alerts (failed install, timeouts), for fleet views made by hand. */
function validFleetReport(): HealthReport {
  const reporter = new HealthReporter({ openTelemetry: false, circuits: false });
  for (let i = 0; i < 4; i++)
    reporter.record({ component: 'd', operation: 'get', success: i > 0, durationMs: 9, category: 'timeout' });
  reporter.recordInstall({ success: false, durationMs: 5, category: 'disk_full' });
  return reporter.report();
}

/** The same report with the fields the fleet needs valid (schema, version, time), the rest hostile. */
function fleetInput(text: (i: number) => string, id: string): HealthReport {
  const r = hostileReport(text) as unknown as Record<string, unknown>;
  return {
    ...r,
    schema: 'wan-reliability/health-report',
    version: 1,
    generatedAt: '2026-12-01T10:00:00Z',
    instance: { ...(r.instance as object), id },
  } as unknown as HealthReport;
}

describe.skipIf(!hasChromium && !process.env.CI)(
  'dashboards in headless Chromium: no injected markup',
  () => {
    let browser: Browser;
    let dir: string;
    let tab: Page;
    const navigations: string[] = [];
    const requests: string[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
      dir = await mkdtemp(path.join(tmpdir(), 'injection-'));
      tab = await browser.newPage();
      tab.on('framenavigated', (f) => navigations.push(f.url()));
      tab.on('request', (r) => requests.push(r.url()));
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    let pages = 0;
    /** Loads `html` from a file; returns what is wrong with the DOM (empty when nothing was injected). */
    async function injected(html: string): Promise<string[]> {
      const file = path.join(dir, `page-${pages++}.html`);
      await writeFile(file, html);
      const url = pathToFileURL(file).href;
      navigations.length = 0;
      requests.length = 0;
      await tab.goto(url, { waitUntil: 'load' });
      const dom = await tab.$$eval('*', (elements) =>
        elements.map((e) => ({
          tag: e.tagName.toLowerCase(),
          attributes: e.getAttributeNames().map((a: string) => a.toLowerCase()),
          http: e.getAttribute('http-equiv'),
        })),
      );
      const problems: string[] = [];
      for (const e of dom) {
        if (!ALLOWED_TAGS.has(e.tag)) problems.push(`element <${e.tag}>`);
        for (const a of e.attributes)
          if (!ALLOWED_ATTRIBUTES.has(a)) problems.push(`attribute ${a} on <${e.tag}>`);
        if (e.tag === 'meta' && e.http !== null && e.http !== 'Content-Security-Policy')
          problems.push(`meta http-equiv=${e.http}`);
      }
      const metas = dom.filter((e) => e.tag === 'meta').length;
      if (metas !== 3) problems.push(`${metas} meta elements`);
      if (dom.filter((e) => e.tag === 'style').length !== 1) problems.push('style elements');
      for (const n of navigations) if (n !== url) problems.push(`navigated to ${n}`);
      for (const r of requests) if (r !== url) problems.push(`request ${r}`);
      return problems;
    }

    it('every fragment in every string field of a report: the instance dashboard stays as rendered', async () => {
      for (const fragment of FRAGMENTS) {
        const report = hostileReport(() => fragment);
        expect(await injected(toHTML(report, { title: fragment })), fragment).toEqual([]);
      }
    }, 120_000);

    it('every fragment in every string field: the fleet dashboard built from a folder stays as rendered', async () => {
      const folder = await mkdtemp(path.join(dir, 'fleet-'));
      for (const [i, fragment] of FRAGMENTS.entries())
        await writeFile(path.join(folder, `${i}.json`), JSON.stringify(fleetInput(() => fragment, fragment)));
      await writeFile(path.join(folder, `${FRAGMENTS[1]}.json`), 'not json');
      const { html, fleet, skippedFiles } = await fleetDashboardFromFolder(folder, { title: FRAGMENTS[2]! });
      expect(fleet.instances.total).toBe(FRAGMENTS.length);
      expect(fleet.instances.unknown).toBe(FRAGMENTS.length);
      expect(skippedFiles).toHaveLength(1);
      expect(await injected(html)).toEqual([]);
      // The hostile text is shown as text: a person sees what the report said.
      expect(await tab.textContent('body')).toContain('<form action=');
      expect(await tab.locator('span.badge.unknown').count()).toBeGreaterThanOrEqual(FRAGMENTS.length);
    }, 120_000);

    it('hostile strings in every field, for both renderers (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 8 }), async (texts) => {
          const text = (i: number) => texts[i % texts.length]!;
          expect(await injected(toHTML(hostileReport(text), { title: text(0) }))).toEqual([]);
          const fleet = aggregate([fleetInput(text, text(1)), fleetInput((i) => text(i + 1), text(2))]);
          const html = fleetToHTML(fleet, {
            title: text(3),
            skippedFiles: [{ file: text(4), reason: text(5) }],
          });
          expect(await injected(html)).toEqual([]);
          // A fleet report made by hand (or saved and edited): every string in it hostile, the
          // alert severities and statuses included; also its keys of free-form records.
          let n = 0;
          const every = (value: unknown, key?: string): unknown => {
            if (typeof value === 'string') return text(n++);
            if (Array.isArray(value)) return value.map((v) => every(v));
            if (value !== null && typeof value === 'object') {
              const out: Record<string, unknown> = {};
              for (const [k, v] of Object.entries(value))
                out[key === 'errors' || key === 'attemptErrors' ? text(n++) : k] = every(v, k);
              return out;
            }
            return value;
          };
          const handMade = every(
            aggregate([validFleetReport(), validFleetReport()], { thresholds: { installSuccessRate: 1.1 } }),
          ) as typeof fleet;
          expect(handMade.alerts.length).toBeGreaterThan(0);
          expect(await injected(fleetToHTML(handMade, { title: text(6) }))).toEqual([]);
        }),
        { numRuns: 30 },
      );
    }, 180_000);

    it("the CSP refuses forms and <base> even if markup got in (form-action 'none', base-uri 'none')", async () => {
      expect(DASHBOARD_CSP).toContain("form-action 'none'");
      expect(DASHBOARD_CSP).toContain("base-uri 'none'");
      const violations: string[] = [];
      const listener = (m: { text(): string }) => violations.push(m.text());
      tab.on('console', listener);
      const file = path.join(dir, 'csp.html');
      await writeFile(
        file,
        wrapPage(
          'csp',
          '<base href="http://127.0.0.1:9/"><form action="http://127.0.0.1:9/steal"><button id="go">go</button></form>',
        ),
      );
      await tab.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await tab.evaluate('document.baseURI')).toBe(pathToFileURL(file).href);
      requests.length = 0;
      // Clicked from the page's own world, as a person would: the CSP decides, not Playwright.
      await tab.evaluate("document.getElementById('go').click()");
      await expect.poll(() => violations.join('\n'), { timeout: 10_000 }).toMatch(/form-action/);
      expect(requests.filter((r) => r.includes('127.0.0.1:9'))).toEqual([]);
      tab.off('console', listener);
    }, 60_000);
  },
);
