import type { UpdateSource } from '@wan/reliability/availability';
import { redact } from '@wan/reliability/diagnostics';
import type { Manifest, ManifestModel } from '@wan/reliability/integrity';
import { UsageError } from './exit.js';

/** The Hugging Face Hub default endpoint (huggingface_hub's default for HF_ENDPOINT). */
const HUB_ENDPOINT = 'https://huggingface.co';

/**
 * The one origin the Hub token may be sent to: `HF_ENDPOINT` when set (a private Hub or a Hub
 * mirror such as hf-mirror.com, as in huggingface_hub), else https://huggingface.co.
 */
export function hubOrigin(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = env.HF_ENDPOINT?.trim() || HUB_ENDPOINT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL, got "${redact(endpoint)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL, got "${redact(endpoint)}"`);
  }
  return url.origin;
}

/**
 * Per-request limit of the update check. Short on purpose: an offline machine (or a firewalled Hub)
 * must show "update check failed" within seconds, not hold `status` for the library's 15 s per request.
 */
const UPDATE_TIMEOUT_MS = 5_000;

/** `<origin>/[prefix/]<org>/<name>/resolve/…`: a Hub-shaped download URL (prefix: the demo's mirror kinds). */
const RESOLVE_URL = /^(https?:\/\/[^/?#]+)\/(?:[^?#]*\/)?([^/?#]+\/[^/?#]+)\/resolve\//;

/** The Hub page of a model (where its licence is accepted), from its first Hub-shaped mirror. */
export function modelPage(model: ManifestModel): string | undefined {
  for (const url of model.mirrors) {
    const match = RESOLVE_URL.exec(url);
    if (match?.[1] && match[2]) return `${match[1]}/${decodeURIComponent(match[2])}`;
  }
  return undefined;
}

/**
 * Where `status` asks for newer revisions (the Hub model API): `HF_ENDPOINT` when set (as in
 * huggingface_hub), else the Hugging Face mirror of the manifest, else the origin of its first
 * Hub-shaped mirror (the demo mirror serves the same API). The repository is read from the mirrors.
 */
export function hubSource(
  manifest: Manifest,
  token: () => Promise<string | undefined> | string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Partial<UpdateSource> {
  const shaped = manifest.models.flatMap((m) =>
    m.mirrors.map((url) => RESOLVE_URL.exec(url)).filter((x) => x !== null),
  );
  const origins = shaped.map((match) => match[1] as string);
  const baseUrl =
    env.HF_ENDPOINT?.replace(/\/+$/, '') ||
    origins.find((origin) => origin === 'https://huggingface.co') ||
    origins[0] ||
    'https://huggingface.co';
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL, got "${baseUrl}"`);
  }
  // The update check may ask a Hub-shaped mirror; the token goes only to the Hub itself.
  const tokenAllowed = origin === hubOrigin(env);
  return {
    baseUrl,
    timeout: UPDATE_TIMEOUT_MS,
    token: () => (tokenAllowed ? token() : undefined),
    repoOf: (model) => {
      const matches = model.mirrors.map((url) => RESOLVE_URL.exec(url)).filter((x) => x !== null);
      const best = matches.find((match) => match[1] === origin) ?? matches[0];
      return best?.[2] === undefined ? undefined : decodeURIComponent(best[2]);
    },
  };
}
