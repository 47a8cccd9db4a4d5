import { confirm, number, password, select } from '@inquirer/prompts';
import type { RetryDecision, RetryInfo } from '@wan/reliability';
import { redact } from '@wan/reliability/diagnostics';

/** Prompts only on a TTY, never with --yes, under CI, or when stdin/stdout are not terminals. */
export function interactive(options: { yes?: boolean; json?: boolean }): boolean {
  if (options.yes || options.json) return false;
  if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') return false;
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** After the first failure: keep retrying, stop, or change the retry count. */
export async function askRetryDecision(
  info: RetryInfo,
  shorten: (text: string) => string,
): Promise<RetryDecision> {
  const reason = shorten(redact(info.error instanceof Error ? info.error.message : String(info.error)));
  const choice = await select({
    message: `${shorten(info.operation)} failed (${info.classification.category}: ${reason}). What now?`,
    choices: [
      { name: `Retry (${info.retriesLeft} retries left)`, value: 'retry' },
      { name: 'Skip: stop retrying this file', value: 'skip' },
      { name: 'Change the retry count', value: 'count' },
    ],
  });
  if (choice !== 'count') return choice as 'retry' | 'skip';
  const retries = await number({ message: 'Retries from now on', default: 5, min: 0, max: 100 });
  return { retries: retries ?? 5 };
}

/** A yes/no question; without a TTY the default answer is taken. */
export async function ask(question: string, enabled: boolean, fallback: boolean): Promise<boolean> {
  if (!enabled) return fallback;
  return confirm({ message: question, default: fallback });
}

/**
 * Asks for a Hugging Face token with hidden input (nothing is echoed, not even a mask); '' when the
 * person just presses Enter. Only called on a terminal.
 */
export async function askToken(url: string | undefined): Promise<string> {
  const where = url ? redact(url).replace(/^(https?:\/\/[^/]+\/[^/]+\/[^/]+)\/.*$/, '$1') : 'the Hub';
  process.stderr.write(
    `${where} refused access: the model is gated or private.\n` +
      '  Accept its licence on the model page (logged in), create a read token at\n' +
      '  https://huggingface.co/settings/tokens and paste it here (input hidden; Enter skips).\n',
  );
  return password({ message: 'Hugging Face token', mask: false });
}

/** A yes/no question for something that deletes data: default No on a terminal; without one, yes. */
export async function askDestructive(question: string, enabled: boolean): Promise<boolean> {
  if (!enabled) return true;
  return confirm({ message: question, default: false });
}
