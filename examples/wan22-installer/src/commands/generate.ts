import type { Manifest } from '@wan/reliability';
import { EXIT, ExitError } from '../exit.js';
import { loadModelFiles } from '../load.js';
import type { Session } from '../session.js';

/**
 * Generation behind ModelAvailability: a model that is not ready gives a clearly labelled MOCK result
 * saying how to get the real one; a ready model passes the `ensureReady` gate, is verified (sha256)
 * and loaded (headers parsed), and its use is counted. No GPU inference runs in this example.
 */
export async function generate(session: Session, prompt: string, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const model = session.select(manifest)[0];
  if (!model) return EXIT.failed;
  const availability = session.availability(manifest);
  try {
    const [status] = await availability.status(model.id, { signal });
    if (status?.mode !== 'real') {
      const how = [...(status?.steps ?? [])];
      session.out.info(
        `*** MOCK MODE — ${model.id} is ${status?.state ?? 'unknown'}; nothing was loaded and no video was generated. ***`,
      );
      if (status?.reason) session.out.info(`  why: ${status.reason}`);
      for (const f of (status?.missing ?? []).slice(0, 5)) session.out.info(`  not ready: ${f}`);
      session.out.info(`To get the real model: ${how[0] ?? 'wan22-install install'}`);
      session.out.result({
        ok: true,
        exitCode: EXIT.ok,
        mode: 'mock',
        label: 'MOCK: no model loaded, no video generated',
        model: model.id,
        prompt,
        status,
        howToGetRealModel: how,
      });
      return EXIT.ok;
    }
    await availability.ensureReady(model.id, { signal });
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
      `Prompt "${prompt}" is ready for the WAN2.2 runtime (no GPU inference in this example).`,
    );
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      mode: 'real',
      model: model.id,
      revision: model.revision,
      prompt,
      loaded,
    });
    return EXIT.ok;
  } finally {
    availability.close();
  }
}
