import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packSupportArchive } from '../archive.js';
import { EXIT, ExitError } from '../exit.js';
import { formatBytes } from '../parse.js';
import type { Session } from '../session.js';

/**
 * Shows the last install's health report and summary, and where the HTML dashboard is. With
 * `--bundle`, packs logs, reports, support bundles and the install state into one redacted
 * `.tar.gz` to attach to a support request.
 */
export async function report(
  session: Session,
  flags: { bundle?: boolean; output?: string } = {},
): Promise<number> {
  if (flags.bundle) {
    const archive = await packSupportArchive(session.layout, flags.output);
    session.out.info(
      `Support archive: ${archive.file} (${archive.entries.length} files, ${formatBytes(archive.bytes)}, redacted)`,
    );
    session.out.info(
      'Attach it to your issue; it holds logs, reports and the install journal, and no token.',
    );
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      archive: archive.file,
      entries: archive.entries,
      bytes: archive.bytes,
    });
    return EXIT.ok;
  }
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
