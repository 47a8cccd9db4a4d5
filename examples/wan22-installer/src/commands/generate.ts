import { ModelUnavailableError } from '@wan/reliability';
import type { AvailabilityProgress, ModelStatus } from '@wan/reliability/availability';
import type { Manifest } from '@wan/reliability/integrity';
import { EXIT, ExitError, UsageError } from '../exit.js';
import { loadModelFiles } from '../load.js';
import { formatBytes, parseCount } from '../parse.js';
import type { Session } from '../session.js';

/** Flags of `generate`. */
export interface GenerateFlags {
  prompt: string;
  /** Seconds to wait for a model that is not ready (downloading it); absent: mock at once. */
  wait?: number;
}

/** `--wait <seconds>` → `{ wait }` (a whole number ≥ 1), or nothing when the flag is absent. */
export function waitFlag(text: string | undefined): { wait?: number } {
  if (text === undefined) return {};
  const wait = parseCount('--wait', text);
  if (wait < 1) throw new UsageError(`--wait ${text}: expected at least 1 second`);
  return { wait };
}

/** Why generation runs as a mock, and how to get the real model. */
interface MockCause {
  readonly state: string;
  readonly reason: string | undefined;
  readonly missing: readonly string[];
  readonly alternatives: readonly string[];
  readonly steps: readonly string[];
}

/**
 * Generation behind ModelAvailability. A ready model passes the `ensureReady` gate, is verified
 * (sha256) and loaded (headers parsed), and its use is counted. A model that is not ready gives a
 * clearly labelled MOCK result saying how to get the real one — at once, or with `--wait N` after
 * `ensureReady` downloaded it with progress for up to N seconds (partials are kept when it gives up).
 * No GPU inference runs in this example.
 */
export async function generate(session: Session, flags: GenerateFlags, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const model = session.select(manifest)[0];
  if (!model) return EXIT.failed;
  const availability = session.availability(manifest);
  try {
    const [status] = await availability.status(model.id, { signal });
    if (status?.mode !== 'real') {
      if (flags.wait === undefined) return mock(session, model.id, flags.prompt, causeOf(status), true);
      session.out.info(
        `${model.id} is ${status?.state ?? 'unknown'}; downloading it (waiting up to ${flags.wait} s)…`,
      );
      try {
        await availability.ensureReady(model.id, {
          signal,
          timeout: flags.wait * 1000,
          onProgress: progressPrinter(session),
        });
      } catch (error) {
        if (!(error instanceof ModelUnavailableError)) throw error;
        const cause = {
          ...causeOf(status),
          reason: error.reason,
          alternatives: error.alternatives,
          steps: error.steps,
        };
        return mock(session, model.id, flags.prompt, cause, false);
      }
    } else {
      await availability.ensureReady(model.id, { signal });
    }
    const deep = await session.checker(manifest).verify({ models: [model.id], deep: true, signal });
    if (!deep.ok) {
      const bad = deep.models.flatMap((m) =>
        m.files.filter((f) => f.status !== 'ok').map((f) => `${f.path} (${f.status})`),
      );
      throw new ExitError(
        `${model.id} failed its full hash check (${bad.join(', ')}); run: wan22-install repair --models ${model.id} --yes`,
        EXIT.failed,
      );
    }
    const loaded = await loadModelFiles(session.layout.root, model);
    await availability.recordUse(model.id);
    session.out.info(
      `${model.id} loaded for real: ${loaded.files} files verified by sha256, ${loaded.tensors} tensors (${loaded.parameters} parameters), ${loaded.checkpoints} checkpoints, ${loaded.configs} configs.`,
    );
    session.out.info(
      `Prompt "${flags.prompt}" is ready for the WAN2.2 runtime (no GPU inference in this example).`,
    );
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      mode: 'real',
      model: model.id,
      revision: model.revision,
      prompt: flags.prompt,
      loaded,
    });
    return EXIT.ok;
  } finally {
    availability.close();
  }
}

function causeOf(status: ModelStatus | undefined): MockCause {
  return {
    state: status?.state ?? 'unknown',
    reason: status?.reason,
    missing: status?.missing ?? [],
    alternatives: status?.alternatives ?? [],
    steps: status?.steps ?? [],
  };
}

/** The labelled mock: what is missing, ready alternatives, and the way to the real model. */
function mock(session: Session, id: string, prompt: string, cause: MockCause, canWait: boolean): number {
  const { out } = session;
  out.info(`*** MOCK MODE — ${id} is ${cause.state}; nothing was loaded and no video was generated. ***`);
  if (cause.reason) out.info(`  why: ${cause.reason}`);
  for (const f of cause.missing.slice(0, 5)) out.info(`  not ready: ${f}`);
  for (const alt of cause.alternatives) out.info(`  ready now instead: ${alt} (--models ${alt})`);
  out.info(`To get the real model: ${cause.steps[0] ?? 'wan22-install install'}`);
  if (canWait) out.info('  (or: generate --wait <seconds> downloads it now and waits for it)');
  out.result({
    ok: true,
    exitCode: EXIT.ok,
    mode: 'mock',
    label: 'MOCK: no model loaded, no video generated',
    model: id,
    prompt,
    state: cause.state,
    reason: cause.reason ?? null,
    alternatives: cause.alternatives,
    howToGetRealModel: cause.steps,
  });
  return EXIT.ok;
}

/** One progress line on stderr at most every 2 s (and at 100 %): percent, bytes, ETA. */
function progressPrinter(session: Session): (p: AvailabilityProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 2000 && p.percent < 100) return;
    last = now;
    const eta = p.etaSeconds === undefined ? '' : `, ~${Math.ceil(p.etaSeconds)} s left`;
    session.out.warn(
      `  ${p.id}: ${p.percent.toFixed(0)} % (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${eta})`,
    );
  };
}
