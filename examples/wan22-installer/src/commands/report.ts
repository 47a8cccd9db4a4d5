import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, ExitError } from '../exit.js';
import type { Session } from '../session.js';

/** Shows the last install's health report and summary, and where the HTML dashboard is. */
export async function report(session: Session): Promise<number> {
  const dir = session.layout.reports;
  const read = (name: string) =>
    readFile(path.join(dir, name), 'utf8').then(
      (text) => JSON.parse(text) as Record<string, unknown>,
      () => undefined,
    );
  const health = await read('health.json');
  const summary = await read('install-summary.json');
  if (!health) {
    throw new ExitError(
      `No report in ${dir} yet: run \`wan22-install install\` first (or pass --report-dir).`,
      EXIT.failed,
    );
  }
  const html = path.join(dir, 'health.html');
  const markdown = await readFile(path.join(dir, 'health.md'), 'utf8').catch(() => '');
  session.out.info(markdown);
  session.out.info(`HTML dashboard: ${html}`);
  session.out.result({
    ok: true,
    exitCode: EXIT.ok,
    reports: { html, dir },
    health,
    summary: summary ?? null,
  });
  return EXIT.ok;
}
