import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '@wan/reliability';
import { detectGpus } from '@wan/reliability/diagnostics';
import type { StepHandle } from '@wan/reliability/install';
import type { ManifestModel } from '@wan/reliability/integrity';
import { RecoveryRegistry, safeDefaultsConfig } from '@wan/reliability/recovery';
import type { Session } from '../session.js';

/** Lowest-memory settings: they run (slowly) anywhere WAN2.2 runs at all. */
export const SAFE_DEFAULTS = Object.freeze({
  version: 1,
  source: 'safe-defaults',
  runtime: { device: 'cuda', offload_model: true, convert_model_dtype: true, t5_cpu: true },
});

/** The step's outcome, as stored in the journal. */
export interface ConfigOutcome {
  [key: string]: string | null;
  path: string;
  source: 'generated' | 'safe-defaults';
  /** How it was recovered, when safe defaults were written. */
  recovery: string | null;
}

/** Settings from the best GPU's VRAM (WAN2.2 README: A14B ≥ 80 GB on one GPU, TI2V-5B ≥ 24 GB). */
function runtimeFor(vram: number | null): Record<string, string | boolean> {
  if (vram === null) return { ...SAFE_DEFAULTS.runtime, device: 'cpu-only (no GPU found)' };
  if (vram >= 80e9)
    return { device: 'cuda', offload_model: false, convert_model_dtype: false, t5_cpu: false };
  return { device: 'cuda', offload_model: true, convert_model_dtype: true, t5_cpu: true };
}

/**
 * Writes `wan22.config.json`: the user's own keys are kept, runtime settings follow the GPU. When
 * that fails (unreadable config, GPU probe error), RecoveryRegistry's safe-defaults strategy sets the
 * broken file aside and writes {@link SAFE_DEFAULTS} so the install goes on.
 */
export async function runConfig(
  session: Session,
  models: readonly ManifestModel[],
  handle: StepHandle,
  signal: AbortSignal,
): Promise<ConfigOutcome> {
  const file = session.layout.config;
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    await handle.record({ kind: 'created', path: file });
  } else {
    // Keep the current file so `rollback` can put it back.
    const backup = path.join(session.layout.previous, `wan22.config-${Date.now()}.json`);
    await mkdir(session.layout.previous, { recursive: true });
    await handle.record({ kind: 'replaced', path: file, backup });
    await copyFile(file, backup);
  }
  try {
    const user: unknown = existing === undefined ? {} : JSON.parse(existing);
    if (typeof user !== 'object' || user === null || Array.isArray(user)) {
      throw new ConfigurationError(file, 'a JSON object', user);
    }
    const gpus = await detectGpus();
    const best = gpus.reduce<number | null>((max, g) => Math.max(max ?? 0, g.vramBytes ?? 0) || max, null);
    const config = {
      ...user,
      version: 1,
      source: 'generated',
      models: Object.fromEntries(
        models.map((m) => [m.id, { path: `${session.layout.root}/${m.id}`, revision: m.revision }]),
      ),
      runtime: runtimeFor(best),
    };
    await writeFile(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return { path: file, source: 'generated', recovery: null };
  } catch (error) {
    const registry = new RecoveryRegistry({ store: session.layout.recoveryStore });
    registry.register('*', safeDefaultsConfig({ path: file, defaults: { ...SAFE_DEFAULTS } }));
    const result = await registry.recover(error, {
      component: 'config',
      operation: 'generate',
      signal,
      data: { configPath: file },
    });
    if (result.action === 'manual' || result.action === 'fail') throw error;
    const notes = result.attempts.flatMap((a) => a.notes).join('; ');
    session.out.warn(`Configuration: ${error instanceof Error ? error.message : String(error)} — ${notes}`);
    return {
      path: file,
      source: 'safe-defaults',
      recovery: `${result.strategy ?? 'safe-defaults-config'}: ${notes}`,
    };
  }
}
