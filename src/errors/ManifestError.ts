import { ReliabilityError } from './ReliabilityError.js';

/** One problem found in a manifest: where (a JSON path such as `$.models[0].files[2].path`) and what. */
export interface ManifestProblem {
  /** JSON path of the offending value, `$` being the whole document. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** How many problems the message spells out; `problems` always holds all of them. */
const MESSAGE_LIMIT = 50;

/**
 * A model manifest is invalid (or could not be read). `problems` lists **every** problem found, each
 * with its JSON path, so a manifest author fixes them all in one pass. Category `validation`.
 */
export class ManifestError extends ReliabilityError {
  /** Every problem found, in document order. */
  readonly problems: readonly ManifestProblem[];
  /** The manifest file, when it was loaded from one. */
  readonly source: string | undefined;

  constructor(
    problems: readonly ManifestProblem[],
    options: { source?: string | undefined; cause?: unknown; remediation?: readonly string[] } = {},
  ) {
    const list = problems.length > 0 ? problems : [{ path: '$', message: 'invalid manifest' }];
    const where =
      options.source === undefined ? 'Invalid model manifest' : `Invalid model manifest ${options.source}`;
    const shown = list.slice(0, MESSAGE_LIMIT).map((p) => `  - ${p.path}: ${p.message}`);
    if (list.length > MESSAGE_LIMIT)
      shown.push(`  … and ${list.length - MESSAGE_LIMIT} more (see error.problems)`);
    const count = list.length === 1 ? '1 problem' : `${list.length} problems`;
    super(`${where}: ${count}\n${shown.join('\n')}`, 'ERR_MANIFEST_INVALID', 'validation', {
      cause: options.cause,
      remediation: options.remediation ?? [
        'Fix each listed problem in the manifest; the JSON path before each message says where it is.',
        'Take sizes and sha256 values from the Hub tree API pinned to a commit (`lfs.size`, `lfs.oid`), never from documentation.',
        'Paths are relative to the model folder, use `/` between segments, and never contain `..`, `.` or empty segments.',
      ],
    });
    this.problems = Object.freeze(list.map((p) => Object.freeze({ path: p.path, message: p.message })));
    this.source = options.source;
  }
}
