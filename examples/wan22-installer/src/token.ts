import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addSecret } from '@wan/reliability/diagnostics';

/** Where a Hugging Face token came from. */
export type TokenSource = 'env' | 'file' | 'prompt';

/**
 * Where huggingface_hub keeps the token (`huggingface-cli login`): `$HF_TOKEN_PATH`, else
 * `$HF_HOME/token`, else `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`.
 */
export function tokenPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_TOKEN_PATH) return path.resolve(env.HF_TOKEN_PATH);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const home = env.HF_HOME || path.join(cache, 'huggingface');
  return path.join(path.resolve(home), 'token');
}

/** A token from the environment: `HF_TOKEN`, or the older `HUGGING_FACE_HUB_TOKEN` (as huggingface_hub). */
export function envToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || '').trim();
  return value === '' ? undefined : value;
}

/** The token saved by `huggingface-cli login` (or `--save-token`); undefined when there is none. */
export async function readSavedToken(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const text = await readFile(tokenPath(env), 'utf8').catch(() => '');
  const token = text.trim();
  if (token === '' || /\s/.test(token)) return undefined;
  addSecret(token);
  return token;
}

/**
 * Saves a token where huggingface_hub reads it, readable by the user only (0600, folder 0700):
 * written to a temp file created with mode 0600, then renamed over the old one.
 */
export async function saveToken(token: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = tokenPath(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(token);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, 0o600);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return file;
}

/** What {@link HubToken} needs from the CLI. */
export interface HubTokenOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Whether a person can be asked (a TTY, no --yes, no CI). */
  readonly interactive: boolean;
  /** Save a prompted token where huggingface_hub keeps it (`--save-token`). */
  readonly save: boolean;
  /** Asks for the token with hidden input; resolves '' when the person skips. */
  readonly ask: (url: string | undefined) => Promise<string>;
  /** Told where a prompted token was saved. */
  readonly onSaved?: (file: string) => void;
}

/**
 * The token provider of the installer's Downloader and update check, asked after a 401/403:
 * `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`), else the token file huggingface_hub uses, else — on a
 * terminal only, and once per run however many files are refused — a hidden prompt. A token that is
 * refused is not asked for again: the run ends with the steps for the person (exit 4). Every token
 * found is registered with `addSecret`, so no output, log or report can show it.
 */
export class HubToken {
  readonly #options: HubTokenOptions;
  #known: Promise<string | undefined> | undefined;
  #prompt: Promise<string | undefined> | undefined;
  /** Where the token in use came from (undefined before one was needed). */
  source: TokenSource | undefined;

  constructor(options: HubTokenOptions) {
    this.#options = options;
  }

  /** Whether a prompt was shown this run. */
  get prompted(): boolean {
    return this.#prompt !== undefined;
  }

  /** The token for a refused request (`url` when the Downloader says which); concurrent calls share one answer. */
  provide = async (url?: unknown): Promise<string | undefined> => {
    this.#known ??= this.#findKnown();
    const known = await this.#known;
    if (known !== undefined || !this.#options.interactive) return known;
    const where = typeof url === 'string' ? url : url instanceof URL ? url.href : undefined;
    this.#prompt ??= this.#ask(where);
    return this.#prompt;
  };

  async #findKnown(): Promise<string | undefined> {
    const env = this.#options.env ?? process.env;
    const fromEnv = envToken(env);
    if (fromEnv !== undefined) {
      addSecret(fromEnv);
      this.source = 'env';
      return fromEnv;
    }
    const saved = await readSavedToken(env);
    if (saved !== undefined) this.source = 'file';
    return saved;
  }

  async #ask(url: string | undefined): Promise<string | undefined> {
    const answer = (await this.#options.ask(url)).trim();
    if (answer === '') return undefined;
    addSecret(answer);
    this.source = 'prompt';
    if (this.#options.save) {
      const file = await saveToken(answer, this.#options.env ?? process.env);
      this.#options.onSaved?.(file);
    }
    return answer;
  }
}
