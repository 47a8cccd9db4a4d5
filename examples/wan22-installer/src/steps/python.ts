import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type AlternativeAttempt, type StepHandle, tryAlternatives } from '@wan/reliability/install';
import type { Session } from '../session.js';
import { run } from './run.js';

/** What the Python step installs. */
export interface PythonPlan {
  /** Packages (requirement specifiers) to install into the venv. */
  readonly packages: readonly string[];
  /** Folder of wheels for the offline alternative (`--find-links`). */
  readonly wheelhouse?: string | undefined;
  /** Package index for the plain and no-cache alternatives (default: pip's own). */
  readonly indexUrl?: string | undefined;
  /** Interpreter that creates the venv (default `python3`). */
  readonly python: string;
}

/** The step's outcome, as stored in the journal. */
export interface PythonOutcome {
  [key: string]: string | boolean | string[] | null;
  venv: string;
  recreated: boolean;
  method: string | null;
  attempts: string[];
}

const venvPython = (venv: string) =>
  process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

/** Whether the venv's interpreter runs (a venv whose base Python moved or was removed does not). */
async function healthy(venv: string, signal?: AbortSignal): Promise<boolean> {
  return run(venvPython(venv), ['-c', 'import sys; print(sys.prefix)'], signal).then(
    () => true,
    () => false,
  );
}

/**
 * Creates the venv (recreated with `--clear` when broken) and installs the packages, trying pip
 * plain → `--no-cache-dir` → `--no-index --find-links <wheelhouse>`. Creating the venv and each pip
 * alternative run under the `dependency_install` budget (10 min × --timeout-scale): a pip that hangs
 * is killed with its whole process group when the budget runs out, and the next alternative runs. When the host has pip, the venv
 * is created without its own and the host's pip installs into it (`pip --python`): a fraction of a
 * second instead of ~10 s for ensurepip; without a host pip, the venv gets its own.
 */
export async function runPython(
  session: Session,
  plan: PythonPlan,
  handle: StepHandle,
  signal: AbortSignal,
  onAttempt: (attempt: AlternativeAttempt) => void,
): Promise<PythonOutcome> {
  const venv = session.layout.venv;
  const budget = session.timeouts.get('dependency_install');
  /** Runs a program under the dependency_install budget (the TimeoutManager aborts it, run() kills it). */
  const timed = (name: string, file: string, args: readonly string[], parent: AbortSignal | undefined) =>
    session.timeouts
      .policyFor(name, budget)
      .execute((ctx) => run(file, args, ctx.signal), parent ? { signal: parent } : {});
  const present = await stat(path.join(venv, 'pyvenv.cfg')).then(
    () => true,
    () => false,
  );
  // With a pip on the host, the venv is created without its own (fast); otherwise ensurepip gives it one.
  const hostPip = await timed(
    'python -m pip --version',
    plan.python,
    ['-m', 'pip', '--version'],
    signal,
  ).then(
    () => true,
    () => false,
  );
  const venvArgs = hostPip ? ['--without-pip', venv] : [venv];
  let recreated = false;
  if (!present) {
    await handle.record({ kind: 'created', path: venv });
    await timed('python -m venv', plan.python, ['-m', 'venv', ...venvArgs], signal);
  } else if (!(await healthy(venv, signal))) {
    session.out.warn(`The Python environment ${venv} is broken; recreating it with --clear.`);
    await timed('python -m venv --clear', plan.python, ['-m', 'venv', '--clear', ...venvArgs], signal);
    recreated = true;
  }
  if (plan.packages.length === 0) return { venv, recreated, method: null, attempts: [] };
  const [pipPython, pipTarget] = hostPip
    ? [plan.python, ['--python', venvPython(venv)]]
    : [venvPython(venv), []];
  const base = [
    '-m',
    'pip',
    ...pipTarget,
    'install',
    '--disable-pip-version-check',
    '--retries',
    '1',
    '--timeout',
    '15',
  ];
  const index = plan.indexUrl ? ['--index-url', plan.indexUrl] : [];
  const pip =
    (extra: string[]) =>
    ({ signal: given }: { signal: AbortSignal | undefined }) =>
      timed('pip install', pipPython, [...base, ...extra, ...plan.packages], given ?? signal);
  const { winner, attempts } = await tryAlternatives(
    [
      { name: 'pip', description: 'pip install from the index', run: pip(index) },
      {
        name: 'pip --no-cache-dir',
        description: 'bypass a corrupt pip cache',
        run: pip([...index, '--no-cache-dir']),
      },
      {
        name: 'pip --find-links wheelhouse',
        description: 'offline wheelhouse',
        applies: () => plan.wheelhouse !== undefined,
        run: pip(['--no-index', '--find-links', plan.wheelhouse ?? '']),
      },
    ],
    {
      operation: 'pip install',
      signal,
      onAttempt,
      remediation: [
        'Check the package index (or proxy settings) with `pip download <package>`.',
        'Build an offline wheelhouse with `pip wheel -w wheels <packages>` on a connected machine and pass --wheelhouse wheels.',
      ],
    },
  );
  return { venv, recreated, method: winner, attempts: attempts.map((a) => `${a.name}: ${a.outcome}`) };
}
