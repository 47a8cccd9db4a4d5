import { detectGpus, WAN22_VRAM_REQUIREMENTS } from '@wan/reliability/diagnostics';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import { formatBytes } from './parse.js';

/** A model this machine cannot run, and the manifest's alternative that it can (or needs least). */
export interface AlternativeOffer {
  /** The selected model. */
  readonly model: string;
  /** Its alternative from the manifest (`alternatives`). */
  readonly alternative: string;
  /** Why, for people. */
  readonly reason: string;
}

/** VRAM of the best GPU in bytes; null without a GPU (or when detection fails or runs out of time). */
export async function bestVram(timeoutMs: number): Promise<number | null> {
  const gpus = await detectGpus(timeoutMs).catch(() => []);
  const best = Math.max(0, ...gpus.map((g) => g.vramBytes ?? 0));
  return best > 0 ? best : null;
}

/**
 * For each selected model that needs more GPU memory than the best GPU has (WAN2.2 README: A14B
 * ≥ 80 GB on one GPU, TI2V-5B ≥ 24 GB), the first manifest alternative that fits — or, when none
 * fits, the one that needs least — as an offer. Alternatives already selected are not offered.
 */
export function alternativeOffers(
  manifest: Manifest,
  selected: readonly ManifestModel[],
  vram: number | null,
): AlternativeOffer[] {
  const chosen = new Set(selected.map((m) => m.id));
  const need = (id: string) => WAN22_VRAM_REQUIREMENTS[id] ?? 0;
  const has = vram === null ? 'no GPU was found' : `the best GPU has ${formatBytes(vram)}`;
  const offers: AlternativeOffer[] = [];
  for (const model of selected) {
    if (need(model.id) === 0 || (vram !== null && vram >= need(model.id))) continue;
    const options = model.alternatives.filter(
      (id) => manifest.models.some((m) => m.id === id) && !chosen.has(id),
    );
    if (options.length === 0) continue;
    const fits = options.find((id) => vram !== null && vram >= need(id));
    const alternative = fits ?? [...options].sort((a, b) => need(a) - need(b))[0];
    if (alternative === undefined) continue;
    offers.push({
      model: model.id,
      alternative,
      reason: `${model.id} needs a GPU with ${formatBytes(need(model.id))}; ${has}. ${alternative} needs ${formatBytes(need(alternative))}${fits ? ' and fits' : ''}.`,
    });
  }
  return offers;
}
