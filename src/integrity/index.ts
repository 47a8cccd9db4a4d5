// `@wan/reliability/integrity`: manifests, verification and repair of model files. Re-exports only.

export type {
  IntegrityEvents,
  IntegrityFileEvent,
  IntegrityHashEvent,
  IntegrityRepairedEvent,
  IntegrityRepairFailedEvent,
  IntegrityVerifiedEvent,
} from '../events/integrityEvents.js';
export {
  type FileIdentity,
  type Hasher,
  type HashOptions,
  HashPool,
  type HashPoolOptions,
  type HashResult,
} from './hashPool.js';
export { ModelIntegrityChecker, type ModelIntegrityCheckerOptions } from './ModelIntegrityChecker.js';
export {
  fileUrls,
  loadManifest,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type ManifestFile,
  type ManifestModel,
  parseManifest,
} from './manifest.js';
export { fileUrl, isSafeRelativePath, modelIdProblems, pathProblems } from './paths.js';
export type {
  ActualContent,
  ExpectedContent,
  FailedFile,
  FileFetcher,
  FileFetchOptions,
  FileFetchProgress,
  FileFetchRequest,
  FileFetchResult,
  FileReport,
  FileStatus,
  IntegrityReport,
  ModelReport,
  RepairedFile,
  RepairOptions,
  RepairProgress,
  RepairResult,
  VerifyOptions,
  VerifyProgress,
  VerifyStats,
} from './types.js';
