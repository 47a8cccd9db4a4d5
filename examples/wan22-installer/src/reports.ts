import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact, redactValue } from '@wan/reliability/diagnostics';
import type { Session } from './session.js';

/** Paths of the written reports. */
export interface ReportPaths {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly summary: string;
}

/** Writes health.json, health.md, health.html (the dashboard) and install-summary.json, all redacted. */
export async function writeReports(session: Session, summary: unknown): Promise<ReportPaths> {
  const dir = session.layout.reports;
  await mkdir(dir, { recursive: true });
  const paths: ReportPaths = {
    json: path.join(dir, 'health.json'),
    markdown: path.join(dir, 'health.md'),
    html: path.join(dir, 'health.html'),
    summary: path.join(dir, 'install-summary.json'),
  };
  const { health } = session;
  await writeFile(paths.json, `${JSON.stringify(health.report(), null, 2)}\n`);
  await writeFile(paths.markdown, redact(health.toMarkdown()));
  await writeFile(paths.html, health.toHTML({ title: 'WAN2.2 install health' }));
  await writeFile(paths.summary, `${JSON.stringify(redactValue(summary), null, 2)}\n`);
  return paths;
}
