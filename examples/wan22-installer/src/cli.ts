import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { doctor } from './commands/doctor.js';
import { generate, waitFlag } from './commands/generate.js';
import { type InstallFlags, install, installFlags } from './commands/install.js';
import { models, unusedDaysFlag } from './commands/models.js';
import { pin } from './commands/pin.js';
import { cancel, remove } from './commands/remove.js';
import { report } from './commands/report.js';
import { repair, status } from './commands/status.js';
import { rollback, update } from './commands/update.js';
import { BUNDLE_CODES, describeError, EXIT, exitCodeFor } from './exit.js';
import { type GlobalOptions, Session } from './session.js';
import { writeSupportBundle } from './support.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) process.exit(EXIT.interrupted);
  process.stderr.write('\nPausing downloads (Ctrl-C again to quit at once)…\n');
  controller.abort();
});
process.on('SIGTERM', () => controller.abort());

function finish(code: number): void {
  process.exitCode = code;
  // Exit once stdout and stderr are flushed (writes complete in order): idle keep-alive sockets or
  // worker threads of the hashing pools must not keep a finished CLI alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * A failed command leaves a support bundle (error context, system snapshot, journal, recovery log,
 * health report, log tail) and says where it is and how to report it. Never fails itself.
 */
async function supportBundle(
  session: Session,
  error: unknown,
  phase: string,
  exitCode: number,
): Promise<void> {
  try {
    const bundle = await writeSupportBundle(session, error, { phase, exitCode });
    session.out.warn(`Support bundle: ${bundle.markdown} (and .json)`);
    session.out.warn(
      `Report it with the details filled in (nothing secret is in the link): ${bundle.issueUrl}`,
    );
    session.out.warn(`Attach logs and reports: wan22-install report --bundle --dir "${session.layout.root}"`);
  } catch (failure) {
    session.out.warn(`(no support bundle: ${describeError(failure)})`);
  }
}

/** Runs one command with a Session built from the global options, mapping errors to exit codes. */
function action<L>(body: (session: Session, local: L, args: string[]) => Promise<number>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as GlobalOptions;
    const name = command.name();
    let session: Session | undefined;
    let code: number = EXIT.failed;
    try {
      session = new Session(options, name);
      // Static system facts (OS, CPU, GPUs, Python) are probed in the background now, so that
      // capturing a failure later costs milliseconds.
      session.capturer.warmUp();
      session.log.write('info', 'start', { command: name, argv: process.argv.slice(2), version: VERSION });
      code = await body(session, command.opts() as L, args.slice(0, -2) as string[]);
      if (session.failure && BUNDLE_CODES.has(code)) {
        await supportBundle(session, session.failure.error, session.failure.phase, code);
      }
    } catch (error) {
      code = controller.signal.aborted ? EXIT.interrupted : exitCodeFor(error);
      const message =
        code === EXIT.interrupted
          ? 'Interrupted; run the same command again to resume.'
          : describeError(error);
      process.stderr.write(`wan22-install: ${message}\n`);
      session?.log.write('error', 'failed', { exitCode: code, message });
      if (session && BUNDLE_CODES.has(code)) await supportBundle(session, error, name, code);
      if (options.json && !session?.out.printed) {
        process.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error: message }, null, 2)}\n`);
      }
    } finally {
      session?.log.write('info', 'end', { exitCode: code });
      session?.log.attach(session.layout.root);
      session?.close();
    }
    finish(code);
  };
}

const program = new Command('wan22-install')
  .description('Reference WAN2.2 installer built on @wan/reliability')
  .version(VERSION, '-V, --version', 'print the installer version')
  .option('--manifest <path>', 'model manifest (JSON); default: the one saved by the last install in --dir')
  .option('--dir <path>', 'install folder', 'wan22-models')
  .option('--models <ids>', 'comma-separated model ids (default: all in the manifest)')
  .option('--yes', 'never prompt (also implied by CI or no TTY)')
  .option('--json', 'machine-readable result on stdout; messages go to stderr')
  .option('--deep', 'status/repair: re-hash every file instead of trusting the stat cache')
  .option('--bandwidth <rate>', 'download bandwidth limit, e.g. 500k, 10M')
  .option('--max-retries <n>', 'retries per file and mirror, at 2 s, 4 s, 8 s ± 20 % (default 3)')
  .option('--report-dir <path>', 'where health reports go (default <dir>/reports)')
  .option('--timeout-scale <factor>', 'multiply every time budget (model download, pip, validation, …)', '1')
  .option('--save-token', 'keep a Hugging Face token typed at the prompt where huggingface_hub reads it')
  .option('--disk-warn-at <percent>', 'warn when the install volume is this full (default 80)')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

installFlags(
  program.command('install').description('preflight, Python env, config, models, verify, reports'),
).action(action<InstallFlags>((session, flags) => install(session, flags, controller.signal)));
program
  .command('doctor')
  .description('check this machine')
  .action(action((s) => doctor(s, controller.signal)));
program
  .command('status')
  .description('state of each model')
  .option('--offline', 'do not ask the Hub for newer revisions')
  .action(action<{ offline?: boolean }>((s, flags) => status(s, flags, controller.signal)));
program
  .command('repair')
  .description('re-download what is missing or corrupt')
  .action(action((s) => repair(s, controller.signal)));
program
  .command('update')
  .description('move installed models to the revision in --manifest')
  .action(action((s) => update(s, controller.signal)));
program
  .command('rollback')
  .description('undo the last install or update')
  .action(action((s) => rollback(s, controller.signal)));
program
  .command('report')
  .description('show the last health report, or pack logs and reports for support')
  .option('--bundle', 'pack logs, reports and the install state into one redacted .tar.gz')
  .option(
    '--output <file>',
    'where --bundle writes the archive (default <report-dir>/wan22-support-<time>.tar.gz)',
  )
  .action(action<{ bundle?: boolean; output?: string }>((s, flags) => report(s, flags)));
program
  .command('models')
  .description('usage, size and cleanup suggestions')
  .option('--unused-days <n>', 'advise removing models not used for this many days', '30')
  .action(
    action<{ unusedDays?: string }>((s, flags) =>
      models(s, { unusedDays: unusedDaysFlag(flags.unusedDays) }, controller.signal),
    ),
  );
program
  .command('remove')
  .description('delete an installed model and its partial downloads (asks first on a terminal)')
  .argument('<model>', 'model id, e.g. Wan2.2-T2V-A14B')
  .action(action((s, _flags, [model]) => remove(s, model ?? '')));
program
  .command('cancel')
  .description('abandon an interrupted install: delete its partial downloads and journal')
  .action(action((s) => cancel(s)));
program
  .command('generate')
  .description('load a model (or a labelled mock when it is missing)')
  .addOption(new Option('--prompt <text>', 'what to generate').default('a red panda surfing at sunset'))
  .option('--wait <seconds>', 'download a model that is not ready and wait for it (default: mock at once)')
  .action(
    action<{ prompt: string; wait?: string }>((s, flags) =>
      generate(s, { prompt: flags.prompt, ...waitFlag(flags.wait) }, controller.signal),
    ),
  );
program
  .command('manifest')
  .description('manifest tools')
  .command('pin')
  .description('fill sizes and sha256 into a template from the Hub API')
  .requiredOption('--template <path>', 'manifest template (repo ids and file names)')
  .option('--output <path>', 'where to write the pinned manifest (default stdout)')
  .option('--endpoint <url>', 'Hub endpoint (default https://huggingface.co or the template’s)')
  .action(
    action<{ template: string; output?: string; endpoint?: string }>((s, flags) =>
      pin(s, flags, controller.signal),
    ),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    finish(
      error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage,
    );
  } else {
    process.stderr.write(`wan22-install: ${describeError(error)}\n`);
    finish(EXIT.failed);
  }
}
