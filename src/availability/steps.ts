import type { ManifestModel } from '../integrity/manifest.js';
import { formatGB } from '../monitor/format.js';
import type { ModelState } from './types.js';

function hosts(model: ManifestModel): string {
  const names = new Set<string>();
  for (const mirror of model.mirrors) {
    try {
      names.add(new URL(mirror.split('{revision}').join('r')).host);
    } catch {
      // Mirrors were validated by the manifest schema; an unparsable one is simply not named.
    }
  }
  return [...names].join(', ');
}

/** Generic steps to get the real model, for apps that give no `setupSteps` of their own. */
export function defaultSteps(
  model: ManifestModel,
  state: ModelState,
  root: string,
  bytesToDownload: number | undefined,
): string[] {
  const size = bytesToDownload ?? model.files.reduce((sum, f) => sum + f.size, 0);
  const action =
    state === 'corrupt'
      ? `Repair it: ModelIntegrityChecker#repair (or ensureReady('${model.id}')) downloads the damaged files again`
      : `Download it: ensureReady('${model.id}') (or your installer's install command) fetches what is missing`;
  return [
    `${action}; it needs network access to ${hosts(model)}.`,
    `Keep at least ${formatGB(size)} free under ${root}; partial downloads resume where they stopped.`,
  ];
}
