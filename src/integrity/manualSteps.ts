import path from 'node:path';
import type { ErrorClassification } from '../errors/classify.js';
import type { FileStatus } from '../events/integrityEvents.js';

/** What {@link buildManualSteps} needs to know about the file that could not be repaired. */
export interface ManualStepInput {
  readonly model: string;
  readonly path: string;
  readonly status: FileStatus;
  /** Absolute destination. */
  readonly dest: string;
  readonly size: number;
  readonly sha256: string;
  readonly urls: readonly string[];
  readonly classification: ErrorClassification;
  /** Platform for the commands (default: the current one). */
  readonly platform?: NodeJS.Platform;
}

/** Quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function powershellQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The model page behind a Hugging Face resolve URL, for gated-licence steps. */
function hubPage(url: string): string | undefined {
  const match = /^(https:\/\/huggingface\.co\/[^/]+\/[^/]+)\/resolve\//.exec(url);
  return match?.[1];
}

/**
 * Guided steps for a file repair could not fix, built from the classified error: first what to
 * check for that kind of failure, then how to fetch and check the file by hand, then to verify again.
 */
export function buildManualSteps(input: ManualStepInput): string[] {
  const { classification, dest, urls } = input;
  const windows = (input.platform ?? process.platform) === 'win32';
  const steps: string[] = [];
  const url = urls[0];
  const auth = classification.category === 'authentication';

  switch (classification.category) {
    case 'authentication': {
      const page = url ? hubPage(url) : undefined;
      if (page)
        steps.push(`Open ${page} in a browser, sign in and accept the model's licence if it is gated.`);
      steps.push(
        'Create an access token with read permission and set it as HF_TOKEN (or run `huggingface-cli login`), then run repair again.',
      );
      break;
    }
    case 'disk_full':
      steps.push(
        `Free at least ${formatBytes(input.size)} on the volume holding ${path.dirname(dest)} (check with ${windows ? '`Get-PSDrive`' : `\`df -h ${shellQuote(path.dirname(dest))}\``}), or move the install root to a larger volume.`,
        'Stale partial downloads live in the install root under .wan-reliability/partial/; they are safe to delete when nothing is downloading.',
      );
      break;
    case 'permission':
      steps.push(
        `Make ${path.dirname(dest)} writable by the current user (${windows ? 'folder Properties → Security' : `\`ls -ld ${shellQuote(path.dirname(dest))}\`, then chown or chmod`}); do not run the installer as administrator/root instead.`,
      );
      break;
    case 'configuration':
      steps.push(...classification.remediation);
      break;
    case 'corruption':
      steps.push(
        'Every mirror served bytes that do not match the manifest. The manifest may be for another revision, or a mirror is stale: check the revision, and try another mirror.',
      );
      break;
    default:
      steps.push(...classification.remediation);
  }

  // Fetching by hand into a path that leads out of the root would write outside it: fix the link first.
  const outside = input.status === 'unsafe_path' || classification.code === 'ERR_PATH_OUTSIDE_ROOT';
  if (url && !outside) {
    const others = urls.length > 1 ? ` (other mirrors: ${urls.slice(1).join(' , ')})` : '';
    if (windows) {
      const header = auth ? ' -Headers @{ Authorization = "Bearer $env:HF_TOKEN" }' : '';
      steps.push(
        `Download it by hand${others}: Invoke-WebRequest -Uri ${powershellQuote(url)}${header} -OutFile ${powershellQuote(`${dest}.download`)}`,
        `Check it: (Get-FileHash ${powershellQuote(`${dest}.download`)} -Algorithm SHA256).Hash must be ${input.sha256.toUpperCase()} and the size ${input.size} bytes; then rename it to ${dest}.`,
      );
    } else {
      const header = auth ? ' -H "Authorization: Bearer $HF_TOKEN"' : '';
      const temp = shellQuote(`${dest}.download`);
      steps.push(
        `Download it by hand${others}: curl -L --fail -C -${header} -o ${temp} ${shellQuote(url)}`,
        `Check it: sha256sum ${temp} must print ${input.sha256} and the size must be ${input.size} bytes; then mv ${temp} ${shellQuote(dest)}`,
      );
    }
  }
  steps.push(`Run verify again: ${input.model}/${input.path} should then be reported ok.`);
  return steps;
}
