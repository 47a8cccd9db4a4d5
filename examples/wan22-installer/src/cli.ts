import { Command, CommanderError, Option } from 'commander';
import { doctor } from './commands/doctor.js';
import { generate, waitFlag } from './commands/generate.js';
import { type InstallFlags, install, installFlags } from './commands/install.js';
import { models } from './commands/models.js';
import { pin } from './commands/pin.js';
import { report } from './commands/report.js';
import { repair, status } from './commands/status.js';
import { rollback, update } from './commands/update.js';
import { describeError, EXIT, exitCodeFor } from './exit.js';
import { type GlobalOptions, Session } from './session.js';

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

/** Runs one command with a Session built from the global options, mapping errors to exit codes. */
function action<L>(body: (session: Session, local: L) => Promise<number>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as GlobalOptions;
    let session: Session | undefined;
    try {
      session = new Session(options);
      finish(await body(session, command.opts() as L));
    } catch (error) {
      const code = controller.signal.aborted ? EXIT.interrupted : exitCodeFor(error);
      const message =
        code === EXIT.interrupted
          ? 'Interrupted; run the same command again to resume.'
          : describeError(error);
      process.stderr.write(`wan22-install: ${message}\n`);
      if (options.json && !session?.out.printed) {
        process.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error: message }, null, 2)}\n`);
      }
      finish(code);
    } finally {
      session?.close();
    }
  };
}

const program = new Command('wan22-install')
  .description('Reference WAN2.2 installer built on @wan/reliability')
  .option('--manifest <path>', 'model manifest (JSON); default: the one saved by the last install in --dir')
  .option('--dir <path>', 'install folder', 'wan22-models')
  .option('--models <ids>', 'comma-separated model ids (default: all in the manifest)')
  .option('--yes', 'never prompt (also implied by CI or no TTY)')
  .option('--json', 'machine-readable result on stdout; messages go to stderr')
  .option('--deep', 'status/repair: re-hash every file instead of trusting the stat cache')
  .option('--bandwidth <rate>', 'download bandwidth limit, e.g. 500k, 10M')
  .option('--max-retries <n>', 'retries per file and mirror (default 4)')
  .option('--report-dir <path>', 'where health reports go (default <dir>/reports)')
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
  .action(action((s) => status(s, controller.signal)));
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
  .description('show the last health report')
  .action(action((s) => report(s)));
program
  .command('models')
  .description('usage, size and cleanup suggestions')
  .action(action((s) => models(s, controller.signal)));
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
