import type { Manifest } from '@wan/reliability';
import { EXIT } from '../exit.js';
import { modelStates } from '../lifecycle.js';
import { loadModelFiles } from '../load.js';
import type { Session } from '../session.js';
import { recordUse } from '../usage.js';

/**
 * Generation behind an `ensureReady` gate: a ready model is verified (sha256 of every file) and
 * loaded (headers parsed); a missing one gives a clearly labelled MOCK result that says how to get
 * the real model. No GPU inference runs in this example.
 */
export async function generate(session: Session, prompt: string, signal: AbortSignal): Promise<number> {
  const manifest = (await session.manifest()) as Manifest;
  const model = session.select(manifest)[0];
  if (!model) return EXIT.failed;
  const report = await session.checker(manifest).verify({ models: [model.id], deep: true, signal });
  const [state] = await modelStates(session, manifest, report);
  if (state?.state !== 'ready') {
    const how = [
      `wan22-install install --models ${model.id} --dir "${session.layout.root}" --yes`,
      ...(state?.actions ?? []),
    ];
    session.out.info(
      `*** MOCK MODE — ${model.id} is ${state?.state ?? 'unknown'}; nothing was loaded and no video was generated. ***`,
    );
    for (const f of [...(state?.missing ?? []), ...(state?.corrupt ?? [])].slice(0, 5))
      session.out.info(`  not ready: ${f}`);
    session.out.info(`To get the real model: ${how[0]}`);
    session.out.result({
      ok: true,
      exitCode: EXIT.ok,
      mode: 'mock',
      label: 'MOCK: no model loaded, no video generated',
      model: model.id,
      prompt,
      state,
      howToGetRealModel: how,
    });
    return EXIT.ok;
  }
  const loaded = await loadModelFiles(session.layout.root, model);
  await recordUse(session.layout.usage, model.id);
  session.out.info(
    `${model.id} loaded for real: ${loaded.files} files verified by sha256, ${loaded.tensors} tensors (${loaded.parameters} parameters), ${loaded.checkpoints} checkpoints, ${loaded.configs} configs.`,
  );
  session.out.info(`Prompt "${prompt}" is ready for the WAN2.2 runtime (no GPU inference in this example).`);
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
}
