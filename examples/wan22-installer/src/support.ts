import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { redactValue } from '@wan/reliability/diagnostics';
import type { Session } from './session.js';

/** Paths of a written support bundle and the pre-filled issue link. */
export interface SupportBundle {
  readonly markdown: string;
  readonly json: string;
  readonly issueUrl: string;
}

const PACKAGE = new URL('../package.json', import.meta.url);
/** Longest issue link printed (the body is cut to fit; the bundle has the whole report). */
const ISSUE_URL_MAX = 2000;

/**
 * The issue-URL template: `WAN22_ISSUE_URL` (with `{title}` and `{body}`), else the installer
 * package's `bugs.url` + `/new?…`.
 */
export async function issueTemplate(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.WAN22_ISSUE_URL) return env.WAN22_ISSUE_URL;
  const pkg = JSON.parse(await readFile(PACKAGE, 'utf8').catch(() => '{}')) as { bugs?: { url?: string } };
  const base = pkg.bugs?.url ?? 'https://github.com/wan-ai/wan-reliability/issues';
  return `${base.replace(/\/+$/, '')}/new?labels=bug&title={title}&body={body}`;
}

/** The installer's version, from its package.json. */
export async function installerVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(PACKAGE, 'utf8').catch(() => '{}')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The last run of the install journal (its steps and what they changed), when there is one. */
async function journalTail(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return null;
  try {
    const runs = (JSON.parse(text) as { runs?: unknown[] }).runs ?? [];
    return runs.at(-1) ?? null;
  } catch {
    return 'unreadable journal';
  }
}

/** The RecoveryRegistry's store: which strategies were tried and how they went. */
async function recoveryStore(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return 'unreadable recovery store';
  }
}

const block = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

/**
 * Writes the support bundle of a failed command: ErrorContextCapturer's context (error and cause
 * chain with file:line, category, remediation, system snapshot with OS, CPU, GPUs and driver,
 * memory, disks, Node and Python, the redacted environment) rendered by its report renderer, plus
 * the journal's last run, the recovery log (this run's recoveries and the learned strategy store),
 * the health report and the end of the run log (60 lines in Markdown, 200 in JSON). Markdown for people, JSON for tools, both redacted
 * (the capturer's filter, which knows every token registered this run). Goes to
 * `<reports>/support/`; when that folder cannot be created, to the system temp folder.
 */
export async function writeSupportBundle(
  session: Session,
  error: unknown,
  details: { phase: string; exitCode: number },
): Promise<SupportBundle> {
  const { capturer, layout } = session;
  const context = await capturer.capture(error, {
    phase: details.phase,
    component: 'wan22-install',
    operation: session.command,
    correlationId: session.runId,
  });
  const template = await issueTemplate();
  const filter = capturer.redactor();
  const extra = {
    exitCode: details.exitCode,
    installerVersion: await installerVersion(),
    argv: process.argv.slice(2),
    journal: await journalTail(layout.journal),
    failed: session.failed,
    recovery: { thisRun: session.recovered, strategies: await recoveryStore(layout.recoveryStore) },
    health: session.health.report(),
    log: { file: session.log.file ?? null, tail: session.log.tail(200) },
  };
  const safeExtra = redactValue(extra);
  const markdown = [
    capturer.report(context, { format: 'markdown', issueUrl: template }),
    '',
    `## Command\n\n\`wan22-install ${filter(extra.argv.join(' '))}\` → exit ${details.exitCode} (installer ${extra.installerVersion})`,
    '',
    '## Failures (this run)',
    '',
    session.failed.length === 0
      ? 'See the error above.'
      : session.failed
          .map((f) => [`- ${f.what}: ${f.why}`, ...f.steps.slice(0, 4).map((s) => `  - ${s}`)].join('\n'))
          .join('\n'),
    '',
    '## Recovery log (this run)',
    '',
    session.recovered.length === 0
      ? 'Nothing was recovered automatically.'
      : session.recovered.map((r) => `- ${r.what} → ${r.how}`).join('\n'),
    '',
    '## Install journal (last run)',
    '',
    block(safeExtra.journal),
    '',
    '## Health report',
    '',
    session.health.toMarkdown(),
    '',
    `## Run log (last ${Math.min(60, safeExtra.log.tail.length)} lines${extra.log.file ? ` of ${extra.log.file}` : ''}; the JSON bundle has up to 200)`,
    '',
    `\`\`\`jsonl\n${safeExtra.log.tail
      .slice(-60)
      .map((line) => JSON.stringify(line))
      .join('\n')}\n\`\`\``,
    '',
  ].join('\n');
  const json = { schema: 'wan22-install/support-bundle', version: 1, context, ...safeExtra };
  const name = `support-${context.timestamp.replace(/[:.]/g, '-')}-${context.id}`;
  const dir = await mkdir(layout.support, { recursive: true }).then(
    () => layout.support,
    async () => {
      const fallback = path.join(os.tmpdir(), 'wan22-install-support');
      await mkdir(fallback, { recursive: true });
      return fallback;
    },
  );
  const paths = { markdown: path.join(dir, `${name}.md`), json: path.join(dir, `${name}.json`) };
  await writeFile(paths.markdown, filter(markdown));
  await writeFile(paths.json, `${filter(JSON.stringify(redactValue(json), null, 2))}\n`);
  session.log.write('info', 'support-bundle', { ...paths, errorId: context.id });
  // Short enough to click and to read in a terminal; the bundle holds the rest.
  return { ...paths, issueUrl: capturer.issueUrl(context, template, ISSUE_URL_MAX) };
}
