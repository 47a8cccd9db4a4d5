import { classifyError } from '@wan/reliability';
import type { FailedFile, Manifest } from '@wan/reliability/integrity';
import { EXIT, ExitError } from './exit.js';
import { modelPage } from './hub.js';
import type { TokenSource } from './token.js';

/** Files the Hub refused (401/403): a person has to act (licence, token); retrying cannot help. */
export function refusedFiles(failed: readonly FailedFile[]): FailedFile[] {
  return failed.filter((f) => classifyError(f.error).category === 'authentication');
}

const SOURCES: Readonly<Record<TokenSource, string>> = {
  env: 'the token in HF_TOKEN',
  file: 'the token saved by huggingface-cli login (or --save-token)',
  prompt: 'the token you entered',
};

/**
 * The exit-4 error for refused files: which models, and what to do — accept the licence on the
 * model page, create a read token, set HF_TOKEN (or log in once with huggingface-cli, or run on a
 * terminal to be asked, with --save-token to keep it). The token itself is never part of it.
 */
export function accessError(
  manifest: Manifest,
  refused: readonly FailedFile[],
  tokenSource: TokenSource | undefined,
): ExitError {
  const models = [...new Set(refused.map((f) => f.model))];
  const statuses = [
    ...new Set(refused.map((f) => classifyError(f.error).status).filter((s) => s !== undefined)),
  ];
  const pages = models.map((id) => {
    const model = manifest.models.find((m) => m.id === id);
    return `${id}: ${(model && modelPage(model)) ?? 'its Hub page'}`;
  });
  const used = tokenSource ? `${SOURCES[tokenSource]} was refused` : 'no token was given';
  const message = [
    `The Hub refused access to ${models.join(', ')} (HTTP ${statuses.join('/') || '401/403'}, ${refused.length} file${refused.length === 1 ? '' : 's'}; ${used}): the model is gated or private.`,
    `  1. Open the model page logged in and accept its licence — ${pages.join('; ')}.`,
    '  2. Create a read token at https://huggingface.co/settings/tokens (with the account that accepted).',
    '  3. Set HF_TOKEN to it (or run `huggingface-cli login`), or run this command on a terminal to be asked once (--save-token keeps it), then run the same command again: downloaded files are kept.',
  ].join('\n');
  return new ExitError(message, EXIT.action, { cause: refused[0]?.error });
}
