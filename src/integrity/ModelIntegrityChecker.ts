import { ReliabilityEmitter } from '../events/emitter.js';
import type { IntegrityEvents } from '../events/integrityEvents.js';
import type { CheckerContext } from './checkerContext.js';
import { createCheckerContext, type ModelIntegrityCheckerOptions } from './checkerOptions.js';
import type { Manifest } from './manifest.js';
import { repairModels } from './repair.js';
import type { IntegrityReport, RepairOptions, RepairResult, VerifyOptions } from './types.js';
import { verifyModels } from './verify.js';

export type { ModelIntegrityCheckerOptions } from './checkerOptions.js';

/**
 * Verifies model files against a manifest and repairs what is wrong: misplaced copies are moved back
 * (no request), missing / partial / corrupt / wrong-size files are downloaded again (resuming
 * partials), and what cannot be fixed comes back with guided manual steps.
 *
 * Events: `integrity:file`, `integrity:hash`, `integrity:verified`, `integrity:repaired`,
 * `integrity:repair-failed`.
 *
 * A thin facade: verification lives in verify.ts / modelReport.ts / inspect.ts / misplaced.ts, repair
 * in repair.ts / repairDownload.ts / repairFailure.ts.
 */
export class ModelIntegrityChecker extends ReliabilityEmitter<IntegrityEvents> {
  /** The install root, absolute. */
  readonly root: string;
  /** The validated manifest. */
  readonly manifest: Manifest;
  private readonly context: CheckerContext;

  constructor(options: ModelIntegrityCheckerOptions) {
    super();
    this.context = createCheckerContext(options, (event, payload) => this.announce(event, payload));
    this.root = this.context.root;
    this.manifest = this.context.manifest;
  }

  /**
   * Checks every file (of `models`, default all). Quick mode (default) trusts the stat cache for
   * files whose size, mtime, ctime and inode are unchanged since they were hashed; `deep` re-hashes
   * everything. Only files whose size is right are hashed; a wrong-size file is `size_mismatch`
   * at once. When a model has a problem, its folder is searched for misplaced copies (only files
   * of a needed size are hashed) and for resumable partial downloads.
   */
  verify(options: VerifyOptions = {}): Promise<IntegrityReport> {
    return verifyModels(this.context, options);
  }

  /**
   * Fixes what `report` (default: a fresh quick verify) found: misplaced files are renamed into place
   * (atomic, no request), missing / partial / size_mismatch / corrupt files are downloaded again with
   * the downloader (which resumes partials and renames only verified files into place), then the
   * affected models are verified again. Files it could not fix come back in `failed` with
   * `manualSteps`. Rejects only when `signal` aborts (partials are kept) or the report does not match
   * the manifest.
   */
  repair(report?: IntegrityReport, options: RepairOptions = {}): Promise<RepairResult> {
    return repairModels(this.context, (verifyOptions) => this.verify(verifyOptions), report, options);
  }
}
